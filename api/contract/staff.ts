/**
 * @module api/contract/staff
 * The staff API (DESIGN §7 "staff auth", "cases", "admin", "audit"): request and response schemas
 * shared by the server routes and the console. No server imports here.
 *
 * What never crosses this boundary: passphrases, `wrapKey`, any private key in clear. The console
 * sends `authKey` (the server stores its hash), public keys, signed statements and envelopes.
 * Every state-changing staff action carries an audit entry signed in the browser (`audit`): the
 * server fills in actor, action and target from the request and refuses a signature that does
 * not cover exactly those (DESIGN §6).
 */
import { z } from 'zod'
import { base64, base64Key, signedStatement, utcDate, utcTimestamp } from './common.ts'

export const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)

/** Lower-case ASCII usernames: nothing that renders alike in two spellings. */
export const username = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dot, dash, underscore')

export const totpCode = z.string().regex(/^[0-9]{6}$/)
/** RFC 4648 base32 (no padding) of a 20-byte TOTP secret: 32 characters. */
export const totpSecret = z.string().regex(/^[A-Z2-7]{32}$/)

export const kdfParamsJson = z.strictObject({
  alg: z.literal('argon2id13'),
  opsLimit: z.number().int().min(1).max(100),
  memLimitBytes: z
    .number()
    .int()
    .min(1)
    .max(4 * 1024 * 1024 * 1024),
  salt: base64(24).length(24),
})
export type KdfParamsWire = z.infer<typeof kdfParamsJson>

/** A wrapped private key: 72 bytes in base64 (crypto/kdf.ts). */
export const wrappedKey = base64(96).length(96)
export const signature = base64(88).length(88)

/** The browser-signed parts of an audit entry; actor, action and target come from the request. */
export const auditWire = z.strictObject({
  seq: z.number().int().min(1),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  at: utcTimestamp,
  sig: signature,
})
export type AuditWire = z.infer<typeof auditWire>

export const MAX_GRANT_ENVELOPE_CHARS = 4096
export const MAX_ITEM_ENVELOPE_BYTES = 64 * 1024

export const grantUpload = z.strictObject({
  envelope: base64(MAX_GRANT_ENVELOPE_CHARS),
  grant: signedStatement,
})

// --- setup -------------------------------------------------------------------------------------

export const setupInfoResponse = z.object({
  setUp: z.boolean(),
  receiptPublicKey: base64Key,
})

export const setupRequest = z.strictObject({
  token: z.string().max(64),
  orgName: z.string().min(1).max(200),
  orgId: uuid,
  orgSigningKey: base64Key,
  user: z.strictObject({
    userId: uuid,
    username,
    kdf: kdfParamsJson,
    authKey: base64Key,
    identityKey: base64Key,
    signingKey: base64Key,
    wrappedIdentityKey: wrappedKey,
    wrappedSigningKey: wrappedKey,
  }),
  totp: z.strictObject({ secret: totpSecret, code: totpCode }),
  desk: z.strictObject({ deskId: uuid, name: z.string().min(1).max(200), publicKey: base64Key }),
  directory: signedStatement,
  receiptKey: signedStatement,
  statsKey: signedStatement,
  userKey: signedStatement,
  grants: z.array(grantUpload).min(1).max(8),
  recoveryKit: z.strictObject({ publicKey: base64Key, envelope: base64(MAX_GRANT_ENVELOPE_CHARS) }),
  audit: auditWire,
})
export type SetupRequest = z.infer<typeof setupRequest>

// --- auth --------------------------------------------------------------------------------------

export const paramsRequest = z.strictObject({ username: z.string().min(1).max(64) })
export const paramsResponse = z.object({ kdf: kdfParamsJson })

export const loginRequest = z.strictObject({
  username: z.string().min(1).max(64),
  authKey: base64Key,
  totp: totpCode,
})

export const roleSchema = z.enum(['admin', 'caseworker', 'analyst'])
export type StaffRole = z.infer<typeof roleSchema>

export const grantDownload = z.object({
  target: z.string(),
  version: z.number().int(),
  envelope: z.string(),
  grant: signedStatement,
})

