/**
 * @module test/browser/console-retention
 * The admin's retention panel in real Chromium against the real server and build (issue 5,
 * DESIGN §6): with two of three real reports closed, the panel shows the desk keeping closed
 * cases until erased by hand and two due; setting 30 days leaves none due (closed today);
 * going back to "by hand" and "purge now" asks for confirmation with the count (cancel erases
 * nothing), then erases exactly the two closed cases; the third stays readable. Every change is
 * signed in the browser, and the console's own audit page then verifies the whole log, server
 * entries for the erased cases included. No request leaves the origin; no console errors.
 *
 * Screenshots (phone and desktop) go to .tmp/retention/.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Argon2Backend, CryptoBackend } from '../../crypto/backend.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import { signAudit } from '../../web/console/keys.ts'
import {
  type ChromiumSession,
  describeBrowser,
  launchChromium,
  type PageRecording,
  recordPage,
} from '../support/chromium.ts'
import {
  call,
  fillLogin,
  type SetUpAdmin,
  type SubmittedCase,
  setUpOrganisation,
  submitReport,
  totpCode,
} from '../support/console-login.ts'
import { REPO_ROOT, type RunningServer, startServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

const SHOTS = join(REPO_ROOT, '.tmp/retention')
const PINNED_ORG_KEY = 'tnr.console.pinnedOrg'

describeBrowser('retention panel in Chromium', () => {
  let backend: CryptoBackend & Argon2Backend
  let server: RunningServer
  let admin: SetUpAdmin
  let browser: ChromiumSession
  let page: Page
  let recording: PageRecording
  const reports: SubmittedCase[] = []

  async function closeCase(caseId: string) {
    const head = await call(server, 'GET', '/api/audit/head', { cookie: admin.cookie })
    const audit = signAudit(backend, {
      signingSeed: admin.ring.signingSeed,
      actor: admin.ring.userId,
      action: 'case.status',
      target: caseId,
      head: { seq: Number(head.json.seq), headHash: String(head.json.headHash) },
      now: new Date(),
    })
    const answer = await call(server, 'POST', `/api/cases/${caseId}/triage`, {
      cookie: admin.cookie,
      body: { status: 'closed', audit },
    })
    if (answer.status !== 200) throw new Error(`triage refused: ${answer.status}`)
  }

  async function shot(name: string) {
    const size = page.viewportSize()
    const card = page.getByTestId('retention')
    await page.setViewportSize({ width: 390, height: 844 })
    await card.scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SHOTS, `retention-${name}-phone.png`) })
    await page.setViewportSize({ width: 1280, height: 800 })
    await card.scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SHOTS, `retention-${name}-desktop.png`) })
    if (size) await page.setViewportSize(size)
  }

  beforeAll(async () => {
    requireWebBuild()
    mkdirSync(SHOTS, { recursive: true })
    backend = await loadSodiumSumo()
    server = await startServer({ env: { POW_BASE_BITS: '1', POW_MAX_BITS: '1' } })
    while (!server.output().includes('/console#setup=')) await new Promise((r) => setTimeout(r, 50))
    admin = await setUpOrganisation(server, backend)
    for (const narrative of [
      'First report to close.',
      'Second report to close.',
      'A report that stays open.',
    ])
      reports.push(await submitReport(server, backend, admin, narrative))
    await closeCase(reports[0]?.caseId ?? '')
    await closeCase(reports[1]?.caseId ?? '')
    browser = await launchChromium()
    page = await browser.context.newPage()
    recording = recordPage(page)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('sets a period, then purges the closed cases of a desk kept by hand after a confirmation', async () => {
    await page.goto(`${server.url}/console`)
    await page.evaluate(
      ([key, value]) =>
        (
          globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }
        ).localStorage.setItem(key as string, value as string),
      [PINNED_ORG_KEY, admin.fingerprint],
    )
    await page.reload()
    await fillLogin(page, {
      username: admin.username,
      passphrase: admin.passphrase,
      code: totpCode(admin.totpSecret, 1),
    })
    await page.getByRole('heading', { name: 'Cases' }).waitFor({ timeout: 90_000 })
    await page.getByRole('button', { name: 'Admin', exact: true }).click()
    const card = page.getByTestId('retention')
    const desk = card.getByTestId(`retention-${admin.deskId}`)
    await desk.getByText('Closed cases are kept until an admin erases them here.').waitFor()
    await desk.getByText('2 closed cases, 2 due for erasure.').waitFor()
    await card.getByText('Daily e-mail digest: off.', { exact: false }).waitFor()
    await shot('initial')

    // 30 days: both were closed today, so none is due yet and the purge button is off.
    await desk.getByLabel('Erase them a number of days after closing').check()
    await desk.getByLabel('Days after closing', { exact: true }).fill('30')
    await desk.getByRole('button', { name: 'Save' }).click()
    await card.getByText('closed cases are now erased 30 days after closing.').waitFor()
    await desk.getByText('2 closed cases, none due for erasure.').waitFor()
    await shot('period')
    expect(await desk.getByRole('button', { name: 'Erase cases past retention now (0)' }).isDisabled()).toBe(
      true,
    )

    // A number out of range is refused in the page, nothing sent.
    await desk.getByLabel('Days after closing', { exact: true }).fill('0')
    await desk.getByRole('button', { name: 'Save' }).click()
    await card.getByText('Enter a whole number of days between 1 and 36500.').waitFor()

    // Back to "by hand": purge now offers every closed case, asks first, and Cancel erases nothing.
    await desk.getByLabel('Keep until erased by hand').check()
    await desk.getByRole('button', { name: 'Save' }).click()
    await card.getByText('closed cases are now kept until erased by hand.').waitFor()
    await desk.getByRole('button', { name: 'Erase all closed cases now (2)' }).click()
    await desk.getByText('Erase 2 closed cases of Uyghur community desk now?', { exact: false }).waitFor()
    await shot('confirm')
    await desk.getByRole('button', { name: 'Cancel' }).click()
    await desk.getByRole('button', { name: 'Erase all closed cases now (2)' }).click()
    await desk.getByRole('button', { name: 'Erase 2 cases now' }).click()
    await card.getByText('Erased 2 cases of Uyghur community desk.').waitFor()
    await desk.getByText('No closed cases.').waitFor()
    await shot('purged')

    for (const [index, expected] of [
      [0, 404],
      [1, 404],
      [2, 200],
    ] as const) {
      const answer = await call(server, 'GET', `/api/cases/${reports[index]?.caseId}`, {
        cookie: admin.cookie,
      })
      expect(answer.status).toBe(expected)
    }
    const log = (await call(server, 'GET', '/api/audit', { cookie: admin.cookie })).json as {
      entries: Array<{ actor: string; action: string; target: string | null }>
    }
    const actions = log.entries.map((e) => e.action)
    expect(actions.filter((a) => a === 'desk.retention')).toHaveLength(2)
    expect(actions.filter((a) => a === 'retention.purge')).toHaveLength(1)
    const purges = log.entries.filter((e) => e.action === 'case.purge')
    expect(purges.every((e) => e.actor === 'server')).toBe(true)
    expect(purges.map((e) => e.target).sort()).toEqual([reports[0]?.caseId, reports[1]?.caseId].sort())

    // The console checks every signature and link of the log in this browser.
    await page.getByRole('button', { name: 'Audit', exact: true }).click()
    await page.getByText('every signature and link intact', { exact: false }).waitFor()

    const foreign = recording.requests.filter((url) => !url.startsWith(server.url))
    expect(foreign).toEqual([])
    expect(recording.pageErrors).toEqual([])
    expect(recording.consoleErrors).toEqual([])
  }, 240_000)
})
