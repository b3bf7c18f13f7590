/**
 * @module crypto/statements
 * Signed statements (SPEC.md §9, DESIGN §5a): the organisation's key directory, certified user
 * keys, the statistics and receipt keys, key grants, releases, audit checkpoints and proofs of
 * receipt. A statement travels as `{ statement, signature }`: `statement` is the exact JCS text
 * that was signed, and the signature is Ed25519 over `H("tnr/v1/sig/" + type, statement)`.
 *
 * Trust order in `verifyStatement`, and why: verify the signature over the received bytes first
 * (an unauthenticated string is never parsed into something the caller might act on), with the
 * label of the type the caller expects (so a statement of one type never passes as another);
 * then parse, require the text to be its own JCS form (one spelling per statement, so a
 * signature cannot be replayed over a reformatted text with other meaning to a lax parser), and
 * only then validate the fields with a strict schema (unknown fields refused).
 */
import { z } from 'zod'
import {
  type CryptoBackend,
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  X25519_PUBLIC_KEY_BYTES,
} from './backend.ts'
import { fromBase64, toBase64, toHex, utf8 } from './bytes.ts'
import { isValidEd25519PublicKey, signEd25519, verifyEd25519 } from './ed25519.ts'
import { CryptoError } from './errors.ts'
import { H } from './hash.ts'
import { jcs } from './jcs.ts'

/** A statement's text is small; refuse anything large before hashing or parsing it. */
export const MAX_STATEMENT_CHARS = 1 << 20
/** DESIGN §5: a directory is valid for at most 90 days from its issue. */
export const MAX_DIRECTORY_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000

// --- field encodings (SPEC.md §1, §9) ---------------------------------------------------------

const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'lowercase uuid')
const hex32 = z.string().regex(/^[0-9a-f]{64}$/, '32 bytes as lowercase hex')
const lookupId = z.string().regex(/^[0-9a-f]{32}$/, '16 bytes as lowercase hex')
const version = z.int().min(1)
const sequence = z.int().min(0)

function isCanonicalBase64Of(length: number): (text: string) => boolean {
  return (text) => {
    try {
      fromBase64(text, length)
      return true
    } catch {
      return false
    }
  }
}

const x25519Key = z.string().refine(isCanonicalBase64Of(X25519_PUBLIC_KEY_BYTES), '32 bytes as base64')
/** Ed25519 keys in statements must pass the shared key check (SPEC.md §8): a key that could never verify is an error now, not later. */
const ed25519Key = z
  .string()
  .refine(isCanonicalBase64Of(ED25519_PUBLIC_KEY_BYTES), '32 bytes as base64')
  .refine((text) => isValidEd25519PublicKey(fromBase64(text)), 'an Ed25519 key of prime order')

/** One spelling per instant: `YYYY-MM-DDTHH:MM:SSZ` or with exactly three fraction digits. */
const timestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/, 'RFC 3339 UTC timestamp')
  .refine((text) => {
    const ms = Date.parse(text)
    if (!Number.isFinite(ms)) return false
    const iso = new Date(ms).toISOString()
    return iso === text || iso === text.replace('Z', '.000Z')
  }, 'a real instant')

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
  .refine((text) => {
    const ms = Date.parse(`${text}T00:00:00Z`)
    return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === text
  }, 'a real date')

/**
 * Names people read in the console: no control, bidi-override or isolate characters, which
 * could make one desk or user look like another (the console shows them as they are).
 */
const displayName = z
  .string()
  .min(1)
  .max(200)
  .refine((text) => !/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(text), 'no control characters')

// --- statement schemas (SPEC.md §9) -----------------------------------------------------------

export const deskEntrySchema = z.strictObject({
  deskId: uuid,
  name: displayName,
  version,
  publicKey: x25519Key,
})

export const directorySchema = z
  .strictObject({
    type: z.literal('directory'),
    orgId: uuid,
    seq: version,
    issuedAt: timestamp,
    expiresAt: timestamp,
    desks: z.array(deskEntrySchema).max(1000),
  })
  .refine(
    (d) => new Set(d.desks.map((desk) => `${desk.deskId}/${desk.version}`)).size === d.desks.length,
    'a desk version is listed once',
  )