/** Everything the console needs after login; wrapped keys only ever after both factors. */
export const meResponse = z.object({
  user: z.object({ id: uuid, username: z.string(), role: roleSchema }),
  kdf: kdfParamsJson,
  wrappedIdentityKey: wrappedKey,
  wrappedSigningKey: wrappedKey,
  identityKey: base64Key,
  signingKey: base64Key,
  userKey: signedStatement.nullable(),
  org: z.object({ orgId: uuid, name: z.string(), signingPublicKey: base64Key, fingerprint: z.string() }),
  directory: signedStatement.nullable(),
  statsKey: signedStatement.nullable(),
  grants: z.array(grantDownload),
  /** `user-key` statements of every granter above, so the browser can check their signatures. */
  signers: z.array(signedStatement),
  desks: z.array(z.object({ deskId: uuid, name: z.string() })),
  session: z.object({ id: uuid, expiresAt: utcTimestamp }),
})
export type MeResponse = z.infer<typeof meResponse>

export const sessionsResponse = z.object({
  sessions: z.array(
    z.object({
      id: uuid,
      createdAt: utcTimestamp,
      lastSeenAt: utcTimestamp,
      expiresAt: utcTimestamp,
      current: z.boolean(),
    }),
  ),
})

export const passphraseRequest = z.strictObject({
  currentAuthKey: base64Key,
  kdf: kdfParamsJson,
  authKey: base64Key,
  wrappedIdentityKey: wrappedKey,
  wrappedSigningKey: wrappedKey,
})

export const okResponse = z.object({ ok: z.literal(true) })

// --- audit -------------------------------------------------------------------------------------

export const auditHeadResponse = z.object({ seq: z.number().int().min(0), headHash: z.string() })

export const auditEntryJson = z.object({
  seq: z.number().int(),
  prevHash: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  at: z.string(),
  sig: z.string(),
})
export const auditListResponse = z.object({
  entries: z.array(auditEntryJson),
  /** user-key statements of the actors, so the browser verifies signatures itself. */
  signers: z.array(signedStatement),
  receiptPublicKey: base64Key,
  checkpoint: signedStatement.nullable(),
})
export const checkpointRequest = z.strictObject({ checkpoint: signedStatement })

// --- cases -------------------------------------------------------------------------------------

export const caseStatusSchema = z.enum(['new', 'triaged', 'in_progress', 'referred', 'closed'])
export const casePrioritySchema = z.enum(['low', 'normal', 'high', 'urgent'])
export type CaseStatusWire = z.infer<typeof caseStatusSchema>
export type CasePriorityWire = z.infer<typeof casePrioritySchema>

export const QUEUE_PAGE_SIZE = 50

export const queueQuery = z.strictObject({
  status: caseStatusSchema.optional(),
  priority: casePrioritySchema.optional(),
  /** A user id, or "none" for unassigned cases. */
  assignee: z.union([uuid, z.literal('none')]).optional(),
  desk: uuid.optional(),
  /** `YYYY-MM` of the UTC receipt date. */
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional(),
  spam: z.enum(['only', 'include', 'exclude']).optional(),
  /** An admin-defined label id (DESIGN §4: labels come from a list, never free text). */
  label: uuid.optional(),
  sort: z.enum(['received_desc', 'received_asc', 'priority']).optional(),
  page: z
    .string()
    .regex(/^[0-9]{1,6}$/)
    .optional(),
})
export type QueueQuery = z.infer<typeof queueQuery>

export const caseSummary = z.object({
  id: uuid,
  deskId: uuid,
  lookupId: z.string(),
  receivedOn: utcDate,
  status: caseStatusSchema,
  priority: casePrioritySchema,
  assigneeId: uuid.nullable(),
  spam: z.boolean(),
  labels: z.array(uuid),
  /** Highest seq in the case, and the highest this user has seen (-1: never opened). */
  lastSeq: z.number().int(),
  seenSeq: z.number().int(),
  reporterPublicKey: base64Key,
  reporterSigningKey: base64Key,
  /** The report envelope (seq 0), decrypted in the browser's worker. */
  report: z.string(),
})
export type CaseSummary = z.infer<typeof caseSummary>

