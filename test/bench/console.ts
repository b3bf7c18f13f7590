/**
 * @module test/bench/console
 * Benchmarks 3 and 6 (issue 8, DESIGN §11): the console at scale and how cost grows.
 *
 * - Cases are seeded straight into storage (bulk inserts of 500 rows), 1,000 then 10,000 then
 *   100,000 (PostgreSQL; PGlite stops at 10,000 unless `LONG=1`), with realistic report envelopes sealed to the desk key: the first
 *   1,000 are distinct, later ones reuse those envelopes' bytes (only the server's queue reads
 *   them, and it never decrypts). A third of the cases also hold one to three later items, so the
 *   queue's "last seq" has real work to do, and the user has read about half of them.
 * - At each size the server's queue function (api/storage/staff-cases.ts `queue`, what
 *   `GET /api/cases` runs after the session and role checks) is timed in process — first page,
 *   a filtered page (status + priority + month), the priority sort, and a page of 500 of the
 *   worker's index (`queueIndex`, what `GET /api/cases/index` runs; first page and one deep in
 *   the id order) — median of 7 after a warm-up — and so is the ingest path's storage step
 *   (api/storage/cases.ts `insertCase`, 60 in a row). The SQL of each is captured through
 *   drizzle's logger and run under `EXPLAIN ANALYZE`, to show that indexes are used and no
 *   statement scans the whole table.
 * - Chromium decrypts 1,000 of the report envelopes with the libsodium backend (openReport:
 *   decrypt, JSON, reporter keys), as the console's worker will.
 * PostgreSQL when DATABASE_URL is set; PGlite always (it stops at 10,000 cases).
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { sql } from 'drizzle-orm'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import type { Db } from '../../api/db/index.ts'
import * as schema from '../../api/db/schema.ts'
import { caseItems, caseReads, cases, deskMembers } from '../../api/db/schema.ts'
import { insertCase } from '../../api/storage/cases.ts'
import { queue, queueIndex } from '../../api/storage/staff-cases.ts'
import { toBase64 } from '../../crypto/bytes.ts'
import { sealReport } from '../../crypto/report.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { seedStaffUser } from '../support/seed.ts'
import { encodeRecords, openBenchBrowser } from './browser.ts'
import { medianMs, percentile, type Results } from './common.ts'
import { createStore, type DatabaseKind, databaseKinds, LONG, seedStore } from './env.ts'

const QUEUE_TARGET_MS = 100
const DECRYPT_TARGET_MS = 1000
const DISTINCT = 1000
const BATCH = 500

type Captured = { query: string; params: unknown[] }

const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10)
const pick = <T>(items: readonly T[], byte: number): T => items[byte % items.length] as T

async function growOn(kind: DatabaseKind, results: Results): Promise<void> {
  const backend = await loadSodium()
  const store = await createStore(kind)
  try {
    const { database, demo } = await seedStore(store, backend)
    try {
      const db = database.db
      const staff = await seedStaffUser(db, backend, demo)
      await db.insert(deskMembers).values(demo.desks.map((d) => ({ deskId: d.deskId, userId: staff.userId })))
      const deskIds = demo.desks.map((d) => d.deskId)
      const desk = demo.desks[0]
      if (desk === undefined) throw new Error('no desk')

      // Realistic envelopes, each bound to its own lookup id.
      const narrative = 'They called my mother again and said my passport would not be renewed. '.repeat(60)
      const distinct = Array.from({ length: DISTINCT }, () => {
        const lookupId = randomBytes(16).toString('hex')
        const reporterPublicKey = backend.randomBytes(32)
        const reporterSigningKey = backend.randomBytes(32)
        const envelope = sealReport(backend, {
          recipients: [desk.publicKey],
          lookupId,
          report: {
            reporterPublicKey: toBase64(reporterPublicKey),
            reporterSigningKey: toBase64(reporterSigningKey),
            narrative,
            country: 'CN',
          },
        })
        return { lookupId, envelope, reporterPublicKey, reporterSigningKey }
      })
      const followUp = backend.randomBytes(1200)

      let seeded = 0
      const seedTo = async (target: number) => {
        while (seeded < target) {
          const n = Math.min(BATCH, target - seeded)
          const noise = randomBytes(n * 4)
          const rows = Array.from({ length: n }, (_, i) => {
            const index = seeded + i
            const source = distinct[index % DISTINCT]
            if (source === undefined) throw new Error('no envelope')
            const r = noise.subarray(i * 4, i * 4 + 4)
            return {
              source,
              extra: (r[3] ?? 0) % 3 === 0 ? 1 + ((r[3] ?? 0) % 3) : 0,
              row: {
                deskId: (r[0] ?? 0) < 205 ? desk.deskId : pick(deskIds, 1),
                receivedOn: day(((r[1] ?? 0) * 256 + (r[2] ?? 0)) % 365),
                status: pick(schema.caseStatuses, r[1] ?? 0),
                priority: pick(schema.casePriorities, r[2] ?? 0),
                assigneeId: (r[3] ?? 0) % 2 === 0 ? staff.userId : null,
                lookupId: index < DISTINCT ? source.lookupId : randomBytes(16).toString('hex'),
                authHash: randomBytes(32),
                reporterPublicKey: source.reporterPublicKey,
                reporterSigningKey: source.reporterSigningKey,
                proofStatement: `{"hash":"${randomBytes(32).toString('hex')}","type":"receipt-proof"}`,
                proofSignature: randomBytes(64),
              },
            }
          })
          const inserted = await db
            .insert(cases)
            .values(rows.map((r) => r.row))
            .returning({ id: cases.id })
          const items: (typeof caseItems.$inferInsert)[] = []
          inserted.forEach((c, i) => {
            const r = rows[i]
            if (r === undefined) return
            items.push({
              caseId: c.id,
              seq: 0,
              kind: 1,
              envelope: r.source.envelope,
              createdOn: r.row.receivedOn,
            })
            for (let s = 1; s <= r.extra; s++) {
              items.push({ caseId: c.id, seq: s, kind: 2, envelope: followUp, createdOn: r.row.receivedOn })
            }
          })
          await db.insert(caseItems).values(items)
          // The user has opened about half of the cases (unread markers read case_reads).
          const reads = inserted.filter((_, i) => (noise[i * 4] ?? 0) % 2 === 0)
          if (reads.length > 0)
            await db
              .insert(caseReads)
              .values(reads.map((c) => ({ caseId: c.id, userId: staff.userId, seenSeq: 0 })))
          seeded += n
        }
        // As autovacuum would have by now: statistics and the visibility map (index-only scans).
        await db.execute(sql`vacuum analyze`)
      }

      // The same client with a logger, to capture the queue's SQL for EXPLAIN.
      const captured: Captured[] = []
      const logger = { logQuery: (query: string, params: unknown[]) => captured.push({ query, params }) }
      const driver = database.driver
      const logged: Db =
        driver.kind === 'postgres'
          ? drizzlePostgres({ client: driver.client, schema, logger })
          : drizzlePglite({ client: driver.client, schema, logger })
      const explain = async (c: Captured): Promise<string> => {
        if (driver.kind === 'postgres') {
          const rows = (await driver.client.unsafe(
            `explain analyze ${c.query}`,
            c.params as never[],
          )) as unknown as {
            'QUERY PLAN': string
          }[]
          return rows.map((r) => r['QUERY PLAN']).join('\n')
        }
        const result = await driver.client.query<{ 'QUERY PLAN': string }>(
          `explain analyze ${c.query}`,
          c.params,
        )
        return result.rows.map((r) => r['QUERY PLAN']).join('\n')
      }

      const month = day(30).slice(0, 7)
      const filtered = { status: 'new', priority: 'high', month } as const
      const sizes = kind === 'postgres' || LONG ? [1000, 10_000, 100_000] : [1000, 10_000]
      const group = `queue/${kind}`
      let first1000: number | undefined
      let filtered1000: number | undefined
      let insert1000: number | undefined
      let priority1000: number | undefined
      let index1000: number | undefined
      for (const size of sizes) {
        await seedTo(size)
        const firstPage = await medianMs(() => queue(db, staff.userId, deskIds, {}))
        const filteredPage = await medianMs(() => queue(db, staff.userId, deskIds, filtered))
        const priorityPage = await medianMs(() => queue(db, staff.userId, deskIds, { sort: 'priority' }))
        // A page of the worker's index, at the start and deep in the id order.
        const firstIndex = await queueIndex(db, staff.userId, deskIds, {})
        const deep = await queueIndex(db, staff.userId, deskIds, {
          after: firstIndex.cases[Math.floor(firstIndex.cases.length / 2)]?.id,
        })
        if (deep.cases.length === 0) throw new Error('index page empty')
        const indexPage = await medianMs(() =>
          queueIndex(db, staff.userId, deskIds, { after: firstIndex.cases[250]?.id }),
        )
        priority1000 ??= priorityPage
        index1000 ??= indexPage
        first1000 ??= firstPage
        filtered1000 ??= filteredPage
        const growth = size / 1000
        results.add({
          group,
          metric: `first page, ${size.toLocaleString('en-US')} cases`,
          value: firstPage,
          unit: 'ms',
          baseline: 'same at 1,000 cases',
          baselineValue: first1000,
          ratio: firstPage / first1000,
          target: '< 100 ms',
          met: firstPage < QUEUE_TARGET_MS,
          note: `${growth}× the cases`,
        })
        // Growth of the ingest path's storage step: the submission transaction (case + report)
        // exactly as POST /api/reports commits it, one at a time.
        const source = distinct[0]
        if (source === undefined) throw new Error('no envelope')
        const inserts: number[] = []
        for (let i = 0; i < 60; i++) {
          const t0 = performance.now()
          await insertCase(
            db,
            {
              deskId: desk.deskId,
              lookupId: randomBytes(16).toString('hex'),
              authHash: randomBytes(32),
              reporterPublicKey: source.reporterPublicKey,
              reporterSigningKey: source.reporterSigningKey,
              envelope: source.envelope,
              receivedOn: day(0),
              proof: { statement: '{"type":"receipt-proof"}', signature: randomBytes(64) },
            },
            0,
          )
          inserts.push(performance.now() - t0)
        }
        seeded += 60
        const insertMs = percentile(inserts.slice(10), 50)
        insert1000 ??= insertMs
        results.add({
          group,
          metric: `ingest storage step (insertCase) p50, ${size.toLocaleString('en-US')} cases`,
          value: insertMs,
          unit: 'ms',
          baseline: 'same at 1,000 cases',
          baselineValue: insert1000,
          ratio: insertMs / insert1000,
        })
        results.add({
          group,
          metric: `filtered page (status+priority+month), ${size.toLocaleString('en-US')} cases`,
          value: filteredPage,
          unit: 'ms',
          baseline: 'same at 1,000 cases',
          baselineValue: filtered1000,
          ratio: filteredPage / filtered1000,
          target: '< 100 ms',
          met: filteredPage < QUEUE_TARGET_MS,
        })
        results.add({
          group,
          metric: `priority-sorted page, ${size.toLocaleString('en-US')} cases`,
          value: priorityPage,
          unit: 'ms',
          baseline: 'same at 1,000 cases',
          baselineValue: priority1000,
          ratio: priorityPage / priority1000,
          target: '< 100 ms',
          met: priorityPage < QUEUE_TARGET_MS,
        })
        results.add({
          group,
          metric: `index page (500 cases with envelopes), ${size.toLocaleString('en-US')} cases`,
          value: indexPage,
          unit: 'ms',
          baseline: 'same at 1,000 cases',
          baselineValue: index1000,
          ratio: indexPage / index1000,
          note: `the worker fetches ${Math.ceil(size / 500)} such pages for the whole index`,
        })
        // Plans of every statement the queue and the index run, at this size.
        captured.length = 0
        await queue(logged, staff.userId, deskIds, {})
        await queue(logged, staff.userId, deskIds, filtered)
        await queue(logged, staff.userId, deskIds, { sort: 'priority' })
        await queueIndex(logged, staff.userId, deskIds, {})
        await queueIndex(logged, staff.userId, deskIds, { after: firstIndex.cases[250]?.id })
        const plans: string[] = []
        for (const c of captured) plans.push(await explain(c))
        const scans = plans.flatMap((plan) =>
          [...plan.matchAll(/Seq Scan on (cases|case_items|case_reads)\b/g)].map((m) => m[1]),
        )
        results.add({
          group,
          metric: `sequential scans in the queue's and index's plans, ${size.toLocaleString('en-US')} cases`,
          value: scans.length,
          unit: `of ${plans.length} statements`,
          target: '0 (indexes used)',
          met: scans.length === 0,
          note: scans.join(', '),
        })
        if (size >= 10_000 && (kind === 'postgres' || databaseKinds.length === 1)) {
          // The first page's query (the second statement of the first queue call, after the counts).
          results.note(
            `${group} EXPLAIN ANALYZE at ${size.toLocaleString('en-US')} cases, first page:\n    ${(plans[1] ?? '').split('\n').join('\n    ')}`,
          )
        }
      }

      // Chromium: 1,000 report envelopes opened with the libsodium backend.
      if (kind === databaseKinds[databaseKinds.length - 1]) {
        const browser = await openBenchBrowser()
        try {
          const url = browser.serve(
            'reports.bin',
            encodeRecords(distinct.map((d) => ({ context: d.lookupId, seq: 0, envelope: d.envelope }))),
          )
          const out = await browser.page.evaluate(
            ([u, key]) =>
              (
                globalThis as unknown as {
                  tnrBench: { decryptReports(u: string, k: string): Promise<{ ms: number; opened: number }> }
                }
              ).tnrBench.decryptReports(u, key),
            [url, toBase64(desk.secretKey)] as const,
          )
          if (out.opened !== DISTINCT) throw new Error(`only ${out.opened} of ${DISTINCT} reports opened`)
          results.add({
            group: 'console/chromium',
            metric: `decrypt ${DISTINCT.toLocaleString('en-US')} reports (libsodium, ≈${Math.round((distinct[0]?.envelope.length ?? 0) / 1024)} KB each)`,
            value: out.ms,
            unit: 'ms',
            baseline: 'target',
            baselineValue: DECRYPT_TARGET_MS,
            ratio: out.ms / DECRYPT_TARGET_MS,
            target: '< 1 s',
            met: out.ms < DECRYPT_TARGET_MS,
          })
        } finally {
          await browser.close()
        }
      }
    } finally {
      await database.close()
    }
  } finally {
    await store.destroy()
  }
}

export async function benchConsole(results: Results): Promise<void> {
  for (const kind of databaseKinds) await growOn(kind, results)
}
