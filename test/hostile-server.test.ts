/**
 * @module test/hostile-server.test
 * The reporter pages against a hostile server (DESIGN §4 "An attacker who controls the server
 * could … substitute keys, or forge messages", §10; issue 7 item 5), in real Chromium.
 *
 * The real server serves the real build; Playwright's `page.route` rewrites its answers the way a
 * compromised server would:
 * - intake (`GET /api/intake/config`): a desk key swapped inside the signed directory, an
 *   expired directory (validly signed by the organisation), a directory signed by a foreign key,
 *   a dropped signature → the page says it cannot encrypt safely and why, offers no way to
 *   start, and sends nothing (no report, message or file);
 * - intake, the documented limit: a server that replaces the organisation key and signs its own
 *   directory is accepted by a page built without `ORG_KEY_FINGERPRINT`, but it shows a
 *   different safety code — which is why communities compare it (docs/threat-model.md);
 * - follow-up (`POST /api/followup`): replies whose author is certified by a foreign key, whose
 *   certificate was dropped, that were moved to another `seq`, that are not sealed to the
 *   reporter, or that carry an unknown envelope version → a warning instead of the text; a
 *   genuine certified reply injected the same way is shown (the control that proves the
 *   interception works). A reply with a bad signature is covered by test/browser/reporter.test.ts.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page, Route } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64 } from '../crypto/bytes.ts'
import { REPORTER_AUTHOR, sealItem } from '../crypto/items.ts'
import { solvePow } from '../crypto/pow.ts'
import { deriveReceiptKeys, formatReceipt, generateReceiptCode, type ReceiptKeys } from '../crypto/receipt.ts'
import { sealReport } from '../crypto/report.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { type SignedStatement, signStatement } from '../crypto/statements.ts'
import { type ChromiumSession, describeBrowser, launchChromium, recordPage } from './support/chromium.ts'
import { databases } from './support/databases.ts'
import { type SeededDeployment, seededDeployment } from './support/seeded-server.ts'
import { REPO_ROOT, type RunningServer } from './support/server.ts'
import { requireWebBuild } from './support/web-build.ts'

const messages = JSON.parse(readFileSync(join(REPO_ROOT, 'web/locales/en.json'), 'utf8')) as Record<
  string,
  string
>
const text = (id: string): string => {
  const value = messages[id]
  if (value === undefined) throw new Error(`no English string ${id}`)
  return value
}

const GENUINE_REPLY = 'GENUINE: we read your report and will call you back.'
const FORGED = 'FORGED: meet us at the consulate'
const rfc3339 = (date: Date) => `${date.toISOString().slice(0, 19)}Z`

type IntakeConfigJson = {
  orgSigningKey: string
  directory: SignedStatement
  receiptKey: SignedStatement
  [key: string]: unknown
}

describeBrowser('the reporter pages against a hostile server', () => {
  let backend: CryptoBackend
  let deployment: SeededDeployment
  let server: RunningServer
  let session: ChromiumSession
  let receipt: ReceiptKeys
  let receiptDisplay: string

  beforeAll(async () => {
    requireWebBuild()
    backend = await loadSodium()
    const pglite = databases.find((factory) => factory.name === 'pglite')
    if (pglite === undefined) throw new Error('no PGlite factory')
    deployment = await seededDeployment(pglite, backend, { POW_BASE_BITS: '1', POW_MAX_BITS: '1' })
    server = await deployment.start()
    session = await launchChromium()

    // One real case, sent through the API, for the follow-up scenarios.
    const desk = deployment.demo.desks[0]
    if (desk === undefined) throw new Error('no desk')
    const code = generateReceiptCode(backend)
    receipt = deriveReceiptKeys(backend, code)
    receiptDisplay = formatReceipt(backend, code)
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const { challenge, bits } = (await (await post('/api/pow/challenge', {})).json()) as {
      challenge: string
      bits: number
    }
    const report = {
      reporterPublicKey: toBase64(receipt.reporterPublicKey),
      reporterSigningKey: toBase64(receipt.reporterSigningKey),
      narrative: 'Someone followed me after the community meeting.',
    }
    const response = await post('/api/reports', {
      deskId: desk.deskId,
      lookupId: receipt.lookupId,
      authToken: receipt.authToken,
      reporterPublicKey: report.reporterPublicKey,
      reporterSigningKey: report.reporterSigningKey,
      envelope: toBase64(
        sealReport(backend, { recipients: [desk.publicKey], lookupId: receipt.lookupId, report }),
      ),
      pow: { challenge, nonce: solvePow(backend, fromBase64(challenge), bits) ?? '0' },
    })
    expect(response.status).toBe(201)
  }, 180_000)

  afterAll(async () => {
    await session?.close()
    await server?.stop()
    await deployment?.destroy()
  })

  /** Opens `path` with the config answer rewritten by `tamper`; returns the page and what it requested. */
  async function intakeWith(
    tamper: (config: IntakeConfigJson) => IntakeConfigJson,
  ): Promise<{ page: Page; requests: string[] }> {
    const page = await session.context.newPage()
    const recording = recordPage(page)
    // The honest answer is fetched here, not through `route.fetch` (whose reused connection can
    // meet the server's keep-alive timeout and reset): the tampered answer is then deterministic.
    const honest = (await (await fetch(`${server.url}/api/intake/config`)).json()) as IntakeConfigJson
    const tampered = tamper(honest)
    await page.route('**/api/intake/config', (route: Route) =>
      route.fulfill({ status: 200, headers: { 'cache-control': 'no-store' }, json: tampered }),
    )
    await page.goto(`${server.url}/`)
    return { page, requests: recording.requests }
  }

  function directoryOf(config: IntakeConfigJson): Record<string, unknown> {
    return JSON.parse(config.directory.statement) as Record<string, unknown>
  }

  async function expectRefused(page: Page, requests: string[], reasonId: string): Promise<void> {
    const alert = page.locator('[role=alert]')
    await alert.waitFor({ timeout: 60_000 })
    const shown = (await alert.textContent()) ?? ''
    expect(shown).toContain(text('trust.failedTitle'))
    expect(shown).toContain(text(reasonId))
    expect(await page.getByRole('button', { name: text('intake.welcome.start') }).count()).toBe(0)
    expect(await page.locator('[data-testid=safety-code]').count()).toBe(0)
    // Anything that carries a reporter's data. (The page may fetch a proof-of-work challenge
    // early: an empty request that says nothing about the reporter.)
    const sent = requests.filter((url) => /\/api\/(reports|followup|attachments)/.test(url))
    expect(sent).toEqual([])
  }

  const organisationCases: Array<[string, (c: IntakeConfigJson) => IntakeConfigJson, string]> = [
    [
      'a desk key swapped inside the signed directory',
      (config) => {
        const directory = directoryOf(config)
        const desks = directory.desks as Array<Record<string, unknown>>
        const first = desks[0]
        if (first !== undefined) first.publicKey = toBase64(backend.x25519PublicKey(backend.randomBytes(32)))
        return { ...config, directory: { ...config.directory, statement: JSON.stringify(directory) } }
      },
      'trust.failedDirectory',
    ],
    [
      'an expired directory signed by the organisation',
      (config) => {
        const directory = directoryOf(config)
        const day = 24 * 60 * 60 * 1000
        const signed = signStatement(backend, deployment.demo.orgSigningSeed, {
          ...directory,
          issuedAt: rfc3339(new Date(Date.now() - 30 * day)),
          expiresAt: rfc3339(new Date(Date.now() - day)),
        } as Parameters<typeof signStatement>[2])
        return { ...config, directory: signed }
      },
      'trust.failedExpired',
    ],
    [
      'a directory signed by a foreign key',
      (config) => ({
        ...config,
        directory: signStatement(
          backend,
          backend.randomBytes(32),
          directoryOf(config) as Parameters<typeof signStatement>[2],
        ),
      }),
      'trust.failedDirectory',
    ],
    [
      'a directory with its signature dropped',
      (config) => ({ ...config, directory: { ...config.directory, signature: '' } }),
      'trust.failedDirectory',
    ],
    [
      'a directory with a signature of zeros',
      (config) => ({
        ...config,
        directory: { ...config.directory, signature: toBase64(new Uint8Array(64)) },
      }),
      'trust.failedDirectory',
    ],
  ]

  it.each(organisationCases)(
    'the intake page refuses %s, says why and sends nothing',
    async (_name, tamper, reason) => {
      const { page, requests } = await intakeWith(tamper)
      try {
        await expectRefused(page, requests, reason)
      } finally {
        await page.close()
      }
    },
  )

  it('shows a different safety code when the server substitutes its own organisation key (unpinned build)', async () => {
    const safetyCode = async (page: Page) => {
      const code = page.locator('[data-testid=safety-code]')
      await code.waitFor({ timeout: 60_000 })
      return ((await code.textContent()) ?? '').replace(/\s+/g, '')
    }
    const honest = await intakeWith((config) => config)
    const real = await safetyCode(honest.page)
    await honest.page.close()
    const attackerSeed = backend.randomBytes(32)
    const hostile = await intakeWith((config) => ({
      ...config,
      orgSigningKey: toBase64(backend.ed25519PublicKey(attackerSeed)),
      directory: signStatement(
        backend,
        attackerSeed,
        directoryOf(config) as Parameters<typeof signStatement>[2],
      ),
    }))
    try {
      const substituted = await safetyCode(hostile.page)
      expect(real.length).toBeGreaterThan(10)
      expect(substituted).not.toBe(real)
    } finally {
      await hostile.page.close()
    }
  })

  /** A `user-key` certificate for a staff member, signed by `orgSeed`. */
  function certificate(orgSeed: Uint8Array, userId: string, signingKey: Uint8Array): SignedStatement {
    return signStatement(backend, orgSeed, {
      type: 'user-key',
      orgId: deployment.demo.orgId,
      userId,
      username: 'amina',
      role: 'caseworker',
      identityKey: toBase64(backend.x25519PublicKey(backend.randomBytes(32))),
      signingKey: toBase64(signingKey),
      notAfter: rfc3339(new Date(Date.now() + 365 * 24 * 60 * 60 * 1000)),
    })
  }

  function reply(
    seq: number,
    body: string,
    author: string,
    signingSeed: Uint8Array,
    options: { sealedSeq?: number; toReporter?: boolean } = {},
  ): string {
    const desk = deployment.demo.desks[0]
    if (desk === undefined) throw new Error('no desk')
    return toBase64(
      sealItem(backend, {
        kind: 3,
        context: receipt.lookupId,
        recipients:
          options.toReporter === false ? [desk.publicKey] : [receipt.reporterPublicKey, desk.publicKey],
        body: { seq: options.sealedSeq ?? seq, writtenOn: new Date().toISOString().slice(0, 10), text: body },
        author,
        signingSeed,
      }),
    )
  }

  async function followupWith(
    extra: (seq: number) => {
      items: Array<{ seq: number; kind: number; envelope: string }>
      signers: SignedStatement[]
    },
  ): Promise<{ page: Page; main: string }> {
    const page = await session.context.newPage()
    const response = await fetch(`${server.url}/api/followup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lookupId: receipt.lookupId, authToken: receipt.authToken }),
    })
    expect(response.status).toBe(200)
    const thread = (await response.json()) as {
      items: Array<{ seq: number; kind: number; envelope: string }>
      signers: SignedStatement[]
    }
    const next = thread.items.reduce((max, item) => Math.max(max, item.seq), 0) + 1
    const added = extra(next)
    const forged = {
      ...thread,
      items: [...thread.items, ...added.items],
      signers: [...thread.signers, ...added.signers],
    }
    await page.route('**/api/followup', (route: Route) =>
      route.request().method() === 'POST' ? route.fulfill({ status: 200, json: forged }) : route.continue(),
    )
    await page.goto(`${server.url}/followup`)
    await page.fill('main input[type=text]', receiptDisplay)
    await page.click('form button[type=submit]')
    await page
      .locator('section[aria-labelledby=erase], [data-testid=reply], [data-testid=bad-reply]')
      .first()
      .waitFor({
        timeout: 60_000,
      })
    return { page, main: (await page.locator('main').textContent()) ?? '' }
  }

  it('the follow-up page shows a certified reply and refuses forged ones with a warning', async () => {
    const staffId = '6f1c3a9e-2b4d-4e8f-9a10-0b1c2d3e4f50'
    const staffSeed = backend.randomBytes(32)
    const foreignId = '7a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d'
    const foreignSeed = backend.randomBytes(32)
    const { page, main } = await followupWith((seq) => ({
      items: [
        // The control: a genuine reply, certified by the organisation.
        { seq, kind: 3, envelope: reply(seq, GENUINE_REPLY, staffId, staffSeed) },
        // Certified by a key that is not the organisation's.
        { seq: seq + 1, kind: 3, envelope: reply(seq + 1, `${FORGED} 1`, foreignId, foreignSeed) },
        // Genuinely signed, but moved to another place in the thread.
        {
          seq: seq + 2,
          kind: 3,
          envelope: reply(seq + 2, `${FORGED} 2`, staffId, staffSeed, { sealedSeq: seq + 7 }),
        },
        // Not sealed to the reporter: cannot be a reply to them.
        {
          seq: seq + 3,
          kind: 3,
          envelope: reply(seq + 3, `${FORGED} 3`, staffId, staffSeed, { toReporter: false }),
        },
        // An envelope version this page does not know.
        {
          seq: seq + 4,
          kind: 3,
          envelope: (() => {
            const bytes = fromBase64(reply(seq + 4, `${FORGED} 4`, staffId, staffSeed))
            bytes[3] = 2
            return toBase64(bytes)
          })(),
        },
      ],
      signers: [
        certificate(deployment.demo.orgSigningSeed, staffId, backend.ed25519PublicKey(staffSeed)),
        certificate(backend.randomBytes(32), foreignId, backend.ed25519PublicKey(foreignSeed)),
      ],
    }))
    try {
      await page.locator('[data-testid=reply]').waitFor({ timeout: 30_000 })
      expect(await page.locator('[data-testid=reply]').count()).toBe(1)
      expect((await page.locator('[data-testid=reply]').textContent()) ?? '').toContain(GENUINE_REPLY)
      expect(await page.locator('[data-testid=bad-reply]').count()).toBe(4)
      expect((await page.locator('[data-testid=bad-reply]').first().textContent()) ?? '').toContain(
        text('followup.thread.badReply'),
      )
      expect((await page.locator('main').textContent()) ?? main).not.toContain(FORGED)
    } finally {
      await page.close()
    }
  })

  it('the follow-up page refuses a reply whose certificate the server dropped', async () => {
    const staffId = '0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a'
    const staffSeed = backend.randomBytes(32)
    const { page } = await followupWith((seq) => ({
      items: [{ seq, kind: 3, envelope: reply(seq, `${FORGED} uncertified`, staffId, staffSeed) }],
      signers: [],
    }))
    try {
      await page.locator('[data-testid=bad-reply]').waitFor({ timeout: 30_000 })
      expect(await page.locator('[data-testid=reply]').count()).toBe(0)
      expect((await page.locator('main').textContent()) ?? '').not.toContain(FORGED)
    } finally {
      await page.close()
    }
  })

  it('the follow-up page does not show a reporter message of an unknown envelope version', async () => {
    const { page } = await followupWith((seq) => {
      const desk = deployment.demo.desks[0]
      if (desk === undefined) throw new Error('no desk')
      const bytes = sealItem(backend, {
        kind: 2,
        context: receipt.lookupId,
        recipients: [desk.publicKey, receipt.reporterPublicKey],
        body: { seq, writtenOn: new Date().toISOString().slice(0, 10), text: `${FORGED} v2` },
        author: REPORTER_AUTHOR,
        signingSeed: receipt.reporterSigningSeed,
      })
      bytes[3] = 2
      return { items: [{ seq, kind: 2, envelope: toBase64(bytes) }], signers: [] }
    })
    try {
      await page.getByText(text('followup.thread.unreadable')).waitFor({ timeout: 30_000 })
      expect((await page.locator('main').textContent()) ?? '').not.toContain(FORGED)
      expect(await page.locator('[data-testid=own-message]').count()).toBe(0)
    } finally {
      await page.close()
    }
  })
})
