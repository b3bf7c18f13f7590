/**
 * Storage guarantees on both databases (DESIGN §3, §6): migrations, the append-only audit log,
 * cascading erasure, the setup token and the server-secret binding; and on PGlite, that a
 * committed write survives a kill -9.
 */
import { spawn } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../api/app.ts'
import { openDatabase, pgliteDirectory } from '../api/db/index.ts'
import { migrateDatabase } from '../api/db/migrate.ts'
import {
  attachmentChunks,
  attachments,
  auditLog,
  caseItems,
  cases,
  desks,
  org,
  setupTokens,
} from '../api/db/schema.ts'
import { StartupError } from '../api/errors.ts'
import { checkSecretId } from '../api/secrets.ts'
import { consumeSetupToken, countUsableSetupTokens, ensureSetupToken } from '../api/setup-token.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { databases, newDataDir, type TestDatabase } from './support/databases.ts'

const later = (ms: number) => ({ now: () => new Date(Date.now() + ms) })

/** The driver error underneath drizzle's wrapper, whose message names the failed query. */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause
    return String((cause as Error | undefined)?.message ?? (error as Error).message)
  }
  return 'did not fail'
}

describe.each(databases)('storage on $name', (factory) => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await factory.open({ migrate: false })
  })
  afterAll(async () => {
    await database?.destroy()
  })

  it('applies the migrations to an empty database and re-applies them as a no-op', async () => {
    await migrateDatabase(database)
    const count = async () => {
      const result = await database.db.execute<{ n: number }>(
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      )
      return (
        (result as unknown as { rows?: { n: number }[] }).rows?.[0]?.n ??
        (result as unknown as { n: number }[])[0]?.n
      )
    }
    const applied = await count()
    expect(applied).toBeGreaterThanOrEqual(2)
    await migrateDatabase(database)
    await migrateDatabase(database)
    expect(await count()).toBe(applied)
    expect(await database.db.select().from(desks)).toEqual([])
  })

  describe('the audit log', () => {
    const entry = (seq: number) => ({
      seq,
      prevHash: '00'.repeat(32),
      actor: null,
      action: 'test.event',
      target: '00000000-0000-4000-8000-000000000001',
      at: '2026-01-01T00:00:00Z',
      sig: new Uint8Array(64),
      entryHash: 'ab'.repeat(32),
    })

    beforeAll(async () => {
      await database.db.insert(auditLog).values([entry(1), entry(2)])
    })

    it('refuses to update an entry', async () => {
      expect(
        await failure(database.db.update(auditLog).set({ action: 'forged' }).where(eq(auditLog.seq, 1))),
      ).toMatch(/append-only/)
    })

    it('refuses to delete an entry', async () => {
      expect(await failure(database.db.delete(auditLog).where(eq(auditLog.seq, 2)))).toMatch(/append-only/)
    })

    it('refuses to truncate the table', async () => {
      expect(await failure(database.db.execute(sql`truncate audit_log`))).toMatch(/append-only/)
    })

    it('still holds both entries unchanged', async () => {
      const rows = await database.db.select().from(auditLog).orderBy(auditLog.seq)
      expect(rows.map((row) => [row.seq, row.action])).toEqual([
        [1, 'test.event'],
        [2, 'test.event'],
      ])
      expect(rows[0]?.sig).toBeInstanceOf(Uint8Array)
      expect(rows[0]?.sig.constructor).toBe(Uint8Array)
    })
  })

  it('erases a case with its items and attachments, never touching the audit log', async () => {
    const [desk] = await database.db.insert(desks).values({ name: 'Desk' }).returning()
    if (desk === undefined) throw new Error('no desk')
    const [kase] = await database.db
      .insert(cases)
      .values({
        deskId: desk.id,
        receivedOn: '2026-01-02',
        lookupId: '0123456789abcdef0123456789abcdef',
        authHash: new Uint8Array(32),
        reporterPublicKey: new Uint8Array(32),
        reporterSigningKey: new Uint8Array(32),
        proofStatement: '{}',
        proofSignature: new Uint8Array(64),
      })
      .returning()
    if (kase === undefined) throw new Error('no case')
    await database.db.insert(caseItems).values([
      { caseId: kase.id, seq: 0, kind: 1, envelope: new Uint8Array([1, 2, 3]), createdOn: '2026-01-02' },
      { caseId: kase.id, seq: 1, kind: 2, envelope: new Uint8Array([4]), createdOn: '2026-01-03' },
    ])
    const [attachment] = await database.db
      .insert(attachments)
      .values({
        caseId: kase.id,
        chunksExpected: 2,
        size: 70_000,
        header: new Uint8Array(21),
        createdOn: '2026-01-03',
      })
      .returning()
    if (attachment === undefined) throw new Error('no attachment')
    await database.db.insert(attachmentChunks).values([
      { attachmentId: attachment.id, index: 0, bytes: new Uint8Array(10) },
      { attachmentId: attachment.id, index: 1, bytes: new Uint8Array(10) },
    ])
    await database.db.insert(auditLog).values({
      seq: 3,
      prevHash: 'ab'.repeat(32),
      actor: null,
      action: 'case.created',
      target: kase.id,
      at: '2026-01-02T00:00:00Z',
      sig: new Uint8Array(64),
      entryHash: 'cd'.repeat(32),
    })

    const [item] = await database.db.select().from(caseItems).where(eq(caseItems.seq, 0))
    expect(item?.envelope).toEqual(new Uint8Array([1, 2, 3]))

    await database.db.delete(cases).where(eq(cases.id, kase.id))

    expect(await database.db.select().from(caseItems)).toEqual([])
    expect(await database.db.select().from(attachments)).toEqual([])
    expect(await database.db.select().from(attachmentChunks)).toEqual([])
    expect(await database.db.select().from(auditLog).where(eq(auditLog.target, kase.id))).toHaveLength(1)
  })

  it('refuses a second item with the same sequence number in a case', async () => {
    const [desk] = await database.db.insert(desks).values({ name: 'Desk 2' }).returning()
    const [kase] = await database.db
      .insert(cases)
      .values({
        deskId: desk?.id ?? '',
        receivedOn: '2026-01-02',
        lookupId: 'fedcba9876543210fedcba9876543210',
        authHash: new Uint8Array(32),
        reporterPublicKey: new Uint8Array(32),
        reporterSigningKey: new Uint8Array(32),
        proofStatement: '{}',
        proofSignature: new Uint8Array(64),
      })
      .returning()
    const item = {
      caseId: kase?.id ?? '',
      seq: 0,
      kind: 1,
      envelope: new Uint8Array(1),
      createdOn: '2026-01-02',
    }
    await database.db.insert(caseItems).values(item)
    expect(await failure(database.db.insert(caseItems).values(item))).toMatch(/duplicate key|unique/)
  })

  describe('the setup token', () => {
    it('is accepted exactly once', async () => {
      const backend = await loadSodium()
      const issued = await ensureSetupToken(database.db, systemClock, backend)
      if (issued === undefined) throw new Error('expected a token while no organisation exists')
      expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      const [first, second] = await Promise.all([
        consumeSetupToken(database.db, backend, issued.token, systemClock),
        consumeSetupToken(database.db, backend, issued.token, systemClock),
      ])
      expect([first, second].sort()).toEqual([false, true])
      expect(await consumeSetupToken(database.db, backend, issued.token, systemClock)).toBe(false)
    })

    it('is refused once expired', async () => {
      const backend = await loadSodium()
      const issued = await ensureSetupToken(database.db, systemClock, backend)
      if (issued === undefined) throw new Error('expected a token')
      expect(await consumeSetupToken(database.db, backend, issued.token, later(25 * 60 * 60 * 1000))).toBe(
        false,
      )
      expect(await consumeSetupToken(database.db, backend, issued.token, systemClock)).toBe(true)
    })

    it('invalidates the previous unused token when a new one is issued', async () => {
      const backend = await loadSodium()
      const older = await ensureSetupToken(database.db, systemClock, backend)
      const newer = await ensureSetupToken(database.db, systemClock, backend)
      if (older === undefined || newer === undefined) throw new Error('expected tokens')
      expect(await countUsableSetupTokens(database.db, systemClock)).toBe(1)
      expect(await consumeSetupToken(database.db, backend, older.token, systemClock)).toBe(false)
      expect(await consumeSetupToken(database.db, backend, newer.token, systemClock)).toBe(true)
    })

    it('refuses malformed and unknown tokens', async () => {
      const backend = await loadSodium()
      for (const token of ['', 'short', `${'A'.repeat(42)}B`, 'A'.repeat(43), `${'A'.repeat(42)}=`]) {
        expect(await consumeSetupToken(database.db, backend, token, systemClock)).toBe(false)
      }
    })

    it('is not issued once an organisation exists, and stores only hashes', async () => {
      const backend = await loadSodium()
      const issued = await ensureSetupToken(database.db, systemClock, backend)
      const stored = await database.db.select().from(setupTokens)
      const raw = Buffer.from(issued?.token ?? '', 'base64url')
      for (const row of stored) expect(Buffer.from(row.tokenHash).equals(raw)).toBe(false)
      await database.db
        .insert(org)
        .values({ name: 'Org', signingPublicKey: new Uint8Array(32), fingerprint: '00'.repeat(32) })
      expect(await ensureSetupToken(database.db, systemClock, backend)).toBeUndefined()
    })
  })

  it('binds the database to the first server secret and refuses another', async () => {
    await checkSecretId(database.db, 'aa'.repeat(32))
    await checkSecretId(database.db, 'aa'.repeat(32))
    await expect(checkSecretId(database.db, 'bb'.repeat(32))).rejects.toThrow(StartupError)
    await expect(checkSecretId(database.db, 'bb'.repeat(32))).rejects.toThrow(/secret id mismatch/)
  })
})

describe('PGlite durability', () => {
  it('keeps a committed row after the writing process is killed with SIGKILL', async () => {
    const pglite = databases[0]
    if (pglite === undefined) throw new Error('no PGlite')
    const prepared = await pglite.open()
    await prepared.close()
    const dataDir = newDataDir()
    cpSync(pgliteDirectory(prepared.dataDir), pgliteDirectory(dataDir), { recursive: true })
    await prepared.destroy()

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/pglite-writer.ts', dataDir, 'survivor'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const id = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const match = /committed ([0-9a-f-]{36})/.exec(out)
        // Kill at once, before the process can do anything more (no clean close, no checkpoint).
        if (match?.[1] !== undefined) {
          child.kill('SIGKILL')
          resolve(match[1])
        }
      })
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`writer exited early (${code})`))
      })
    })
    await new Promise((resolve) => child.once('close', resolve))

    const reopened = await openDatabase({ dataDir })
    try {
      const rows = await reopened.db.select().from(desks).where(eq(desks.id, id))
      expect(rows.map((row) => row.name)).toEqual(['survivor'])
    } finally {
      await reopened.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
