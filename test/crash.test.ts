/**
 * @module test/crash.test
 * Crash without loss (DESIGN §3, §6, §10; issue 7 item 2): the real server process, 50
 * concurrent reporters submitting through Reporter API v1, and SIGKILL at seeded random moments
 * — with `COMMIT_DELAY_MS` holding every case's transaction open, so kills land during commits —
 * followed by restarts. On PGlite (the embedded default) and on PostgreSQL (a fresh database).
 *
 * Each reporter records an acknowledgement (201 or 200 with a receipt proof) before its next
 * request and retries everything else, as the intake page does: connection errors and 5xx by
 * resending, `409 pow_spent` / `pow_expired` with a fresh solve, 429 after `Retry-After`.
 *
 * Afterwards:
 * - every acknowledged receipt opens its case through `POST /api/followup` on the server that
 *   survived the kills, and its report decrypts with the desk key to the text that reporter sent;
 * - with the server killed once more (nothing may depend on a graceful stop), the database opens
 *   cleanly (PGlite: its DATA_DIR after every SIGKILL) and holds exactly one case per planned
 *   report — none lost, none twice — so every retried submission ended with exactly one case.
 *
 * Each kill comes after a seeded number of new acknowledgements (3–14) plus a seeded fraction of
 * the commit delay, so every life of the server does work however slow the machine is, and the
 * kill lands under load. Bounded: 3 kills and 100 reports by default (about a minute per
 * database on an idle two-core machine, most of it server start-up); LONG=1 runs 8 kills and
 * 300 reports. The seed is printed; CRASH_SEED=… replays a schedule; CRASH_DEBUG=1 prints
 * progress every 3 s.
 */
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../api/db/index.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64 } from '../crypto/bytes.ts'
import { solvePow } from '../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode, type ReceiptKeys } from '../crypto/receipt.ts'
import { openReport, sealReport } from '../crypto/report.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { databases } from './support/databases.ts'
import { type SeededDeployment, seededDeployment } from './support/seeded-server.ts'
import type { RunningServer } from './support/server.ts'

const LONG = process.env.LONG === '1'
const CLIENTS = 50
const REPORTS_PER_CLIENT = LONG ? 6 : 2
const KILLS = LONG ? 8 : 3
const SEED = Number(process.env.CRASH_SEED ?? 20_261_125)
/** Long enough that a kill often lands inside a case's transaction, short enough to keep pace. */
const COMMIT_DELAY_MS = 100
/** The whole run must finish within this; a stuck client fails the test instead of hanging it. */
const RUN_DEADLINE_MS = LONG ? 900_000 : 240_000