export const userKeySchema = z.strictObject({
  type: z.literal('user-key'),
  orgId: uuid,
  userId: uuid,
  username: displayName,
  role: z.enum(['admin', 'caseworker', 'analyst']),
  identityKey: x25519Key,
  signingKey: ed25519Key,
  notAfter: timestamp,
})

export const statsKeySchema = z.strictObject({
  type: z.literal('stats-key'),
  orgId: uuid,
  version,
  publicKey: x25519Key,
})

export const receiptKeySchema = z.strictObject({
  type: z.literal('receipt-key'),
  orgId: uuid,
  publicKey: ed25519Key,
})

export const grantSchema = z.strictObject({
  type: z.literal('grant'),
  orgId: uuid,
  granter: uuid,
  grantee: uuid,
  granteeIdentityKey: x25519Key,
  /** "org" (the organisation signing key), "stats" (the statistics key) or a desk id. */
  target: z.union([z.literal('org'), z.literal('stats'), uuid]),
  version,
  /** hex of H("tnr/v1/envelope", envelope) over every byte of the kind-6 envelope. */
  envelopeHash: hex32,
})

/**
 * Release format 1. `format` is explicit so DESIGN §9's fuller release can be added as format 2
 * (a new member of the union below) without any format-1 text changing meaning.
 */
export const releaseV1Schema = z.strictObject({
  type: z.literal('release'),
  format: z.literal(1),
  orgId: uuid,
  releaseId: uuid,
  version,
  createdAt: timestamp,
  /** hex of a 32-byte hash of the release file (its definition belongs to the release format). */
  dataHash: hex32,
})
export const releaseSchema = z.discriminatedUnion('format', [releaseV1Schema])

export const auditCheckpointSchema = z.strictObject({
  type: z.literal('audit-checkpoint'),
  orgId: uuid,
  /** 0 for an empty log, whose head hash is 32 zero bytes. */
  seq: sequence,
  headHash: hex32,
})

export const receiptProofSchema = z.strictObject({
  type: z.literal('receipt-proof'),
  orgId: uuid,
  lookupId,
  receivedOn: date,
  /** hex of H("tnr/v1/proof", prefix5, nonce, ciphertext) of the submitted envelope. */
  hash: hex32,
})

/**
 * An organisation-signed update of the TNR context dataset (SPEC.md §17): the
 * statement binds, by hash, the whole overlay an admin's browser built (api/contract/context.ts
 * `contextOverlay`), so a seized server can withhold an update but never rewrite one.
 */
export const contextUpdateSchema = z.strictObject({
  type: z.literal('context-update'),
  orgId: uuid,
  /** Strictly increasing per organisation; readers prefer the highest they verify. */
  seq: version,
  issuedAt: timestamp,
  /** hex of H("tnr/v1/context-data", UTF-8 of the overlay's JCS text). */
  dataHash: hex32,
})

export const statementSchemas = {
  directory: directorySchema,
  'user-key': userKeySchema,
  'stats-key': statsKeySchema,
  'receipt-key': receiptKeySchema,
  grant: grantSchema,
  release: releaseSchema,
  'audit-checkpoint': auditCheckpointSchema,
  'receipt-proof': receiptProofSchema,
  'context-update': contextUpdateSchema,
} as const

export type StatementType = keyof typeof statementSchemas
export type StatementOf<K extends StatementType> = z.infer<(typeof statementSchemas)[K]>
export type Statement = { [K in StatementType]: StatementOf<K> }[StatementType]
export type Directory = StatementOf<'directory'>
export type DeskEntry = z.infer<typeof deskEntrySchema>
export type UserKey = StatementOf<'user-key'>
export type StatsKey = StatementOf<'stats-key'>
export type ReceiptKey = StatementOf<'receipt-key'>
export type Grant = StatementOf<'grant'>
export type Release = StatementOf<'release'>
export type AuditCheckpoint = StatementOf<'audit-checkpoint'>
export type ReceiptProof = StatementOf<'receipt-proof'>
export type ContextUpdate = StatementOf<'context-update'>

/** As a statement travels (DESIGN §7): the signed JCS text and a base64 64-byte signature. */
export const signedStatementSchema = z.strictObject({
  statement: z.string().min(2).max(MAX_STATEMENT_CHARS),
  signature: z.string().refine(isCanonicalBase64Of(ED25519_SIGNATURE_BYTES), '64 bytes as base64'),
})
export type SignedStatement = z.infer<typeof signedStatementSchema>

