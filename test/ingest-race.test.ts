/**
 * @module test/ingest-race.test
 * A submission is stored exactly once even when copies of it reach two API instances at the same
 * time (DESIGN §3 "Beyond one machine", §6). Submissions take no database lock
 * (api/storage/lookup-lock.ts `local`): between instances the unique lookup id and the insert's
 * `on conflict do nothing` decide, and the copy that loses is answered from the stored case.
 *
 * Each instance is its own `createApp` with its own per-lookup queue; on PostgreSQL each also has
 * its own connection pool, as two servers would. Instance A holds its insert open before COMMIT
 * (`COMMIT_DELAY_MS`), so B reads while A's case is not yet visible and B's insert has to wait
 * for A's commit and find the lookup id taken — the path a lock used to hide.
 */
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.ts'
import { type Database, type Db, openDatabase } from '../api/db/index.ts'
import { parseEnv } from '../api/env.ts'
import type { RatePolicies } from '../api/rate-limit.ts'
import { deriveSecrets, type ServerSecrets } from '../api/secrets.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64 } from '../crypto/bytes.ts'
import { solvePow } from '../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode, type ReceiptKeys } from '../crypto/receipt.ts'
import { sealReport } from '../crypto/report.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { databases, type TestDatabase } from './support/databases.ts'
import { type DemoOrganisation, seedDemoOrganisation } from './support/seed.ts'

const UNLIMITED: RatePolicies = {
  challenge: { burst: 1e9, perMinute: 1e9 },
  submit: { burst: 1e9, perMinute: 1e9 },
  read: { burst: 1e9, perMinute: 1e9 },
  chunk: { burst: 1e9, perMinute: 1e9 },
}

type App = ReturnType<typeof createApp>
type Pow = { challenge: string; nonce: string }

function rows(result: unknown): Array<Record<string, unknown>> {
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<
    Record<string, unknown>
  >
}

async function count(db: Db, table: 'cases' | 'case_items' | 'pow_spent'): Promise<number> {
  return Number(rows(await db.execute(sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]?.n)
}

describe.each(databases)('a submission racing across two instances on $name', (factory) => {
  let database: TestDatabase
  /** Instance B's own pool on PostgreSQL; PGlite has one connection, shared. */
  let second: Database | undefined
  let backend: CryptoBackend
  let secrets: ServerSecrets
  let demo: DemoOrganisation
  let slow: App
  let fast: App

  function makeApp(db: Db, commitDelayMs: number): App {
    return createApp({
      db,
      config: parseEnv({
        NODE_ENV: 'test',
        DATA_DIR: database.dataDir,
        COMMIT_DELAY_MS: String(commitDelayMs),
      }),
      clock: { now: () => new Date() },
      secrets,
      reporter: {
        limits: { powBaseBits: 1, powMaxBits: 1 },
        ratePolicies: { address: UNLIMITED, global: UNLIMITED, lookup: UNLIMITED },
      },
    })
  }

  const post = (app: App, path: string, body: unknown) =>
    Promise.resolve(
      app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    )

  async function solve(app: App): Promise<Pow> {
    const response = await post(app, '/api/pow/challenge', {})
    expect(response.status).toBe(200)
    const { challenge, bits } = (await response.json()) as { challenge: string; bits: number }
    const nonce = solvePow(backend, fromBase64(challenge), bits)
    if (nonce === undefined) throw new Error('no solution')
    return { challenge, nonce }
  }

  function submission(receipt: ReceiptKeys, pow: Pow, narrative = 'They photographed us at the rally.') {
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
            narrative,
          },
        }),
      ),
      pow,
    }
  }

  const newReceipt = () => deriveReceiptKeys(backend, generateReceiptCode(backend))

  beforeAll(async () => {
    database = await factory.open()
    backend = await loadSodium()
    secrets = deriveSecrets(backend, backend.randomBytes(32))
    demo = await seedDemoOrganisation(database.db, backend, secrets)
    second =
      database.databaseUrl === undefined
        ? undefined
        : await openDatabase({ dataDir: database.dataDir, databaseUrl: database.databaseUrl })
    slow = makeApp(database.db, 400)
    fast = makeApp(second?.db ?? database.db, 0)
  })

  afterAll(async () => {
    await second?.close()
    await database?.destroy()
  })

  it('stores one case when each instance gets a copy with its own challenge: 201 and 200, same body', async () => {
    const receipt = newReceipt()
    const first = submission(receipt, await solve(slow))
    const copy = { ...first, pow: await solve(fast) }
    const before = { cases: await count(database.db, 'cases'), items: await count(database.db, 'case_items') }

    const pending = post(slow, '/api/reports', first)
    // Give A time to spend its challenge and open its insert; B then races it.
    await new Promise((done) => setTimeout(done, 150))
    const [a, b] = await Promise.all([pending, post(fast, '/api/reports', copy)])

    expect([a.status, b.status].sort()).toEqual([200, 201])
    expect(await a.text()).toBe(await b.text())
    expect(await count(database.db, 'cases')).toBe(before.cases + 1)
    expect(await count(database.db, 'case_items')).toBe(before.items + 1)
  })

  it('answers a copy with the same challenge 200 or 409 pow_spent, never a second case', async () => {
    const receipt = newReceipt()
    const body = submission(receipt, await solve(slow))
    const before = await count(database.db, 'cases')

    const pending = post(slow, '/api/reports', body)
    await new Promise((done) => setTimeout(done, 150))
    const [a, b] = await Promise.all([pending, post(fast, '/api/reports', body)])

    expect(a.status).toBe(201)
    if (b.status === 409) {
      expect(((await b.json()) as { error: { code: string } }).error.code).toBe('pow_spent')
    } else {
      expect(b.status).toBe(200)
      expect(await b.text()).toBe(await a.text())
    }
    expect(await count(database.db, 'cases')).toBe(before + 1)
    // The client's resend after pow_spent, with a fresh solve, is answered from the stored case.
    const resent = await post(fast, '/api/reports', { ...body, pow: await solve(fast) })
    expect(resent.status).toBe(200)
    expect(await count(database.db, 'cases')).toBe(before + 1)
  })

  it('refuses a different report racing under the same lookup id with 409 conflict, storing nothing of it', async () => {
    const receipt = newReceipt()
    const first = submission(receipt, await solve(slow))
    const other = submission(receipt, await solve(fast), 'A different account entirely.')
    const before = { cases: await count(database.db, 'cases'), items: await count(database.db, 'case_items') }

    const pending = post(slow, '/api/reports', first)
    await new Promise((done) => setTimeout(done, 150))
    const [a, b] = await Promise.all([pending, post(fast, '/api/reports', other)])

    expect(a.status).toBe(201)
    expect(b.status).toBe(409)
    expect(((await b.json()) as { error: { code: string } }).error.code).toBe('conflict')
    expect(await count(database.db, 'cases')).toBe(before.cases + 1)
    expect(await count(database.db, 'case_items')).toBe(before.items + 1)
  })
})
