/**
 * @module test/console-api.test
 * The staff API (api/contract/staff.ts) through `createApp(...).request()` on a real database
 * (PGlite always, PostgreSQL when DATABASE_URL is set), with the console's own key code
 * (web/console/keys.ts) playing the browser: setup with recovery kit, login with TOTP (replay
 * refused, throttled), sessions (idle, absolute, revoke, logout everywhere), the origin check on
 * every mutating route, invitations and vetting, the case queue, a signed reply that the reporter
 * reads through /api/followup, and a route × role table.
 */
import { sql } from 'drizzle-orm'
import * as OTPAuth from 'otpauth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.ts'
import type { MeResponse, UsersResponse } from '../api/contract/staff.ts'
import { parseEnv } from '../api/env.ts'
import { deriveSecrets, type ServerSecrets } from '../api/secrets.ts'
import { ensureSetupToken } from '../api/setup-token.ts'
import { verifyAuditChain } from '../crypto/audit.ts'
import type { Argon2Backend, CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64 } from '../crypto/bytes.ts'
import { openRecoveryKit, parseRecoveryCode, sealGrant } from '../crypto/grants.ts'
import { openItem, sealItem } from '../crypto/items.ts'
import {
  decodeKdfParams,
  deriveStaffKeys,
  KDF_MIN_MEM_BYTES,
  KDF_MIN_OPS,
  WRAP_PURPOSE,
  wrapPrivateKey,
} from '../crypto/kdf.ts'
import { solvePow } from '../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode, type ReceiptKeys } from '../crypto/receipt.ts'
import { openReport, sealReport } from '../crypto/report.ts'
import { loadSodiumSumo } from '../crypto/sodium.ts'
import { verifyDirectory, verifyUserKeyChain } from '../crypto/statements.ts'
import {
  AUDIT_GENESIS,
  buildDeskKey,
  buildSetup,
  certifyUser,
  newAccount,
  newTotpSecret,
  randomUuid,
  signAudit,
  unlock,
} from '../web/console/keys.ts'
import { databases, type TestDatabase } from './support/databases.ts'

type Json = Record<string, unknown>
const ORIGIN = 'http://localhost'
const FAST_KDF = (backend: CryptoBackend) => ({
  alg: 'argon2id13' as const,
  opsLimit: KDF_MIN_OPS,
  memLimitBytes: KDF_MIN_MEM_BYTES,
  salt: backend.randomBytes(16),
})

function totpCode(secret: string, at: Date): string {
  return new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  }).generate({
    timestamp: at.getTime(),
  })
}

