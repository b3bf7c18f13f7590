/**
 * @module test/support/console-login
 * A real server on a fresh database whose organisation was set up the way the console's browser
 * does it (web/console/keys.ts `buildSetup`, then `POST /api/setup` with the printed one-time
 * link), so browser suites can log in through the real console with a real passphrase and TOTP.
 * Node plays the browser only for the setup and for arranging test data (a report through Reporter
 * API v1, signed staff items through the staff API); suites then drive Chromium.
 *
 * The Argon2id parameters are the floor (64 MiB, 3 passes) to keep logins quick; the code that
 * runs is the same at any parameters.
 */
import { request } from 'node:http'
import { join } from 'node:path'
import * as OTPAuth from 'otpauth'
import type { Page } from 'playwright-core'
import type { MeResponse } from '../../api/contract/staff.ts'
import { type Database, openDatabase } from '../../api/db/index.ts'
import { loadSecretFile } from '../../api/secrets.ts'
import type { Argon2Backend, CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { decodeKdfParams, deriveStaffKeys, KDF_MIN_MEM_BYTES, KDF_MIN_OPS } from '../../crypto/kdf.ts'
import { solvePow } from '../../crypto/pow.ts'
import {
  deriveReceiptKeys,
  formatReceipt,
  generateReceiptCode,
  type ReceiptKeys,
} from '../../crypto/receipt.ts'
import { sealReport } from '../../crypto/report.ts'
import { buildSetup, type KeyRing, newTotpSecret, signAudit, unlock } from '../../web/console/keys.ts'
import { sealStaffItem } from '../../web/console/thread.ts'
import type { TestDatabaseFactory } from './databases.ts'
import { type RunningServer, startServer } from './server.ts'

/** A deployment with no organisation yet: the server prints its setup link at start. */
export type FreshDeployment = {
  readonly kind: TestDatabaseFactory['name']
  readonly dataDir: string
  start(env?: Readonly<Record<string, string>>): Promise<RunningServer>
  /** Opens the database directly (PGlite: only while no server runs). Close it when done. */
  open(): Promise<Database>
  destroy(): Promise<void>
}

export async function freshDeployment(
  factory: TestDatabaseFactory,
  backend: CryptoBackend,
): Promise<FreshDeployment> {
  const database = await factory.open()
  // PostgreSQL refuses to start without the secret file (DESIGN §5 "Server secrets").
  loadSecretFile(join(database.dataDir, 'server-secret'), { createIfMissing: true, backend })
  const databaseUrl = database.databaseUrl
  await database.close()
  return {
    kind: factory.name,
    dataDir: database.dataDir,
    start: (env = {}) =>
      startServer({
        dataDir: database.dataDir,
        env: { ...env, ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }) },
      }),
    open: () =>
      openDatabase({ dataDir: database.dataDir, ...(databaseUrl === undefined ? {} : { databaseUrl }) }),
    destroy: () => database.destroy(),
  }
}

export function totpCode(secret: string, offsetSteps = 0): string {
  return new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  }).generate({ timestamp: Date.now() + offsetSteps * 30_000 })
}

/**
 * JSON over HTTP to the test server, as a same-origin browser would send it (Origin header). A new
 * connection each time (`agent: false`): a kept-alive one can meet the server's keep-alive timeout
 * while this process runs Argon2id, and be reset under the next request.
 */
export function call(
  server: RunningServer,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; cookie?: string } = {},
): Promise<{ status: number; json: Record<string, unknown>; setCookie: string | undefined }> {
  const headers: Record<string, string> = { origin: server.url }
  const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body))
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (options.cookie !== undefined) headers.cookie = options.cookie
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: Record<string, unknown>
        try {
          json = JSON.parse(text) as Record<string, unknown>
        } catch {
          json = { text }
        }
        resolve({ status: res.statusCode ?? 0, json, setCookie: res.headers['set-cookie']?.join('\n') })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

export type SetUpAdmin = {
  readonly username: string
  readonly passphrase: string
  readonly totpSecret: string
  /** `__Host-session=…` of the session setup opened (for Node-side calls). */
  readonly cookie: string
  readonly me: MeResponse
  /** The admin's unlocked keys, as their browser holds them (org, stats and desk key included). */
  readonly ring: KeyRing
  readonly deskId: string
  readonly deskPublicKey: Uint8Array
  readonly fingerprint: string
}

/** Sets up the organisation through the printed link, with keys made as the console makes them. */
export async function setUpOrganisation(
  server: RunningServer,
  backend: CryptoBackend & Argon2Backend,
  options: { username?: string; passphrase?: string } = {},
): Promise<SetUpAdmin> {
  // The link is printed as the server starts listening; give the pipe a moment to deliver it.
  let match = /\/console#setup=([A-Za-z0-9_-]{43})/.exec(server.output())
  for (let waited = 0; match === null && waited < 10_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    match = /\/console#setup=([A-Za-z0-9_-]{43})/.exec(server.output())
  }
  if (match?.[1] === undefined) throw new Error(`no setup link in the server output:\n${server.output()}`)
  const info = await call(server, 'GET', '/api/setup/info')
  const username = options.username ?? 'amina'
  const passphrase = options.passphrase ?? 'orchid lantern seventy quietly harbour'
  const totpSecret = newTotpSecret(backend)
  const now = new Date()
  const built = buildSetup(backend, {
    token: match[1],
    orgName: 'Diaspora Rights Watch',
    deskName: 'Uyghur community desk',
    username,
    passphrase,
    receiptPublicKey: fromBase64(String(info.json.receiptPublicKey)),
    now,
    kdf: {
      alg: 'argon2id13',
      opsLimit: KDF_MIN_OPS,
      memLimitBytes: KDF_MIN_MEM_BYTES,
      salt: backend.randomBytes(16),
    },
  })
  const done = await call(server, 'POST', '/api/setup', {
    body: built.complete({ secret: totpSecret, code: totpCode(totpSecret) }, now),
  })
  if (done.status !== 201) throw new Error(`setup failed: ${done.status} ${JSON.stringify(done.json)}`)
  const cookie = /__Host-session=[^;]+/.exec(done.setCookie ?? '')?.[0]
  if (cookie === undefined) throw new Error('setup opened no session')
  const me = done.json as unknown as MeResponse
  const wrapKey = deriveStaffKeys(backend, passphrase, decodeKdfParams(me.kdf)).wrapKey
  const ring = unlock(backend, me, wrapKey, { now: new Date(), pinnedFingerprint: built.orgFingerprint })
  const [deskId, versions] = [...ring.desks.entries()][0] ?? []
  const deskSecret = versions?.get(1)
  if (deskId === undefined || deskSecret === undefined) throw new Error('setup granted no desk key')
  return {
    username,
    passphrase,
    totpSecret,
    cookie,
    me,
    ring,
    deskId,
    deskPublicKey: backend.x25519PublicKey(deskSecret),
    fingerprint: built.orgFingerprint,
  }
}

