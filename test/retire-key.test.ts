/**
 * @module test/retire-key.test
 * The "retire old key" job (DESIGN §5, crypto/SPEC.md §18) through `createApp(...).request()` on
 * a real database (PGlite always, PostgreSQL when DATABASE_URL is set), with the console's own key
 * code playing the admin's browser: reports and a signed reply under desk key version 1, rotation
 * to version 2, the job in batches (one interrupted half-way and resumed), the server refusing any
 * upload that changes more than the old slot, items that arrive behind the cursor, finishing,
 * revoking version 1's grants — and afterwards every item opens with version 2 only, signatures
 * and receipt proofs still verify, a retried submission is still recognised and the audit chain
 * holds one signed entry per batch. Also the login page's session probe (`GET /api/auth/status`).
 */
import { eq } from 'drizzle-orm'
import * as OTPAuth from 'otpauth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.ts'
import type { KeysResponse, RetireBatchResponse } from '../api/contract/keys.ts'
import type { MeResponse, UsersResponse } from '../api/contract/staff.ts'
import { caseItems, retireJobs } from '../api/db/schema.ts'
import { parseEnv } from '../api/env.ts'
import { deriveSecrets } from '../api/secrets.ts'
import { ensureSetupToken } from '../api/setup-token.ts'
import { verifyAuditChain } from '../crypto/audit.ts'
import type { Argon2Backend, CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64 } from '../crypto/bytes.ts'
import { keyId, openEnvelope, parseEnvelope, proofHash } from '../crypto/envelope.ts'
import { CryptoError } from '../crypto/errors.ts'
import { openItem, sealItem } from '../crypto/items.ts'
import { decodeKdfParams, deriveStaffKeys, KDF_MIN_MEM_BYTES, KDF_MIN_OPS } from '../crypto/kdf.ts'
import { solvePow } from '../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode, type ReceiptKeys } from '../crypto/receipt.ts'
import { openReport, sealReport } from '../crypto/report.ts'
import { checkRetiredSlot, retireSlot } from '../crypto/retire.ts'
import { loadSodiumSumo } from '../crypto/sodium.ts'
import { verifyDirectory, verifyStatement, verifyUserKeyChain } from '../crypto/statements.ts'
import {
  buildDeskKey,
  buildSetup,
  type KeyRing,
  newTotpSecret,
  randomUuid,
  signAudit,
  unlock,
} from '../web/console/keys.ts'
import { databases, type TestDatabase } from './support/databases.ts'

const ORIGIN = 'http://localhost'
const PASSPHRASE = 'correct horse battery staple orbit'