describe.each(databases)('Staff API on $name', (factory) => {
  let database: TestDatabase
  let backend: CryptoBackend & Argon2Backend
  let secrets: ServerSecrets
  let app: ReturnType<typeof createApp>
  let now = new Date('2026-05-04T09:00:00.000Z')
  const clock = { now: () => now }
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms)
  }

  // The admin as the setup left them.
  let adminCookie = ''
  let adminMe: MeResponse
  let adminPassphrase: string
  let adminTotp: string
  let recoveryCode: string
  let setupToken: string

  const request = (
    method: string,
    path: string,
    options: { body?: unknown; cookie?: string; origin?: string | null } = {},
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (options.cookie) headers.cookie = options.cookie
    const origin = options.origin === undefined ? ORIGIN : options.origin
    if (origin !== null) headers.origin = origin
    return app.request(`${ORIGIN}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
  }
  const cookieOf = (response: Response) => {
    const header = response.headers.get('set-cookie') ?? ''
    const match = /__Host-session=([^;]*)/.exec(header)
    return match ? `__Host-session=${match[1]}` : ''
  }
  const head = async (cookie: string) =>
    (await (await request('GET', '/api/audit/head', { cookie })).json()) as { seq: number; headHash: string }

  async function login(username: string, passphrase: string, secret: string, at = now) {
    const params = (await (await request('POST', '/api/auth/params', { body: { username } })).json()) as {
      kdf: { alg: string; opsLimit: number; memLimitBytes: number; salt: string }
    }
    const keys = deriveStaffKeys(backend, passphrase, decodeKdfParams(params.kdf))
    const response = await request('POST', '/api/auth/login', {
      body: { username, authKey: toBase64(keys.authKey), totp: totpCode(secret, at) },
    })
    return { response, keys }
  }

  beforeAll(async () => {
    database = await factory.open()
    backend = await loadSodiumSumo()
    secrets = deriveSecrets(backend, backend.randomBytes(32))
    app = createApp({
      db: database.db,
      config: parseEnv({ NODE_ENV: 'test', DATA_DIR: database.dataDir, PUBLIC_URL: 'http://127.0.0.1:8080' }),
      clock,
      secrets,
      reporter: { limits: { powBaseBits: 1, powMaxBits: 2, powSpentStep: 1_000_000 } },
    })
    const issued = await ensureSetupToken(database.db, clock, backend)
    if (issued === undefined) throw new Error('no setup token')
    setupToken = issued.token
  }, 60_000)

  afterAll(async () => {
    await database?.destroy()
  })

  it('sets up the organisation from keys made in the browser and starts a session', async () => {
    const info = (await (await request('GET', '/api/setup/info')).json()) as Json
    expect(info.setUp).toBe(false)
    adminPassphrase = 'correct horse battery staple orbit'
    adminTotp = newTotpSecret(backend)
    const built = buildSetup(backend, {
      token: setupToken,
      orgName: 'Diaspora Rights Watch',
      deskName: 'Uyghur community desk',
      username: 'amina',
      passphrase: adminPassphrase,
      receiptPublicKey: fromBase64(info.receiptPublicKey as string),
      now,
      kdf: FAST_KDF(backend),
    })
    recoveryCode = built.recoveryCode
    const body = built.complete({ secret: adminTotp, code: totpCode(adminTotp, now) }, now)
    const response = await request('POST', '/api/setup', { body })
    expect(response.status).toBe(201)
    const cookie = response.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^__Host-session=[A-Za-z0-9_-]{43};/)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/Secure/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).toMatch(/Path=\//)
    adminCookie = cookieOf(response)
    adminMe = (await response.json()) as MeResponse
    expect(adminMe.org.fingerprint).toBe(built.orgFingerprint)
    const ring = unlock(
      backend,
      adminMe,
      deriveStaffKeys(backend, adminPassphrase, decodeKdfParams(adminMe.kdf)).wrapKey,
      {
        now,
        pinnedFingerprint: built.orgFingerprint,
      },
    )
    expect(ring.refused).toEqual([])
    expect(ring.orgSeed).toBeDefined()
    expect(ring.desks.size).toBe(1)
    // The intake page now has a directory and a receipt key to encrypt to.
    expect((await request('GET', '/api/intake/config')).status).toBe(200)
  })

  it('refuses a second setup with the same link', async () => {
    const built = buildSetup(backend, {
      token: setupToken,
      orgName: 'Impostor',
      deskName: 'Desk',
      username: 'mallory',
      passphrase: 'another long passphrase here',
      receiptPublicKey: secrets.receiptPublicKey,
      now,
      kdf: FAST_KDF(backend),
    })
    const response = await request('POST', '/api/setup', {
      body: built.complete({ secret: adminTotp, code: totpCode(adminTotp, now) }, now),
    })
    expect([401, 409]).toContain(response.status)
  })

  it('opens the recovery kit stored at setup with the code shown once', async () => {
    const rows = (await database.db.execute(sql`select envelope from recovery_kits`)) as unknown
    const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as Array<{
      envelope: Uint8Array
    }>
    const envelope = Uint8Array.from(list[0]?.envelope ?? [])
    const signingKey = fromBase64(adminMe.signingKey)
    const keys = openRecoveryKit(backend, {
      envelope,
      secret: parseRecoveryCode(backend, recoveryCode.toLowerCase()),
      authorSigningKey: (author) => (author === adminMe.user.id ? signingKey : undefined),
    })
    expect(keys.orgId).toBe(adminMe.org.orgId)
    expect(toBase64(backend.ed25519PublicKey(keys.orgSigningSeed))).toBe(adminMe.org.signingPublicKey)
  })

  it('answers unknown usernames with stable parameters shaped like real ones', async () => {
    const real = (await (
      await request('POST', '/api/auth/params', { body: { username: 'amina' } })
    ).json()) as Json
    const fake1 = (await (
      await request('POST', '/api/auth/params', { body: { username: 'nobody' } })
    ).json()) as Json
    const fake2 = (await (
      await request('POST', '/api/auth/params', { body: { username: 'nobody' } })
    ).json()) as Json
    expect(fake1).toEqual(fake2)
    expect(Object.keys(fake1.kdf as Json).sort()).toEqual(Object.keys(real.kdf as Json).sort())
    expect(() => decodeKdfParams((fake1 as { kdf: never }).kdf)).not.toThrow()
  })

  it('logs in with passphrase and TOTP, and refuses the same code twice', async () => {
    advance(60_000)
    const first = await login('amina', adminPassphrase, adminTotp)
    expect(first.response.status).toBe(200)
    const me = (await first.response.json()) as MeResponse
    expect(me.wrappedIdentityKey).toBe(adminMe.wrappedIdentityKey)
    const replay = await login('amina', adminPassphrase, adminTotp)
    expect(replay.response.status).toBe(401)
    expect(((await replay.response.json()) as { error: { code: string } }).error.code).toBe('login_failed')
    advance(30_000)
    expect((await login('amina', adminPassphrase, adminTotp)).response.status).toBe(200)
  })

  it('answers a wrong passphrase like an unknown user and serves no keys', async () => {
    advance(30_000)
    const wrong = await login('amina', 'not the passphrase at all', adminTotp)
    const unknown = await login('nobody', 'whatever passphrase', adminTotp)
    expect(wrong.response.status).toBe(401)
    expect(unknown.response.status).toBe(401)
    expect(await wrong.response.json()).toEqual(await unknown.response.json())
  })

  it('locks an account name after five failures, known or not', async () => {
    for (const name of ['amina', 'ghost']) {
      for (let i = 0; i < 4; i++) {
        const attempt = await login(name, 'wrong wrong wrong', adminTotp)
        expect(attempt.response.status).toBe(401)
      }
      // amina had one failure above already; ghost reaches 5 on its own next attempt.
      if (name === 'ghost')
        expect((await login(name, 'wrong wrong wrong', adminTotp)).response.status).toBe(401)
      advance(30_000)
      expect((await login(name, name === 'amina' ? adminPassphrase : 'x', adminTotp)).response.status).toBe(
        429,
      )
    }
    advance(16 * 60_000)
    expect((await login('amina', adminPassphrase, adminTotp)).response.status).toBe(200)
  })

  it('refuses mutating requests without our Origin, logout included', async () => {
    const fresh = await (async () => {
      advance(30_000)
      return cookieOf((await login('amina', adminPassphrase, adminTotp)).response)
    })()
    for (const origin of [null, 'https://evil.example', 'http://127.0.0.1:9999']) {
      const logout = await request('POST', '/api/auth/logout', { cookie: fresh, origin })
      expect(logout.status).toBe(403)
      const params = await request('POST', '/api/auth/params', { body: { username: 'amina' }, origin })
      expect(params.status).toBe(403)
    }
    const crossSite = await app.request(`${ORIGIN}/api/auth/logout`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'sec-fetch-site': 'cross-site', cookie: fresh },
    })
    expect(crossSite.status).toBe(403)
    // PUBLIC_URL is accepted too (the origin in printed links).
    const viaPublic = await request('POST', '/api/auth/logout', {
      cookie: fresh,
      origin: 'http://127.0.0.1:8080',
    })
    expect(viaPublic.status).toBe(200)
    expect((await request('GET', '/api/auth/me', { cookie: fresh })).status).toBe(401)
  })

  it('ends sessions after 30 idle minutes and after 12 hours in any case', async () => {
    advance(30_000)
    const idle = cookieOf((await login('amina', adminPassphrase, adminTotp)).response)
    advance(29 * 60_000)
    expect((await request('GET', '/api/auth/me', { cookie: idle })).status).toBe(200)
    advance(31 * 60_000)
    expect((await request('GET', '/api/auth/me', { cookie: idle })).status).toBe(401)

    advance(30_000)
    const busy = cookieOf((await login('amina', adminPassphrase, adminTotp)).response)
    for (let minutes = 0; minutes < 12 * 60; minutes += 20) {
      advance(20 * 60_000)
      const status = (await request('GET', '/api/auth/me', { cookie: busy })).status
      if (minutes + 20 < 12 * 60) expect(status).toBe(200)
      else expect(status).toBe(401)
    }
  })

  it('lists sessions, revokes one, and logs out everywhere', async () => {
    advance(30_000)
    const a = cookieOf((await login('amina', adminPassphrase, adminTotp)).response)
    advance(30_000)
    const b = cookieOf((await login('amina', adminPassphrase, adminTotp)).response)
    const list = (await (await request('GET', '/api/auth/sessions', { cookie: a })).json()) as {
      sessions: { id: string; current: boolean }[]
    }
    expect(list.sessions.filter((s) => s.current)).toHaveLength(1)
    const other = list.sessions.filter((s) => !s.current).at(-1)
    expect(other).toBeDefined()
    expect((await request('POST', `/api/auth/sessions/${other?.id}/revoke`, { cookie: a })).status).toBe(200)
    expect((await request('GET', '/api/auth/me', { cookie: b })).status).toBe(401)
    expect((await request('POST', '/api/auth/logout-all', { cookie: a })).status).toBe(200)
    expect((await request('GET', '/api/auth/me', { cookie: a })).status).toBe(401)
    advance(30_000)
    adminCookie = cookieOf((await login('amina', adminPassphrase, adminTotp)).response)
    expect((await request('GET', '/api/auth/me', { cookie: adminCookie })).status).toBe(200)
  })

  // --- invitations, vetting, cases ---

  let ring: ReturnType<typeof unlock>
  let caseworker: { cookie: string; userId: string; passphrase: string; totp: string }
  let analyst: { cookie: string; userId: string }
  const deskId = () =>
    adminMe.directory
      ? ((JSON.parse(adminMe.directory.statement) as { desks: { deskId: string }[] }).desks[0]?.deskId ?? '')
      : ''

  async function invite(role: 'caseworker' | 'analyst', deskIds: string[]) {
    const inviteId = randomUuid(backend)
    const audit = signAudit(backend, {
      signingSeed: ring.signingSeed,
      actor: adminMe.user.id,
      action: 'invite.create',
      target: inviteId,
      head: await head(adminCookie),
      now,
    })
    const response = await request('POST', '/api/admin/invites', {
      cookie: adminCookie,
      body: { role, deskIds, inviteId, audit },
    })
    expect(response.status).toBe(201)
    return ((await response.json()) as { token: string }).token
  }

  async function accept(token: string, username: string) {
    const passphrase = `${username} has a long passphrase`
    const totp = newTotpSecret(backend)
    const account = newAccount(backend, { username, passphrase, kdf: FAST_KDF(backend) })
    const response = await request('POST', '/api/admin/invites/accept', {
      body: { token, user: account.wire, totp: { secret: totp, code: totpCode(totp, now) } },
    })
    expect(response.status).toBe(201)
    return { cookie: cookieOf(response), account, passphrase, totp }
  }

  it('invites a caseworker, who is vetted and granted the desk key by the admin', async () => {
    advance(30_000)
    const me = (await (await request('GET', '/api/auth/me', { cookie: adminCookie })).json()) as MeResponse
    ring = unlock(backend, me, deriveStaffKeys(backend, adminPassphrase, decodeKdfParams(me.kdf)).wrapKey, {
      now,
    })
    const token = await invite('caseworker', [deskId()])
    const info = await request('POST', '/api/admin/invites/info', { body: { token } })
    expect(((await info.json()) as Json).role).toBe('caseworker')
    const accepted = await accept(token, 'bakhyt')
    // Accepted but not vetted: no case access yet, and the link is spent.
    expect((await request('GET', '/api/cases', { cookie: accepted.cookie })).status).toBe(200)
    expect((await request('POST', '/api/admin/invites/info', { body: { token } })).status).toBe(401)
    const users = (await (await request('GET', '/api/admin/users', { cookie: adminCookie })).json()) as {
      users: { id: string; verified: boolean; pendingDesks: string[] }[]
    }
    const pending = users.users.find((u) => u.id === accepted.account.userId)
    expect(pending?.verified).toBe(false)
    expect(pending?.pendingDesks).toEqual([deskId()])
    const orgSeed = ring.orgSeed
    const deskSecret = ring.desks.get(deskId())?.get(1)
    if (orgSeed === undefined || deskSecret === undefined) throw new Error('admin lacks keys')
    const userKey = certifyUser(backend, {
      orgSeed,
      orgId: ring.orgId,
      userId: accepted.account.userId,
      username: 'bakhyt',
      role: 'caseworker',
      identityKey: accepted.account.identityKey,
      signingKey: accepted.account.signingKey,
      now,
    })
    const grant = sealGrant(backend, {
      orgId: ring.orgId,
      granterId: adminMe.user.id,
      granterSigningSeed: ring.signingSeed,
      granteeId: accepted.account.userId,
      granteeIdentityKey: accepted.account.identityKey,
      target: deskId(),
      version: 1,
      secretKey: deskSecret,
      now,
    })
    const audit = signAudit(backend, {
      signingSeed: ring.signingSeed,
      actor: adminMe.user.id,
      action: 'user.certify',
      target: accepted.account.userId,
      head: await head(adminCookie),
      now,
    })
    const certify = await request('POST', `/api/admin/users/${accepted.account.userId}/certify`, {
      cookie: adminCookie,
      body: { userKey, grants: [{ envelope: toBase64(grant.envelope), grant: grant.grant }], audit },
    })
    expect(certify.status).toBe(200)
    const me2 = (await (
      await request('GET', '/api/auth/me', { cookie: accepted.cookie })
    ).json()) as MeResponse
    const cwRing = unlock(
      backend,
      me2,
      deriveStaffKeys(backend, accepted.passphrase, decodeKdfParams(me2.kdf)).wrapKey,
      { now, pinnedFingerprint: adminMe.org.fingerprint },
    )
    expect(cwRing.refused).toEqual([])
    expect(cwRing.desks.get(deskId())?.get(1)).toEqual(deskSecret)
    caseworker = {
      cookie: accepted.cookie,
      userId: accepted.account.userId,
      passphrase: accepted.passphrase,
      totp: accepted.totp,
    }

    const analystToken = await invite('analyst', [])
    const a = await accept(analystToken, 'chen')
    analyst = { cookie: a.cookie, userId: a.account.userId }
  })

  it('refuses a grant whose key does not match what the organisation signed', async () => {
    const me = (await (
      await request('GET', '/api/auth/me', { cookie: caseworker.cookie })
    ).json()) as MeResponse
    const forged = sealGrant(backend, {
      orgId: ring.orgId,
      granterId: adminMe.user.id,
      granterSigningSeed: ring.signingSeed,
      granteeId: caseworker.userId,
      granteeIdentityKey: fromBase64(me.identityKey),
      target: deskId(),
      version: 1,
      secretKey: backend.randomBytes(32),
      now,
    })
    const hostile: MeResponse = {
      ...me,
      grants: [{ target: deskId(), version: 1, envelope: toBase64(forged.envelope), grant: forged.grant }],
    }
    const hostileRing = unlock(
      backend,
      hostile,
      deriveStaffKeys(backend, caseworker.passphrase, decodeKdfParams(me.kdf)).wrapKey,
      {
        now,
      },
    )
    expect(hostileRing.desks.size).toBe(0)
    expect(hostileRing.refused).toEqual([`grant:${deskId()}`])
  })

  let receipt: ReceiptKeys
  let caseId: string

  it('shows a submitted report in the queue of desk members only, and the caseworker replies', async () => {
    receipt = deriveReceiptKeys(backend, generateReceiptCode(backend))
    const directory = JSON.parse(adminMe.directory?.statement ?? '{}') as {
      desks: { deskId: string; publicKey: string }[]
    }
    const deskKey = fromBase64(directory.desks[0]?.publicKey ?? '')
    const envelope = sealReport(backend, {
      recipients: [deskKey],
      lookupId: receipt.lookupId,
      report: {
        reporterPublicKey: toBase64(receipt.reporterPublicKey),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
        narrative: 'Men from the consulate visited my brother.',
        language: 'ug',
      },
    })
    const challenge = (await (await request('POST', '/api/pow/challenge', { body: {} })).json()) as {
      challenge: string
      bits: number
    }
    const nonce = solvePow(backend, fromBase64(challenge.challenge), challenge.bits)
    const submit = await request('POST', '/api/reports', {
      body: {
        deskId: deskId(),
        lookupId: receipt.lookupId,
        authToken: receipt.authToken,
        reporterPublicKey: toBase64(receipt.reporterPublicKey),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
        envelope: toBase64(envelope),
        pow: { challenge: challenge.challenge, nonce },
      },
    })
    expect(submit.status).toBe(201)

    const q = (await (
      await request('GET', '/api/cases?status=new', { cookie: caseworker.cookie })
    ).json()) as {
      cases: { id: string; report: string; lookupId: string; seenSeq: number }[]
      counts: Json
    }
    expect(q.cases).toHaveLength(1)
    expect(q.counts.new).toBe(1)
    const summary = q.cases[0]
    if (summary === undefined) throw new Error('no case')
    caseId = summary.id
    expect(summary.seenSeq).toBe(-1)
    const deskSecret = ring.desks.get(deskId())?.get(1)
    if (deskSecret === undefined) throw new Error('no desk key')
    const opened = openReport(backend, fromBase64(summary.report), {
      lookupId: summary.lookupId,
      secretKey: deskSecret,
    })
    expect(opened.report.narrative).toBe('Men from the consulate visited my brother.')

    // The analyst reads no narratives; the admin of the desk does.
    expect((await request('GET', '/api/cases', { cookie: analyst.cookie })).status).toBe(403)
    expect((await request('GET', `/api/cases/${caseId}`, { cookie: analyst.cookie })).status).toBe(403)

    advance(30_000)
    const cw = await login('bakhyt', caseworker.passphrase, caseworker.totp)
    expect(cw.response.status).toBe(200)
    caseworker.cookie = cookieOf(cw.response)
    const cwMe = (await cw.response.json()) as MeResponse
    const cwRing = unlock(backend, cwMe, cw.keys.wrapKey, { now })
    const reply = sealItem(backend, {
      kind: 3,
      context: receipt.lookupId,
      recipients: [opened.reporterPublicKey, deskSecret && backend.x25519PublicKey(deskSecret)],
      body: {
        seq: 1,
        writtenOn: now.toISOString().slice(0, 10),
        text: 'We have received your report. Stay safe.',
      },
      author: caseworker.userId,
      signingSeed: cwRing.signingSeed,
    })
    const audit = signAudit(backend, {
      signingSeed: cwRing.signingSeed,
      actor: caseworker.userId,
      action: 'case.reply',
      target: caseId,
      head: await head(caseworker.cookie),
      now,
    })
    // An audit entry signed for another action is refused.
    const mislabelled = signAudit(backend, {
      signingSeed: cwRing.signingSeed,
      actor: caseworker.userId,
      action: 'case.note',
      target: caseId,
      head: await head(caseworker.cookie),
      now,
    })
    const refused = await request('POST', `/api/cases/${caseId}/items`, {
      cookie: caseworker.cookie,
      body: { kind: 3, seq: 1, envelope: toBase64(reply), audit: mislabelled },
    })
    expect(refused.status).toBe(422)
    const posted = await request('POST', `/api/cases/${caseId}/items`, {
      cookie: caseworker.cookie,
      body: { kind: 3, seq: 1, envelope: toBase64(reply), audit },
    })
    expect(posted.status).toBe(201)

    // The reporter reads it, verifying the caseworker's certified signature.
    const thread = (await (
      await request('POST', '/api/followup', {
        body: { lookupId: receipt.lookupId, authToken: receipt.authToken },
      })
    ).json()) as {
      items: { seq: number; kind: number; envelope: string }[]
      signers: { statement: string; signature: string }[]
    }
    expect(thread.items.map((i) => i.kind)).toEqual([1, 3])
    const signer = verifyUserKeyChain(backend, {
      orgSigningKey: fromBase64(adminMe.org.signingPublicKey),
      userKey: thread.signers[0] ?? { statement: '', signature: '' },
      now,
    })
    const item = openItem(backend, fromBase64(thread.items[1]?.envelope ?? ''), {
      kind: 3,
      context: receipt.lookupId,
      secretKey: receipt.reporterSecretKey,
      expectedSeq: 1,
      signingKeyFor: (author) => (author === signer.statement.userId ? signer.signingKey : undefined),
    })
    expect(item.body.text).toBe('We have received your report. Stay safe.')
  })

  it('changes status with a signed audit entry and keeps the audit chain verifiable', async () => {
    const cw = await request('GET', '/api/auth/me', { cookie: caseworker.cookie })
    const cwMe = (await cw.json()) as MeResponse
    const cwRing = unlock(
      backend,
      cwMe,
      deriveStaffKeys(backend, caseworker.passphrase, decodeKdfParams(cwMe.kdf)).wrapKey,
      { now },
    )
    const audit = signAudit(backend, {
      signingSeed: cwRing.signingSeed,
      actor: caseworker.userId,
      action: 'case.status',
      target: caseId,
      head: await head(caseworker.cookie),
      now,
    })
    const stale = { ...audit, seq: audit.seq - 1 }
    expect(
      (
        await request('POST', `/api/cases/${caseId}/triage`, {
          cookie: caseworker.cookie,
          body: { status: 'triaged', audit: stale },
        })
      ).status,
    ).toBe(409)
    expect(
      (
        await request('POST', `/api/cases/${caseId}/triage`, {
          cookie: caseworker.cookie,
          body: { status: 'triaged', audit },
        })
      ).status,
    ).toBe(200)
    const log = (await (await request('GET', '/api/audit', { cookie: adminCookie })).json()) as {
      entries: unknown[]
      signers: { statement: string; signature: string }[]
      receiptPublicKey: string
    }
    const keys = new Map<string, Uint8Array>()
    for (const s of log.signers) {
      const u = verifyUserKeyChain(backend, {
        orgSigningKey: fromBase64(adminMe.org.signingPublicKey),
        userKey: s,
        now,
      })
      keys.set(u.statement.userId, u.signingKey)
    }
    keys.set('server', fromBase64(log.receiptPublicKey))
    const result = verifyAuditChain(backend, log.entries, { signingKeyFor: (actor) => keys.get(actor) })
    expect(result.problems).toEqual([])
    expect(result.headSeq).toBeGreaterThan(3)
    expect(AUDIT_GENESIS).toBe((log.entries[0] as { prevHash: string }).prevHash)
    // Staff who are not admins see only their own entries.
    const own = (await (await request('GET', '/api/audit', { cookie: caseworker.cookie })).json()) as {
      entries: { actor: string }[]
    }
    expect(own.entries.every((e) => e.actor === caseworker.userId)).toBe(true)
  })

  it('changes a passphrase by re-wrapping the keys, ending other sessions', async () => {
    advance(30_000)
    const other = await login('bakhyt', caseworker.passphrase, caseworker.totp)
    expect(other.response.status).toBe(200)
    const otherCookie = cookieOf(other.response)
    const me = (await (
      await request('GET', '/api/auth/me', { cookie: caseworker.cookie })
    ).json()) as MeResponse
    const old = deriveStaffKeys(backend, caseworker.passphrase, decodeKdfParams(me.kdf))
    const cwRing = unlock(backend, me, old.wrapKey, { now })
    const next = 'a new and even longer passphrase for bakhyt'
    const fresh = FAST_KDF(backend)
    const keys = deriveStaffKeys(backend, next, fresh)
    const body = {
      currentAuthKey: toBase64(old.authKey),
      kdf: {
        alg: fresh.alg,
        opsLimit: fresh.opsLimit,
        memLimitBytes: fresh.memLimitBytes,
        salt: toBase64(fresh.salt),
      },
      authKey: toBase64(keys.authKey),
      wrappedIdentityKey: toBase64(
        wrapPrivateKey(
          backend,
          keys.wrapKey,
          caseworker.userId,
          WRAP_PURPOSE.identity,
          cwRing.identitySecretKey,
        ),
      ),
      wrappedSigningKey: toBase64(
        wrapPrivateKey(backend, keys.wrapKey, caseworker.userId, WRAP_PURPOSE.signing, cwRing.signingSeed),
      ),
    }
    // The current passphrase is required, and weak parameters are refused.
    expect(
      (
        await request('POST', '/api/auth/passphrase', {
          cookie: caseworker.cookie,
          body: { ...body, currentAuthKey: toBase64(keys.authKey) },
        })
      ).status,
    ).toBe(401)
    expect(
      (
        await request('POST', '/api/auth/passphrase', {
          cookie: caseworker.cookie,
          body: { ...body, kdf: { ...body.kdf, opsLimit: 1 } },
        })
      ).status,
    ).toBe(400)
    expect((await request('POST', '/api/auth/passphrase', { cookie: caseworker.cookie, body })).status).toBe(
      200,
    )
    expect((await request('GET', '/api/auth/me', { cookie: otherCookie })).status).toBe(401)
    advance(30_000)
    expect((await login('bakhyt', caseworker.passphrase, caseworker.totp)).response.status).toBe(401)
    advance(30_000)
    const again = await login('bakhyt', next, caseworker.totp)
    expect(again.response.status).toBe(200)
    const ring2 = unlock(backend, (await again.response.json()) as MeResponse, again.keys.wrapKey, { now })
    expect(ring2.signingSeed).toEqual(cwRing.signingSeed)
    caseworker.cookie = cookieOf(again.response)
  })

  it('creates a desk and rotates a desk key, granting the new version to the members', async () => {
    advance(30_000)
    const me = (await (await request('GET', '/api/auth/me', { cookie: adminCookie })).json()) as MeResponse
    const adminRing = unlock(
      backend,
      me,
      deriveStaffKeys(backend, adminPassphrase, decodeKdfParams(me.kdf)).wrapKey,
      { now },
    )
    const people = (await (
      await request('GET', '/api/admin/users', { cookie: adminCookie })
    ).json()) as UsersResponse
    const recoveryPublicKey = fromBase64(people.recoveryPublicKey ?? '')
    const directoryNow = async () => {
      const config = (await (await request('GET', '/api/intake/config')).json()) as {
        directory: { statement: string; signature: string }
      }
      return verifyDirectory(backend, config.directory, adminRing.orgSigningKey, now).directory
    }
    const send = async (built: ReturnType<typeof buildDeskKey>, action: string) => {
      const audit = signAudit(backend, {
        signingSeed: adminRing.signingSeed,
        actor: adminMe.user.id,
        action,
        target: built.request.deskId,
        head: await head(adminCookie),
        now,
      })
      return request('POST', '/api/admin/desks', { cookie: adminCookie, body: { ...built.request, audit } })
    }
    const self = { userId: adminMe.user.id, identityKey: fromBase64(adminMe.identityKey) }
    const created = buildDeskKey(backend, adminRing, {
      deskId: randomUuid(backend),
      name: 'General desk',
      version: 1,
      current: await directoryNow(),
      members: [self],
      recoveryPublicKey,
      now,
    })
    expect((await send(created, 'desk.create')).status).toBe(201)
    // Replaying the same version (with its now stale directory) is refused.
    expect([409, 422]).toContain((await send(created, 'desk.create')).status)
    const cwMember = {
      userId: caseworker.userId,
      identityKey: fromBase64(
        ((await (await request('GET', '/api/auth/me', { cookie: caseworker.cookie })).json()) as MeResponse)
          .identityKey,
      ),
    }
    const rotated = buildDeskKey(backend, adminRing, {
      deskId: deskId(),
      name: 'Uyghur community desk',
      version: 2,
      current: await directoryNow(),
      members: [self, cwMember],
      recoveryPublicKey,
      now,
    })
    expect((await send(rotated, 'desk.rotate')).status).toBe(201)
    const listed = await directoryNow()
    expect(listed.desks.map((d) => `${d.name} ${d.version}`).sort()).toEqual([
      'General desk 1',
      'Uyghur community desk 1',
      'Uyghur community desk 2',
    ])
    const cwMe = (await (
      await request('GET', '/api/auth/me', { cookie: caseworker.cookie })
    ).json()) as MeResponse
    advance(30_000)
    const cwRing = unlock(
      backend,
      cwMe,
      deriveStaffKeys(backend, 'a new and even longer passphrase for bakhyt', decodeKdfParams(cwMe.kdf))
        .wrapKey,
      { now },
    )
    expect(cwRing.refused).toEqual([])
    expect([...(cwRing.desks.get(deskId())?.keys() ?? [])].sort()).toEqual([1, 2])
    expect(cwRing.desks.get(deskId())?.get(2)).toEqual(rotated.secretKey)
    // The caseworker cannot manage desks.
    expect((await request('POST', '/api/admin/desks', { cookie: caseworker.cookie, body: {} })).status).toBe(
      403,
    )

    // Removed from the desk: the server stops serving its cases and keys to them at once.
    const removal = signAudit(backend, {
      signingSeed: adminRing.signingSeed,
      actor: adminMe.user.id,
      action: 'desk.remove-member',
      target: caseworker.userId,
      head: await head(adminCookie),
      now,
    })
    const removed = await request('POST', `/api/admin/users/${caseworker.userId}/remove-desk`, {
      cookie: adminCookie,
      body: { deskId: deskId(), audit: removal },
    })
    expect(removed.status).toBe(200)
    expect((await request('GET', `/api/cases/${caseId}`, { cookie: caseworker.cookie })).status).toBe(404)
    const queue = (await (await request('GET', '/api/cases', { cookie: caseworker.cookie })).json()) as {
      cases: unknown[]
    }
    expect(queue.cases).toEqual([])
    const after = (await (
      await request('GET', '/api/auth/me', { cookie: caseworker.cookie })
    ).json()) as MeResponse
    expect(after.grants.filter((g) => g.target === deskId())).toEqual([])
  })

  it('labels cases only from the admin list, and filters the queue by label', async () => {
    const me = (await (await request('GET', '/api/auth/me', { cookie: adminCookie })).json()) as MeResponse
    const adminRing = unlock(
      backend,
      me,
      deriveStaffKeys(backend, adminPassphrase, decodeKdfParams(me.kdf)).wrapKey,
      { now },
    )
    const sign = async (action: string, target: string) =>
      signAudit(backend, {
        signingSeed: adminRing.signingSeed,
        actor: adminMe.user.id,
        action,
        target,
        head: await head(adminCookie),
        now,
      })
    const labelId = randomUuid(backend)
    const created = await request('POST', '/api/admin/labels', {
      cookie: adminCookie,
      body: { labelId, name: 'needs lawyer', audit: await sign('label.create', labelId) },
    })
    expect(created.status).toBe(201)
    const bidi = randomUuid(backend)
    const refused = await request('POST', '/api/admin/labels', {
      cookie: adminCookie,
      body: { labelId: bidi, name: 'a\u202Eb', audit: await sign('label.create', bidi) },
    })
    expect(refused.status).toBe(400)
    const unknown = randomUuid(backend)
    expect(
      (
        await request('POST', `/api/cases/${caseId}/labels`, {
          cookie: adminCookie,
          body: { labelId: unknown, on: true, audit: await sign('case.label', caseId) },
        })
      ).status,
    ).toBe(422)
    const set = await request('POST', `/api/cases/${caseId}/labels`, {
      cookie: adminCookie,
      body: { labelId, on: true, audit: await sign('case.label', caseId) },
    })
    expect(set.status).toBe(200)
    const filtered = (await (
      await request('GET', `/api/cases?status=triaged&label=${labelId}`, { cookie: adminCookie })
    ).json()) as {
      cases: { id: string; labels: string[] }[]
      labels: { id: string; name: string }[]
    }
    expect(filtered.cases.map((c) => c.id)).toEqual([caseId])
    expect(filtered.cases[0]?.labels).toEqual([labelId])
    expect(filtered.labels).toEqual([{ id: labelId, name: 'needs lawyer' }])
  })

  it('enforces every route × role pair', async () => {
    const cookies: Record<string, string> = {
      none: '',
      analyst: analyst.cookie,
      caseworker: caseworker.cookie,
      admin: adminCookie,
    }
    const someone = '00000000-0000-4000-8000-000000000000'
    // Expected status per role: none, analyst, caseworker, admin. Bodies are empty objects, so a
    // role that passes the guard gets 400 from validation: what matters is 401/403 vs not.
    const table: [string, string, [number, number, number, number]][] = [
      ['GET', '/api/auth/me', [401, 200, 200, 200]],
      ['GET', '/api/auth/sessions', [401, 200, 200, 200]],
      ['POST', '/api/auth/passphrase', [401, 400, 400, 400]],
      ['GET', '/api/audit/head', [401, 200, 200, 200]],
      ['GET', '/api/audit', [401, 200, 200, 200]],
      ['POST', '/api/audit/checkpoints', [401, 403, 403, 400]],
      ['GET', '/api/cases', [401, 403, 200, 200]],
      ['GET', `/api/cases/${someone}`, [401, 403, 404, 404]],
      ['POST', `/api/cases/${someone}/items`, [401, 403, 400, 400]],
      ['POST', `/api/cases/${someone}/triage`, [401, 403, 400, 400]],
      ['POST', `/api/cases/${someone}/read`, [401, 403, 400, 400]],
      ['GET', `/api/cases/${someone}/attachments/${someone}`, [401, 403, 404, 404]],
      ['POST', '/api/admin/invites', [401, 403, 403, 400]],
      ['GET', '/api/admin/users', [401, 403, 403, 200]],
      ['POST', `/api/admin/users/${someone}/certify`, [401, 403, 403, 400]],
      ['POST', '/api/admin/directory', [401, 403, 403, 400]],
      ['POST', '/api/admin/desks', [401, 403, 403, 400]],
      ['POST', '/api/admin/labels', [401, 403, 403, 400]],
      ['POST', `/api/cases/${someone}/export`, [401, 403, 400, 400]],
      ['POST', `/api/cases/${someone}/labels`, [401, 403, 400, 400]],
      ['POST', `/api/admin/users/${someone}/remove-desk`, [401, 403, 403, 400]],
      ['GET', '/api/auth/status', [200, 200, 200, 200]],
      ['GET', '/api/admin/keys', [401, 403, 403, 200]],
      ['POST', '/api/admin/retire-jobs', [401, 403, 403, 400]],
      ['GET', `/api/admin/retire-jobs/${someone}/batch`, [401, 403, 403, 404]],
      ['POST', `/api/admin/retire-jobs/${someone}/batch`, [401, 403, 403, 400]],
      ['POST', `/api/admin/retire-jobs/${someone}/finish`, [401, 403, 403, 400]],
      ['POST', `/api/admin/desks/${someone}/revoke-version`, [401, 403, 403, 400]],
    ]
    const roles = ['none', 'analyst', 'caseworker', 'admin'] as const
    const failures: string[] = []
    for (const [method, path, expected] of table) {
      for (const [index, role] of roles.entries()) {
        const response = await request(method, path, {
          cookie: cookies[role] ?? '',
          ...(method === 'POST' ? { body: {} } : {}),
        })
        if (response.status !== expected[index])
          failures.push(`${method} ${path} as ${role}: ${response.status}, expected ${expected[index]}`)
      }
    }
    expect(failures).toEqual([])
    // A caseworker cannot read another desk's case: the real case is hidden from a non-member.
    const stranger = await request('GET', `/api/cases/${caseId}`, { cookie: analyst.cookie })
    expect(stranger.status).toBe(403)
  })
})
