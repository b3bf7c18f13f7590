/**
 * @module test/audit-detect.test
 * Audit tampering is detected from what the database holds (DESIGN §6 "Audit", §10; issue 7
 * item 8). crypto/audit.test.ts proves the verifier on entries in memory; this suite proves the
 * path an auditor uses — rows written by api/storage/audit.ts, read back from PostgreSQL or
 * PGlite, mapped by `toAuditEntry`, checked by `verifyAuditChain` — against an attacker who holds
 * the database and switches the append-only trigger off (a database owner can; the migration says
 * so), but holds no actor's signing key:
 * - an edited row → its signature fails (and the next row's link);
 * - a deleted row in the middle → a broken sequence;
 * - a consistently rewritten chain (edited, re-signed with the attacker's key, re-linked) → bad
 *   signatures under the actors' certified keys, and the checkpoint no longer matches;
 * - a cut-off tail → a clean-looking chain on its own, caught by the latest checkpoint.
 */
import { asc, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../api/db/index.ts'
import { auditLog } from '../api/db/schema.ts'
import { deriveSecrets, type ServerSecrets } from '../api/secrets.ts'
import { appendServerEntry, auditHead, toAuditEntry } from '../api/storage/audit.ts'
import {
  AUDIT_GENESIS_HASH,
  type AuditChainResult,
  type AuditEntry,
  auditEntryHash,
  signAuditEntry,
  verifyAuditChain,
} from '../crypto/audit.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64 } from '../crypto/bytes.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { databases, type TestDatabase } from './support/databases.ts'

const ENTRIES = 6

describe.each(databases)('audit tampering detected from the $name database', (factory) => {
  let database: TestDatabase
  let backend: CryptoBackend
  let secrets: ServerSecrets
  let checkpoint: { seq: number; headHash: string }

  /** What an attacker with the database can do: the append-only trigger switched off meanwhile. */
  async function asDatabaseOwner(work: (db: Db) => Promise<void>): Promise<void> {
    await database.db.execute(sql`alter table audit_log disable trigger user`)
    try {
      await work(database.db)
    } finally {
      await database.db.execute(sql`alter table audit_log enable trigger user`)
    }
  }

  async function readEntries(): Promise<AuditEntry[]> {
    const rows = await database.db.select().from(auditLog).orderBy(asc(auditLog.seq))
    return rows.map(toAuditEntry)
  }

  function verify(entries: readonly AuditEntry[], withCheckpoint = true): AuditChainResult {
    return verifyAuditChain(backend, entries, {
      signingKeyFor: (actor) => (actor === 'server' ? secrets.receiptPublicKey : undefined),
      ...(withCheckpoint ? { checkpoint } : {}),
    })
  }

  /** A fresh log of ENTRIES server-signed entries and a checkpoint at its head. */
  async function freshLog(): Promise<void> {
    await asDatabaseOwner(async (db) => {
      await db.delete(auditLog).where(sql`true`)
    })
    for (let n = 0; n < ENTRIES; n++) {
      await database.db.transaction(async (tx) => {
        await appendServerEntry(tx, backend, {
          receiptSeed: secrets.receiptSeed,
          action: n % 2 === 0 ? 'case.status' : 'case.reply',
          target: `00000000-0000-4000-8000-00000000000${String(n)}`,
          now: new Date(Date.UTC(2026, 10, 25, 12, n)),
        })
      })
    }
    const head = await auditHead(database.db)
    checkpoint = { seq: head.seq, headHash: head.headHash }
    const intact = verify(await readEntries())
    expect(intact).toMatchObject({ ok: true, problems: [], headSeq: ENTRIES })
  }

  /** Writes entries back as rows, hashes included, the way a careful attacker would. */
  async function rewriteRows(entries: readonly AuditEntry[]): Promise<void> {
    await asDatabaseOwner(async (db) => {
      for (const entry of entries) {
        await db
          .update(auditLog)
          .set({
            prevHash: entry.prevHash,
            action: entry.action,
            sig: fromBase64(entry.sig, 64),
            entryHash: auditEntryHash(backend, entry),
          })
          .where(eq(auditLog.seq, entry.seq))
      }
    })
  }

  beforeAll(async () => {
    database = await factory.open()
    backend = await loadSodium()
    secrets = deriveSecrets(backend, backend.randomBytes(32))
  })

  afterAll(async () => {
    await database?.destroy()
  })

  it('refuses to edit the log while the append-only trigger is on', async () => {
    await freshLog()
    await expect(
      database.db.update(auditLog).set({ action: 'nothing' }).where(eq(auditLog.seq, 1)),
    ).rejects.toThrow()
  })

  it('detects an edited row at that row and the link after it', async () => {
    await freshLog()
    await asDatabaseOwner(async (db) => {
      await db.update(auditLog).set({ action: 'case.erase' }).where(eq(auditLog.seq, 3))
    })
    const result = verify(await readEntries())
    expect(result.ok).toBe(false)
    expect(result.problems).toContainEqual({ seq: 3, code: 'bad_signature' })
    expect(result.problems).toContainEqual({ seq: 4, code: 'bad_link' })
  })

  it('detects a row deleted from the middle', async () => {
    await freshLog()
    await asDatabaseOwner(async (db) => {
      await db.delete(auditLog).where(eq(auditLog.seq, 2))
    })
    const result = verify(await readEntries())
    expect(result.ok).toBe(false)
    expect(result.problems).toContainEqual({ seq: 3, code: 'bad_sequence' })
    expect(result.problems).toContainEqual({ seq: 3, code: 'bad_link' })
  })

  it('detects a consistently rewritten chain: re-signed by another key and re-linked', async () => {
    await freshLog()
    const attackerSeed = backend.randomBytes(32)
    const original = await readEntries()
    const rewritten: AuditEntry[] = []
    let prevHash = AUDIT_GENESIS_HASH
    for (const entry of original) {
      const { sig: _sig, ...body } = entry
      const forged = signAuditEntry(backend, attackerSeed, {
        ...body,
        prevHash,
        action: entry.seq === 3 ? 'case.erase' : entry.action,
      })
      rewritten.push(forged)
      prevHash = auditEntryHash(backend, forged)
    }
    await rewriteRows(rewritten)
    const stored = await readEntries()
    expect(stored).toEqual(rewritten)
    const result = verify(stored)
    expect(result.ok).toBe(false)
    // The links are consistent; the signatures are not the actor's.
    expect(result.problems.filter((p) => p.code === 'bad_link')).toEqual([])
    expect(result.problems.filter((p) => p.code === 'bad_signature').map((p) => p.seq)).toEqual([
      1, 2, 3, 4, 5, 6,
    ])
    expect(result.problems).toContainEqual({ seq: ENTRIES, code: 'checkpoint_mismatch' })
  })

  it('detects a cut-off tail through the latest checkpoint, which the chain alone cannot show', async () => {
    await freshLog()
    await asDatabaseOwner(async (db) => {
      await db.delete(auditLog).where(sql`${auditLog.seq} > ${ENTRIES - 2}`)
    })
    const entries = await readEntries()
    expect(entries).toHaveLength(ENTRIES - 2)
    // Without the checkpoint the shortened log is a valid chain: this is why admins sign them.
    expect(verify(entries, false).ok).toBe(true)
    const result = verify(entries)
    expect(result.ok).toBe(false)
    expect(result.problems).toEqual([{ seq: ENTRIES, code: 'checkpoint_beyond_chain' }])
    console.log(
      `audit tampering (${factory.name}): edited row, deleted row, rewritten chain and cut-off tail all detected`,
    )
  })
})
