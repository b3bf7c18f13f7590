/**
 * @module web/safety/main
 * Entry of the safety page (`/safety`, DESIGN §4).
 */
import { addPageMessages } from '../shared/locales.ts'
import { mount } from '../shared/mount.tsx'
import { SafetyPage } from './SafetyPage.tsx'

// This page's own text in every language (the shared set leaves it out: web/shared/locales.ts).
addPageMessages(
  import.meta.glob('../locales/*.json', { eager: true, import: 'default', query: '?only=safety' }),
)

mount('safety', <SafetyPage />)