export const staffMember = z.object({ id: uuid, username: z.string(), role: roleSchema })

export const labelJson = z.object({ id: uuid, name: z.string() })

export const queueResponse = z.object({
  cases: z.array(caseSummary),
  labels: z.array(labelJson),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  counts: z.record(z.string(), z.number().int()),
  staff: z.array(staffMember),
})
export type QueueResponse = z.infer<typeof queueResponse>

export const caseItemJson = z.object({
  seq: z.number().int(),
  kind: z.number().int(),
  envelope: z.string(),
  authorId: uuid.nullable(),
  createdOn: utcDate,
})

export const caseDetailResponse = z.object({
  case: caseSummary.omit({ report: true }),
  items: z.array(caseItemJson),
  signers: z.array(signedStatement),
  staff: z.array(staffMember),
  labels: z.array(labelJson),
})
export type CaseDetailResponse = z.infer<typeof caseDetailResponse>

export const postItemRequest = z.strictObject({
  /** 3 reply, 4 note, 5 coding (api/contract/coding.ts; sealed to the statistics key and the desk). */
  kind: z.union([z.literal(3), z.literal(4), z.literal(5)]),
  seq: z.number().int().min(1),
  envelope: base64(Math.ceil(MAX_ITEM_ENVELOPE_BYTES / 3) * 4),
  audit: auditWire,
})
export const postItemResponse = z.object({ seq: z.number().int() })

export const triageRequest = z.strictObject({
  status: caseStatusSchema.optional(),
  priority: casePrioritySchema.optional(),
  assigneeId: uuid.nullable().optional(),
  spam: z.boolean().optional(),
  audit: auditWire,
})

export const readRequest = z.strictObject({ seq: z.number().int().min(0) })

// --- admin -------------------------------------------------------------------------------------

export const directoryRequest = z.strictObject({ directory: signedStatement, audit: auditWire })

export const inviteRequest = z.strictObject({
  role: roleSchema,
  deskIds: z.array(uuid).max(50),
  audit: auditWire,
  /** The invite id the browser signed its audit entry for (target). */
  inviteId: uuid,
})
export const inviteResponse = z.object({ token: z.string(), expiresAt: utcTimestamp })

export const inviteInfoRequest = z.strictObject({ token: z.string().max(64) })
export const inviteInfoResponse = z.object({
  role: roleSchema,
  orgName: z.string(),
  orgSigningKey: base64Key,
  orgId: uuid,
  expiresAt: utcTimestamp,
})

export const acceptInviteRequest = z.strictObject({
  token: z.string().max(64),
  user: setupRequest.shape.user,
  totp: z.strictObject({ secret: totpSecret, code: totpCode }),
})

export const usersResponse = z.object({
  users: z.array(
    z.object({
      id: uuid,
      username: z.string(),
      role: roleSchema,
      identityKey: base64Key,
      signingKey: base64Key,
      verified: z.boolean(),
      disabled: z.boolean(),
      desks: z.array(uuid),
      pendingDesks: z.array(uuid),
    }),
  ),
  invites: z.array(
    z.object({
      id: uuid,
      role: roleSchema,
      expiresAt: utcTimestamp,
      used: z.boolean(),
      desks: z.array(uuid),
    }),
  ),
  desks: z.array(
    z.object({ deskId: uuid, name: z.string(), holders: z.number().int(), version: z.number().int() }),
  ),
  labels: z.array(z.object({ id: uuid, name: z.string() })),
  /** Where additional recovery kits are sealed (new desks, rotations); null before setup. */
  recoveryPublicKey: base64Key.nullable(),
})
export type UsersResponse = z.infer<typeof usersResponse>

export const certifyRequest = z.strictObject({
  userKey: signedStatement,
  grants: z.array(grantUpload).max(32),
  audit: auditWire,
})

