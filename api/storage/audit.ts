/**
 * @module api/storage/audit
 * Appending to the hash-chained audit log (DESIGN §5a, §6).
 *
 * Staff entries are signed in the browser: the console asks for the head (`auditHead`), signs
 * `{seq: head + 1, prevHash: headHash, actor, action, target, at}` and sends `{seq, prevHash, at,
 * sig}` with the action. Inside the action's transaction, `appendStaffEntry` takes the audit lock,
 * checks the entry extends the current head (else 409 `audit_conflict`: the console re-reads the
 * head and signs again), checks the signature under the actor's stored signing key with the
 * actor, action and target the *server* derived from the request, and inserts. So the action and
 * its entry commit together or not at all, and nobody can log an action other than the one done.
 *
 * Server-side events (a login) are signed with the server's receipt key, actor `null` ("server").
 * The lock is a transaction-level advisory lock on PostgreSQL; PGlite has one connection, which
 * already serialises transactions.
 */
import { desc, sql } from 'drizzle-orm'
import { AUDIT_GENESIS_HASH, type AuditEntry, auditEntryHash, signAuditEntry } from '../../crypto/audit.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, utf8 } from '../../crypto/bytes.ts'
import { verifyEd25519 } from '../../crypto/ed25519.ts'
import { H } from '../../crypto/hash.ts'
import { jcs } from '../../crypto/jcs.ts'
import type { AuditWire } from '../contract/staff.ts'
import type { Db } from '../db/index.ts'
import { auditLog } from '../db/schema.ts'
import { AppError } from '../errors.ts'

/** Key of the advisory lock that serialises audit appends on PostgreSQL. */
const AUDIT_LOCK_KEY = 0x7a7564 // "zud"
/** How far the browser's clock may be from the server's for a signed `at`. */
const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000

export type AuditHead = { seq: number; headHash: string }

export async function auditHead(db: Db): Promise<AuditHead> {
  const [row] = await db
    .select({ seq: auditLog.seq, entryHash: auditLog.entryHash })
    .from(auditLog)
    .orderBy(desc(auditLog.seq))
    .limit(1)
  return row === undefined
    ? { seq: 0, headHash: AUDIT_GENESIS_HASH }
    : { seq: row.seq, headHash: row.entryHash }
}

async function lockAudit(db: Db): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`)
}

export type StaffAuditInput = {
  actor: string
  actorSigningKey: Uint8Array
  action: string
  target: string | null
  wire: AuditWire
  now: Date
}

/** `appendStaffEntry` for the acting user's row: actor id and signing key come from it. */
export async function appendEntryOf(
  tx: Db,
  backend: CryptoBackend,
  actor: { readonly id: string; readonly signingPublicKey: Uint8Array },
  entry: Omit<StaffAuditInput, 'actor' | 'actorSigningKey'>,
): Promise<void> {
  await appendStaffEntry(tx, backend, { actor: actor.id, actorSigningKey: actor.signingPublicKey, ...entry })
}

/** Verifies and appends a browser-signed entry; call inside the action's transaction. */
export async function appendStaffEntry(
  tx: Db,
  backend: CryptoBackend,
  input: StaffAuditInput,
): Promise<void> {
  await lockAudit(tx)
  const head = await auditHead(tx)
  if (input.wire.seq !== head.seq + 1 || input.wire.prevHash !== head.headHash) {
    throw new AppError('audit_conflict')
  }
  const at = Date.parse(input.wire.at)
  if (!Number.isFinite(at) || Math.abs(at - input.now.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new AppError('invalid_request', 'audit.at: not close to the server clock')
  }
  const body = {
    seq: input.wire.seq,
    prevHash: input.wire.prevHash,
    actor: input.actor,
    action: input.action,
    target: input.target,
    at: input.wire.at,
  }
  const signature = fromBase64(input.wire.sig, 64)
  const message = H(backend, 'tnr/v1/sig/audit', [utf8(jcs(body))])
  if (!verifyEd25519(backend, signature, message, input.actorSigningKey)) {
    throw new AppError('unprocessable', 'audit: signature does not cover this action')
  }
  const entry: AuditEntry = { ...body, sig: input.wire.sig }
  await insertEntry(tx, backend, entry)
}

/** Appends an entry signed by the server's receipt key (actor "server"). */
export async function appendServerEntry(
  tx: Db,
  backend: CryptoBackend,
  input: { receiptSeed: Uint8Array; action: string; target: string | null; now: Date },
): Promise<void> {
  await lockAudit(tx)
  const head = await auditHead(tx)
  const entry = signAuditEntry(backend, input.receiptSeed, {
    seq: head.seq + 1,
    prevHash: head.headHash,
    actor: 'server',
    action: input.action,
    target: input.target,
    at: input.now.toISOString(),
  })
  await insertEntry(tx, backend, entry)
}

async function insertEntry(tx: Db, backend: CryptoBackend, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    seq: entry.seq,
    prevHash: entry.prevHash,
    actor: entry.actor === 'server' ? null : entry.actor,
    action: entry.action,
    target: entry.target,
    at: entry.at,
    sig: fromBase64(entry.sig, 64),
    entryHash: auditEntryHash(backend, entry),
  })
}

/** Rows as audit entries (actor null → "server"), in seq order. */
export function toAuditEntry(row: typeof auditLog.$inferSelect): AuditEntry {
  return {
    seq: row.seq,
    prevHash: row.prevHash,
    actor: row.actor ?? 'server',
    action: row.action,
    target: row.target,
    at: row.at,
    sig: Buffer.from(row.sig).toString('base64'),
  }
}