/** mulberry32: a tiny seeded generator, so the kill schedule replays from the seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

type Planned = { receipt: ReceiptKeys; narrative: string; body: Record<string, unknown> }
type Ack = { lookupId: string; status: number; body: string }

function rows(result: unknown): Array<Record<string, unknown>> {
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<
    Record<string, unknown>
  >
}

async function lookupIdsInDatabase(db: Db): Promise<string[]> {
  return rows(await db.execute(sql`select lookup_id from cases order by lookup_id`)).map((row) =>
    String(row.lookup_id),
  )
}

describe.each(databases)('crash without loss on $name', (factory) => {
  let backend: CryptoBackend
  let deployment: SeededDeployment
  let server: RunningServer | undefined
  const random = seededRandom(SEED)

  beforeAll(async () => {
    backend = await loadSodium()
    deployment = await seededDeployment(factory, backend, {
      POW_BASE_BITS: '1',
      POW_MAX_BITS: '1',
      COMMIT_DELAY_MS: String(COMMIT_DELAY_MS),
    })
  })

  afterAll(async () => {
    await server?.stop()
    await deployment?.destroy()
  })

  it('keeps every acknowledged report through repeated SIGKILLs, once each', {
    timeout: RUN_DEADLINE_MS + 120_000,
  }, async () => {
    const started = Date.now()
    const desk = deployment.demo.desks[0]
    if (desk === undefined) throw new Error('no desk')
    const planned: Planned[][] = Array.from({ length: CLIENTS }, (_, client) =>
      Array.from({ length: REPORTS_PER_CLIENT }, (_, n) => {
        const receipt = deriveReceiptKeys(backend, generateReceiptCode(backend))
        const narrative = `crash test: reporter ${client}, report ${n}`
        const envelope = sealReport(backend, {
          recipients: [desk.publicKey],
          lookupId: receipt.lookupId,
          report: {
            reporterPublicKey: toBase64(receipt.reporterPublicKey),
            reporterSigningKey: toBase64(receipt.reporterSigningKey),
            narrative,
          },
        })
        return {
          receipt,
          narrative,
          body: {
            deskId: desk.deskId,
            lookupId: receipt.lookupId,
            authToken: receipt.authToken,
            reporterPublicKey: toBase64(receipt.reporterPublicKey),
            reporterSigningKey: toBase64(receipt.reporterSigningKey),
            envelope: toBase64(envelope),
          },
        }
      }),
    )

    let live = await deployment.start()
    server = live
    const port = live.port
    const acks: Ack[] = []
    const stats = {
      attempts: 0,
      networkErrors: 0,
      fiveXx: 0,
      powSpent: 0,
      rateLimited: 0,
      inFlightAtKills: [] as number[],
    }
    let inFlight = 0
    let clientsDone = 0

    const send = async (path: string, body: unknown): Promise<Response | undefined> => {
      inFlight++
      try {
        return await fetch(`http://127.0.0.1:${port}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        })
      } catch {
        stats.networkErrors++
        return undefined
      } finally {
        inFlight--
      }
    }

    async function solve(): Promise<{ challenge: string; nonce: string } | undefined> {
      const response = await send('/api/pow/challenge', {})
      if (response?.status !== 200) {
        await response?.body?.cancel()
        return undefined
      }
      const { challenge, bits } = (await response.json()) as { challenge: string; bits: number }
      return { challenge, nonce: solvePow(backend, fromBase64(challenge), bits) ?? '0' }
    }

    async function reporter(reports: Planned[]): Promise<void> {
      for (const report of reports) {
        let pow: { challenge: string; nonce: string } | undefined
        while (true) {
          if (Date.now() - started > RUN_DEADLINE_MS) throw new Error('run deadline passed')
          pow ??= await solve()
          if (pow === undefined) {
            await sleep(200 + Math.floor(Math.random() * 400))
            continue
          }
          stats.attempts++
          const response = await send('/api/reports', { ...report.body, pow })
          if (response === undefined) {
            await sleep(200 + Math.floor(Math.random() * 400))
            continue
          }
          const text = await response.text().catch(() => undefined)
          if (text === undefined) continue // the connection died mid-answer: resend
          if (response.status === 201 || response.status === 200) {
            // Recorded before anything else is sent: this is what the reporter was told.
            acks.push({ lookupId: report.receipt.lookupId, status: response.status, body: text })
            break
          }
          if (response.status === 409) {
            const code = (JSON.parse(text) as { error: { code: string } }).error.code
            if (code !== 'pow_spent' && code !== 'pow_expired') throw new Error(`unexpected 409 ${code}`)
            stats.powSpent++
            pow = undefined
            continue
          }
          if (response.status === 429) {
            stats.rateLimited++
            await sleep(1000 * Number(response.headers.get('retry-after') ?? '1'))
            continue
          }
          if (response.status >= 500) {
            stats.fiveXx++
            await sleep(200)
            continue
          }
          throw new Error(`unexpected answer ${response.status}: ${text}`)
        }
      }
      clientsDone++
    }

    const progress = setInterval(() => {
      if (process.env.CRASH_DEBUG === '1')
        console.log(
          `[${((Date.now() - started) / 1000).toFixed(0)} s] acks ${acks.length}, in flight ${inFlight}, ${JSON.stringify(stats)}`,
        )
    }, 3000)
    const clients = Promise.all(planned.map((reports) => reporter(reports)))
    // Surface a client failure at once, not after the kill loop.
    let clientFailure: unknown
    clients.catch((error: unknown) => {
      clientFailure = error
    })

    for (let kill = 0; kill < KILLS; kill++) {
      // Kill after a seeded number of new acknowledgements (so every life of the server does
      // some work, however slow the machine), then a seeded fraction of a commit later.
      const target = acks.length + 3 + Math.floor(random() * 12)
      while (acks.length < target && clientsDone < CLIENTS && clientFailure === undefined) {
        if (Date.now() - started > RUN_DEADLINE_MS) throw new Error('run deadline passed before the kills')
        await sleep(10)
      }
      await sleep(Math.floor(random() * COMMIT_DELAY_MS))
      if (clientFailure !== undefined) throw clientFailure
      if (clientsDone === CLIENTS) break
      stats.inFlightAtKills.push(inFlight)
      await live.kill()
      live = await deployment.start({ port })
      server = live
    }
    await clients.finally(() => clearInterval(progress))
    expect(acks).toHaveLength(CLIENTS * REPORTS_PER_CLIENT)

    // Every acknowledged receipt opens its case on the server that survived the kills, and the
    // report is the one that reporter sent.
    const byLookup = new Map(planned.flat().map((p) => [p.receipt.lookupId, p]))
    for (const ack of acks) {
      const report = byLookup.get(ack.lookupId)
      if (report === undefined) throw new Error('acknowledged a report nobody sent')
      const response = await send('/api/followup', {
        lookupId: report.receipt.lookupId,
        authToken: report.receipt.authToken,
      })
      expect(response?.status).toBe(200)
      const thread = (await response?.json()) as {
        items: Array<{ seq: number; kind: number; envelope: string }>
        proof: { statement: string; signature: string }
      }
      expect(thread.items).toHaveLength(1)
      const opened = openReport(backend, fromBase64(thread.items[0]?.envelope ?? ''), {
        lookupId: report.receipt.lookupId,
        secretKey: desk.secretKey,
      })
      expect(opened.report.narrative).toBe(report.narrative)
      // The acknowledgement carried the proof the server still holds for this case.
      expect((JSON.parse(ack.body) as { proof: unknown }).proof).toEqual(thread.proof)
    }

    // Once more without warning (nothing may rely on a graceful shutdown); then the database
    // opens cleanly — on PGlite, its DATA_DIR after every SIGKILL — and holds each planned
    // report exactly once: none lost, none twice.
    await live.kill()
    server = undefined
    const database = await deployment.open()
    let stored: string[]
    try {
      stored = await lookupIdsInDatabase(database.db)
    } finally {
      await database.close()
    }
    const expected = planned
      .flat()
      .map((p) => p.receipt.lookupId)
      .sort()
    expect(stored).toEqual(expected)
    expect(new Set(acks.map((a) => a.lookupId)).size).toBe(acks.length)

    const retried = acks.filter((a) => a.status === 200).length
    console.log(
      `crash without loss (${factory.name}, seed ${SEED}): ${stats.inFlightAtKills.length} × SIGKILL ` +
        `(requests in flight at each: ${stats.inFlightAtKills.join(', ')}), ${acks.length} reports acknowledged ` +
        `and all ${acks.length} open their case once; ${stats.attempts} submission attempts, ` +
        `${stats.networkErrors} connection errors, ${stats.powSpent} × pow_spent re-solved, ` +
        `${retried} acknowledged as 200 on a retry, ${stats.fiveXx} × 5xx, ${stats.rateLimited} × 429; ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    )
    expect(stats.inFlightAtKills.length).toBeGreaterThanOrEqual(1)
    // The kills hit a server under load, not an idle one.
    expect(stats.inFlightAtKills.some((n) => n > 0)).toBe(true)
  })
})
