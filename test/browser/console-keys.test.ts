/**
 * @module test/browser/console-keys
 * The console's key lifecycle in real Chromium against the real server and build (issue 5,
 * DESIGN §5): the login page probes for a session without a console error; the first login
 * re-signs the key directory; a desk key held by one person is warned about; a second admin,
 * verified by safety number, receives the organisation key and re-signs the directory at their
 * own login; removing her from the desk says both honest things and offers rotation and a
 * short-lived directory; the "retire old key" job moves a real report to the new key version in
 * this browser, after which the old version's grants are revoked and the case still opens; a
 * short-lived directory is warned about; sessions are listed and ended, the passphrase change
 * re-wraps the keys, and logging out everywhere ends every session.
 *
 * With CONSOLE_SCREENS_DIR set, the key screens are also saved at phone and desktop sizes.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import * as OTPAuth from 'otpauth'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { decodeKdfParams, deriveStaffKeys } from '../../crypto/kdf.ts'
import { solvePow } from '../../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode } from '../../crypto/receipt.ts'
import { sealReport } from '../../crypto/report.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import { verifyDirectory } from '../../crypto/statements.ts'
import {
  type ChromiumSession,
  describeBrowser,
  launchChromium,
  type PageRecording,
  recordPage,
} from '../support/chromium.ts'
import { type RunningServer, startServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

const PASSPHRASE = 'orchid lantern seventy quietly harbour'
const NEW_PASSPHRASE = 'granite pelican umbrella ninety softly'
const BEA_PASSPHRASE = 'copper meadow violin eleven sunrise'
const NARRATIVE = 'A man from the embassy photographed everyone at our community meeting.'
const SCREENS = process.env.CONSOLE_SCREENS_DIR
const STEP_MS = 30_000

/** TOTP codes accepted once each: every call takes a later time step, waiting if it must. */
function authenticator(secret: string, firstStep: number) {
  let last = firstStep
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  })
  return async () => {
    const step = last + 1
    // The server accepts the current step ±1; wait until `step` is within reach.
    while (Math.floor(Date.now() / STEP_MS) + 1 < step) await new Promise((done) => setTimeout(done, 1000))
    last = step
    return totp.generate({ timestamp: step * STEP_MS })
  }
}

