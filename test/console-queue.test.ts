/**
 * @module test/console-queue.test
 * The queue at scale on a real database (PGlite always, PostgreSQL when DATABASE_URL is set):
 * `GET /api/cases/index`, the pages the console's worker decrypts into its in-memory index
 * (complete and non-overlapping across pages, desk-isolated, the server-side filters applied,
 * analysts refused, any query string answered with 200 or a 400, never a 5xx), and
 * `GET /api/cases` after its rewrite (last seq per row, unread markers, counts per status, the
 * priority and oldest-first orders, the indexes its plans use on PostgreSQL).
 */
import { eq, inArray, type SQL, sql } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.ts'
import type { QueueIndexResponse, QueueResponse } from '../api/contract/staff.ts'
import { caseReads, cases, deskMembers, sessions } from '../api/db/schema.ts'
import { parseEnv } from '../api/env.ts'
import { deriveSecrets } from '../api/secrets.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64 } from '../crypto/bytes.ts'
import { H } from '../crypto/hash.ts'
import { openReport } from '../crypto/report.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { databases, type TestDatabase } from './support/databases.ts'
import { seedQueueCases } from './support/queue-seed.ts'
import { type DemoOrganisation, plantStaffItem, seedDemoOrganisation, seedStaffUser } from './support/seed.ts'

const ORIGIN = 'http://localhost'
const MAIN_CASES = 730

