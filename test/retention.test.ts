/**
 * @module test/retention.test
 * Retention (DESIGN §6, issue 5) on a real database (PGlite always, PostgreSQL when DATABASE_URL
 * is set) through `createApp(...).request()`, with audit entries signed the way the console
 * signs them (web/console/keys.ts):
 * - an admin sets a desk's period (audited); closing a case dates it closed day + period,
 *   reopening clears it, changing the period recomputes the desk's closed cases;
 * - with the clock moved past the date, the job erases the case with its items, attachments,
 *   chunks, labels and read markers, leaving a server-signed entry that verifies like
 *   `npm run audit:verify` checks it; two job instances at once erase each case exactly once;
 * - "purge now" needs an admin, the origin check and a signed entry, refuses a stale count, and
 *   erases exactly what it previewed.
 * Sessions are planted directly (token hash in `sessions`): login has its own suite.
 */
import { randomUUID } from 'node:crypto'
import { and, asc, count, eq, inArray } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.ts'
import type { RetentionResponse } from '../api/contract/retention.ts'
import { type Database, openDatabase } from '../api/db/index.ts'
import {
  attachmentChunks,
  attachments,
  auditLog,
  caseItems,
  caseLabels,
  caseReads,
  cases,
  deskMembers,
  labels,
  sessions,
} from '../api/db/schema.ts'
import { parseEnv } from '../api/env.ts'
import { runRetention } from '../api/jobs/retention.ts'
import { silentLogger } from '../api/log.ts'
import { deriveSecrets, type ServerSecrets } from '../api/secrets.ts'
import { toAuditEntry } from '../api/storage/audit.ts'
import { insertCase } from '../api/storage/cases.ts'
import { purgeExpiredCases } from '../api/storage/retention.ts'
import { verifyAuditChain } from '../crypto/audit.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { H } from '../crypto/hash.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { signAudit } from '../web/console/keys.ts'
import { databases, type TestDatabase } from './support/databases.ts'
import { hostileValue } from './support/hostile.ts'
import {
  type DemoOrganisation,
  type SeededStaff,
  seedDemoOrganisation,
  seedStaffUser,
} from './support/seed.ts'

const ORIGIN = 'http://localhost'
const DAY_MS = 24 * 60 * 60 * 1000

