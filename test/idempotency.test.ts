/**
 * @module test/idempotency.test
 * Submission is idempotent on the lookup id (DESIGN §6, §7; issue 7 item 3). A reporter on a bad
 * connection resends; a browser may fire the same request twice; a crash may lose the answer.
 * Whatever happens, one receipt is one case, and every answer for it is the same answer.
 *
 * - 50 concurrent copies of one submission → one case, one 201, 49 × 200, identical bodies; and
 *   50 more once the challenge is long spent → 50 × 200, the same body.
 * - A crash after the challenge was spent and before the case committed: the resend gets
 *   `409 pow_spent` (the lookup id is unknown and the challenge used), a fresh solve then stores
 *   exactly one case. In-process on both databases (the statement that stores the case fails as
 *   a killed process would leave it: never committed), and with a real SIGKILL of the server on
 *   PostgreSQL, where the test can watch the spent challenge land from its own connection.
 */
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.ts'
import type { Db } from '../api/db/index.ts'
import { parseEnv } from '../api/env.ts'
import type { RatePolicies } from '../api/rate-limit.ts'
import { deriveSecrets, type ServerSecrets } from '../api/secrets.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64 } from '../crypto/bytes.ts'
import { solvePow } from '../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode, type ReceiptKeys } from '../crypto/receipt.ts'
import { sealReport } from '../crypto/report.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { databases, postgresAvailable, type TestDatabase } from './support/databases.ts'
import { type DemoOrganisation, seedDemoOrganisation } from './support/seed.ts'
import { type SeededDeployment, seededDeployment } from './support/seeded-server.ts'

const COPIES = 50

const UNLIMITED: RatePolicies = {
  challenge: { burst: 1e9, perMinute: 1e9 },
  submit: { burst: 1e9, perMinute: 1e9 },
  read: { burst: 1e9, perMinute: 1e9 },
  chunk: { burst: 1e9, perMinute: 1e9 },
}

type Pow = { challenge: string; nonce: string }
type Fetcher = (path: string, init: RequestInit) => Promise<Response>

function rows(result: unknown): Array<Record<string, unknown>> {
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<
    Record<string, unknown>
  >
}

async function count(
  db: Db,
  table: 'cases' | 'case_items' | 'pow_spent',
  lookupId?: string,
): Promise<number> {
  const query =
    lookupId === undefined
      ? sql`select count(*)::int as n from ${sql.identifier(table)}`
      : sql`select count(*)::int as n from cases where lookup_id = ${lookupId}`
  return Number(rows(await db.execute(query))[0]?.n)
}