export type SubmittedCase = {
  readonly receipt: ReceiptKeys
  /** The receipt code as the intake page shows it. */
  readonly display: string
  readonly caseId: string
}

/** A report sent through Reporter API v1 (as the intake page would), and its case id. */
export async function submitReport(
  server: RunningServer,
  backend: CryptoBackend,
  admin: SetUpAdmin,
  narrative: string,
): Promise<SubmittedCase> {
  const code = generateReceiptCode(backend)
  const receipt = deriveReceiptKeys(backend, code)
  const reporterKeys = {
    reporterPublicKey: toBase64(receipt.reporterPublicKey),
    reporterSigningKey: toBase64(receipt.reporterSigningKey),
  }
  const envelope = sealReport(backend, {
    recipients: [admin.deskPublicKey],
    lookupId: receipt.lookupId,
    report: {
      version: 1,
      language: 'en',
      deskId: admin.deskId,
      readBack: false,
      answers: {
        subject: 'self',
        whereaboutsUnknown: false,
        tactics: ['family_pressure'],
        when: { year: 2026, month: 4, before: false },
        ongoing: 'yes',
        urgent: false,
        hostCountry: 'DE',
        originState: 'CN',
        community: 'uyghur',
        narrative,
        statisticsConsent: true,
        filesToFollow: 0,
      },
      ...reporterKeys,
    },
  })
  const challenge = await call(server, 'POST', '/api/pow/challenge', { body: {} })
  const nonce = solvePow(backend, fromBase64(String(challenge.json.challenge)), Number(challenge.json.bits))
  const sent = await call(server, 'POST', '/api/reports', {
    body: {
      deskId: admin.deskId,
      lookupId: receipt.lookupId,
      authToken: receipt.authToken,
      ...reporterKeys,
      envelope: toBase64(envelope),
      pow: { challenge: challenge.json.challenge, nonce },
    },
  })
  if (sent.status !== 201) throw new Error(`report refused: ${sent.status} ${JSON.stringify(sent.json)}`)
  const queue = await call(server, 'GET', '/api/cases', { cookie: admin.cookie })
  const found = (queue.json.cases as Array<{ id: string; lookupId: string }>).find(
    (c) => c.lookupId === receipt.lookupId,
  )
  if (found === undefined) throw new Error('the report is not in the queue')
  return { receipt, display: formatReceipt(backend, code), caseId: found.id }
}

/** A reply (3) or note (4) signed by the admin, appended through the staff API with its audit entry. */
export async function postStaffItem(
  server: RunningServer,
  backend: CryptoBackend,
  admin: SetUpAdmin,
  submitted: SubmittedCase,
  kind: 3 | 4,
  text: string,
): Promise<number> {
  const detail = await call(server, 'GET', `/api/cases/${submitted.caseId}`, { cookie: admin.cookie })
  const items = detail.json.items as Array<{ seq: number }>
  const seq = (items.at(-1)?.seq ?? 0) + 1
  const envelope = sealStaffItem(backend, admin.ring, {
    kind,
    lookupId: submitted.receipt.lookupId,
    seq,
    text,
    reporterPublicKey: submitted.receipt.reporterPublicKey,
    deskPublicKey: admin.deskPublicKey,
  })
  const head = await call(server, 'GET', '/api/audit/head', { cookie: admin.cookie })
  const audit = signAudit(backend, {
    signingSeed: admin.ring.signingSeed,
    actor: admin.ring.userId,
    action: kind === 3 ? 'case.reply' : 'case.note',
    target: submitted.caseId,
    head: { seq: Number(head.json.seq), headHash: String(head.json.headHash) },
    now: new Date(),
  })
  const posted = await call(server, 'POST', `/api/cases/${submitted.caseId}/items`, {
    cookie: admin.cookie,
    body: { kind, seq, envelope, audit },
  })
  if (posted.status !== 201) throw new Error(`item refused: ${posted.status} ${JSON.stringify(posted.json)}`)
  return seq
}

/** Fills in the console's login form (it must be showing) and submits it. */
export async function fillLogin(
  page: Page,
  input: { username: string; passphrase: string; code: string },
): Promise<void> {
  await page.getByLabel('Username').fill(input.username)
  await page.getByLabel('Passphrase').fill(input.passphrase)
  await page.getByLabel('6-digit code').fill(input.code)
  await page.getByRole('button', { name: 'Log in' }).click()
}
