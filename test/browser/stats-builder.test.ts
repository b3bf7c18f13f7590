/**
 * @module test/browser/stats-builder.test
 * The release builder end to end, as people use it (issue 6), in real Chromium against the real
 * server and build:
 *   the first admin sets up the organisation from the printed link (as test/browser/console.test.ts
 *   does) → invites an analyst → the analyst accepts in a second browser profile → the admin
 *   compares the safety number and grants (the statistics key) → 300 synthetic codings are
 *   written, signed by the admin's certified key → the analyst logs in with passphrase and TOTP,
 *   opens the codings in the browser, chooses period and tables, previews, signs and publishes →
 *   the audit log holds the analyst's `release.publish` entry → /stats shows the release with a
 *   passing signature check → its JSON download verifies with `npm run stats:verify` against the
 *   fingerprint from the invitation link.
 *
 * The codings are planted while the server is stopped (PGlite has one process), encrypted and
 * signed in the test process with the admin's signing key, unwrapped from the database with the
 * admin's passphrase: exactly what a caseworker's browser would have written (the coding form
 * has its own suite). Screenshots go to $STATS_SCREENSHOTS when set.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { eq } from 'drizzle-orm'
import * as OTPAuth from 'otpauth'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { plantCodings, seededRandom, syntheticCoding } from '../../api/cli/seed-codings.ts'
import { openDatabase } from '../../api/db/index.ts'
import { deskKeys, statsKeys, users } from '../../api/db/schema.ts'
import { deriveStaffKeys, KDF_ALG, unwrapPrivateKey, WRAP_PURPOSE } from '../../crypto/kdf.ts'
import { verifyRelease } from '../../crypto/release.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import {
  type ChromiumSession,
  describeBrowser,
  launchChromium,
  type PageRecording,
  recordPage,
} from '../support/chromium.ts'
import { REPO_ROOT, type RunningServer, startServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

const SERVER_ENV = { POW_BASE_BITS: '4', POW_MAX_BITS: '6' }
const ADMIN_PASSPHRASE = 'orchid lantern seventy quietly harbour'
const ANALYST_PASSPHRASE = 'granite willow nineteen softly compass'
const SHOTS = process.env.STATS_SCREENSHOTS
const CODINGS = 300

const run = promisify(execFile)

const totp = (secret: string, offsetSteps = 0) =>
  new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  }).generate({ timestamp: Date.now() + offsetSteps * 30_000 })

describeBrowser('release builder through a real login', () => {
  let server: RunningServer
  let adminBrowser: ChromiumSession
  let analystBrowser: ChromiumSession
  let admin: Page
  let analyst: Page
  let adminRecording: PageRecording
  let analystRecording: PageRecording
  let adminTotp = ''
  let analystTotp = ''
  let orgFingerprint = ''
  let releaseId = ''
  let dataDir = ''

  async function shot(target: Page, name: string) {
    if (!SHOTS) return
    mkdirSync(SHOTS, { recursive: true })
    const size = target.viewportSize()
    await target.setViewportSize({ width: 390, height: 844 })
    await target.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true })
    await target.setViewportSize({ width: 1280, height: 800 })
    await target.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true })
    if (size) await target.setViewportSize(size)
  }

  beforeAll(async () => {
    requireWebBuild()
    server = await startServer({ env: SERVER_ENV })
    adminBrowser = await launchChromium()
    analystBrowser = await launchChromium()
    admin = await adminBrowser.context.newPage()
    analyst = await analystBrowser.context.newPage()
    adminRecording = recordPage(admin)
    analystRecording = recordPage(analyst)
  }, 120_000)

  afterAll(async () => {
    await analystBrowser?.close()
    await adminBrowser?.close()
    await server?.stop()
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true })
  })

  it('sets up the organisation and certifies an analyst who holds the statistics key', async () => {
    const match = /\/console#setup=([A-Za-z0-9_-]{43})/.exec(server.output())
    expect(match).not.toBeNull()
    await admin.goto(`${server.url}/console#setup=${match?.[1]}`)
    await admin.getByLabel('Organisation name').fill('Diaspora Rights Watch')
    await admin.getByLabel('First desk').fill('Uyghur community desk')
    await admin.getByLabel('Username').fill('amina')
    await admin.getByLabel('Passphrase', { exact: true }).fill(ADMIN_PASSPHRASE)
    await admin.getByLabel('Passphrase again').fill(ADMIN_PASSPHRASE)
    await admin.getByRole('button', { name: 'Create the keys' }).click()
    const codeBox = admin.getByTestId('recovery-code')
    await codeBox.waitFor({ timeout: 90_000 })
    const recovery = (await codeBox.textContent()) ?? ''
    await admin.getByRole('button', { name: 'I have written it down' }).click()
    await admin.getByLabel('Recovery code').fill(recovery)
    await admin.getByRole('button', { name: 'Check' }).click()
    adminTotp = ((await admin.getByTestId('totp-secret').textContent()) ?? '').replaceAll(' ', '')
    await admin.getByLabel('6-digit code').fill(totp(adminTotp))
    await admin.getByRole('button', { name: 'Finish setup' }).click()
    await admin.getByTestId('safety-code').waitFor({ timeout: 90_000 })
    await admin.getByRole('button', { name: 'Open the console' }).click()
    await admin.getByRole('heading', { name: 'Cases' }).waitFor({ timeout: 60_000 })

    // Invite an analyst (no desk: analysts never read cases).
    await admin.getByRole('button', { name: 'Admin' }).click()
    await admin.getByRole('heading', { name: 'Administration' }).waitFor()
    await admin.getByLabel('Role').selectOption('analyst')
    await admin.getByRole('button', { name: 'Create invitation link' }).click()
    const link = (await admin.getByTestId('invite-link').textContent()) ?? ''
    const org = /&org=([0-9a-f]{64})$/.exec(link)
    expect(org).not.toBeNull()
    orgFingerprint = org?.[1] ?? ''

    await analyst.goto(link)
    await analyst.getByLabel('Username').fill('leyla')
    await analyst.getByLabel('Passphrase', { exact: true }).fill(ANALYST_PASSPHRASE)
    await analyst.getByLabel('Passphrase again').fill(ANALYST_PASSPHRASE)
    analystTotp = ((await analyst.getByTestId('totp-secret').textContent()) ?? '').replaceAll(' ', '')
    await analyst.getByLabel('6-digit code').fill(totp(analystTotp))
    await analyst.getByRole('button', { name: 'Create my account' }).click()
    const own = analyst.getByTestId('own-safety-number')
    await own.waitFor({ timeout: 90_000 })
    const number = (await own.textContent()) ?? ''

    await admin.getByRole('button', { name: 'Audit' }).click()
    await admin.getByRole('button', { name: 'Admin' }).click()
    const user = admin.getByTestId('user-leyla')
    await user.waitFor()
    expect(await user.getByTestId('their-safety-number').textContent()).toBe(number)
    await user.getByLabel(/I compared the safety number/).check()
    await user.getByRole('button', { name: 'Verify and grant desk keys' }).click()
    await expect.poll(() => admin.getByText('leyla is verified').count(), { timeout: 30_000 }).toBe(1)
    // The analyst leaves; the next login unwraps the newly granted statistics key.
    await analyst.getByRole('button', { name: 'Open the console' }).click()
    await analyst.getByRole('button', { name: /^Log out leyla/ }).click()
    await analyst.getByLabel('Username').waitFor()
    expect(adminRecording.pageErrors).toEqual([])
  }, 300_000)

  it('plants codings signed by a certified caseworker key (as the coding form would)', async () => {
    // Stop the server: PGlite is one process. Sessions and the pages' keys survive the restart.
    dataDir = server.dataDir
    const port = server.port
    const backend = await loadSodiumSumo()
    await server.child.kill('SIGTERM')
    await new Promise((resolve) => server.child.once('exit', resolve))
    const database = await openDatabase({ dataDir })
    try {
      const [amina] = await database.db.select().from(users).where(eq(users.username, 'amina'))
      const [desk] = await database.db.select().from(deskKeys).limit(1)
      const [stats] = await database.db.select().from(statsKeys).limit(1)
      if (amina === undefined || desk === undefined || stats === undefined)
        throw new Error('setup incomplete')
      const { wrapKey } = deriveStaffKeys(backend, ADMIN_PASSPHRASE, {
        alg: KDF_ALG,
        opsLimit: amina.kdfParams.opsLimit,
        memLimitBytes: amina.kdfParams.memLimitBytes,
        salt: amina.kdfSalt,
      })
      const signingSeed = unwrapPrivateKey(
        backend,
        wrapKey,
        amina.id,
        WRAP_PURPOSE.signing,
        amina.wrappedSigningKey,
      )
      const rand = seededRandom(2026)
      await plantCodings(database.db, backend, {
        codings: Array.from({ length: CODINGS }, () => syntheticCoding(rand, [2024, 2025])),
        deskId: desk.deskId,
        deskPublicKey: desk.publicKey,
        statsPublicKey: stats.publicKey,
        author: { userId: amina.id, signingSeed },
        receivedOn: '2026-01-10',
      })
    } finally {
      await database.close()
    }
    // Given a data directory, the server leaves it on stop(): afterAll removes it.
    server = await startServer({ env: SERVER_ENV, dataDir, port })
  }, 180_000)

  it('lets the analyst log in, build, preview, sign and publish', async () => {
    await analyst.goto(`${server.url}/console`)
    await analyst.getByLabel('Username').fill('leyla')
    await analyst.getByLabel('Passphrase').fill(ANALYST_PASSPHRASE)
    await analyst.getByLabel('6-digit code').fill(totp(analystTotp, 1))
    await analyst.getByRole('button', { name: 'Log in' }).click()
    await analyst.getByRole('button', { name: 'Statistics' }).click({ timeout: 90_000 })
    await analyst.getByRole('heading', { name: 'Build a statistics release' }).waitFor()
    await shot(analyst, 'builder-start')
    await analyst.getByRole('button', { name: 'Open codings' }).click()
    const opened = analyst.getByTestId('opened')
    await opened.waitFor({ timeout: 120_000 })
    const facts = await opened.locator('dd').allTextContents()
    expect(facts[0]).toBe(String(CODINGS))
    expect(facts[1]).toBe('0')

    await analyst.getByLabel('From month').fill('2024-01')
    await analyst.getByLabel('To month').fill('2025-12')
    await expect.poll(() => analyst.getByTestId('in-period').textContent()).toMatch(/^\d+ codings fall/)
    const inPeriod = Number((await analyst.getByTestId('in-period').textContent())?.split(' ')[0])
    expect(inPeriod).toBeGreaterThan(CODINGS * 0.8)

    // Both gender tables together would cross gender with community × host country: refused.
    await analyst.getByLabel('Gender by community').check()
    await analyst.getByLabel('Gender by host country').check()
    await analyst.getByRole('button', { name: 'Preview' }).click()
    await expect.poll(() => analyst.getByRole('alert').textContent()).toContain('never published')
    expect(await analyst.getByTestId('preview').count()).toBe(0)
    await analyst.getByLabel('Gender by host country').uncheck()
    await analyst.getByLabel('Gender by community').uncheck()

    await analyst.getByLabel('Tactic group by year').check()
    await analyst.getByLabel('Privacy loss ε for this release').selectOption('1/1')
    await shot(analyst, 'builder-form')
    await analyst.getByRole('button', { name: 'Preview' }).click()
    const preview = analyst.getByTestId('preview')
    await preview.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
      throw new Error(
        `${String(error)}\n${(await analyst.locator('.alert').allTextContents()).join('\n')}\n${analystRecording.pageErrors.join('\n')}\n${analystRecording.consoleErrors.join('\n')}`,
      )
    })
    expect(await preview.locator('table').count()).toBe(4)
    expect(await preview.getByText('Uyghur').count()).toBeGreaterThan(0)
    await shot(analyst, 'builder-preview')

    await analyst.getByRole('button', { name: 'Sign and publish' }).click()
    await expect
      .poll(() => analyst.getByText('Published and recorded in the audit log.').count(), { timeout: 60_000 })
      .toBe(1)
    await shot(analyst, 'builder-published')

    const list = (await (await fetch(`${server.url}/api/releases`)).json()) as {
      releases: { file: { release: { releaseId: string } } }[]
    }
    expect(list.releases).toHaveLength(1)
    releaseId = list.releases[0]?.file.release.releaseId ?? ''
    // The audit log (read as the analyst, through the API the Audit screen uses) records it.
    const entries = (await analyst.evaluate(async () => {
      const response = await fetch('/api/audit', { credentials: 'same-origin' })
      return (await response.json()) as { entries: { action: string; target: string | null }[] }
    })) as { entries: { action: string; target: string | null }[] }
    expect(entries.entries.filter((e) => e.action === 'release.publish').map((e) => e.target)).toEqual([
      releaseId,
    ])
    expect(analystRecording.pageErrors).toEqual([])
    expect(analystRecording.requests.filter((url) => !url.startsWith(server.url))).toEqual([])
  }, 300_000)

  it('shows the release on /stats with a passing check, and its download verifies offline', async () => {
    const page = await analystBrowser.context.newPage()
    const recording = recordPage(page)
    await page.goto(`${server.url}/stats`)
    await page.getByTestId('verify').waitFor()
    expect(await page.getByTestId('verify').textContent()).toContain('Signature valid')
    expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(5)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Signed release (JSON)' }).click(),
    ])
    const path = await download.path()
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'api/cli/stats-verify.ts', '--trust', orgFingerprint, path],
      { cwd: REPO_ROOT },
    )
    expect(stdout).toMatch(/^OK .*Diaspora Rights Watch release .* signed by leyla/)
    const backend = await loadSodiumSumo()
    const file: unknown = JSON.parse(readFileSync(path, 'utf8'))
    expect(verifyRelease(backend, file, [orgFingerprint]).release.releaseId).toBe(releaseId)
    await shot(page, 'stats-en')
    expect(recording.pageErrors).toEqual([])
    await page.close()
  }, 120_000)

  it('reads /stats in every language, right to left where the language is', async () => {
    const { LOCALES } = await import('../../web/shared/locale-list.ts')
    const page = await analystBrowser.context.newPage()
    const recording = recordPage(page)
    await page.goto(`${server.url}/stats#lang=en`)
    await page.getByTestId('verify').waitFor()
    expect(await page.getByLabel('Language').count()).toBe(1)
    for (const locale of LOCALES) {
      const messages = JSON.parse(
        readFileSync(join(REPO_ROOT, `web/stats/locales/${locale.code}.json`), 'utf8'),
      ) as Record<string, string>
      // Switched with the page's own picker, as a reader would.
      await page.locator('.lang-picker select').selectOption(locale.code)
      await expect.poll(() => page.evaluate('document.documentElement.dir')).toBe(locale.dir)
      expect(await page.evaluate('document.documentElement.lang')).toBe(locale.code)
      expect(await page.locator('h1').textContent()).toBe(messages['stats.title'])
      expect(
        await page.getByText(messages['coding.value.community.uyghur'] ?? '', { exact: true }).count(),
      ).toBeGreaterThan(0)
      const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'))
      expect(overflow, locale.code).toBeLessThanOrEqual(0)
      if (SHOTS && ['ar', 'ug', 'fa', 'zh-Hans', 'ru', 'bo'].includes(locale.code)) {
        // Viewport-sized views a person can read: the top, and the first cross table's charts.
        for (const [size, width, height] of [
          ['phone', 390, 844],
          ['desktop', 1280, 800],
        ] as const) {
          await page.setViewportSize({ width, height })
          await page.evaluate('window.scrollTo(0, 0)')
          await page.screenshot({ path: join(SHOTS, `stats-${locale.code}-top-${size}.png`) })
          await page.evaluate('document.querySelectorAll("svg.chart")[1]?.scrollIntoView()')
          await page.screenshot({ path: join(SHOTS, `stats-${locale.code}-chart-${size}.png`) })
        }
      }
    }
    expect(recording.pageErrors).toEqual([])
    await page.close()
  }, 180_000)
})
