/**
 * @module web/intake/main
 * Entry of the intake page (`/`, DESIGN §8).
 */
import { mount } from '../shared/mount.tsx'
import { IntakeApp } from './IntakeApp.tsx'

mount('intake', <IntakeApp />)
