/**
 * @module web/followup/main
 * Entry of the follow-up page (`/followup`, DESIGN §8).
 */
import { mount } from '../shared/mount.tsx'
import { FollowupApp } from './FollowupApp.tsx'

mount('followup', <FollowupApp />)
