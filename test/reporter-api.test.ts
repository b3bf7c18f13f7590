/**
 * @module test/reporter-api.test
 * Reporter API v1 (DESIGN §7, docs/api.md) end to end through `createApp(...).request()` on a
 * real database (PGlite always, PostgreSQL when DATABASE_URL is set), with real envelopes
 * sealed by the libsodium backend. Raw row counts prove that refused requests store nothing.
 */
import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.ts'
import type { Db } from '../api/db/index.ts'
import { parseEnv } from '../api/env.ts'
import type { Logger } from '../api/log.ts'
import { deriveSecrets, type ServerSecrets } from '../api/secrets.ts'
import type { ReporterLimits } from '../api/storage/limits.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64, utf8 } from '../crypto/bytes.ts'
import { ENVELOPE_KINDS, proofHash, sealEnvelope } from '../crypto/envelope.ts'
import { openItem, REPORTER_AUTHOR, sealItem } from '../crypto/items.ts'
import { isPaddedLength } from '../crypto/padding.ts'
import { solvePow, verifyPow } from '../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode, type ReceiptKeys } from '../crypto/receipt.ts'
import { sealReport } from '../crypto/report.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { verifyDirectory, verifyStatement } from '../crypto/statements.ts'
import { createStreamEncryptor } from '../crypto/stream.ts'
import { databases, type TestDatabase } from './support/databases.ts'
import {
  type DemoOrganisation,
  plantStaffItem,
  type SeededStaff,
  seedDemoOrganisation,
  seedStaffUser,
} from './support/seed.ts'

const TABLES = ['cases', 'case_items', 'pow_spent', 'attachments', 'attachment_chunks'] as const
type Counts = Record<(typeof TABLES)[number], number>

async function counts(db: Db): Promise<Counts> {
  const out = {} as Counts
  for (const table of TABLES) {
    const result = await db.execute(sql.raw(`select count(*)::int as n from ${table}`))
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{
      n: number
    }>
    out[table] = Number(rows[0]?.n)
  }
  return out
}

type Json = Record<string, unknown>

