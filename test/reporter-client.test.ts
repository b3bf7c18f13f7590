/**
 * @module test/reporter-client
 * The reporter pages' write path (web/shared/case-session.ts, web/shared/pow.ts) against the real
 * Reporter API on a real database (PGlite), with `fetch` routed to `createApp(...).request()`:
 * the page's own code, unchanged, talking to the real server code.
 *
 * - A challenge that expired while the reporter was writing (`409 pow_expired`) is solved again
 *   and the same item resent, as `409 pow_spent` is.
 * - A solution already close to expiry by the page's clock is solved again before sending.
 * - Messages carry their `seq`; when someone wrote meanwhile (`409 seq_mismatch`) the page
 *   re-reads the thread, re-seals for the right position and resends, and the stored item's
 *   signed `seq` equals its position.
 */
import { asc, eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.ts'
import { caseItems, cases } from '../api/db/schema.ts'
import { parseEnv } from '../api/env.ts'
import type { Logger } from '../api/log.ts'
import { deriveSecrets, type ServerSecrets } from '../api/secrets.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64 } from '../crypto/bytes.ts'
import { openItem, REPORTER_AUTHOR, sealItem } from '../crypto/items.ts'
import { solvePow } from '../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode, type ReceiptKeys } from '../crypto/receipt.ts'
import { sealReport } from '../crypto/report.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { CaseSession } from '../web/shared/case-session.ts'
import { PowSolver } from '../web/shared/pow.ts'
import { databases, type TestDatabase } from './support/databases.ts'
import {
  type DemoOrganisation,
  plantStaffItem,
  type SeededStaff,
  seedDemoOrganisation,
  seedStaffUser,
} from './support/seed.ts'

const factory = databases.find((d) => d.name === 'pglite') ?? databases[0]

describe('the reporter pages against the real Reporter API', () => {
  let database: TestDatabase
  let backend: CryptoBackend
  let secrets: ServerSecrets
  let demo: DemoOrganisation
  let staff: SeededStaff
  /** The server's clock; the page keeps the real one. */
  let offsetMs = 0
  const clock = { now: () => new Date(Date.now() + offsetMs) }
  const logger: Logger = { info: () => undefined, error: () => undefined }
  let app: ReturnType<typeof createApp>
  const realFetch = globalThis.fetch
  /** "METHOD path status code" for every request the page made. */
  let calls: string[] = []

  beforeAll(async () => {
    if (!factory) throw new Error('no database factory')
    database = await factory.open()
    backend = await loadSodium()
    secrets = deriveSecrets(backend, backend.randomBytes(32))
    app = createApp({
      db: database.db,
      config: parseEnv({ NODE_ENV: 'test', DATA_DIR: database.dataDir }),
      clock,
      secrets,
      logger,
      reporter: { limits: { powBaseBits: 2, powMaxBits: 4, powSpentStep: 1_000_000 } },
    })
    const now = clock.now()
    demo = await seedDemoOrganisation(database.db, backend, secrets, now)
    staff = await seedStaffUser(database.db, backend, demo, { now })
    // The page's api.ts fetches same-origin paths; hand them to the app as a browser would.
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const path = typeof input === 'string' ? input : input instanceof URL ? input.pathname : input.url
      const { method, headers, body } = init ?? {}
      const response = await app.request(path, { method, headers, body })
      let code = ''
      if (response.status >= 400) {
        code = ((await response.clone().json()) as { error?: { code?: string } }).error?.code ?? ''
      }
      calls.push(`${method ?? 'GET'} ${path} ${response.status}${code ? ` ${code}` : ''}`)
      return response
    }
  }, 120_000)

  afterEach(() => {
    offsetMs = 0
    calls = []
  })

  afterAll(async () => {
    globalThis.fetch = realFetch
    await database?.destroy()
  })

  const desk = () => {
    const d = demo.desks[0]
    if (!d) throw new Error('no desk')
    return d
  }

  async function submittedCase(): Promise<ReceiptKeys> {
    const keys = deriveReceiptKeys(backend, generateReceiptCode(backend))
    const challenge = (await (
      await app.request('/api/pow/challenge', { method: 'POST', body: '{}' })
    ).json()) as {
      challenge: string
      bits: number
    }
    const nonce = solvePow(backend, fromBase64(challenge.challenge), challenge.bits)
    const envelope = sealReport(backend, {
      recipients: [desk().publicKey],
      lookupId: keys.lookupId,
      report: {
        reporterPublicKey: toBase64(keys.reporterPublicKey),
        reporterSigningKey: toBase64(keys.reporterSigningKey),
        narrative: 'They called my mother again.',
      },
    })
    const response = await app.request('/api/reports', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        deskId: desk().deskId,
        lookupId: keys.lookupId,
        authToken: keys.authToken,
        reporterPublicKey: toBase64(keys.reporterPublicKey),
        reporterSigningKey: toBase64(keys.reporterSigningKey),
        envelope: toBase64(envelope),
        pow: { challenge: challenge.challenge, nonce },
      }),
    })
    expect(response.status).toBe(201)
    return keys
  }

  async function storedItems(keys: ReceiptKeys) {
    const [found] = await database.db.select().from(cases).where(eq(cases.lookupId, keys.lookupId))
    if (!found) throw new Error('case missing')
    return await database.db
      .select()
      .from(caseItems)
      .where(eq(caseItems.caseId, found.id))
      .orderBy(asc(caseItems.seq))
  }

  function signedSeqOf(keys: ReceiptKeys, envelope: Uint8Array, seq: number): unknown {
    return openItem(backend, envelope, {
      kind: 2,
      context: keys.lookupId,
      secretKey: desk().secretKey,
      expectedSeq: seq,
      signingKeyFor: (author) => (author === REPORTER_AUTHOR ? keys.reporterSigningKey : undefined),
    }).body.seq
  }

  it('solves a fresh challenge and resends the same message when the first one expired', async () => {
    const keys = await submittedCase()
    const pow = new PowSolver()
    const session = new CaseSession({ keys, desk: desk(), readBack: false, nextSeq: 1, pow })
    // The form opened and solved its challenge at once; the reporter then wrote for three hours (challenges live two).
    pow.prepare()
    await new Promise((resolve) => setTimeout(resolve, 300))
    offsetMs = 3 * 60 * 60 * 1000
    calls = []
    expect(await session.postMessage('They came back today.')).toBe(1)
    expect(calls.filter((c) => c.startsWith('POST /api/followup/messages'))).toEqual([
      'POST /api/followup/messages 409 pow_expired',
      'POST /api/followup/messages 201',
    ])
    const items = await storedItems(keys)
    expect(items.map((i) => i.seq)).toEqual([0, 1])
    const stored = items[1]
    if (!stored) throw new Error('message missing')
    expect(signedSeqOf(keys, stored.envelope, 1)).toBe(1)
    pow.dispose()
  })

  it('solves again before sending when the prepared challenge is about to expire', async () => {
    const keys = await submittedCase()
    // The server's clock runs behind: its challenges look expired already to the page.
    offsetMs = -3 * 60 * 60 * 1000
    const pow = new PowSolver()
    const session = new CaseSession({ keys, desk: desk(), readBack: false, nextSeq: 1, pow })
    expect(await session.postMessage('A second detail.')).toBe(1)
    // Two challenges before the one message: the first was dropped unsent, nothing refused.
    expect(calls.slice(0, calls.indexOf('POST /api/followup/messages 201') + 1)).toEqual([
      'POST /api/pow/challenge 200',
      'POST /api/pow/challenge 200',
      'POST /api/followup/messages 201',
    ])
    pow.dispose()
  })

  it('re-reads, re-seals with the right seq and resends after a reply arrived meanwhile', async () => {
    const keys = await submittedCase()
    const pow = new PowSolver()
    // The page read the thread when only the report existed: it will seal its message as seq 1.
    const session = new CaseSession({ keys, desk: desk(), readBack: false, nextSeq: 1, pow })
    const reply = sealItem(backend, {
      kind: 3,
      context: keys.lookupId,
      recipients: [keys.reporterPublicKey, desk().publicKey],
      body: { seq: 1, writtenOn: '2026-03-14', text: 'We read your report.' },
      author: staff.userId,
      signingSeed: staff.signingSeed,
    })
    expect(
      await plantStaffItem(database.db, {
        lookupId: keys.lookupId,
        kind: 3,
        envelope: reply,
        authorId: staff.userId,
      }),
    ).toBe(1)
    expect(await session.postMessage('Thank you.')).toBe(2)
    expect(calls.filter((c) => !c.startsWith('POST /api/pow/challenge'))).toEqual([
      'POST /api/followup/messages 409 seq_mismatch',
      'POST /api/followup 200',
      'POST /api/followup/messages 201',
    ])
    const stored = (await storedItems(keys))[2]
    if (!stored) throw new Error('message missing')
    expect(stored.kind).toBe(2)
    expect(signedSeqOf(keys, stored.envelope, 2)).toBe(2)
    // The next message follows on without another conflict.
    calls = []
    expect(await session.postMessage('One more thing.')).toBe(3)
    expect(calls.filter((c) => c.includes(' 409 '))).toEqual([])
    pow.dispose()
  })
})