describe.each(databases)('Queue index on $name', (factory) => {
  let database: TestDatabase
  let backend: CryptoBackend
  let app: ReturnType<typeof createApp>
  let demo: DemoOrganisation
  const cookies = new Map<string, string>()
  let mainIds: string[] = []
  let otherIds: string[] = []
  let spamIds: string[] = []
  let marchIds: string[] = []
  const now = new Date('2026-05-04T12:00:00.000Z')

  async function plantSession(userId: string): Promise<string> {
    const token = backend.randomBytes(32)
    await database.db.insert(sessions).values({
      tokenHash: H(backend, 'tnr/v1/session-token', [token]),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + 3_600_000),
    })
    return `__Host-session=${Buffer.from(token).toString('base64url')}`
  }

  const get = (path: string, as?: string) => {
    const headers: Record<string, string> = { origin: ORIGIN }
    const cookie = as === undefined ? undefined : cookies.get(as)
    if (cookie !== undefined) headers.cookie = cookie
    return app.request(`${ORIGIN}${path}`, { headers })
  }

  /** Every page of the index for these filters, checking each page's shape on the way. */
  async function walk(as: string, filters: string, limit: number) {
    const seen: string[] = []
    let after: string | null = null
    let total: number | null = null
    let pages = 0
    do {
      const cursor: string = after === null ? '' : `&after=${after}`
      const response = await get(`/api/cases/index?limit=${limit}${filters}${cursor}`, as)
      expect(response.status).toBe(200)
      const body = (await response.json()) as QueueIndexResponse
      if (after === null) total = body.total
      else expect(body.total).toBeNull()
      expect(body.cases.length).toBeLessThanOrEqual(limit)
      // Id order within and across pages: a cursor can neither skip nor repeat a case.
      const ids = body.cases.map((c) => c.id)
      expect([...ids].sort()).toEqual(ids)
      if (seen.length > 0 && ids.length > 0) expect((ids[0] ?? '') > (seen.at(-1) ?? '')).toBe(true)
      seen.push(...ids)
      after = body.next
      pages++
      expect(pages).toBeLessThan(100)
    } while (after !== null)
    return { ids: seen, total, pages }
  }

  beforeAll(async () => {
    database = await factory.open()
    backend = await loadSodium()
    const secrets = deriveSecrets(backend, backend.randomBytes(32))
    app = createApp({
      db: database.db,
      config: parseEnv({ NODE_ENV: 'test', DATA_DIR: database.dataDir }),
      clock: { now: () => now },
      secrets,
    })
    demo = await seedDemoOrganisation(database.db, backend, secrets, now)
    const [main, other] = demo.desks
    if (main === undefined || other === undefined) throw new Error('two desks expected')
    const worker = await seedStaffUser(database.db, backend, demo, { role: 'caseworker', now })
    const outsider = await seedStaffUser(database.db, backend, demo, { role: 'caseworker', now })
    const admin = await seedStaffUser(database.db, backend, demo, { role: 'admin', now })
    const analyst = await seedStaffUser(database.db, backend, demo, { role: 'analyst', now })
    await database.db.insert(deskMembers).values([
      { deskId: main.deskId, userId: worker.userId },
      { deskId: other.deskId, userId: outsider.userId },
      { deskId: main.deskId, userId: analyst.userId },
    ])
    cookies.set('worker', await plantSession(worker.userId))
    cookies.set('outsider', await plantSession(outsider.userId))
    cookies.set('admin', await plantSession(admin.userId))
    cookies.set('analyst', await plantSession(analyst.userId))
    cookies.set('worker-id', worker.userId)

    mainIds = await seedQueueCases(
      database.db,
      backend,
      main,
      Array.from({ length: MAIN_CASES }, (_, i) => ({
        narrative: `case number ${i}`,
        receivedOn: i % 5 === 0 ? '2026-03-10' : '2026-04-20',
        status: i % 3 === 0 ? ('closed' as const) : ('new' as const),
      })),
    )
    marchIds = mainIds.filter((_, i) => i % 5 === 0)
    spamIds = await seedQueueCases(
      database.db,
      backend,
      main,
      Array.from({ length: 12 }, () => ({ spam: true, receivedOn: '2026-04-21' })),
    )
    otherIds = await seedQueueCases(
      database.db,
      backend,
      other,
      Array.from({ length: 25 }, () => ({ receivedOn: '2026-04-22' })),
    )
  }, 180_000)

  afterAll(async () => {
    await database?.destroy()
  })

  it('pages through every case of the desk once, in id order, without spam by default', async () => {
    const { ids, total, pages } = await walk('worker', '', 100)
    expect(pages).toBe(Math.ceil(MAIN_CASES / 100))
    expect(total).toBe(MAIN_CASES)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual([...mainIds].sort())
    // Status does not apply: closed cases are in the index, for the browser to filter.
    const first = (await (await get('/api/cases/index?limit=1000', 'worker')).json()) as QueueIndexResponse
    expect(first.cases.length).toBe(MAIN_CASES)
    expect(first.next).toBeNull()
    expect(new Set(first.cases.map((c) => c.status))).toEqual(new Set(['new', 'closed']))
  })

  it('serves report envelopes the desk key opens, with the reporter keys the server holds', async () => {
    const body = (await (await get('/api/cases/index?limit=3', 'worker')).json()) as QueueIndexResponse
    const desk = demo.desks[0]
    if (desk === undefined) throw new Error('no desk')
    expect(body.cases.length).toBe(3)
    for (const c of body.cases) {
      const opened = openReport(backend, fromBase64(c.report), {
        lookupId: c.lookupId,
        secretKey: desk.secretKey,
      })
      expect(Buffer.from(opened.reporterPublicKey).toString('base64')).toBe(c.reporterPublicKey)
      expect(opened.report.answers).toMatchObject({ narrative: expect.stringMatching(/^case number \d+$/) })
    }
  })

  it('applies the server-side filters: spam, month, desk', async () => {
    const withSpam = await walk('worker', '&spam=include', 250)
    expect([...withSpam.ids].sort()).toEqual([...mainIds, ...spamIds].sort())
    const onlySpam = await walk('worker', '&spam=only', 250)
    expect([...onlySpam.ids].sort()).toEqual([...spamIds].sort())
    const march = await walk('worker', '&month=2026-03', 50)
    expect([...march.ids].sort()).toEqual([...marchIds].sort())
    const desk = demo.desks[0]?.deskId ?? ''
    expect((await walk('worker', `&desk=${desk}`, 500)).total).toBe(MAIN_CASES)
  })

  it('never serves another desk’s cases, not even when asked for that desk', async () => {
    const other = demo.desks[1]?.deskId ?? ''
    const asked = await walk('worker', `&desk=${other}`, 100)
    expect(asked.ids).toEqual([])
    expect(asked.total).toBe(0)
    const outsider = await walk('outsider', '', 10)
    expect([...outsider.ids].sort()).toEqual([...otherIds].sort())
    // An admin sees only the desks they are a member of, too (none here).
    expect((await walk('admin', '', 10)).ids).toEqual([])
  })

  it('refuses analysts, anonymous callers and bad parameters with a 4xx JSON error', async () => {
    const analyst = await get('/api/cases/index', 'analyst')
    expect(analyst.status).toBe(403)
    expect(((await analyst.json()) as { error: { code: string } }).error.code).toBe('forbidden')
    expect((await get('/api/cases/index')).status).toBe(401)
    for (const bad of [
      'limit=0',
      'limit=1001',
      'limit=-1',
      'limit=ten',
      'after=not-a-uuid',
      'status=new',
      'sort=priority',
      'page=2',
      'desk=nope',
      'month=2026-13',
      'spam=maybe',
      'unknown=1',
    ]) {
      const response = await get(`/api/cases/index?${bad}`, 'worker')
      expect(response.status, bad).toBe(400)
      expect(((await response.json()) as { error: { code: string } }).error.code, bad).toBe('invalid_request')
    }
  })

  it('answers any query string with 200 or a 4xx JSON error, never a 5xx (property)', async () => {
    const keys = ['after', 'limit', 'desk', 'month', 'spam', 'priority', 'assignee', 'label', 'status', 'x']
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.uuid(),
      fc.integer({ min: -5, max: 5000 }).map(String),
      fc.constantFrom('include', 'only', 'none', '2026-03', "' or 1=1 --", '\u0000', '%00', '../'),
    )
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 }), async (query) => {
        const response = await get(`/api/cases/index?${new URLSearchParams(query).toString()}`, 'worker')
        if (response.status === 200) {
          const body = (await response.json()) as QueueIndexResponse
          for (const c of body.cases) expect(mainIds.includes(c.id) || spamIds.includes(c.id)).toBe(true)
          return
        }
        expect(response.status).toBe(400)
        const body = (await response.json()) as { error: { code: string } }
        expect(body.error.code).toBe('invalid_request')
      }),
      { numRuns: 120, seed: 2026 },
    )
  }, 60_000)

  it('keeps the queue’s last seq, unread marker and counts right after the rewrite', async () => {
    const target = (await (await get('/api/cases?status=new', 'worker')).json()) as QueueResponse
    expect(target.counts).toEqual({
      new: MAIN_CASES - Math.ceil(MAIN_CASES / 3),
      closed: Math.ceil(MAIN_CASES / 3),
    })
    expect(target.total).toBe(target.counts.new)
    const row = target.cases[0]
    if (row === undefined) throw new Error('no case')
    expect(row.lastSeq).toBe(0)
    expect(row.seenSeq).toBe(-1)
    const userId = cookies.get('worker-id') ?? ''
    await plantStaffItem(database.db, {
      lookupId: row.lookupId,
      kind: 4,
      envelope: backend.randomBytes(200),
      authorId: userId,
    })
    await plantStaffItem(database.db, {
      lookupId: row.lookupId,
      kind: 4,
      envelope: backend.randomBytes(200),
      authorId: userId,
    })
    await database.db.insert(caseReads).values({ caseId: row.id, userId, seenSeq: 1 })
    const again = (await (await get('/api/cases?status=new', 'worker')).json()) as QueueResponse
    const updated = again.cases.find((c) => c.id === row.id)
    expect(updated).toMatchObject({ lastSeq: 2, seenSeq: 1 })
    // Another user's read state is not this user's.
    const index = (await (await get('/api/cases/index?limit=1000', 'worker')).json()) as QueueIndexResponse
    expect(index.cases.find((c) => c.id === row.id)).toMatchObject({ lastSeq: 2, seenSeq: 1 })
    expect(index.cases.filter((c) => c.lastSeq > 0).length).toBe(1)
  })

  it('sorts urgent first, then high, normal and low, newest first within each', async () => {
    const [a, b, c, d] = mainIds.filter((_, i) => i % 3 !== 0)
    if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error('ids')
    await database.db.update(cases).set({ priority: 'low' }).where(inArray(cases.id, mainIds))
    await database.db.update(cases).set({ priority: 'urgent' }).where(eq(cases.id, c))
    await database.db
      .update(cases)
      .set({ priority: 'high' })
      .where(inArray(cases.id, [a, d]))
    await database.db.update(cases).set({ priority: 'normal' }).where(eq(cases.id, b))
    const body = (await (await get('/api/cases?status=new&sort=priority', 'worker')).json()) as QueueResponse
    const top = body.cases.slice(0, 5)
    expect(top.map((r) => r.priority)).toEqual(['urgent', 'high', 'high', 'normal', 'low'])
    expect(top[0]?.id).toBe(c)
    const [h1, h2] = [top[1], top[2]]
    expect((h1?.receivedOn ?? '') >= (h2?.receivedOn ?? '')).toBe(true)
    // Oldest first is the reverse of newest first (ties included).
    const newest = (await (await get('/api/cases?status=new', 'worker')).json()) as QueueResponse
    const pages = Math.ceil(newest.total / 50)
    const oldest = (await (
      await get(`/api/cases?status=new&sort=received_asc&page=${pages - 1}`, 'worker')
    ).json()) as QueueResponse
    expect(oldest.cases.at(-1)?.id).toBe(newest.cases[0]?.id)
  })

  it.runIf(factory.name === 'postgres')('plans the queue with indexes, not full scans of cases', async () => {
    await database.db.execute(sql`analyze`)
    const desk = demo.desks[0]?.deskId ?? ''
    // Planner cost settings make small tables scan; force the choice the data size would make,
    // in one transaction so the setting and the EXPLAINs share a connection.
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`)
      // With sorts and bitmaps penalised, a plan without Sort proves the index gives the order.
      await tx.execute(sql`set local enable_sort = off`)
      await tx.execute(sql`set local enable_bitmapscan = off`)
      const plan = async (query: SQL) => {
        const rows = (await tx.execute(sql`explain ${query}`)) as unknown as
          | { 'QUERY PLAN': string }[]
          | { rows: { 'QUERY PLAN': string }[] }
        const list = Array.isArray(rows) ? rows : rows.rows
        return list.map((r) => r['QUERY PLAN']).join('\n')
      }
      const page = await plan(
        sql`select id from cases where desk_id = ${desk} and spam = false and status = 'new' order by received_on desc, id limit 50`,
      )
      expect(page).toMatch(/cases_queue_idx/)
      expect(page).not.toMatch(/Sort|Seq Scan/)
      // Every desk at once (one index per desk could not give one order): newest first anyway.
      const other = demo.desks[1]?.deskId ?? ''
      const all = await plan(
        sql`select id from cases where desk_id in (${desk}, ${other}) and spam = false order by received_on desc, id limit 50`,
      )
      expect(all).toMatch(/cases_received_idx/)
      expect(all).not.toMatch(/Sort|Seq Scan/)
      const oldest = await plan(
        sql`select id from cases where desk_id = ${desk} and spam = false and status = 'new' order by received_on asc, id desc limit 50`,
      )
      expect(oldest).toMatch(/Index Only Scan Backward using cases_queue_idx/)
      const urgentFirst = await plan(
        sql`select id from cases where desk_id in (${desk}, ${other}) and spam = false order by priority desc, received_on desc, id limit 50`,
      )
      expect(urgentFirst).toMatch(/cases_priority_idx/)
      expect(urgentFirst).not.toMatch(/Sort|Seq Scan/)
      const counts = await plan(
        sql`select status, count(*) from cases where desk_id = ${desk} and spam = false group by status`,
      )
      expect(counts).toMatch(/Index (Only )?Scan using cases_queue_idx/)
      expect(counts).not.toMatch(/Seq Scan/)
    })
  })
})
