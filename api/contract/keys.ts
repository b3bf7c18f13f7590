/**
 * @module api/contract/keys
 * The key lifecycle routes of the console (DESIGN §5, issue 5): the login page's session probe,
 * the admin's key overview (holders per desk key version, how long a directory listing an old
 * version as current stays valid), the "retire old key" job (crypto/SPEC.md §18) and revoking an
 * old version's grants once the job is done. Shared with the web: no server imports here.
 */
import { z } from 'zod'
import { base64, utcTimestamp } from './common.ts'
import { auditWire, MAX_ITEM_ENVELOPE_BYTES, meResponse, uuid } from './staff.ts'

/**
 * `GET /api/auth/status`: always 200, so the login page's probe for a session that survived a
 * reload logs no error in the browser console.
 */
export const authStatusResponse = z.discriminatedUnion('signedIn', [
  z.object({ signedIn: z.literal(false) }),
  z.object({ signedIn: z.literal(true), me: meResponse }),
])
export type AuthStatusResponse = z.infer<typeof authStatusResponse>

export const retireJobJson = z.object({
  id: uuid,
  deskId: uuid,
  fromVersion: z.number().int(),
  toVersion: z.number().int(),
  rewrapped: z.number().int(),
  /** Items of the desk that still have a slot for the old version. */
  remaining: z.number().int(),
  startedAt: utcTimestamp,
  finishedAt: utcTimestamp.nullable(),
})
export type RetireJobJson = z.infer<typeof retireJobJson>

/** `GET /api/admin/keys`. */
export const keysResponse = z.object({
  desks: z.array(
    z.object({
      deskId: uuid,
      name: z.string(),
      versions: z.array(
        z.object({
          version: z.number().int(),
          /** People holding a grant of this version. */
          holders: z.number().int(),
        }),
      ),
      /**
       * The latest expiry of a stored directory that lists an older version as this desk's newest
       * key: until then a hostile server could replay it and make reporter pages encrypt to a key
       * someone removed still holds. Null when no such directory is still valid.
       */
      oldKeyListedUntil: utcTimestamp.nullable(),
    }),
  ),
  /** The newest directory's expiry, or null before setup. */
  directoryExpiresAt: utcTimestamp.nullable(),
  jobs: z.array(retireJobJson),
})
export type KeysResponse = z.infer<typeof keysResponse>

export const startRetireRequest = z.strictObject({
  jobId: uuid,
  deskId: uuid,
  fromVersion: z.number().int().min(1),
  toVersion: z.number().int().min(2),
  audit: auditWire,
})

export const RETIRE_MAX_BATCH = 200

export const retireBatchResponse = z.object({
  items: z.array(
    z.object({
      itemId: uuid,
      lookupId: z.string().regex(/^[0-9a-f]{32}$/),
      kind: z.number().int().min(1).max(7),
      envelope: z.string(),
    }),
  ),
  remaining: z.number().int(),
})
export type RetireBatchResponse = z.infer<typeof retireBatchResponse>

export const retireUploadRequest = z.strictObject({
  items: z
    .array(
      z.strictObject({
        itemId: uuid,
        envelope: base64(Math.ceil(MAX_ITEM_ENVELOPE_BYTES / 3) * 4),
      }),
    )
    .min(1)
    .max(RETIRE_MAX_BATCH)
    .refine((items) => new Set(items.map((i) => i.itemId)).size === items.length, 'items: an item twice'),
  audit: auditWire,
})
export const retireUploadResponse = z.object({ rewrapped: z.number().int(), remaining: z.number().int() })

export const auditOnlyRequest = z.strictObject({ audit: auditWire })

export const revokeVersionRequest = z.strictObject({
  version: z.number().int().min(1),
  audit: auditWire,
})