describe.each(databases)('Reporter API v1 on $name', (factory) => {
  let database: TestDatabase
  let backend: CryptoBackend
  let secrets: ServerSecrets
  let demo: DemoOrganisation
  let staff: SeededStaff
  let now = new Date('2026-03-14T10:20:30.000Z')
  const clock = { now: () => now }
  const printed: string[] = []
  const logger: Logger = { info: (line) => printed.push(line), error: (line) => printed.push(line) }
  const seenSecrets: string[] = []
  let app: ReturnType<typeof createApp>

  const limits: Partial<ReporterLimits> = {
    powBaseBits: 2,
    powMaxBits: 4,
    powSpentStep: 1_000_000,
    maxItemsPerCase: 6,
    maxAttachmentsPerCase: 3,
    maxFileBytes: 200_000,
    maxCaseBytes: 600_000,
  }

  function makeApp(
    overrides: Partial<ReporterLimits> = {},
    extra: Parameters<typeof createApp>[0]['reporter'] = {},
  ) {
    return createApp({
      db: database.db,
      config: parseEnv({ NODE_ENV: 'test', DATA_DIR: database.dataDir }),
      clock,
      secrets,
      logger,
      reporter: { ...extra, limits: { ...limits, ...overrides } },
    })
  }

  const post = (path: string, body: unknown, target = app) =>
    target.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })

  function newReceipt(): ReceiptKeys {
    const keys = deriveReceiptKeys(backend, generateReceiptCode(backend))
    seenSecrets.push(keys.lookupId, keys.authToken)
    return keys
  }

  function report(
    receipt: ReceiptKeys,
    text = 'They called my mother again.',
    recipients = [demo.desks[0]!.publicKey],
  ) {
    return sealReport(backend, {
      recipients,
      lookupId: receipt.lookupId,
      report: {
        reporterPublicKey: toBase64(receipt.reporterPublicKey),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
        narrative: text,
      },
    })
  }

  async function solve(target = app): Promise<{ challenge: string; nonce: string }> {
    const response = await post('/api/pow/challenge', {}, target)
    expect(response.status).toBe(200)
    const { challenge, bits } = (await response.json()) as { challenge: string; bits: number }
    const nonce = solvePow(backend, fromBase64(challenge), bits)
    if (nonce === undefined) throw new Error('no solution')
    return { challenge, nonce }
  }

  async function submission(
    receipt: ReceiptKeys,
    envelope = report(receipt),
    pow?: { challenge: string; nonce: string },
  ) {
    return {
      deskId: demo.desks[0]!.deskId,
      lookupId: receipt.lookupId,
      authToken: receipt.authToken,
      reporterPublicKey: toBase64(receipt.reporterPublicKey),
      reporterSigningKey: toBase64(receipt.reporterSigningKey),
      envelope: toBase64(envelope),
      pow: pow ?? (await solve()),
    }
  }

  async function submitted(receipt = newReceipt()): Promise<ReceiptKeys> {
    const response = await post('/api/reports', await submission(receipt))
    expect(response.status).toBe(201)
    return receipt
  }

  function message(
    receipt: ReceiptKeys,
    seq: number,
    kind: 2 | 7 = 2,
    body: Json = { text: 'More detail.' },
  ) {
    return sealItem(backend, {
      kind,
      context: receipt.lookupId,
      recipients: [demo.desks[0]!.publicKey, receipt.reporterPublicKey],
      body: { ...body, seq, writtenOn: '2026-03-14' },
      author: REPORTER_AUTHOR,
      signingSeed: receipt.reporterSigningSeed,
    })
  }

  async function expectError(response: Response, status: number, code: string) {
    expect(response.status).toBe(status)
    const body = (await response.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe(code)
    expect(typeof body.error.message).toBe('string')
  }

  const creds = (receipt: ReceiptKeys) => ({ lookupId: receipt.lookupId, authToken: receipt.authToken })

  beforeAll(async () => {
    database = await factory.open()
    backend = await loadSodium()
    secrets = deriveSecrets(backend, backend.randomBytes(32))
    app = makeApp()
  })

  afterAll(async () => {
    await database?.destroy()
  })

  it('answers 503 not_set_up for the intake config before an organisation exists', async () => {
    const response = await app.request('/api/intake/config')
    await expectError(response, 503, 'not_set_up')
  })

  describe('with the demo organisation', () => {
    beforeAll(async () => {
      demo = await seedDemoOrganisation(database.db, backend, secrets, now)
      staff = await seedStaffUser(database.db, backend, demo, { now })
    })

    it('serves a config whose directory and receipt key verify under the organisation key', async () => {
      const response = await app.request('/api/intake/config')
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-store')
      const config = (await response.json()) as {
        orgSigningKey: string
        directory: { statement: string; signature: string }
        receiptKey: { statement: string; signature: string }
        pow: { bits: number }
        limits: { maxReportBytes: number; maxFileBytes: number }
      }
      const orgKey = fromBase64(config.orgSigningKey)
      expect(orgKey).toEqual(demo.orgSigningKey)
      const verified = verifyDirectory(backend, config.directory, orgKey, now, { orgId: demo.orgId })
      expect([...verified.currentKeys.keys()].sort()).toEqual(demo.desks.map((d) => d.deskId).sort())
      const receiptKey = verifyStatement(backend, config.receiptKey, orgKey, 'receipt-key')
      expect(fromBase64(receiptKey.publicKey)).toEqual(secrets.receiptPublicKey)
      expect(config.pow.bits).toBe(2)
      expect(config.limits).toEqual({ maxReportBytes: 256 * 1024, maxFileBytes: 200_000 })
    })

    it('issues challenges at the current difficulty that expire no sooner than an hour', async () => {
      const response = await post('/api/pow/challenge', {})
      expect(response.status).toBe(200)
      const body = (await response.json()) as { challenge: string; bits: number; expiresAt: string }
      expect(body.bits).toBe(2)
      expect(fromBase64(body.challenge)).toHaveLength(66)
      expect(Date.parse(body.expiresAt) - now.getTime()).toBeGreaterThanOrEqual(60 * 60 * 1000)
    })

    it('stores a solved submission and answers 201 with a proof signed by the receipt key', async () => {
      const receipt = newReceipt()
      const body = await submission(receipt)
      const before = await counts(database.db)
      const response = await post('/api/reports', body)
      expect(response.status).toBe(201)
      const answer = (await response.json()) as {
        receivedOn: string
        proof: { statement: string; signature: string }
      }
      expect(answer.receivedOn).toBe('2026-03-14')
      const proof = verifyStatement(backend, answer.proof, secrets.receiptPublicKey, 'receipt-proof')
      expect(proof).toEqual({
        type: 'receipt-proof',
        orgId: demo.orgId,
        lookupId: receipt.lookupId,
        receivedOn: '2026-03-14',
        hash: proofHash(backend, fromBase64(body.envelope)),
      })
      const after = await counts(database.db)
      expect(after.cases).toBe(before.cases + 1)
      expect(after.case_items).toBe(before.case_items + 1)
      expect(after.pow_spent).toBe(before.pow_spent + 1)
    })

    it('answers a repeated submission with 200 and the identical body, even with its challenge spent', async () => {
      const receipt = newReceipt()
      const body = await submission(receipt)
      const first = await post('/api/reports', body)
      expect(first.status).toBe(201)
      const firstText = await first.text()
      const before = await counts(database.db)
      const again = await post('/api/reports', body)
      expect(again.status).toBe(200)
      expect(await again.text()).toBe(firstText)
      // A later day and a fresh challenge change nothing either.
      now = new Date(now.getTime() + 24 * 60 * 60 * 1000)
      try {
        const later = await post('/api/reports', { ...body, pow: await solve() })
        expect(later.status).toBe(200)
        expect(await later.text()).toBe(firstText)
      } finally {
        now = new Date(now.getTime() - 24 * 60 * 60 * 1000)
      }
      const after = await counts(database.db)
      expect({ ...after, pow_spent: before.pow_spent }).toEqual(before)
    })

    it('waits COMMIT_DELAY_MS inside the commit transaction when NODE_ENV=test', async () => {
      const delayed = createApp({
        db: database.db,
        config: parseEnv({ NODE_ENV: 'test', DATA_DIR: database.dataDir, COMMIT_DELAY_MS: '300' }),
        clock,
        secrets,
        logger,
        reporter: { limits },
      })
      const body = await submission(newReceipt(), undefined, await solve(delayed))
      const started = performance.now()
      const response = await post('/api/reports', body, delayed)
      expect(response.status).toBe(201)
      expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    })

    it('serialises concurrent identical submissions into one case', async () => {
      const receipt = newReceipt()
      const body = await submission(receipt)
      const other = { ...body, pow: await solve() }
      const before = await counts(database.db)
      const responses = await Promise.all([post('/api/reports', body), post('/api/reports', other)])
      expect(responses.map((r) => r.status).sort()).toEqual([200, 201])
      const [a, b] = await Promise.all(responses.map((r) => r.text()))
      expect(a).toBe(b)
      const after = await counts(database.db)
      expect(after.cases).toBe(before.cases + 1)
    })

    it('refuses a different envelope or auth token under a used lookup id with 409 conflict', async () => {
      const receipt = await submitted()
      const before = await counts(database.db)
      const otherEnvelope = await submission(receipt, report(receipt, 'Something else entirely.'))
      await expectError(await post('/api/reports', otherEnvelope), 409, 'conflict')
      const otherToken = { ...(await submission(receipt)), authToken: newReceipt().authToken }
      await expectError(await post('/api/reports', otherToken), 409, 'conflict')
      expect(await counts(database.db)).toEqual(before)
    })

    it('refuses a spent challenge with a new lookup id with 409 pow_spent and stores nothing', async () => {
      const pow = await solve()
      const first = await post('/api/reports', await submission(newReceipt(), undefined, pow))
      expect(first.status).toBe(201)
      const before = await counts(database.db)
      await expectError(
        await post('/api/reports', await submission(newReceipt(), undefined, pow)),
        409,
        'pow_spent',
      )
      expect(await counts(database.db)).toEqual(before)
    })

    describe('refuses bad input with a 4xx JSON error and stores nothing', () => {
      async function wrongNonce(): Promise<{ challenge: string; nonce: string }> {
        const response = await post('/api/pow/challenge', {})
        const { challenge, bits } = (await response.json()) as { challenge: string; bits: number }
        for (let n = 0; ; n++) {
          if (!verifyPow(backend, fromBase64(challenge), String(n), bits))
            return { challenge, nonce: String(n) }
        }
      }

      const cases: Array<[string, () => Promise<unknown>, number, string]> = [
        ['malformed JSON', async () => '{"lookupId": ', 400, 'invalid_json'],
        ['a JSON array', async () => [], 400, 'invalid_request'],
        [
          'wrong types',
          async () => ({ ...(await submission(newReceipt())), deskId: 42 }),
          400,
          'invalid_request',
        ],
        [
          'an unknown field',
          async () => ({ ...(await submission(newReceipt())), extra: true }),
          400,
          'invalid_request',
        ],
        [
          'upper-case hex in the lookup id',
          async () => {
            const body = await submission(newReceipt())
            return { ...body, lookupId: body.lookupId.toUpperCase() }
          },
          400,
          'invalid_request',
        ],
        [
          'bad base64',
          async () => ({ ...(await submission(newReceipt())), envelope: 'VE5SAQ=' }),
          400,
          'invalid_request',
        ],
        [
          'non-canonical base64',
          async () => ({ ...(await submission(newReceipt())), envelope: 'VE5SAR==' }),
          400,
          'bad_encoding',
        ],
        [
          'an envelope of the wrong kind',
          async () => {
            const receipt = newReceipt()
            return submission(receipt, message(receipt, 0))
          },
          400,
          'bad_kind',
        ],
        [
          'an envelope of an unknown version',
          async () => {
            const receipt = newReceipt()
            const envelope = report(receipt)
            envelope[3] = 2
            return submission(receipt, envelope)
          },
          400,
          'bad_version',
        ],
        [
          'a truncated envelope',
          async () => {
            const receipt = newReceipt()
            return submission(receipt, report(receipt).subarray(0, 100))
          },
          400,
          'truncated',
        ],
        [
          'a nonce that does not solve the challenge',
          async () => submission(newReceipt(), undefined, await wrongNonce()),
          400,
          'pow_invalid',
        ],
        [
          'a challenge not issued by this server',
          async () => {
            const pow = await solve()
            const bytes = fromBase64(pow.challenge)
            bytes[40] = (bytes[40] ?? 0) ^ 1
            return submission(newReceipt(), undefined, {
              ...pow,
              nonce: pow.nonce,
              challenge: toBase64(bytes),
            })
          },
          400,
          'pow_invalid',
        ],
        [
          'a nonce with a leading zero',
          async () => submission(newReceipt(), undefined, { ...(await solve()), nonce: '01' }),
          400,
          'invalid_request',
        ],
        [
          'an unknown desk',
          async () => ({
            ...(await submission(newReceipt())),
            deskId: '00000000-0000-4000-8000-000000000000',
          }),
          422,
          'unknown_desk',
        ],
        [
          "an envelope without a slot for the desk's current key",
          async () => {
            const receipt = newReceipt()
            return submission(receipt, report(receipt, 'x', [demo.desks[1]!.publicKey]))
          },
          422,
          'desk_key_mismatch',
        ],
        [
          'a signing key that is not an Ed25519 point',
          async () => ({
            ...(await submission(newReceipt())),
            reporterSigningKey: toBase64(new Uint8Array(32)),
          }),
          400,
          'invalid_request',
        ],
      ]

      it.each(cases)('%s', async (_name, build, status, code) => {
        const body = await build()
        const before = await counts(database.db)
        await expectError(await post('/api/reports', body), status, code)
        expect(await counts(database.db)).toEqual(before)
      })

      it('an oversized body', async () => {
        const before = await counts(database.db)
        const body = { ...(await submission(newReceipt())), envelope: 'A'.repeat(400 * 1024) }
        await expectError(await post('/api/reports', body), 413, 'payload_too_large')
        expect(await counts(database.db)).toEqual(before)
      })

      it('an expired challenge', async () => {
        const pow = await solve()
        const before = await counts(database.db)
        now = new Date(now.getTime() + 3 * 60 * 60 * 1000)
        try {
          await expectError(
            await post('/api/reports', await submission(newReceipt(), undefined, pow)),
            409,
            'pow_expired',
          )
        } finally {
          now = new Date(now.getTime() - 3 * 60 * 60 * 1000)
        }
        expect(await counts(database.db)).toEqual(before)
      })

      it('a malformed body on every other route', async () => {
        for (const path of [
          '/api/pow/challenge',
          '/api/followup',
          '/api/followup/messages',
          '/api/followup/erase',
          '/api/attachments',
          '/api/attachments/chunks',
          '/api/attachments/status',
        ]) {
          await expectError(await post(path, '{"a":'), 400, 'invalid_json')
          await expectError(await post(path, { lookupId: 7 }), 400, 'invalid_request')
        }
      })
    })

    it('reads the thread in seq order with staff signers, padded to a Padmé length', async () => {
      const receipt = await submitted()
      const m1 = await post('/api/followup/messages', {
        ...creds(receipt),
        envelope: toBase64(message(receipt, 1)),
        pow: await solve(),
      })
      expect(m1.status).toBe(201)
      expect(await m1.json()).toEqual({ seq: 1 })
      const reply = sealItem(backend, {
        kind: 3,
        context: receipt.lookupId,
        recipients: [receipt.reporterPublicKey, demo.desks[0]!.publicKey],
        body: { text: 'We read your report.', seq: 2, writtenOn: '2026-03-14' },
        author: staff.userId,
        signingSeed: staff.signingSeed,
      })
      expect(
        await plantStaffItem(database.db, {
          lookupId: receipt.lookupId,
          kind: 3,
          envelope: reply,
          authorId: staff.userId,
        }),
      ).toBe(2)
      const m3 = await post('/api/followup/messages', {
        ...creds(receipt),
        envelope: toBase64(message(receipt, 3)),
        pow: await solve(),
      })
      expect(await m3.json()).toEqual({ seq: 3 })

      const response = await post('/api/followup', creds(receipt))
      expect(response.status).toBe(200)
      const text = await response.text()
      expect(isPaddedLength(utf8(text).length)).toBe(true)
      const body = JSON.parse(text) as {
        items: Array<{ seq: number; kind: number; envelope: string }>
        signers: Array<{ statement: string; signature: string }>
        receivedOn: string
        proof: { statement: string; signature: string }
        padding: string
      }
      expect(body.items.map((i) => [i.seq, i.kind])).toEqual([
        [0, 1],
        [1, 2],
        [2, 3],
        [3, 2],
      ])
      expect(body.padding).toMatch(/^ *$/)
      expect(body.signers).toEqual([staff.userKey])
      const certified = verifyStatement(backend, body.signers[0]!, demo.orgSigningKey, 'user-key')
      const opened = openItem(backend, fromBase64(body.items[2]!.envelope), {
        kind: 3,
        context: receipt.lookupId,
        secretKey: receipt.reporterSecretKey,
        expectedSeq: 2,
        signingKeyFor: (author) =>
          author === certified.userId ? fromBase64(certified.signingKey) : undefined,
      })
      expect(opened.body.text).toBe('We read your report.')
      const proof = verifyStatement(backend, body.proof, secrets.receiptPublicKey, 'receipt-proof')
      expect(proof.lookupId).toBe(receipt.lookupId)
    })

    it('answers an unknown receipt and a wrong token with identical 401 bodies', async () => {
      const receipt = await submitted()
      const unknown = await post('/api/followup', creds(newReceipt()))
      const wrongToken = await post('/api/followup', { ...creds(receipt), authToken: newReceipt().authToken })
      expect(unknown.status).toBe(401)
      expect(wrongToken.status).toBe(401)
      const [a, b] = [await unknown.text(), await wrongToken.text()]
      expect(a).toBe(b)
      expect(JSON.parse(a).error.code).toBe('unknown_receipt')
      for (const path of ['/api/followup/erase', '/api/attachments/status']) {
        const response = await post(path, {
          ...creds(newReceipt()),
          ...(path.includes('attachments') ? { attachmentId: '00000000-0000-4000-8000-000000000000' } : {}),
        })
        await expectError(response, 401, 'unknown_receipt')
      }
    })

    it('refuses staff kinds from reporters and spends no challenge on refused messages', async () => {
      const receipt = await submitted()
      const note = sealEnvelope(backend, {
        kind: ENVELOPE_KINDS.note,
        context: receipt.lookupId,
        recipients: [demo.desks[0]!.publicKey],
        plaintext: utf8('{}'),
      })
      const before = await counts(database.db)
      await expectError(
        await post('/api/followup/messages', {
          ...creds(receipt),
          envelope: toBase64(note),
          pow: await solve(),
        }),
        400,
        'bad_kind',
      )
      await expectError(
        await post('/api/followup/messages', {
          ...creds(receipt),
          authToken: newReceipt().authToken,
          envelope: toBase64(message(receipt, 1)),
          pow: await solve(),
        }),
        401,
        'unknown_receipt',
      )
      expect(await counts(database.db)).toEqual(before)
    })

    it('refuses a message sealed for a stale seq with 409 seq_mismatch before spending the challenge', async () => {
      const receipt = await submitted()
      const stale = { ...creds(receipt), envelope: toBase64(message(receipt, 2)), pow: await solve(), seq: 2 }
      const before = await counts(database.db)
      await expectError(await post('/api/followup/messages', stale), 409, 'seq_mismatch')
      expect(await counts(database.db)).toEqual(before)
      const fresh = { ...creds(receipt), envelope: toBase64(message(receipt, 1)), pow: stale.pow, seq: 1 }
      const response = await post('/api/followup/messages', fresh)
      expect(response.status).toBe(201)
      expect(await response.json()).toEqual({ seq: 1 })
    })

    it('enforces the per-case item quota with 429 too_many_items', async () => {
      const receipt = await submitted()
      for (let seq = 1; seq < 6; seq++) {
        const response = await post('/api/followup/messages', {
          ...creds(receipt),
          envelope: toBase64(message(receipt, seq)),
          pow: await solve(),
        })
        expect(response.status).toBe(201)
      }
      const before = await counts(database.db)
      await expectError(
        await post('/api/followup/messages', {
          ...creds(receipt),
          envelope: toBase64(message(receipt, 6)),
          pow: await solve(),
        }),
        429,
        'too_many_items',
      )
      expect(await counts(database.db)).toEqual(before)
    })

    it('erases the case with its items and attachments, after which the receipt is unknown', async () => {
      const receipt = await submitted()
      await post('/api/followup/messages', {
        ...creds(receipt),
        envelope: toBase64(message(receipt, 1)),
        pow: await solve(),
      })
      const stream = createStreamEncryptor(backend, new Uint8Array(5000).fill(7))
      const created = await post('/api/attachments', {
        ...creds(receipt),
        header: toBase64(stream.header),
        chunks: stream.chunks,
        size: stream.streamLength - stream.header.length,
      })
      const { attachmentId } = (await created.json()) as { attachmentId: string }
      await post('/api/attachments/chunks', {
        ...creds(receipt),
        attachmentId,
        index: 0,
        data: toBase64(stream.encryptChunk(0)),
      })
      const before = await counts(database.db)
      const response = await post('/api/followup/erase', creds(receipt))
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ erased: true })
      const after = await counts(database.db)
      expect(after).toEqual({
        ...before,
        cases: before.cases - 1,
        case_items: before.case_items - 2,
        attachments: before.attachments - 1,
        attachment_chunks: before.attachment_chunks - 1,
      })
      await expectError(await post('/api/followup', creds(receipt)), 401, 'unknown_receipt')
      await expectError(await post('/api/followup/erase', creds(receipt)), 401, 'unknown_receipt')
    })

    describe('attachments', () => {
      // 70,000 bytes pad to 70,656 and make two chunks: 65,552 + 5,136 bytes.
      const file = new Uint8Array(70_000).map((_, i) => i % 251)

      it('uploads chunks in any order, idempotently, and reports progress until complete', async () => {
        const receipt = await submitted()
        const stream = createStreamEncryptor(backend, file)
        expect(stream.chunks).toBe(2)
        const size = stream.streamLength - stream.header.length
        const created = await post('/api/attachments', {
          ...creds(receipt),
          header: toBase64(stream.header),
          chunks: 2,
          size,
        })
        expect(created.status).toBe(201)
        const { attachmentId } = (await created.json()) as { attachmentId: string }
        const chunk = (index: number, data = stream.encryptChunk(index)) =>
          post('/api/attachments/chunks', { ...creds(receipt), attachmentId, index, data: toBase64(data) })
        const status = async () =>
          (await (await post('/api/attachments/status', { ...creds(receipt), attachmentId })).json()) as Json

        expect(await status()).toEqual({ attachmentId, chunks: 2, received: [], complete: false })
        const last = await chunk(1)
        expect(last.status).toBe(201)
        expect(await last.json()).toEqual({ attachmentId, index: 1, complete: false })
        expect(await status()).toEqual({ attachmentId, chunks: 2, received: [1], complete: false })

        const again = await chunk(1)
        expect(again.status).toBe(200)
        const conflicting = stream.encryptChunk(1)
        conflicting[0] = (conflicting[0] ?? 0) ^ 1
        await expectError(await chunk(1, conflicting), 409, 'conflict')
        await expectError(await chunk(2, stream.encryptChunk(1)), 400, 'invalid_request')
        await expectError(await chunk(0, stream.encryptChunk(1)), 400, 'invalid_request')

        const first = await chunk(0)
        expect(first.status).toBe(201)
        expect(await first.json()).toEqual({ attachmentId, index: 0, complete: true })
        expect(await status()).toEqual({ attachmentId, chunks: 2, received: [0, 1], complete: true })

        // The manifest (kind 7) goes through the messages route.
        const manifest = message(receipt, 1, 7, {
          attachmentId,
          fileKey: toBase64(stream.fileKey),
          prefix: toBase64(stream.prefix),
          name: 'photo.jpg',
          type: 'image/jpeg',
          size: file.length,
          chunks: stream.chunks,
          metadataStripped: true,
        })
        const posted = await post('/api/followup/messages', {
          ...creds(receipt),
          envelope: toBase64(manifest),
          pow: await solve(),
        })
        expect(posted.status).toBe(201)
        expect(await posted.json()).toEqual({ seq: 1 })
      })

      it('refuses attachments of another case, bad headers, inconsistent sizes and oversized files', async () => {
        const owner = await submitted()
        const stranger = await submitted()
        const stream = createStreamEncryptor(backend, file)
        const size = stream.streamLength - stream.header.length
        const created = await post('/api/attachments', {
          ...creds(owner),
          header: toBase64(stream.header),
          chunks: 2,
          size,
        })
        const { attachmentId } = (await created.json()) as { attachmentId: string }
        const before = await counts(database.db)
        await expectError(
          await post('/api/attachments/chunks', {
            ...creds(stranger),
            attachmentId,
            index: 0,
            data: toBase64(stream.encryptChunk(0)),
          }),
          404,
          'not_found',
        )
        await expectError(
          await post('/api/attachments/status', { ...creds(stranger), attachmentId }),
          404,
          'not_found',
        )
        const badHeader = Uint8Array.from(stream.header)
        badHeader[3] = 0x42
        await expectError(
          await post('/api/attachments', { ...creds(owner), header: toBase64(badHeader), chunks: 2, size }),
          400,
          'invalid_request',
        )
        await expectError(
          await post('/api/attachments', {
            ...creds(owner),
            header: toBase64(stream.header),
            chunks: 2,
            size: size + 1,
          }),
          400,
          'invalid_request',
        )
        await expectError(
          await post('/api/attachments', {
            ...creds(owner),
            header: toBase64(stream.header),
            chunks: 3,
            size,
          }),
          400,
          'invalid_request',
        )
        const huge = 65_552 * 4 + 4096 // more than a 200,000-byte file can need
        await expectError(
          await post('/api/attachments', {
            ...creds(owner),
            header: toBase64(stream.header),
            chunks: 5,
            size: huge,
          }),
          413,
          'payload_too_large',
        )
        expect(await counts(database.db)).toEqual(before)
      })

      it('counts attachments against the case quotas', async () => {
        const receipt = await submitted()
        const stream = createStreamEncryptor(backend, new Uint8Array(190_000))
        const size = stream.streamLength - stream.header.length
        const create = () =>
          post('/api/attachments', {
            ...creds(receipt),
            header: toBase64(stream.header),
            chunks: stream.chunks,
            size,
          })
        expect((await create()).status).toBe(201)
        expect((await create()).status).toBe(201)
        expect((await create()).status).toBe(201)
        await expectError(await create(), 429, 'too_many_items')
        const bytesApp = makeApp({ maxCaseBytes: 700_000, maxAttachmentsPerCase: 100 })
        await expectError(
          await post(
            '/api/attachments',
            { ...creds(receipt), header: toBase64(stream.header), chunks: stream.chunks, size },
            bytesApp,
          ),
          413,
          'quota_exceeded',
        )
      })
    })

    it('raises the difficulty as challenges are spent, up to the cap', async () => {
      const eager = makeApp({ powSpentStep: 1, powBaseBits: 1, powMaxBits: 3 })
      const bitsNow = async () =>
        ((await (await eager.request('/api/intake/config')).json()) as { pow: { bits: number } }).pow.bits
      // Earlier tests spent many challenges that have not expired yet.
      expect(await bitsNow()).toBe(3)
      const saved = now
      // Past every earlier challenge's rounded-up expiry: nothing recent is counted any more.
      now = new Date(now.getTime() + 4 * 60 * 60 * 1000)
      try {
        expect(await bitsNow()).toBe(1)
        const first = await post(
          '/api/reports',
          await submission(newReceipt(), undefined, await solve(eager)),
          eager,
        )
        expect(first.status).toBe(201)
        expect(await bitsNow()).toBe(2)
        await post('/api/reports', await submission(newReceipt(), undefined, await solve(eager)), eager)
        expect(await bitsNow()).toBe(3)
      } finally {
        now = saved
      }
    })

    it('purges spent challenges once their rounded-up expiry has passed', async () => {
      const purging = makeApp()
      const before = await counts(database.db)
      expect(before.pow_spent).toBeGreaterThan(0)
      const saved = now
      now = new Date(now.getTime() + 8 * 60 * 60 * 1000)
      try {
        expect((await post('/api/pow/challenge', {}, purging)).status).toBe(200)
      } finally {
        now = saved
      }
      expect((await counts(database.db)).pow_spent).toBe(0)
    })

    it('answers random bodies on every route with a 4xx JSON error, never a 5xx', async () => {
      const routes = [
        '/api/pow/challenge',
        '/api/reports',
        '/api/followup',
        '/api/followup/messages',
        '/api/followup/erase',
        '/api/attachments',
        '/api/attachments/chunks',
        '/api/attachments/status',
      ]
      const receipt = await submitted()
      const hostile = fc.oneof(
        fc.string(),
        fc.constantFrom("' OR 1=1 --", '<script>alert(1)</script>', '\u202e\u0000', 'A'.repeat(5000)),
      )
      const field = fc.oneof(
        hostile,
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.integer()),
      )
      const bodies = fc.oneof(
        fc.json(),
        hostile,
        fc.record(
          {
            lookupId: fc.oneof(field, fc.constant(receipt.lookupId)),
            authToken: fc.oneof(field, fc.constant(receipt.authToken)),
            envelope: field,
            pow: fc.oneof(field, fc.record({ challenge: field, nonce: field })),
            attachmentId: field,
            index: field,
            data: field,
            header: field,
            chunks: field,
            size: field,
            deskId: field,
          },
          { requiredKeys: [] },
        ),
      )
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...routes), bodies, async (route, body) => {
          const response = await post(route, typeof body === 'string' ? body : JSON.stringify(body))
          if (response.status === 200 && route === '/api/pow/challenge') return
          expect(response.status).toBeGreaterThanOrEqual(400)
          expect(response.status).toBeLessThan(500)
          const json = (await response.json()) as { error?: { code?: unknown } }
          expect(typeof json.error?.code).toBe('string')
        }),
        { numRuns: 150, seed: 20260314 },
      )
    })

    it('answers 429 rate_limited once a bucket is empty', async () => {
      const tight = makeApp(
        {},
        {
          ratePolicies: {
            global: {
              challenge: { burst: 2, perMinute: 1 },
              submit: { burst: 2, perMinute: 1 },
              read: { burst: 2, perMinute: 1 },
              chunk: { burst: 2, perMinute: 1 },
            },
          },
        },
      )
      expect((await post('/api/pow/challenge', {}, tight)).status).toBe(200)
      expect((await post('/api/pow/challenge', {}, tight)).status).toBe(200)
      const refused = await post('/api/pow/challenge', {}, tight)
      await expectError(refused, 429, 'rate_limited')
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    })

    it('keys rate limits per client address, and globally for loopback peers', async () => {
      const tiny = {
        challenge: { burst: 1, perMinute: 1 },
        submit: { burst: 1, perMinute: 1 },
        read: { burst: 1, perMinute: 1 },
        chunk: { burst: 1, perMinute: 1 },
      }
      const perAddress = makeApp({}, { ratePolicies: { address: tiny, global: tiny } })
      const from = (address: string) =>
        perAddress.request(
          '/api/pow/challenge',
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
          { incoming: { socket: { remoteAddress: address } } },
        )
      expect((await from('203.0.113.7')).status).toBe(200)
      await expectError(await from('203.0.113.7'), 429, 'rate_limited')
      expect((await from('198.51.100.23')).status).toBe(200)
      expect((await from('127.0.0.1')).status).toBe(200)
      await expectError(await from('::1'), 429, 'rate_limited')
    })

    it('never printed a lookup id or auth token', () => {
      expect(printed.length).toBeGreaterThan(0)
      const output = printed.join('\n')
      for (const secret of seenSecrets) expect(output.includes(secret)).toBe(false)
    })
  })
})