describeBrowser('console key lifecycle in Chromium', () => {
  let server: RunningServer
  let browser: ChromiumSession
  let page: Page
  let recording: PageRecording
  let origin: string
  let nextAdminCode: () => Promise<string>
  let adminTotp = ''

  async function shot(name: string, target = page) {
    if (!SCREENS) return
    mkdirSync(SCREENS, { recursive: true })
    const size = target.viewportSize()
    await target.setViewportSize({ width: 390, height: 844 })
    await target.screenshot({ path: join(SCREENS, `keys-${name}-phone.png`), fullPage: true })
    await target.setViewportSize({ width: 1280, height: 800 })
    await target.screenshot({ path: join(SCREENS, `keys-${name}-desktop.png`), fullPage: true })
    if (size) await target.setViewportSize(size)
  }
  const directory = async () => {
    const config = (await (await fetch(`${origin}/api/intake/config`)).json()) as {
      orgSigningKey: string
      directory: { statement: string; signature: string }
    }
    const backend = await loadSodiumSumo()
    return verifyDirectory(backend, config.directory, fromBase64(config.orgSigningKey), new Date()).directory
  }
  async function login(target: Page, username: string, passphrase: string, code: string) {
    await target.getByLabel('Username').fill(username)
    await target.getByLabel('Passphrase').fill(passphrase)
    await target.getByLabel('6-digit code').fill(code)
    await target.getByRole('button', { name: 'Log in' }).click()
  }

  beforeAll(async () => {
    requireWebBuild()
    server = await startServer({ env: { POW_BASE_BITS: '4', POW_MAX_BITS: '6' } })
    origin = server.url
    browser = await launchChromium()
    page = await browser.context.newPage()
    recording = recordPage(page)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('shows the login page without a console error, then sets up with the recovery kit', async () => {
    await page.goto(`${origin}/console`)
    await page.getByRole('heading', { name: 'Console login' }).waitFor()
    // The session probe answers 200 {signedIn: false}: nothing is logged as an error.
    await expect.poll(() => recording.requests.some((url) => url.endsWith('/api/auth/status'))).toBe(true)
    expect(recording.consoleErrors).toEqual([])
    expect(recording.errorResponses).toEqual([])
    expect(await page.getByText('An admin must invite you again').count()).toBe(1)
    await shot('login')

    const match = /\/console#setup=([A-Za-z0-9_-]{43})/.exec(server.output())
    // A fragment change alone is no navigation: leave the page so the console reads the link.
    await page.goto('about:blank')
    await page.goto(`${origin}/console#setup=${match?.[1]}`)
    await page.getByLabel('Organisation name').fill('Diaspora Rights Watch')
    await page.getByLabel('First desk').fill('Kazakh community desk')
    await page.getByLabel('Username').fill('amina')
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE)
    await page.getByLabel('Passphrase again').fill(PASSPHRASE)
    await page.getByRole('button', { name: 'Create the keys' }).click()
    const codeBox = page.getByTestId('recovery-code')
    await codeBox.waitFor({ timeout: 60_000 })
    const recovery = (await codeBox.textContent()) ?? ''
    await page.getByRole('button', { name: 'I have written it down' }).click()
    await page.getByLabel('Recovery code').fill(recovery)
    await page.getByRole('button', { name: 'Check' }).click()
    adminTotp = ((await page.getByTestId('totp-secret').textContent()) ?? '').replaceAll(' ', '')
    const setupStep = Math.floor(Date.now() / STEP_MS)
    nextAdminCode = authenticator(adminTotp, setupStep)
    await page.getByLabel('6-digit code').fill(
      new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(adminTotp) }).generate({
        timestamp: setupStep * STEP_MS,
      }),
    )
    await page.getByRole('button', { name: 'Finish setup' }).click()
    await page.getByRole('button', { name: 'Open the console' }).click({ timeout: 60_000 })
    await page.getByRole('heading', { name: 'Cases' }).waitFor()
    // Setup signs directory 1; the admin maintenance that follows it signs directory 2.
    expect((await directory()).seq).toBe(2)
  }, 180_000)

  it('re-signs the directory at login and warns while one person holds a desk key', async () => {
    await page.getByRole('button', { name: /^Log out amina/ }).click()
    await page.getByRole('heading', { name: 'Console login' }).waitFor()
    await login(page, 'amina', PASSPHRASE, await nextAdminCode())
    await page.getByRole('heading', { name: 'Cases' }).waitFor({ timeout: 60_000 })
    await expect.poll(async () => (await directory()).seq, { timeout: 30_000 }).toBe(3)
    // Every admin screen warns; the admin screen says it per desk.
    await expect
      .poll(() => page.getByText('Fewer than two people hold the current key of this desk: Kazakh').count())
      .toBe(1)
    await shot('queue-one-holder')
    await page.getByRole('button', { name: 'Admin' }).click()
    const versions = page.getByTestId('version-Kazakh community desk-1')
    await versions.waitFor().catch(async (error: unknown) => {
      throw new Error(
        `${String(error)}\n${recording.pageErrors.join('\n')}\n${recording.consoleErrors.join('\n')}\n${((await page.locator('body').textContent()) ?? '').slice(0, 2000)}`,
      )
    })
    expect(await versions.textContent()).toContain('1 person holds the key')
    await expect.poll(() => page.getByText('Fewer than two people hold this desk key').count()).toBe(1)
    await shot('admin-one-holder')
  }, 120_000)

  it('grants the organisation key to a second admin, whose login re-signs the directory too', async () => {
    await page.getByLabel('Kazakh community desk').check()
    await page.getByLabel('Role').selectOption('admin')
    await page.getByRole('button', { name: 'Create invitation link' }).click()
    const link = (await page.getByTestId('invite-link').textContent()) ?? ''
    const second = await launchChromium()
    try {
      const bea = await second.context.newPage()
      const beaRecording = recordPage(bea)
      await bea.goto(link)
      await bea.getByLabel('Username').fill('bea')
      await bea.getByLabel('Passphrase', { exact: true }).fill(BEA_PASSPHRASE)
      await bea.getByLabel('Passphrase again').fill(BEA_PASSPHRASE)
      const secret = ((await bea.getByTestId('totp-secret').textContent()) ?? '').replaceAll(' ', '')
      const beaStep = Math.floor(Date.now() / STEP_MS)
      const nextBeaCode = authenticator(secret, beaStep)
      await bea.getByLabel('6-digit code').fill(
        new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({
          timestamp: beaStep * STEP_MS,
        }),
      )
      await bea.getByRole('button', { name: 'Create my account' }).click()
      const number = (await bea.getByTestId('own-safety-number').textContent({ timeout: 60_000 })) ?? ''

      await page.getByRole('button', { name: 'Audit' }).click()
      await page.getByRole('button', { name: 'Admin' }).click()
      const user = page.getByTestId('user-bea')
      expect(await user.getByTestId('their-safety-number').textContent()).toBe(number)
      await user.getByLabel(/I compared the safety number/).check()
      await user.getByRole('button', { name: 'Verify and grant desk keys' }).click()
      await expect.poll(() => page.getByText('bea is verified').count()).toBe(1)
      await expect.poll(() => page.getByText('Fewer than two people hold this desk key').count()).toBe(0)

      // Bea logs in: her browser opens the organisation key grant and re-signs the directory.
      const before = (await directory()).seq
      await bea.getByRole('button', { name: 'Open the console' }).click()
      await bea.getByRole('button', { name: /^Log out bea/ }).click()
      await login(bea, 'bea', BEA_PASSPHRASE, await nextBeaCode())
      await bea.getByRole('heading', { name: 'Cases' }).waitFor({ timeout: 60_000 })
      await expect.poll(async () => (await directory()).seq, { timeout: 30_000 }).toBe(before + 1)
      await bea.getByRole('button', { name: 'Audit' }).click()
      await expect
        .poll(() => bea.locator('tr', { hasText: 'directory.sign' }).filter({ hasText: 'bea' }).count())
        .toBe(1)
      expect(beaRecording.pageErrors).toEqual([])
      expect(beaRecording.consoleErrors).toEqual([])
    } finally {
      await second.close()
    }
  }, 240_000)

  it('removes a member honestly, rotates, retires the old key and revokes its grants', async () => {
    // A report under version 1 of the desk key.
    const backend = await loadSodiumSumo()
    const current = await directory()
    const desk = current.desks[0]
    if (desk === undefined) throw new Error('no desk')
    const receipt = deriveReceiptKeys(backend, generateReceiptCode(backend))
    const envelope = sealReport(backend, {
      recipients: [fromBase64(desk.publicKey)],
      lookupId: receipt.lookupId,
      report: {
        version: 1,
        language: 'kk',
        deskId: desk.deskId,
        readBack: false,
        answers: {
          subject: 'self',
          whereaboutsUnknown: false,
          tactics: ['surveillance'],
          when: { year: 2026, month: 3, before: false },
          ongoing: 'yes',
          urgent: false,
          hostCountry: 'DE',
          originState: 'KZ',
          community: 'central_asian',
          narrative: NARRATIVE,
          statisticsConsent: false,
          filesToFollow: 0,
        },
        reporterPublicKey: toBase64(receipt.reporterPublicKey),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
      },
    })
    const challenge = (await (await fetch(`${origin}/api/pow/challenge`, { method: 'POST' })).json()) as {
      challenge: string
      bits: number
    }
    const submitted = await fetch(`${origin}/api/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        deskId: desk.deskId,
        lookupId: receipt.lookupId,
        authToken: receipt.authToken,
        reporterPublicKey: toBase64(receipt.reporterPublicKey),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
        envelope: toBase64(envelope),
        pow: {
          challenge: challenge.challenge,
          nonce: solvePow(backend, fromBase64(challenge.challenge), challenge.bits),
        },
      }),
    })
    expect(submitted.status).toBe(201)

    await page.getByRole('button', { name: 'Audit' }).click()
    await page.getByRole('button', { name: 'Admin' }).click()
    await page
      .getByTestId('user-bea')
      .getByRole('button', { name: 'Remove from Kazakh community desk' })
      .click()
    const after = page.getByTestId('after-removal')
    await after.waitFor()
    const said = (await after.textContent()) ?? ''
    expect(said).toContain('protected only by the server')
    expect(said).toContain('until you rotate the desk key')
    await shot('after-removal')
    await after.getByRole('button', { name: 'Rotate the key of Kazakh community desk now' }).click()
    await expect.poll(() => page.getByText('was rotated').count(), { timeout: 30_000 }).toBe(1)
    expect((await directory()).desks.map((d) => d.version)).toEqual([1, 2])
    expect(await after.textContent()).toContain('reports sent from now on use a key bea never held')
    // The setup-era directories list version 1 as the newest for 90 days: the console says so.
    await expect.poll(() => page.getByText(/a key directory that lists an older key/).count()).toBe(1)

    const retire = page.getByTestId('version-Kazakh community desk-1')
    // The first upload is lost (a closed tab, a dropped connection): the job waits to be resumed.
    const batchRoute = '**/api/admin/retire-jobs/*/batch'
    await page.route(batchRoute, (route) =>
      route.request().method() === 'POST' ? route.abort() : route.continue(),
    )
    await retire.getByRole('button', { name: /^Retire version 1/ }).click()
    await expect
      .poll(() => retire.textContent(), { timeout: 30_000 })
      .toContain('Started, not finished: 0 done, 1 left')
    await page.unroute(batchRoute)
    await retire.getByRole('button', { name: 'Resume' }).click()
    await expect
      .poll(() => page.getByText('Version 1 is retired: 1 item was moved to the current key.').count(), {
        timeout: 60_000,
      })
      .toBe(1)
    await shot('retired')
    await retire.getByRole('button', { name: 'Revoke every grant of version 1' }).click()
    await expect.poll(() => page.getByText(/^Every grant of version 1 of/).count()).toBe(1)
    await expect.poll(() => retire.textContent()).toContain('no longer granted')

    // A short-lived directory, then a reload: the keys come back without version 1, the case
    // still opens, and the coming expiry is warned about (unlocking does not re-sign).
    await after.getByRole('button', { name: 'Re-sign the directory for 7 days only' }).click()
    await expect.poll(() => page.getByText('expires in 7 days').count()).toBe(1)
    const expires = Date.parse((await directory()).expiresAt)
    expect(expires - Date.now()).toBeLessThan(8 * 24 * 3600 * 1000)
    await page.reload()
    await page.getByLabel('Passphrase').fill(PASSPHRASE)
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.getByRole('heading', { name: 'Cases' }).waitFor({ timeout: 60_000 })
    await expect.poll(() => page.getByText(/The key directory expires on/).count()).toBe(1)
    await page.locator('.case-row', { hasText: 'A man from the embassy' }).click()
    await expect.poll(() => page.getByTestId('narrative').textContent(), { timeout: 30_000 }).toBe(NARRATIVE)
    await shot('case-after-retire')
    const log = (await page.evaluate(async () => (await fetch('/api/audit')).json())) as {
      entries: { action: string }[]
    }
    expect(log.entries.map((e) => e.action).filter((a) => a.startsWith('key.'))).toEqual([
      'key.retire-start',
      'key.retire-batch',
      'key.retire-finish',
      'key.revoke-version',
    ])
  }, 240_000)

  it('lists sessions, ends one, changes the passphrase and logs out everywhere', async () => {
    // A second session of amina's, from another device.
    const backend = await loadSodiumSumo()
    const post = (path: string, body: unknown, cookie = '') =>
      fetch(`${origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin, ...(cookie ? { cookie } : {}) },
        body: JSON.stringify(body),
      })
    const params = (await (await post('/api/auth/params', { username: 'amina' })).json()) as {
      kdf: { alg: string; opsLimit: number; memLimitBytes: number; salt: string }
    }
    const keys = deriveStaffKeys(backend, PASSPHRASE, decodeKdfParams(params.kdf))
    const other = await post('/api/auth/login', {
      username: 'amina',
      authKey: toBase64(keys.authKey),
      totp: await nextAdminCode(),
    })
    expect(other.status).toBe(200)
    const otherCookie = /__Host-session=[^;]*/.exec(other.headers.get('set-cookie') ?? '')?.[0] ?? ''
    const me = (cookie: string) => fetch(`${origin}/api/auth/me`, { headers: { cookie } })
    expect((await me(otherCookie)).status).toBe(200)

    await page.getByRole('button', { name: 'Account' }).click()
    await page.getByRole('heading', { name: 'Your sessions' }).waitFor()
    const rows = page.locator('tbody tr')
    await expect.poll(() => rows.count()).toBe(2)
    await shot('sessions')
    await rows.filter({ hasNotText: 'this one' }).getByRole('button', { name: 'End' }).click()
    await expect.poll(() => rows.count()).toBe(1)
    expect((await me(otherCookie)).status).toBe(401)

    expect(await page.getByText('A lost passphrase means a new invitation and new grants').count()).toBe(1)
    await page.getByLabel('Current passphrase').fill(PASSPHRASE)
    await page.getByLabel('New passphrase').fill(NEW_PASSPHRASE)
    await page.getByLabel('Passphrase again').fill(NEW_PASSPHRASE)
    await page.getByRole('button', { name: 'Change passphrase' }).click()
    await expect.poll(() => page.getByText('Your passphrase is changed').count(), { timeout: 60_000 }).toBe(1)

    await page.getByRole('button', { name: 'Log out everywhere' }).click()
    await page.getByRole('heading', { name: 'Console login' }).waitFor()
    // The old passphrase no longer unlocks; the new one does, and the keys open the case.
    await login(page, 'amina', PASSPHRASE, await nextAdminCode())
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 30_000 }).toContain('not right')
    await login(page, 'amina', NEW_PASSPHRASE, await nextAdminCode())
    await page.getByRole('heading', { name: 'Cases' }).waitFor({ timeout: 60_000 })
    await page.locator('.case-row', { hasText: 'A man from the embassy' }).click()
    await expect.poll(() => page.getByTestId('narrative').textContent(), { timeout: 30_000 }).toBe(NARRATIVE)

    expect(recording.pageErrors).toEqual([])
    // The only error responses: the wrong passphrase's 401.
    expect(recording.errorResponses.filter((r) => !r.endsWith('/api/auth/login'))).toEqual([])
    expect(
      recording.requests.filter((url) => !url.startsWith(origin) && !url.startsWith(`blob:${origin}/`)),
    ).toEqual([])
  }, 240_000)
})