/** A reporter client over any fetch-like function (in-process app or a real server). */
function reporterClient(backend: CryptoBackend, demo: DemoOrganisation, fetcher: Fetcher) {
  const post = (path: string, body: unknown) =>
    fetcher(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  async function solve(): Promise<Pow> {
    const response = await post('/api/pow/challenge', {})
    expect(response.status).toBe(200)
    const { challenge, bits } = (await response.json()) as { challenge: string; bits: number }
    const nonce = solvePow(backend, fromBase64(challenge), bits)
    if (nonce === undefined) throw new Error('no solution')
    return { challenge, nonce }
  }
  function submission(receipt: ReceiptKeys, pow: Pow) {
    const desk = demo.desks[0]
    if (desk === undefined) throw new Error('no desk')
    return {
      deskId: desk.deskId,
      lookupId: receipt.lookupId,
      authToken: receipt.authToken,
      reporterPublicKey: toBase64(receipt.reporterPublicKey),
      reporterSigningKey: toBase64(receipt.reporterSigningKey),
      envelope: toBase64(
        sealReport(backend, {
          recipients: [desk.publicKey],
          lookupId: receipt.lookupId,
          report: {
            reporterPublicKey: toBase64(receipt.reporterPublicKey),
            reporterSigningKey: toBase64(receipt.reporterSigningKey),
            narrative: 'They followed my brother home from the embassy.',
          },
        }),
      ),
      pow,
    }
  }
  const newReceipt = () => deriveReceiptKeys(backend, generateReceiptCode(backend))
  return { post, solve, submission, newReceipt }
}

describe.each(databases)('idempotent submission on $name', (factory) => {
  let database: TestDatabase
  let backend: CryptoBackend
  let secrets: ServerSecrets
  let demo: DemoOrganisation
  /** When set, the next transaction after the challenge is spent fails (a simulated crash). */
  let crashAfterSpend = false

  function makeApp(db: Db) {
    return createApp({
      db,
      config: parseEnv({ NODE_ENV: 'test', DATA_DIR: database.dataDir }),
      clock: { now: () => new Date() },
      secrets,
      // The per-lookup submit bucket (burst 20, api/rate-limit.ts) would answer most of 50 copies
      // with 429; this suite is about what the copies that get through are told.
      reporter: {
        limits: { powBaseBits: 1, powMaxBits: 1 },
        ratePolicies: { address: UNLIMITED, global: UNLIMITED, lookup: UNLIMITED },
      },
    })
  }

  beforeAll(async () => {
    database = await factory.open()
    backend = await loadSodium()
    secrets = deriveSecrets(backend, backend.randomBytes(32))
    demo = await seedDemoOrganisation(database.db, backend, secrets)
  })

  afterAll(async () => {
    await database?.destroy()
  })

  it('stores 50 concurrent copies of one submission once: one 201, 49 × 200, identical bodies', async () => {
    const app = makeApp(database.db)
    const client = reporterClient(backend, demo, (path, init) => Promise.resolve(app.request(path, init)))
    const receipt = client.newReceipt()
    const body = client.submission(receipt, await client.solve())
    const casesBefore = await count(database.db, 'cases')

    const responses = await Promise.all(
      Array.from({ length: COPIES }, () => client.post('/api/reports', body)),
    )
    const statuses = responses.map((r) => r.status)
    const texts = await Promise.all(responses.map((r) => r.text()))
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s === 200)).toHaveLength(COPIES - 1)
    expect(new Set(texts).size).toBe(1)
    expect(await count(database.db, 'cases', receipt.lookupId)).toBe(1)
    expect(await count(database.db, 'cases')).toBe(casesBefore + 1)

    // Once the challenge is spent, the same submission still gets the same answer, 50 times.
    const again = await Promise.all(Array.from({ length: COPIES }, () => client.post('/api/reports', body)))
    expect(again.map((r) => r.status)).toEqual(Array(COPIES).fill(200))
    expect(new Set(await Promise.all(again.map((r) => r.text())))).toEqual(new Set(texts))
    expect(await count(database.db, 'cases')).toBe(casesBefore + 1)
    console.log(
      `idempotency (${factory.name}): ${COPIES * 2} copies → 1 case, 1 × 201, ${COPIES * 2 - 1} × 200`,
    )
  })

  it('after a crash between spending the challenge and committing, answers 409 pow_spent, then stores one case on a fresh solve', async () => {
    // Every property but `with` is the real database; after the challenge is spent (its own
    // statement), the statement that stores the case (a `with` query, api/storage/cases.ts)
    // fails before it commits, which is what a SIGKILL there leaves behind.
    const crashing = new Proxy(database.db, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown
        if (property !== 'with' || typeof value !== 'function') return value
        return (...args: unknown[]) => {
          if (crashAfterSpend) {
            crashAfterSpend = false
            throw new Error('simulated crash before commit')
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    }) as Db
    const crashingApp = makeApp(crashing)
    const app = makeApp(database.db)
    const client = reporterClient(backend, demo, (path, init) => Promise.resolve(app.request(path, init)))
    const receipt = client.newReceipt()
    const body = client.submission(receipt, await client.solve())
    const spentBefore = await count(database.db, 'pow_spent')
    const casesBefore = await count(database.db, 'cases')

    crashAfterSpend = true
    const lost = await crashingApp.request('/api/reports', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    expect(lost.status).toBe(500) // the "crash": the client never sees an acknowledgement
    expect(crashAfterSpend).toBe(false)
    expect(await count(database.db, 'pow_spent')).toBe(spentBefore + 1)
    expect(await count(database.db, 'cases')).toBe(casesBefore)

    const resent = await client.post('/api/reports', body)
    expect(resent.status).toBe(409)
    expect(((await resent.json()) as { error: { code: string } }).error.code).toBe('pow_spent')

    const fresh = await client.post('/api/reports', { ...body, pow: await client.solve() })
    expect(fresh.status).toBe(201)
    const replay = await client.post('/api/reports', { ...body, pow: await client.solve() })
    expect(replay.status).toBe(200)
    expect(await count(database.db, 'cases', receipt.lookupId)).toBe(1)
    expect(await count(database.db, 'cases')).toBe(casesBefore + 1)
  })
})

describe.runIf(postgresAvailable)('idempotent submission across a real SIGKILL on postgres', () => {
  const postgresFactory = databases.find((factory) => factory.name === 'postgres')
  let deployment: SeededDeployment
  let backend: CryptoBackend

  beforeAll(async () => {
    if (postgresFactory === undefined) throw new Error('no PostgreSQL factory')
    backend = await loadSodium()
    // Long enough that the kill below always lands inside the case's transaction.
    deployment = await seededDeployment(postgresFactory, backend, {
      POW_BASE_BITS: '1',
      POW_MAX_BITS: '1',
      COMMIT_DELAY_MS: '60000',
    })
  })

  afterAll(async () => {
    await deployment?.destroy()
  })

  it('answers 409 pow_spent after the server died mid-commit, then stores one case on a fresh solve', {
    timeout: 240_000,
  }, async () => {
    const observer = await deployment.open()
    let server = await deployment.start()
    try {
      const client = reporterClient(backend, deployment.demo, (path, init) =>
        fetch(`${server.url}${path}`, init),
      )
      const receipt = client.newReceipt()
      const body = client.submission(receipt, await client.solve())
      const inFlight = client.post('/api/reports', body).catch((error: unknown) => error)
      // The challenge is spent in its own committed transaction before the case's transaction
      // starts its delay; wait (bounded) until this connection sees it.
      const deadline = Date.now() + 60_000
      while ((await count(observer.db, 'pow_spent')) === 0) {
        if (Date.now() > deadline) throw new Error('the challenge was never spent')
        await new Promise((done) => setTimeout(done, 50))
      }
      await server.kill()
      expect(await inFlight).toBeInstanceOf(Error) // no acknowledgement reached the client
      expect(await count(observer.db, 'cases')).toBe(0)

      server = await deployment.start({ env: { COMMIT_DELAY_MS: '0' } })
      const resent = await client.post('/api/reports', body)
      expect(resent.status).toBe(409)
      expect(((await resent.json()) as { error: { code: string } }).error.code).toBe('pow_spent')
      const fresh = await client.post('/api/reports', { ...body, pow: await client.solve() })
      expect(fresh.status).toBe(201)
      expect(await count(observer.db, 'cases', receipt.lookupId)).toBe(1)
      expect(await count(observer.db, 'cases')).toBe(1)
    } finally {
      await server.stop()
      await observer.close()
    }
  })
})