function isStatementType(type: unknown): type is StatementType {
  return typeof type === 'string' && Object.hasOwn(statementSchemas, type)
}

/** The bytes actually signed: H("tnr/v1/sig/" + type, UTF-8 of the statement text). */
function signatureInput(backend: CryptoBackend, type: StatementType, statement: string): Uint8Array {
  return H(backend, `tnr/v1/sig/${type}`, [utf8(statement)])
}

function parseAs<K extends StatementType>(type: K, value: unknown): StatementOf<K> {
  const result = statementSchemas[type].safeParse(value)
  if (!result.success) {
    throw new CryptoError('bad_statement', `invalid ${type} statement`, { cause: result.error })
  }
  return result.data as StatementOf<K>
}

/** Validates `value` with its type's schema, serialises it with JCS and signs it. */
export function signStatement(backend: CryptoBackend, seed: Uint8Array, value: Statement): SignedStatement {
  const type: unknown = (value as { type?: unknown }).type
  if (!isStatementType(type)) throw new CryptoError('bad_statement', 'unknown statement type')
  const statement = jcs(parseAs(type, value))
  if (statement.length > MAX_STATEMENT_CHARS) throw new CryptoError('bad_statement', 'statement too large')
  const signature = signEd25519(backend, seed, signatureInput(backend, type, statement))
  return { statement, signature: toBase64(signature) }
}

/**
 * Verifies, then parses (never the other way round). Throws CryptoError('bad_signature') when
 * the signature is malformed or does not verify under `publicKey` for `expectedType`, and
 * CryptoError('bad_statement') when the signed text is not canonical JSON of a valid statement
 * of that type.
 */
