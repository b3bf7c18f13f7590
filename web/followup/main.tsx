/**
 * @module web/followup/main
 * Entry of the follow-up page (`/followup`, DESIGN §8).
 */
import { addPageMessages } from '../shared/locales.ts'
import { mount } from '../shared/mount.tsx'
import { FollowupApp } from './FollowupApp.tsx'

// This page's own text in every language (the shared set leaves it out: web/shared/locales.ts).
addPageMessages(
  import.meta.glob('../locales/*.json', { eager: true, import: 'default', query: '?only=followup' }),
)

mount('followup', <FollowupApp />)
