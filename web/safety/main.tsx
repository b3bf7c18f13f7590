/**
 * @module web/safety/main
 * Entry of the safety page (`/safety`, DESIGN §4).
 */
import { mount } from '../shared/mount.tsx'
import { SafetyPage } from './SafetyPage.tsx'

mount('safety', <SafetyPage />)