export function verifyStatement<K extends StatementType>(
  backend: CryptoBackend,
  signed: SignedStatement,
  publicKey: Uint8Array,
  expectedType: K,
): StatementOf<K> {
  const envelope = signedStatementSchema.safeParse(signed)
  if (!envelope.success)
    throw new CryptoError('bad_signature', 'malformed signed statement', { cause: envelope.error })
  const { statement, signature } = envelope.data
  const message = signatureInput(backend, expectedType, statement)
  if (!verifyEd25519(backend, fromBase64(signature, ED25519_SIGNATURE_BYTES), message, publicKey)) {
    throw new CryptoError('bad_signature', `${expectedType} statement signature does not verify`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(statement)
  } catch (cause) {
    throw new CryptoError('bad_statement', 'statement is not JSON', { cause })
  }
  // One spelling per statement: whitespace, key order, escapes and number forms must be JCS.
  let canonical: string
  try {
    canonical = jcs(parsed)
  } catch (cause) {
    throw new CryptoError('bad_statement', 'statement is not canonical JSON', { cause })
  }
  if (canonical !== statement) throw new CryptoError('bad_statement', 'statement is not canonical JSON')
  return parseAs(expectedType, parsed)
}

/** A desk's current public key as the reporter page encrypts to it. */
export interface DeskKey {
  readonly deskId: string
  readonly name: string
  readonly version: number
  readonly publicKey: Uint8Array
}

export interface VerifiedDirectory {
  readonly directory: Directory
  /** Per desk id, the entry with the highest version (DESIGN §7: the desk's current key). */
  readonly currentKeys: ReadonlyMap<string, DeskKey>
}

/**
 * Verifies a key directory signed by the organisation key and refuses one that has expired at
 * `now`, whose lifetime exceeds 90 days, or (with `options.orgId`) that names another
 * organisation. CryptoError('expired') for the time checks.
 */
export function verifyDirectory(
  backend: CryptoBackend,
  signed: SignedStatement,
  orgSigningKey: Uint8Array,
  now: Date,
  options: { orgId?: string } = {},
): VerifiedDirectory {
  const directory = verifyStatement(backend, signed, orgSigningKey, 'directory')
  if (options.orgId !== undefined && directory.orgId !== options.orgId) {
    throw new CryptoError('key_mismatch', 'directory of another organisation')
  }
  const issuedAt = Date.parse(directory.issuedAt)
  const expiresAt = Date.parse(directory.expiresAt)
  if (expiresAt <= issuedAt) throw new CryptoError('bad_statement', 'directory expires before it is issued')
  if (expiresAt - issuedAt > MAX_DIRECTORY_LIFETIME_MS) {
    throw new CryptoError('expired', 'directory lifetime exceeds 90 days')
  }
  if (!(expiresAt > now.getTime())) throw new CryptoError('expired', 'directory has expired')
  const currentKeys = new Map<string, DeskKey>()
  for (const desk of directory.desks) {
    const known = currentKeys.get(desk.deskId)
    if (known === undefined || desk.version > known.version) {
      currentKeys.set(desk.deskId, {
        deskId: desk.deskId,
        name: desk.name,
        version: desk.version,
        publicKey: fromBase64(desk.publicKey, X25519_PUBLIC_KEY_BYTES),
      })
    }
  }
  return { directory, currentKeys }
}

export interface CertifiedUser {
  readonly statement: UserKey
  /** X25519: grants are sealed to it. */
  readonly identityKey: Uint8Array
  /** Ed25519: the user's items and audit entries verify under it. */
  readonly signingKey: Uint8Array
}

/**
 * Organisation key → `user-key` statement → the user's identity and signing keys. Refuses a
 * certificate past its `notAfter` (CryptoError('expired')), and (with `orgId` or `userId`) one
 * issued for another organisation or user (CryptoError('key_mismatch')).
 */
export function verifyUserKeyChain(
  backend: CryptoBackend,
  chain: { orgSigningKey: Uint8Array; userKey: SignedStatement; now: Date; orgId?: string; userId?: string },
): CertifiedUser {
  const statement = verifyStatement(backend, chain.userKey, chain.orgSigningKey, 'user-key')
  if (chain.orgId !== undefined && statement.orgId !== chain.orgId) {
    throw new CryptoError('key_mismatch', 'user key of another organisation')
  }
  if (chain.userId !== undefined && statement.userId !== chain.userId) {
    throw new CryptoError('key_mismatch', 'user key of another user')
  }
  if (!(Date.parse(statement.notAfter) > chain.now.getTime())) {
    throw new CryptoError('expired', 'user key certificate has expired')
  }
  return {
    statement,
    identityKey: fromBase64(statement.identityKey, X25519_PUBLIC_KEY_BYTES),
    signingKey: fromBase64(statement.signingKey, ED25519_PUBLIC_KEY_BYTES),
  }
}

/** The hash a `context-update` statement signs: H("tnr/v1/context-data", UTF-8 of the overlay text). */
export function contextDataHash(backend: CryptoBackend, overlayText: string): string {
  return toHex(H(backend, 'tnr/v1/context-data', [utf8(overlayText)]))
}

/**
 * Verifies a context update under the organisation key: the statement first (SPEC.md §9), then
 * that `overlayText` is the JCS text whose hash it signed, then (with `orgId`) the organisation.
 * Returns the statement and the parsed overlay JSON, which the caller still validates with its
 * own schema (crypto/ knows nothing of the dataset's shape). CryptoError('bad_signature') for a
 * signature or hash that does not match, 'bad_statement' for a non-canonical overlay text,
 * 'key_mismatch' for another organisation.
 */
export function verifyContextUpdate(
  backend: CryptoBackend,
  signed: SignedStatement,
  overlayText: string,
  orgSigningKey: Uint8Array,
  options: { orgId?: string } = {},
): { readonly statement: ContextUpdate; readonly overlay: unknown } {
  const statement = verifyStatement(backend, signed, orgSigningKey, 'context-update')
  if (options.orgId !== undefined && statement.orgId !== options.orgId)
    throw new CryptoError('key_mismatch', 'context update of another organisation')
  if (overlayText.length > MAX_STATEMENT_CHARS) throw new CryptoError('bad_statement', 'overlay too large')
  if (contextDataHash(backend, overlayText) !== statement.dataHash)
    throw new CryptoError('bad_signature', 'context overlay does not match its signed hash')
  let overlay: unknown
  try {
    overlay = JSON.parse(overlayText)
  } catch (cause) {
    throw new CryptoError('bad_statement', 'context overlay is not JSON', { cause })
  }
  if (jcs(overlay) !== overlayText)
    throw new CryptoError('bad_statement', 'context overlay is not canonical JSON')
  return { statement, overlay }
}