describe.each(databases)('Retire old key on $name', (factory) => {
  let database: TestDatabase
  let backend: CryptoBackend & Argon2Backend
  let app: ReturnType<typeof createApp>
  const now = new Date('2026-05-04T09:00:00.000Z')
  const clock = { now: () => now }
  let cookie = ''
  let me: MeResponse
  let ring: KeyRing
  let deskId = ''
  let oldPublic: Uint8Array
  let newPublic: Uint8Array
  const submitted: { receipt: ReceiptKeys; envelope: Uint8Array; proofHash: string; body: unknown }[] = []

  const request = (method: string, path: string, options: { body?: unknown; cookie?: string } = {}) =>
    app.request(`${ORIGIN}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        origin: ORIGIN,
        ...(options.cookie ? { cookie: options.cookie } : {}),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
  const json = async <T>(response: Response | Promise<Response>) => (await (await response).json()) as T
  const audit = async (action: string, target: string) =>
    signAudit(backend, {
      signingSeed: ring.signingSeed,
      actor: ring.userId,
      action,
      target,
      head: await json<{ seq: number; headHash: string }>(request('GET', '/api/audit/head', { cookie })),
      now,
    })
  const refreshRing = async () => {
    me = await json<MeResponse>(request('GET', '/api/auth/me', { cookie }))
    ring = unlock(backend, me, deriveStaffKeys(backend, PASSPHRASE, decodeKdfParams(me.kdf)).wrapKey, { now })
  }
  const secretOf = (version: number) => {
    const key = ring.desks.get(deskId)?.get(version)
    if (key === undefined) throw new Error(`no desk key v${version}`)
    return key
  }

  async function submitReport(deskKey: Uint8Array, narrative: string) {
    const receipt = deriveReceiptKeys(backend, generateReceiptCode(backend))
    const envelope = sealReport(backend, {
      recipients: [deskKey],
      lookupId: receipt.lookupId,
      report: {
        reporterPublicKey: toBase64(receipt.reporterPublicKey),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
        narrative,
      },
    })
    const challenge = await json<{ challenge: string; bits: number }>(
      request('POST', '/api/pow/challenge', { body: {} }),
    )
    const body = {
      deskId,
      lookupId: receipt.lookupId,
      authToken: receipt.authToken,
      reporterPublicKey: toBase64(receipt.reporterPublicKey),
      reporterSigningKey: toBase64(receipt.reporterSigningKey),
      envelope: toBase64(envelope),
      pow: {
        challenge: challenge.challenge,
        nonce: solvePow(backend, fromBase64(challenge.challenge), challenge.bits),
      },
    }
    const response = await request('POST', '/api/reports', { body })
    expect(response.status).toBe(201)
    submitted.push({ receipt, envelope, proofHash: proofHash(backend, envelope), body })
    return receipt
  }

  async function caseIdOf(lookupId: string): Promise<string> {
    const queue = await json<{ cases: { id: string; lookupId: string }[] }>(
      request('GET', '/api/cases?status=new', { cookie }),
    )
    const found = queue.cases.find((c) => c.lookupId === lookupId)
    if (found === undefined) throw new Error('case not in the queue')
    return found.id
  }

  async function postReply(receipt: ReceiptKeys, seq: number, deskKey: Uint8Array, text: string) {
    const id = await caseIdOf(receipt.lookupId)
    const envelope = sealItem(backend, {
      kind: 3,
      context: receipt.lookupId,
      recipients: [receipt.reporterPublicKey, deskKey],
      body: { seq, writtenOn: now.toISOString().slice(0, 10), text },
      author: ring.userId,
      signingSeed: ring.signingSeed,
    })
    const response = await request('POST', `/api/cases/${id}/items`, {
      cookie,
      body: { kind: 3, seq, envelope: toBase64(envelope), audit: await audit('case.reply', id) },
    })
    expect(response.status).toBe(201)
  }

  /** What the admin's browser does with a batch: re-wrap every item from v1 to v2. */
  const rewrap = (batch: RetireBatchResponse) =>
    batch.items.map((item) => ({
      itemId: item.itemId,
      envelope: toBase64(
        retireSlot(backend, fromBase64(item.envelope), {
          kind: item.kind as 1 | 3,
          context: item.lookupId,
          oldSecretKey: secretOf(1),
          newSecretKey: secretOf(2),
        }),
      ),
    }))

  let jobId = ''
  let uploads = 0

  beforeAll(async () => {
    database = await factory.open()
    backend = await loadSodiumSumo()
    app = createApp({
      db: database.db,
      config: parseEnv({ NODE_ENV: 'test', DATA_DIR: database.dataDir, PUBLIC_URL: 'http://127.0.0.1:8080' }),
      clock,
      secrets: deriveSecrets(backend, backend.randomBytes(32)),
      reporter: { limits: { powBaseBits: 1, powMaxBits: 2, powSpentStep: 1_000_000 } },
    })
    const issued = await ensureSetupToken(database.db, clock, backend)
    if (issued === undefined) throw new Error('no setup token')
    const info = await json<{ receiptPublicKey: string }>(request('GET', '/api/setup/info'))
    const totp = newTotpSecret(backend)
    const built = buildSetup(backend, {
      token: issued.token,
      orgName: 'Diaspora Rights Watch',
      deskName: 'Uyghur community desk',
      username: 'amina',
      passphrase: PASSPHRASE,
      receiptPublicKey: fromBase64(info.receiptPublicKey),
      now,
      kdf: {
        alg: 'argon2id13',
        opsLimit: KDF_MIN_OPS,
        memLimitBytes: KDF_MIN_MEM_BYTES,
        salt: backend.randomBytes(16),
      },
    })
    const code = new OTPAuth.TOTP({
      secret: OTPAuth.Secret.fromBase32(totp),
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    }).generate({ timestamp: now.getTime() })
    const response = await request('POST', '/api/setup', {
      body: built.complete({ secret: totp, code }, now),
    })
    expect(response.status).toBe(201)
    cookie = /__Host-session=[^;]*/.exec(response.headers.get('set-cookie') ?? '')?.[0] ?? ''
    await refreshRing()
    deskId = [...ring.desks.keys()][0] ?? ''
    oldPublic = backend.x25519PublicKey(secretOf(1))
  }, 120_000)

  afterAll(async () => {
    await database?.destroy()
  })

  it('answers the login page’s session probe with 200 whether or not a session exists', async () => {
    const anonymous = await request('GET', '/api/auth/status')
    expect(anonymous.status).toBe(200)
    expect(await anonymous.json()).toEqual({ signedIn: false })
    const bogus = await request('GET', '/api/auth/status', { cookie: `__Host-session=${'A'.repeat(43)}` })
    expect(bogus.status).toBe(200)
    expect(await bogus.json()).toEqual({ signedIn: false })
    const signedIn = await json<{ signedIn: boolean; me: MeResponse }>(
      request('GET', '/api/auth/status', { cookie }),
    )
    expect(signedIn.signedIn).toBe(true)
    expect(signedIn.me.user.username).toBe('amina')
  })

  it('rotates the desk key after reports and a signed reply arrived under version 1', async () => {
    const first = await submitReport(oldPublic, 'They called my mother about my work.')
    await submitReport(oldPublic, 'A man followed me home from the protest.')
    await submitReport(oldPublic, 'My passport renewal was refused.')
    await postReply(first, 1, oldPublic, 'We read your report and will write again.')
    const people = await json<UsersResponse>(request('GET', '/api/admin/users', { cookie }))
    const config = await json<{ directory: { statement: string; signature: string } }>(
      request('GET', '/api/intake/config'),
    )
    const rotated = buildDeskKey(backend, ring, {
      deskId,
      name: 'Uyghur community desk',
      version: 2,
      current: verifyDirectory(backend, config.directory, ring.orgSigningKey, now).directory,
      members: [{ userId: ring.userId, identityKey: backend.x25519PublicKey(ring.identitySecretKey) }],
      recoveryPublicKey: fromBase64(people.recoveryPublicKey ?? ''),
      now,
    })
    const response = await request('POST', '/api/admin/desks', {
      cookie,
      body: { ...rotated.request, audit: await audit('desk.rotate', deskId) },
    })
    expect(response.status).toBe(201)
    await refreshRing()
    newPublic = backend.x25519PublicKey(secretOf(2))
    const keys = await json<KeysResponse>(request('GET', '/api/admin/keys', { cookie }))
    const desk = keys.desks.find((d) => d.deskId === deskId)
    expect(desk?.versions).toEqual([
      { version: 1, holders: 1 },
      { version: 2, holders: 1 },
    ])
    // The setup directory listed version 1 as the newest and is valid for 90 days more.
    expect(desk?.oldKeyListedUntil).toBe('2026-08-02T09:00:00.000Z')
    // The users list counts holders of the current version.
    const users = await json<UsersResponse>(request('GET', '/api/admin/users', { cookie }))
    expect(users.desks.find((d) => d.deskId === deskId)).toMatchObject({ version: 2, holders: 1 })
  })

  it('hands out only items with a slot for the old key and refuses an upload that changes more', async () => {
    jobId = randomUuid(backend)
    const start = await request('POST', '/api/admin/retire-jobs', {
      cookie,
      body: {
        jobId,
        deskId,
        fromVersion: 1,
        toVersion: 2,
        audit: await audit('key.retire-start', jobId),
      },
    })
    expect(start.status).toBe(201)
    // One job per old version.
    const again = randomUuid(backend)
    const twice = await request('POST', '/api/admin/retire-jobs', {
      cookie,
      body: {
        jobId: again,
        deskId,
        fromVersion: 1,
        toVersion: 2,
        audit: await audit('key.retire-start', again),
      },
    })
    expect(twice.status).toBe(409)

    const batch = await json<RetireBatchResponse>(
      request('GET', `/api/admin/retire-jobs/${jobId}/batch`, { cookie }),
    )
    expect(batch.items).toHaveLength(4)
    expect(batch.remaining).toBe(4)
    expect(batch.items.map((i) => i.kind).sort()).toEqual([1, 1, 1, 3])
    const oldId = keyId(backend, oldPublic)
    for (const item of batch.items)
      expect(parseEnvelope(fromBase64(item.envelope)).slots.some((s) => backend.equal(s.keyId, oldId))).toBe(
        true,
      )

    const good = rewrap(batch)
    const tamper = async (index: number, change: (bytes: Uint8Array) => Uint8Array, status: number) => {
      const items = good.map((g, i) =>
        i === index ? { ...g, envelope: toBase64(change(fromBase64(g.envelope))) } : g,
      )
      const response = await request('POST', `/api/admin/retire-jobs/${jobId}/batch`, {
        cookie,
        body: { items, audit: await audit('key.retire-batch', jobId) },
      })
      expect(response.status).toBe(status)
    }
    // A changed ciphertext byte, a slot for another key, the old slot kept, a truncated envelope.
    await tamper(1, (b) => b.map((x, i) => (i === b.length - 1 ? x ^ 1 : x)), 422)
    await tamper(
      0,
      (b) => {
        const other = retireSlot(backend, fromBase64(batch.items[0]?.envelope ?? ''), {
          kind: (batch.items[0]?.kind ?? 1) as 1 | 3,
          context: batch.items[0]?.lookupId ?? '',
          oldSecretKey: secretOf(1),
          newSecretKey: backend.randomBytes(32),
        })
        return b.length > 0 ? other : b
      },
      422,
    )
    await tamper(2, () => fromBase64(batch.items[2]?.envelope ?? ''), 422)
    await tamper(3, (b) => b.subarray(0, 40), 400)
    // Bad input: an item twice, an unknown job, a malformed id.
    const first = good[0]
    if (first === undefined) throw new Error('no item')
    const doubled = await request('POST', `/api/admin/retire-jobs/${jobId}/batch`, {
      cookie,
      body: { items: [first, first], audit: await audit('key.retire-batch', jobId) },
    })
    expect(doubled.status).toBe(400)
    expect(
      (await request('GET', `/api/admin/retire-jobs/${randomUuid(backend)}/batch`, { cookie })).status,
    ).toBe(404)
    expect((await request('GET', '/api/admin/retire-jobs/nope/batch', { cookie })).status).toBe(404)
    // Nothing was stored half-way: every item still has its old slot.
    const still = await json<RetireBatchResponse>(
      request('GET', `/api/admin/retire-jobs/${jobId}/batch`, { cookie }),
    )
    expect(still.remaining).toBe(4)
    const [row] = await database.db.select().from(retireJobs).where(eq(retireJobs.id, jobId))
    expect(row?.cursor).toBeNull()
    expect(row?.rewrapped).toBe(0)
  })

  it('swaps a batch in, resumes after an interruption, and catches items that arrive behind the cursor', async () => {
    const batch = await json<RetireBatchResponse>(
      request('GET', `/api/admin/retire-jobs/${jobId}/batch`, { cookie }),
    )
    // The tab closes after re-wrapping the first two items (in id order) of the batch.
    const partial = rewrap({ ...batch, items: batch.items.slice(0, 2) })
    const upload = await request('POST', `/api/admin/retire-jobs/${jobId}/batch`, {
      cookie,
      body: { items: partial, audit: await audit('key.retire-batch', jobId) },
    })
    expect(upload.status).toBe(200)
    uploads++
    expect(await upload.json()).toEqual({ rewrapped: 2, remaining: 2 })
    const [row] = await database.db.select().from(retireJobs).where(eq(retireJobs.id, jobId))
    expect(row?.cursor).toBe(batch.items[1]?.itemId)
    // The same upload again (a second tab): the items changed meanwhile, nothing is swapped twice.
    const replay = await request('POST', `/api/admin/retire-jobs/${jobId}/batch`, {
      cookie,
      body: { items: partial, audit: await audit('key.retire-batch', jobId) },
    })
    expect(replay.status).toBe(422)

    // A new tab resumes after the cursor.
    const resumed = await json<RetireBatchResponse>(
      request('GET', `/api/admin/retire-jobs/${jobId}/batch`, { cookie }),
    )
    expect(resumed.items.map((i) => i.itemId)).toEqual(batch.items.slice(2).map((i) => i.itemId))
    // Meanwhile a reply still sealed to version 1 arrives (a browser that had not reloaded).
    await postReply(submitted[1]?.receipt as ReceiptKeys, 1, oldPublic, 'Please tell us which day it was.')
    const finishEarly = await request('POST', `/api/admin/retire-jobs/${jobId}/finish`, {
      cookie,
      body: { audit: await audit('key.retire-finish', jobId) },
    })
    expect(finishEarly.status).toBe(409)

    let batches = 1
    for (;;) {
      const next = await json<RetireBatchResponse>(
        request('GET', `/api/admin/retire-jobs/${jobId}/batch`, { cookie }),
      )
      if (next.items.length === 0) {
        expect(next.remaining).toBe(0)
        break
      }
      const response = await request('POST', `/api/admin/retire-jobs/${jobId}/batch`, {
        cookie,
        body: { items: rewrap(next), audit: await audit('key.retire-batch', jobId) },
      })
      expect(response.status).toBe(200)
      uploads++
      batches++
      expect(batches).toBeLessThan(5)
    }
    const finished = await request('POST', `/api/admin/retire-jobs/${jobId}/finish`, {
      cookie,
      body: { audit: await audit('key.retire-finish', jobId) },
    })
    expect(finished.status).toBe(200)
    const keys = await json<KeysResponse>(request('GET', '/api/admin/keys', { cookie }))
    expect(keys.jobs).toMatchObject([{ id: jobId, fromVersion: 1, toVersion: 2, rewrapped: 5, remaining: 0 }])
    expect(keys.jobs[0]?.finishedAt).not.toBeNull()
  })

  it('leaves every item readable with version 2 only, signatures and receipt proofs intact', async () => {
    const rows = await database.db.select().from(caseItems)
    expect(rows).toHaveLength(5)
    for (const row of rows) {
      const slots = parseEnvelope(row.envelope).slots
      expect(slots.some((s) => backend.equal(s.keyId, keyId(backend, oldPublic)))).toBe(false)
      expect(slots.some((s) => backend.equal(s.keyId, keyId(backend, newPublic)))).toBe(true)
    }
    for (const { receipt, proofHash: hash, body } of submitted) {
      const thread = await json<{
        items: { seq: number; kind: number; envelope: string }[]
        proof: { statement: string; signature: string }
        signers: { statement: string; signature: string }[]
      }>(
        request('POST', '/api/followup', {
          body: { lookupId: receipt.lookupId, authToken: receipt.authToken },
        }),
      )
      const report = fromBase64(thread.items[0]?.envelope ?? '')
      expect(() =>
        openEnvelope(backend, report, { kind: 1, context: receipt.lookupId, secretKey: secretOf(1) }),
      ).toThrow(CryptoError)
      expect(
        openReport(backend, report, { lookupId: receipt.lookupId, secretKey: secretOf(2) }).report,
      ).toMatchObject({
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
      })
      // The reporter's proof of receipt still names this report.
      expect(proofHash(backend, report)).toBe(hash)
      const proof = verifyStatement(backend, thread.proof, await receiptKey(), 'receipt-proof')
      expect(proof.hash).toBe(hash)
      // Replies: the reporter still opens them and the caseworker's signature still verifies.
      for (const item of thread.items.slice(1)) {
        const signer = verifyUserKeyChain(backend, {
          orgSigningKey: ring.orgSigningKey,
          userKey: thread.signers[0] ?? { statement: '', signature: '' },
          now,
        })
        for (const secretKey of [receipt.reporterSecretKey, secretOf(2)]) {
          const opened = openItem(backend, fromBase64(item.envelope), {
            kind: 3,
            context: receipt.lookupId,
            secretKey,
            expectedSeq: item.seq,
            signingKeyFor: (author) => (author === signer.statement.userId ? signer.signingKey : undefined),
          })
          expect(typeof opened.body.text).toBe('string')
        }
      }
      // A retried submission (same envelope as sent, old slot and all) is still recognised.
      const retry = await request('POST', '/api/reports', { body })
      expect(retry.status).toBe(200)
    }
  })

  async function receiptKey(): Promise<Uint8Array> {
    const config = await json<{ receiptKey: { statement: string; signature: string } }>(
      request('GET', '/api/intake/config'),
    )
    return fromBase64(
      verifyStatement(backend, config.receiptKey, ring.orgSigningKey, 'receipt-key').publicKey,
    )
  }

  it('revokes the retired version’s grants only after the job finished, with a signed audit trail', async () => {
    expect(
      (
        await request('POST', `/api/admin/desks/${deskId}/revoke-version`, {
          cookie,
          body: { version: 2, audit: await audit('key.revoke-version', deskId) },
        })
      ).status,
    ).toBe(409)
    const revoked = await request('POST', `/api/admin/desks/${deskId}/revoke-version`, {
      cookie,
      body: { version: 1, audit: await audit('key.revoke-version', deskId) },
    })
    expect(revoked.status).toBe(200)
    await refreshRing()
    expect(me.grants.filter((g) => g.target === deskId).map((g) => g.version)).toEqual([2])
    expect([...(ring.desks.get(deskId)?.keys() ?? [])]).toEqual([2])
    const keys = await json<KeysResponse>(request('GET', '/api/admin/keys', { cookie }))
    expect(keys.desks.find((d) => d.deskId === deskId)?.versions).toEqual([
      { version: 1, holders: 0 },
      { version: 2, holders: 1 },
    ])

    const log = await json<{
      entries: { actor: string | null; action: string; target: string | null }[]
      signers: { statement: string; signature: string }[]
      receiptPublicKey: string
    }>(request('GET', '/api/audit', { cookie }))
    const signingKeys = new Map<string, Uint8Array>([
      [ring.userId, backend.ed25519PublicKey(ring.signingSeed)],
      ['server', fromBase64(log.receiptPublicKey)],
    ])
    expect(
      verifyAuditChain(backend, log.entries, { signingKeyFor: (a) => signingKeys.get(a) }).problems,
    ).toEqual([])
    const retire = log.entries.filter((e) => e.action.startsWith('key.'))
    // One entry per batch that was swapped in (refused uploads left none).
    expect(retire.map((e) => e.action)).toEqual([
      'key.retire-start',
      ...Array.from({ length: uploads }, () => 'key.retire-batch'),
      'key.retire-finish',
      'key.revoke-version',
    ])
    expect(retire.every((e) => e.actor === ring.userId)).toBe(true)
  })

  it('keeps the retire routes to admins', async () => {
    for (const [method, path] of [
      ['GET', '/api/admin/keys'],
      ['POST', '/api/admin/retire-jobs'],
      ['GET', `/api/admin/retire-jobs/${jobId}/batch`],
      ['POST', `/api/admin/retire-jobs/${jobId}/batch`],
      ['POST', `/api/admin/retire-jobs/${jobId}/finish`],
      ['POST', `/api/admin/desks/${deskId}/revoke-version`],
    ] as const)
      expect((await request(method, path, method === 'POST' ? { body: {} } : {})).status).toBe(401)
  })
})

describe('crypto/retire', () => {
  it('swaps exactly one slot and refuses anything else', async () => {
    const backend = await loadSodiumSumo()
    const lookupId = '0123456789abcdef0123456789abcdef'
    const [oldSecret, newSecret, otherSecret] = [
      backend.randomBytes(32),
      backend.randomBytes(32),
      backend.randomBytes(32),
    ]
    const other = backend.x25519PublicKey(otherSecret)
    const envelope = sealReport(backend, {
      recipients: [other, backend.x25519PublicKey(oldSecret)],
      lookupId,
      report: {
        reporterPublicKey: toBase64(other),
        reporterSigningKey: toBase64(backend.ed25519PublicKey(oldSecret)),
      },
    })
    const swapped = retireSlot(backend, envelope, {
      kind: 1,
      context: lookupId,
      oldSecretKey: oldSecret,
      newSecretKey: newSecret,
    })
    const ids = {
      oldKeyId: keyId(backend, backend.x25519PublicKey(oldSecret)),
      newKeyId: keyId(backend, backend.x25519PublicKey(newSecret)),
    }
    expect(() => checkRetiredSlot(envelope, swapped, ids)).not.toThrow()
    expect(proofHash(backend, swapped)).toBe(proofHash(backend, envelope))
    expect(() =>
      openEnvelope(backend, swapped, { kind: 1, context: lookupId, secretKey: oldSecret }),
    ).toThrow(/no_slot_for_key/)
    expect(openEnvelope(backend, swapped, { kind: 1, context: lookupId, secretKey: otherSecret })).toEqual(
      openEnvelope(backend, envelope, { kind: 1, context: lookupId, secretKey: otherSecret }),
    )
    // A swap already done, a payload change, a wrong context for the browser.
    expect(() => checkRetiredSlot(swapped, swapped, ids)).toThrow(CryptoError)
    const flipped = Uint8Array.from(swapped)
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1
    expect(() => checkRetiredSlot(envelope, flipped, ids)).toThrow(/payload changed/)
    expect(() =>
      retireSlot(backend, envelope, {
        kind: 1,
        context: 'f'.repeat(32),
        oldSecretKey: oldSecret,
        newSecretKey: newSecret,
      }),
    ).toThrow(CryptoError)
  })
})