describe.each(databases)('Retention on $name', (factory) => {
  let database: TestDatabase
  let backend: CryptoBackend
  let secrets: ServerSecrets
  let app: ReturnType<typeof createApp>
  let demo: DemoOrganisation
  let admin: SeededStaff
  let caseworker: SeededStaff
  let analyst: SeededStaff
  let deskId: string
  let otherDeskId: string
  let labelId: string
  const cookies = new Map<string, string>()
  let now = new Date('2026-03-02T10:00:00.000Z')
  const clock = { now: () => now }
  const today = () => now.toISOString().slice(0, 10)
  const dayPlus = (days: number) => new Date(now.getTime() + days * DAY_MS).toISOString().slice(0, 10)

  async function plantSession(userId: string): Promise<string> {
    const token = backend.randomBytes(32)
    await database.db.insert(sessions).values({
      tokenHash: H(backend, 'tnr/v1/session-token', [token]),
      userId,
      createdAt: now,
      lastSeenAt: now,
      // Long enough to survive the clock moves below.
      expiresAt: new Date(now.getTime() + 5000 * DAY_MS),
    })
    return `__Host-session=${Buffer.from(token).toString('base64url')}`
  }

  /** Keeps planted sessions alive across clock jumps (idle timeout is 30 minutes). */
  async function touchSessions(): Promise<void> {
    await database.db.update(sessions).set({ lastSeenAt: now })
  }

  const request = (
    method: string,
    path: string,
    options: { body?: unknown; as?: SeededStaff; origin?: string | null } = {},
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const origin = options.origin === undefined ? ORIGIN : options.origin
    if (origin !== null) headers.origin = origin
    const cookie = options.as === undefined ? undefined : cookies.get(options.as.userId)
    if (cookie !== undefined) headers.cookie = cookie
    return app.request(`${ORIGIN}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
  }

  /** An audit entry signed by `who` against the current head, as the console's `audited` does. */
  async function audit(who: SeededStaff, action: string, target: string | null) {
    const head = (await (await request('GET', '/api/audit/head', { as: who })).json()) as {
      seq: number
      headHash: string
    }
    return signAudit(backend, { signingSeed: who.signingSeed, actor: who.userId, action, target, head, now })
  }

  async function setPeriod(desk: string, retentionDays: number | null) {
    return request('POST', `/api/admin/retention/${desk}`, {
      as: admin,
      body: { retentionDays, audit: await audit(admin, 'desk.retention', desk) },
    })
  }

  async function setStatus(caseId: string, status: string) {
    const response = await request('POST', `/api/cases/${caseId}/triage`, {
      as: caseworker,
      body: { status, audit: await audit(caseworker, 'case.status', caseId) },
    })
    expect(response.status).toBe(200)
  }

  async function overview(): Promise<RetentionResponse> {
    const response = await request('GET', '/api/admin/retention', { as: admin })
    expect(response.status).toBe(200)
    return (await response.json()) as RetentionResponse
  }

  /** A case with a report, a reporter message, an attachment with two chunks, a label and a read marker. */
  async function plantCase(desk: string): Promise<string> {
    const lookupId = backend.randomBytes(16).reduce((hex, b) => hex + b.toString(16).padStart(2, '0'), '')
    await insertCase(
      database.db,
      {
        deskId: desk,
        lookupId,
        authHash: backend.randomBytes(32),
        reporterPublicKey: backend.randomBytes(32),
        reporterSigningKey: backend.randomBytes(32),
        envelope: backend.randomBytes(300),
        receivedOn: today(),
        proof: { statement: '{}', signature: backend.randomBytes(64) },
      },
      0,
    )
    const [row] = await database.db.select({ id: cases.id }).from(cases).where(eq(cases.lookupId, lookupId))
    if (row === undefined) throw new Error('case not stored')
    await database.db
      .insert(caseItems)
      .values({ caseId: row.id, seq: 1, kind: 2, envelope: backend.randomBytes(200), createdOn: today() })
    const attachmentId = randomUUID()
    await database.db.insert(attachments).values({
      id: attachmentId,
      caseId: row.id,
      chunksExpected: 2,
      header: backend.randomBytes(21),
      size: 128,
      complete: true,
      createdOn: today(),
    })
    await database.db.insert(attachmentChunks).values([
      { attachmentId, index: 0, bytes: backend.randomBytes(64) },
      { attachmentId, index: 1, bytes: backend.randomBytes(64) },
    ])
    await database.db.insert(caseLabels).values({ caseId: row.id, labelId })
    await database.db.insert(caseReads).values({ caseId: row.id, userId: caseworker.userId, seenSeq: 1 })
    return row.id
  }

  async function caseRow(caseId: string) {
    const [row] = await database.db
      .select({ status: cases.status, closedOn: cases.closedOn, retentionOn: cases.retentionOn })
      .from(cases)
      .where(eq(cases.id, caseId))
    return row
  }

  /** Every row anywhere that belongs to these cases (0 once erased). */
  async function leftovers(caseIds: string[]): Promise<number> {
    const attachmentIds = (
      await database.db
        .select({ id: attachments.id })
        .from(attachments)
        .where(inArray(attachments.caseId, caseIds))
    ).map((r) => r.id)
    const counts = await Promise.all([
      database.db.select().from(cases).where(inArray(cases.id, caseIds)),
      database.db.select().from(caseItems).where(inArray(caseItems.caseId, caseIds)),
      database.db.select().from(attachments).where(inArray(attachments.caseId, caseIds)),
      database.db.select().from(caseLabels).where(inArray(caseLabels.caseId, caseIds)),
      database.db.select().from(caseReads).where(inArray(caseReads.caseId, caseIds)),
    ])
    const chunks =
      attachmentIds.length === 0
        ? 0
        : (
            await database.db
              .select()
              .from(attachmentChunks)
              .where(inArray(attachmentChunks.attachmentId, attachmentIds))
          ).length
    return counts.reduce((sum, rows) => sum + rows.length, chunks)
  }

  /** The whole log checked as `npm run audit:verify` does: certified staff keys, the server's receipt key. */
  async function verifyLog() {
    const rows = await database.db.select().from(auditLog).orderBy(asc(auditLog.seq))
    const keys = new Map<string, Uint8Array>([
      ['server', secrets.receiptPublicKey],
      [admin.userId, admin.signingKey],
      [caseworker.userId, caseworker.signingKey],
    ])
    const entries = rows.map(toAuditEntry)
    return { entries, result: verifyAuditChain(backend, entries, { signingKeyFor: (a) => keys.get(a) }) }
  }

  const moveClock = async (to: Date) => {
    now = to
    await touchSessions()
  }

  beforeAll(async () => {
    database = await factory.open()
    backend = await loadSodium()
    secrets = deriveSecrets(backend, backend.randomBytes(32))
    app = createApp({
      db: database.db,
      config: parseEnv({ NODE_ENV: 'test', DATA_DIR: database.dataDir }),
      clock,
      secrets,
    })
    demo = await seedDemoOrganisation(database.db, backend, secrets, now)
    const [first, second] = demo.desks
    if (first === undefined || second === undefined) throw new Error('the demo has two desks')
    deskId = first.deskId
    otherDeskId = second.deskId
    admin = await seedStaffUser(database.db, backend, demo, { role: 'admin', now })
    caseworker = await seedStaffUser(database.db, backend, demo, { role: 'caseworker', now })
    analyst = await seedStaffUser(database.db, backend, demo, { role: 'analyst', now })
    for (const desk of [deskId, otherDeskId])
      await database.db.insert(deskMembers).values({ deskId: desk, userId: caseworker.userId })
    labelId = randomUUID()
    await database.db.insert(labels).values({ id: labelId, name: 'family pressure' })
    for (const who of [admin, caseworker, analyst]) cookies.set(who.userId, await plantSession(who.userId))
  }, 60_000)

  afterAll(async () => {
    await database?.destroy()
  })

  it('starts with every desk keeping closed cases until purged by hand', async () => {
    const body = await overview()
    expect(body.today).toBe(today())
    expect(body.desks.map((d) => d.retentionDays)).toEqual([null, null])
    expect(body.digest).toEqual({ enabled: false, hourUtc: null })
  })

  it('dates a closed case closed day + period, clears the date on reopening, and recomputes on a new period', async () => {
    const caseId = await plantCase(deskId)
    expect((await setPeriod(deskId, 30)).status).toBe(200)
    await setStatus(caseId, 'closed')
    expect(await caseRow(caseId)).toEqual({ status: 'closed', closedOn: today(), retentionOn: dayPlus(30) })

    await setStatus(caseId, 'in_progress')
    expect(await caseRow(caseId)).toEqual({ status: 'in_progress', closedOn: null, retentionOn: null })

    // Closed again two days later: the date counts from the new closing day.
    await moveClock(new Date(now.getTime() + 2 * DAY_MS))
    await setStatus(caseId, 'closed')
    expect(await caseRow(caseId)).toMatchObject({ closedOn: today(), retentionOn: dayPlus(30) })

    // A shorter period moves the date of the desk's closed cases, not of other desks' cases.
    const elsewhere = await plantCase(otherDeskId)
    await setStatus(elsewhere, 'closed')
    expect((await caseRow(elsewhere))?.retentionOn).toBeNull()
    expect((await setPeriod(deskId, 7)).status).toBe(200)
    expect(await caseRow(caseId)).toMatchObject({ closedOn: today(), retentionOn: dayPlus(7) })
    expect((await caseRow(elsewhere))?.retentionOn).toBeNull()

    // Keeping until purged by hand clears the date but remembers the closing day.
    expect((await setPeriod(deskId, null)).status).toBe(200)
    expect(await caseRow(caseId)).toMatchObject({ closedOn: today(), retentionOn: null })
    expect((await setPeriod(deskId, 7)).status).toBe(200)
    expect(await caseRow(caseId)).toMatchObject({ retentionOn: dayPlus(7) })

    const desk = (await overview()).desks.find((d) => d.deskId === deskId)
    expect(desk).toMatchObject({ retentionDays: 7, due: 0 })
    expect(desk?.closed).toBeGreaterThanOrEqual(1)

    const { entries, result } = await verifyLog()
    expect(result.problems).toEqual([])
    expect(entries.filter((e) => e.action === 'desk.retention' && e.target === deskId)).toHaveLength(4)
  })

  it('erases a closed case the day after its retention date, with everything in it, and logs a server-signed entry', async () => {
    await setPeriod(deskId, 1)
    const closing = await plantCase(deskId)
    const open = await plantCase(deskId)
    await setStatus(closing, 'closed')
    const retentionOn = (await caseRow(closing))?.retentionOn
    expect(retentionOn).toBe(dayPlus(1))
    const jobDeps = { db: database.db, clock, secrets, backend, logger: silentLogger }

    // On the retention date itself the case is still kept.
    await moveClock(new Date(`${retentionOn}T23:59:00.000Z`))
    await runRetention(jobDeps)
    expect(await caseRow(closing)).toBeDefined()

    await moveClock(new Date(now.getTime() + DAY_MS))
    const before = await verifyLog()
    const purged = await runRetention(jobDeps)
    expect(purged).toBeGreaterThanOrEqual(1)
    expect(await leftovers([closing])).toBe(0)
    expect(await caseRow(open)).toMatchObject({ status: 'new' })
    expect(await leftovers([open])).toBeGreaterThan(0)

    const { entries, result } = await verifyLog()
    expect(result.problems).toEqual([])
    const added = entries.slice(before.entries.length)
    expect(added).toHaveLength(purged)
    const entry = added.find((e) => e.target === closing)
    expect(entry).toMatchObject({ actor: 'server', action: 'case.purge', target: closing })
    // A second run finds nothing more.
    expect(await runRetention(jobDeps)).toBe(0)
  })

  it('erases each expired case exactly once when two instances run the job at the same time', async () => {
    await setPeriod(deskId, 1)
    const ids: string[] = []
    for (let i = 0; i < 6; i++) {
      const id = await plantCase(deskId)
      await setStatus(id, 'closed')
      ids.push(id)
    }
    await moveClock(new Date(now.getTime() + 3 * DAY_MS))
    // A second instance: its own connection pool on PostgreSQL; on PGlite the one connection
    // (one process per data directory) shared, where transactions queue.
    let second: Database | undefined
    if (database.databaseUrl !== undefined)
      second = await openDatabase({ dataDir: database.dataDir, databaseUrl: database.databaseUrl })
    try {
      const before = (await verifyLog()).entries.length
      const deps = (db: typeof database.db) => ({ db, backend, receiptSeed: secrets.receiptSeed })
      const counts = await Promise.all([
        purgeExpiredCases(deps(database.db), clock.now),
        purgeExpiredCases(deps(second?.db ?? database.db), clock.now),
        purgeExpiredCases(deps(database.db), clock.now),
      ])
      expect(counts.reduce((a, b) => a + b, 0)).toBe(6)
      expect(await leftovers(ids)).toBe(0)
      const { entries, result } = await verifyLog()
      expect(result.problems).toEqual([])
      const purges = entries.slice(before).map((e) => e.target)
      expect(purges).toHaveLength(6)
      expect([...purges].sort()).toEqual([...ids].sort())
    } finally {
      await second?.close()
    }
  })

  it('refuses purge now to caseworkers and analysts, without the origin, and without a signed entry', async () => {
    const path = `/api/admin/retention/${deskId}/purge`
    expect((await request('GET', '/api/admin/retention', { as: caseworker })).status).toBe(403)
    expect((await request('GET', '/api/admin/retention', { as: analyst })).status).toBe(403)
    expect((await request('GET', '/api/admin/retention')).status).toBe(401)
    const asCaseworker = await request('POST', path, {
      as: caseworker,
      body: { expected: 0, audit: await audit(caseworker, 'retention.purge', deskId) },
    })
    expect(asCaseworker.status).toBe(403)
    const crossSite = await request('POST', path, {
      as: admin,
      origin: 'https://evil.example',
      body: { expected: 0, audit: await audit(admin, 'retention.purge', deskId) },
    })
    expect(crossSite.status).toBe(403)
    expect((await request('POST', path, { as: admin, body: { expected: 0 } })).status).toBe(400)
    const period = await request('POST', `/api/admin/retention/${deskId}`, {
      as: caseworker,
      body: { retentionDays: 1, audit: await audit(caseworker, 'desk.retention', deskId) },
    })
    expect(period.status).toBe(403)
  })

  it('answers bad periods and unknown desks with 4xx and changes nothing', async () => {
    const before = (await overview()).desks
    for (const retentionDays of [0, -1, 36_501, 1.5, '30', true]) {
      const response = await request('POST', `/api/admin/retention/${deskId}`, {
        as: admin,
        body: { retentionDays, audit: await audit(admin, 'desk.retention', deskId) },
      })
      expect(response.status).toBe(400)
      const body = (await response.json()) as { error: { code: string } }
      expect(body.error.code).toBe('invalid_request')
    }
    const unknown = randomUUID()
    expect(
      (
        await request('POST', `/api/admin/retention/${unknown}`, {
          as: admin,
          body: { retentionDays: 5, audit: await audit(admin, 'desk.retention', unknown) },
        })
      ).status,
    ).toBe(404)
    expect(
      (
        await request('POST', '/api/admin/retention/not-a-desk/purge', {
          as: admin,
          body: { expected: 0, audit: await audit(admin, 'retention.purge', null) },
        })
      ).status,
    ).toBe(404)
    // An entry signed for another desk does not cover this one.
    const mismatched = await request('POST', `/api/admin/retention/${deskId}`, {
      as: admin,
      body: { retentionDays: 5, audit: await audit(admin, 'desk.retention', otherDeskId) },
    })
    expect(mismatched.status).toBe(422)
    expect((await overview()).desks).toEqual(before)
  })

  it('answers hostile bodies from an admin with a 4xx JSON error and stores nothing', async () => {
    const state = async () => ({
      desks: (await overview()).desks,
      cases: (await database.db.select({ n: count() }).from(cases))[0]?.n,
      audit: (await database.db.select({ n: count() }).from(auditLog))[0]?.n,
    })
    const before = await state()
    // The entry is well formed but signed for the other desk, so even a body that passes the
    // validator cannot be accepted.
    const wrongTarget = await audit(admin, 'desk.retention', otherDeskId)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('', '/purge'),
        fc.record(
          {
            retentionDays: hostileValue,
            expected: hostileValue,
            audit: fc.oneof(hostileValue, fc.constant(wrongTarget)),
          },
          { requiredKeys: [] },
        ),
        async (suffix, body) => {
          const response = await request('POST', `/api/admin/retention/${deskId}${suffix}`, {
            as: admin,
            body,
          })
          expect(response.status).toBeGreaterThanOrEqual(400)
          expect(response.status).toBeLessThan(500)
          const answer = (await response.json()) as { error: { code: string } }
          expect(answer.error.code).toMatch(/^[a-z_]+$/)
        },
      ),
      { numRuns: 60, seed: 5 },
    )
    expect(await state()).toEqual(before)
  })

  it('purges a desk now after a preview, refusing a stale count, with the admin entry and one server entry per case', async () => {
    // The other desk keeps cases until purged by hand: purge now erases all its closed cases.
    await setPeriod(otherDeskId, null)
    const closedA = await plantCase(otherDeskId)
    const closedB = await plantCase(otherDeskId)
    const open = await plantCase(otherDeskId)
    await setStatus(closedA, 'closed')
    await setStatus(closedB, 'closed')
    const preview = (await overview()).desks.find((d) => d.deskId === otherDeskId)
    expect(preview?.retentionDays).toBeNull()
    const expected = preview?.due ?? -1
    expect(expected).toBeGreaterThanOrEqual(2)
    expect(preview?.closed).toBe(expected)

    const path = `/api/admin/retention/${otherDeskId}/purge`
    const stale = await request('POST', path, {
      as: admin,
      body: { expected: expected - 1, audit: await audit(admin, 'retention.purge', otherDeskId) },
    })
    expect(stale.status).toBe(409)
    expect(await caseRow(closedA)).toBeDefined()

    const before = (await verifyLog()).entries.length
    const response = await request('POST', path, {
      as: admin,
      body: { expected, audit: await audit(admin, 'retention.purge', otherDeskId) },
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ purged: expected })
    expect(await leftovers([closedA, closedB])).toBe(0)
    expect(await caseRow(open)).toMatchObject({ status: 'new' })

    const { entries, result } = await verifyLog()
    expect(result.problems).toEqual([])
    const added = entries.slice(before)
    expect(added[0]).toMatchObject({ actor: admin.userId, action: 'retention.purge', target: otherDeskId })
    expect(added.slice(1).every((e) => e.actor === 'server' && e.action === 'case.purge')).toBe(true)
    expect(added.slice(1).map((e) => e.target)).toEqual(expect.arrayContaining([closedA, closedB]))
    expect(added).toHaveLength(expected + 1)

    const after = (await overview()).desks.find((d) => d.deskId === otherDeskId)
    expect(after).toMatchObject({ closed: 0, due: 0 })
  })

  it('keeps a closed case whose reporter wrote again until someone has read it', async () => {
    await setPeriod(deskId, 1)
    const closed = await plantCase(deskId)
    await setStatus(closed, 'closed')
    // The reporter adds a message after closing: nobody has read seq 2 yet.
    await database.db
      .insert(caseItems)
      .values({ caseId: closed, seq: 2, kind: 2, envelope: backend.randomBytes(200), createdOn: today() })
    const jobDeps = { db: database.db, clock, secrets, backend, logger: silentLogger }
    await moveClock(new Date(now.getTime() + 30 * DAY_MS))
    await runRetention(jobDeps)
    expect(await caseRow(closed)).toMatchObject({ status: 'closed' })
    await database.db
      .update(caseReads)
      .set({ seenSeq: 2 })
      .where(and(eq(caseReads.caseId, closed), eq(caseReads.userId, caseworker.userId)))
    await runRetention(jobDeps)
    expect(await leftovers([closed])).toBe(0)
  })

  it('leaves open cases alone even when their desk has the shortest period', async () => {
    await setPeriod(deskId, 1)
    const open = await plantCase(deskId)
    await moveClock(new Date(now.getTime() + 400 * DAY_MS))
    await runRetention({ db: database.db, clock, secrets, backend, logger: silentLogger })
    const [row] = await database.db
      .select({ id: cases.id })
      .from(cases)
      .where(and(eq(cases.id, open), eq(cases.status, 'new')))
    expect(row?.id).toBe(open)
  })
})
