/**
 * @module crypto/audit
 * The signed, hash-chained audit log (SPEC.md §11, DESIGN §5a, §6).
 * - entry = `{seq, prevHash, actor, action, target, at, sig}`;
 * - `sig` = Ed25519 by the actor's certified signing key (the server's receipt key for
 *   `actor: "server"`) over H("tnr/v1/sig/audit", JCS(entry without sig));
 * - entry hash = H("tnr/v1/audit-entry", JCS(entry)) including `sig`; `prevHash` of seq 1 is 32
 *   zero bytes as hex, and of seq n + 1 the hash of entry n.
 *
 * What verification catches, and how: an edited row breaks its own signature and the next
 * row's link; a chain rewritten consistently by someone holding the database (every hash
 * recomputed) fails because they cannot sign as the actors, whose keys the caller takes from
 * organisation-certified `user-key` statements, never from the log; a cut-off tail is caught by
 * an admin-signed `audit-checkpoint` whose seq lies beyond the chain or whose head hash does not
 * match the entry at that seq.
 */
import { z } from 'zod'
import { type CryptoBackend, ED25519_SIGNATURE_BYTES } from './backend.ts'
import { fromBase64, toBase64, toHex, utf8 } from './bytes.ts'
import { signEd25519, verifyEd25519 } from './ed25519.ts'
import { CryptoError } from './errors.ts'
import { H } from './hash.ts'
import { jcs } from './jcs.ts'
import type { AuditCheckpoint } from './statements.ts'

/** prevHash of the first entry, and the head hash of an empty log. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64)

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)

export const auditEntryBodySchema = z.strictObject({
  seq: z.int().min(1),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** A staff user id, or "server" for events the server signs with its receipt key. */
  actor: z.union([uuid, z.literal('server')]),
  /** A dotted action name from a fixed list kept by the API, e.g. "case.status". */
  action: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/),
  /** A plain uuid (no foreign key, DESIGN §6), or null for actions without one (a login). */
  target: z.union([uuid, z.null()]),
  at: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/)
    .refine((text) => {
      const ms = Date.parse(text)
      if (!Number.isFinite(ms)) return false
      const iso = new Date(ms).toISOString()
      return iso === text || iso === text.replace('Z', '.000Z')
    }),
})

export const auditEntrySchema = z.strictObject({
  ...auditEntryBodySchema.shape,
  sig: z.string().refine((text) => {
    try {
      fromBase64(text, ED25519_SIGNATURE_BYTES)
      return true
    } catch {
      return false
    }
  }, '64 bytes as base64'),
})

export type AuditEntryBody = z.infer<typeof auditEntryBodySchema>
export type AuditEntry = z.infer<typeof auditEntrySchema>

function parseBody(value: unknown): AuditEntryBody {
  const result = auditEntryBodySchema.safeParse(value)
  if (!result.success) throw new CryptoError('bad_statement', 'invalid audit entry', { cause: result.error })
  return result.data
}

function signatureInput(backend: CryptoBackend, body: AuditEntryBody): Uint8Array {
  return H(backend, 'tnr/v1/sig/audit', [utf8(jcs(body))])
}

/** Signs an entry in the actor's browser (or the server, for actor "server"). */
export function signAuditEntry(backend: CryptoBackend, seed: Uint8Array, entry: AuditEntryBody): AuditEntry {
  const body = parseBody(entry)
  return { ...body, sig: toBase64(signEd25519(backend, seed, signatureInput(backend, body))) }
}

/** hex of H("tnr/v1/audit-entry", JCS(entry)), `sig` included. */
export function auditEntryHash(backend: CryptoBackend, entry: AuditEntry): string {
  return toHex(H(backend, 'tnr/v1/audit-entry', [utf8(jcs(entry))]))
}

export type AuditProblemCode =
  /** The row does not match the entry schema (so nothing else about it can be checked). */
  | 'malformed'
  /** seq is not one more than the row before it (a dropped, repeated or reordered row). */
  | 'bad_sequence'
  /** prevHash is not the hash of the row before it. */
  | 'bad_link'
  /** No certified signing key is known for the actor. */
  | 'unknown_actor'
  /** The signature does not verify under the actor's certified key: edited or forged. */
  | 'bad_signature'
  /** The checkpoint names a seq the chain does not reach: the tail was cut off. */
  | 'checkpoint_beyond_chain'
  /** The entry at the checkpoint's seq does not have the checkpointed hash: history rewritten. */
  | 'checkpoint_mismatch'

export interface AuditProblem {
  /** The seq the problem is about (the row's position when the row itself is malformed). */
  readonly seq: number
  readonly code: AuditProblemCode
}

export interface AuditChainResult {
  readonly ok: boolean
  readonly problems: readonly AuditProblem[]
  /** The last entry's seq (0 for an empty log) and its hash, for the next checkpoint. */
  readonly headSeq: number
  readonly headHash: string
}

export interface AuditVerifyOptions {
  /** The actor's certified Ed25519 key (from a verified `user-key`, or the receipt key for "server"). */
  signingKeyFor(actor: string): Uint8Array | undefined
  /** The latest `audit-checkpoint`, already verified under an admin's certified key. */
  checkpoint?: Pick<AuditCheckpoint, 'seq' | 'headHash'>
}

/**
 * Checks a whole log from seq 1 in order and reports every problem found rather than stopping
 * at the first: an auditor wants to see where the damage is. The chain continues from each
 * row's actual hash, so one edited row shows as its own bad signature plus the next row's link.
 */
export function verifyAuditChain(
  backend: CryptoBackend,
  entries: readonly unknown[],
  options: AuditVerifyOptions,
): AuditChainResult {
  const problems: AuditProblem[] = []
  const hashes: string[] = []
  let prevHash = AUDIT_GENESIS_HASH
  for (let index = 0; index < entries.length; index++) {
    const expectedSeq = index + 1
    const parsed = auditEntrySchema.safeParse(entries[index])
    if (!parsed.success) {
      problems.push({ seq: expectedSeq, code: 'malformed' })
      hashes.push('')
      prevHash = ''
      continue
    }
    const entry = parsed.data
    if (entry.seq !== expectedSeq) problems.push({ seq: entry.seq, code: 'bad_sequence' })
    if (entry.prevHash !== prevHash) problems.push({ seq: entry.seq, code: 'bad_link' })
    const key = options.signingKeyFor(entry.actor)
    if (key === undefined) {
      problems.push({ seq: entry.seq, code: 'unknown_actor' })
    } else {
      const { sig, ...body } = entry
      const signature = fromBase64(sig, ED25519_SIGNATURE_BYTES)
      if (!verifyEd25519(backend, signature, signatureInput(backend, body), key)) {
        problems.push({ seq: entry.seq, code: 'bad_signature' })
      }
    }
    prevHash = auditEntryHash(backend, entry)
    hashes.push(prevHash)
  }
  const headSeq = entries.length
  const headHash = headSeq === 0 ? AUDIT_GENESIS_HASH : (hashes[headSeq - 1] ?? '')
  const checkpoint = options.checkpoint
  if (checkpoint !== undefined) {
    if (checkpoint.seq > headSeq) {
      problems.push({ seq: checkpoint.seq, code: 'checkpoint_beyond_chain' })
    } else {
      const hashAtSeq = checkpoint.seq === 0 ? AUDIT_GENESIS_HASH : hashes[checkpoint.seq - 1]
      if (hashAtSeq !== checkpoint.headHash)
        problems.push({ seq: checkpoint.seq, code: 'checkpoint_mismatch' })
    }
  }
  return { ok: problems.length === 0, problems, headSeq, headHash }
}