/**
 * A new desk (version 1) or a new version of an existing desk's key (rotation): the key's public
 * half, a directory listing it signed by the organisation key, grants of the secret half to the
 * desk's members (the admin included), and the secret sealed as an additional recovery kit.
 */
export const deskKeyRequest = z.strictObject({
  deskId: uuid,
  name: z.string().min(1).max(200),
  version: z.number().int().min(1),
  publicKey: base64Key,
  directory: signedStatement,
  grants: z.array(grantUpload).min(1).max(200),
  recoveryKit: base64(MAX_GRANT_ENVELOPE_CHARS),
  audit: auditWire,
})

/** Removes a user from a desk: membership and their grants of that desk's keys (DESIGN §5). */
export const removeMemberRequest = z.strictObject({ deskId: uuid, audit: auditWire })

/** Labels: the admin's list (names people read, no control characters) and toggling one on a case. */
export const labelName = z
  .string()
  .min(1)
  .max(60)
  .refine((text) => !/[\p{Cc}\p{Cf}]/u.test(text), 'no control or format characters')
export const createLabelRequest = z.strictObject({ labelId: uuid, name: labelName, audit: auditWire })
export const caseLabelRequest = z.strictObject({ labelId: uuid, on: z.boolean(), audit: auditWire })

/** Records a referral export in the audit log (the document itself is made and kept in the browser). */
export const exportRequest = z.strictObject({ audit: auditWire })

// --- related cases: links and merges (DESIGN §8 "link or merge related cases") -----------------

/** Links (`on: true`) or unlinks this case and `otherId`, a case of the same desk. */
export const caseLinkRequest = z.strictObject({ otherId: uuid, on: z.boolean(), audit: auditWire })
/** Merges this case (a duplicate) into `into`, a case of the same desk that is not merged itself. */
export const caseMergeRequest = z.strictObject({ into: uuid, audit: auditWire })
/** Undoes a merge; admins only (caseworkers see a merge as final). */
export const caseUnmergeRequest = z.strictObject({ audit: auditWire })

/** A related case: its metadata, and its report envelope so the console's worker shows an excerpt. */
export const relatedCaseJson = caseSummary
  .pick({
    id: true,
    deskId: true,
    lookupId: true,
    receivedOn: true,
    status: true,
    reporterPublicKey: true,
    reporterSigningKey: true,
    report: true,
  })
  .extend({ mergedInto: uuid.nullable() })
export type RelatedCase = z.infer<typeof relatedCaseJson>

export const caseRelationsResponse = z.object({
  /** The case this one was merged into, or null. */
  mergedInto: relatedCaseJson.nullable(),
  /** Cases merged into this one. */
  mergedFrom: z.array(relatedCaseJson),
  /** Linked cases, both directions. */
  links: z.array(relatedCaseJson),
  /** UTC day after which retention may purge the case (set by the retention policy), or null. */
  retentionOn: utcDate.nullable(),
})
export type CaseRelationsResponse = z.infer<typeof caseRelationsResponse>

// --- the queue's decrypted index (DESIGN §8 "a compact per-desk index in a Web Worker") ---------

export const QUEUE_INDEX_PAGE_SIZE = 500

/**
 * `GET /api/cases/index`: the cases matching the queue's server-side filters (status and sort do
 * not apply: the browser filters and sorts its index itself), in id order after the cursor
 * `after`, each with its report envelope for the worker to decrypt.
 */
export const queueIndexQuery = queueQuery.omit({ page: true, sort: true, status: true }).extend({
  after: uuid.optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/)
    .refine((v) => Number(v) >= 1 && Number(v) <= 1000, 'limit: 1 to 1000')
    .optional(),
})
export type QueueIndexQuery = z.infer<typeof queueIndexQuery>

export const queueIndexResponse = z.object({
  cases: z.array(caseSummary),
  /** The cursor for the next page, or null after the last. */
  next: uuid.nullable(),
  /** How many cases match, counted on the first page only (no cursor); null on later pages. */
  total: z.number().int().nullable(),
})
export type QueueIndexResponse = z.infer<typeof queueIndexResponse>
