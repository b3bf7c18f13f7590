/**
 * @module test/browser/context-signed
 * Signed context updates end to end in real Chromium against the real server and build (issue 9):
 * an admin logs in to the console, adds a help contact for Belgium with a source URL and a check
 * date, and the browser signs the change with the organisation key and publishes it with its
 * audit entry; a reporter in Belgium who names China then sees that contact in Uyghur before
 * submitting, the update having been fetched at page load (no request while choosing). When the
 * server alters the update, the reporter page quietly keeps the bundled notes (no forged contact,
 * no alarm) while the console says loudly that the update does not verify.
 *
 * Screenshots for review go to .tmp/context/ (phone and desktop, RTL Uyghur, console).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { contextResponse } from '../../api/contract/context.ts'
import type { Argon2Backend, CryptoBackend } from '../../crypto/backend.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import { type ChromiumSession, describeBrowser, launchChromium, recordPage } from '../support/chromium.ts'
import { call, fillLogin, type SetUpAdmin, setUpOrganisation, totpCode } from '../support/console-login.ts'
import { REPO_ROOT, type RunningServer, startServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

const SHOTS = join(REPO_ROOT, '.tmp/context')
const CONTACT = 'Brussels Uyghur Support Line'
const FORGED = 'FORGED travel is safe'
const PINNED_ORG_KEY = 'tnr.console.pinnedOrg'

describeBrowser('signed context updates (admin console → reporter page)', () => {
  let backend: CryptoBackend & Argon2Backend
  let server: RunningServer
  let admin: SetUpAdmin
  let browser: ChromiumSession
  /** The admin's console, logged in once (a second login would replay the TOTP code) and kept open. */
  let consolePage: Page

  beforeAll(async () => {
    requireWebBuild()
    mkdirSync(SHOTS, { recursive: true })
    backend = await loadSodiumSumo()
    server = await startServer({ env: { POW_BASE_BITS: '1', POW_MAX_BITS: '1' } })
    while (!server.output().includes('/console#setup=')) await new Promise((r) => setTimeout(r, 50))
    admin = await setUpOrganisation(server, backend)
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    await consolePage?.close()
    await browser?.close()
    await server?.stop()
  })

  async function consoleAdmin(): Promise<Page> {
    const page = await browser.context.newPage()
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
    await page.locator('[data-testid=context-admin]').waitFor()
    return page
  }

  /** The intake page in `language`, walked to the "which state" question with Belgium chosen. */
  async function reporterAtState(page: Page, language: string): Promise<void> {
    await page.goto(`${server.url}/`)
    await page.selectOption('.lang-picker select', language)
    await page.locator('[data-testid=safety-code]').waitFor()
    await page.click('button.btn-wide')
    const next = () => page.click('form button[type=submit]')
    await page.locator('main .choice').nth(0).click() // who
    await next()
    await page.locator('main .choice').nth(0).click() // what
    await next()
    await next() // when
    await next() // urgency
    await page.locator('main select').waitFor()
    await page.selectOption('main select', 'BE')
    await next()
    await page.locator('main select').waitFor()
  }

  it('lets an admin add a Belgian help contact and re-check a treaty, each signed with the organisation key and audited', async () => {
    consolePage = await consoleAdmin()
    const page = consolePage
    const card = page.locator('[data-testid=context-admin]')
    await card.getByTestId('context-status').getByText('no signed changes yet').waitFor()
    await card.locator('[data-testid=contact-host]').selectOption('BE')
    await card.getByRole('button', { name: 'Add a help contact in Belgium' }).click()
    const form = page.locator('[data-testid=context-edit]')
    await form.getByLabel('Name').fill(CONTACT)
    await form.getByLabel('Kind').selectOption('hotline')
    await form.getByLabel('Phone (optional)').fill('+32 2 555 01 23')
    await form.getByLabel('Languages spoken (codes, e.g. ug, zh, en)').fill('ug, fr, nl')
    await form.getByLabel('Source title').fill('Partner agreement with the support line')
    // The form refuses to publish without a source URL (the browser's own check).
    await form.getByRole('button', { name: 'Sign with the organisation key and publish' }).click()
    expect(
      await form
        .getByLabel('Source URL (https)')
        .evaluate((e) => (e as unknown as { validity: { valid: boolean } }).validity.valid),
    ).toBe(false)
    await form.getByLabel('Source URL (https)').fill('https://example.org/partners/brussels')
    await page.setViewportSize({ width: 1280, height: 800 })
    await form.screenshot({ path: join(SHOTS, 'console-edit-desktop.png') })
    await form.getByRole('button', { name: 'Sign with the organisation key and publish' }).click()
    await page.getByText('Change signed and published').waitFor()
    await card.getByTestId('context-contacts').getByText(CONTACT).waitFor()
    await card.getByTestId('context-status').getByText('signed change #1').waitFor()
    await page.screenshot({ path: join(SHOTS, 'console-context-desktop.png'), fullPage: false })
    await card.scrollIntoViewIfNeeded()
    await card.screenshot({ path: join(SHOTS, 'console-context-card-desktop.png') })
    await page.setViewportSize({ width: 390, height: 844 })
    await card.getByTestId('context-host-BE').locator('summary').click()
    await card.getByTestId('context-host-BE').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SHOTS, 'console-context-phone.png') })
    await page.setViewportSize({ width: 1280, height: 800 })

    const stored = contextResponse.parse((await call(server, 'GET', '/api/context')).json).update
    expect(stored?.overlay).toContain(CONTACT)
    const log = (await call(server, 'GET', '/api/audit', { cookie: admin.cookie })).json as {
      entries: Array<{ action: string }>
    }
    expect(log.entries.filter((e) => e.action === 'context.update')).toHaveLength(1)

    // A legal fact: Belgium's treaty with China, re-checked and marked suspended (a test fixture,
    // not a real-world claim), with its source. The update carries every earlier change too.
    const belgium = card.getByTestId('context-host-BE')
    if ((await belgium.locator('details').getAttribute('open')) === null)
      await belgium.locator('summary').click()
    await belgium.getByRole('button', { name: 'Edit' }).nth(2).click()
    const treaty = page.locator('[data-testid=context-edit]')
    await treaty.getByText('Treaty between Belgium and China').waitFor()
    // The only select of an existing treaty's form: its status.
    await treaty.locator('select').selectOption('suspended')
    await treaty.getByLabel('Source title').fill('Test fixture: suspension notice')
    await treaty.getByLabel('Source URL (https)').fill('https://example.org/treaty-notice')
    await treaty.getByRole('button', { name: 'Sign with the organisation key and publish' }).click()
    await card.getByTestId('context-status').getByText('signed change #2').waitFor()
    expect(await belgium.textContent()).toContain('suspended')
    const after = (await call(server, 'GET', '/api/audit', { cookie: admin.cookie })).json as {
      entries: Array<{ action: string }>
    }
    expect(after.entries.filter((e) => e.action === 'context.update')).toHaveLength(2)
    expect(contextResponse.parse((await call(server, 'GET', '/api/context')).json).update?.overlay).toContain(
      CONTACT,
    )
  }, 180_000)

  it.each([
    ['ug', 390, 844],
    ['ug', 1280, 800],
    ['en', 390, 844],
  ])(
    'shows a reporter in Belgium harassed by agents of China the signed contact in %s (%ix%i), fetched before any choice',
    async (language, width, height) => {
      const page = await browser.context.newPage()
      await page.setViewportSize({ width, height })
      const recording = recordPage(page)
      await reporterAtState(page, language)
      await page.waitForLoadState('networkidle')
      // The update was fetched at page load, before the reporter chose anything.
      expect(recording.requests.some((r) => r.includes('/api/context'))).toBe(true)
      const before = recording.requests.length
      await page.selectOption('main select', 'CN')
      const notes = page.locator('[data-testid=context-notes]')
      await notes.getByText(CONTACT).waitFor()
      expect(await notes.textContent()).toContain('+32 2 555 01 23')
      if (language === 'en')
        expect(await page.locator('[data-testid=context-home-treaty]').textContent()).toContain('(suspended)')
      await page.waitForTimeout(300)
      expect(recording.requests.slice(before)).toEqual([])
      expect(recording.pageErrors).toEqual([])
      if (language === 'ug') expect(await page.locator('html').getAttribute('dir')).toBe('rtl')
      await notes.scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(SHOTS, `reporter-${language}-${width}.png`), fullPage: true })
      // The part a reviewer must read: the notes' start and the signed help contact.
      await notes.locator('h2').scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(SHOTS, `reporter-${language}-${width}-notes.png`) })
      await notes.getByText(CONTACT).scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(SHOTS, `reporter-${language}-${width}-contact.png`) })
      await page.close()
    },
    120_000,
  )

  it('keeps the bundled notes, quietly, when the server alters the update; the console says so loudly', async () => {
    const forge = async (page: Page) =>
      page.route('**/api/context', async (route) => {
        const response = await route.fetch()
        const body = contextResponse.parse(await response.json())
        const update = body.update
        if (update === null) throw new Error('expected a stored update')
        await route.fulfill({
          response,
          json: { update: { ...update, overlay: update.overlay.replaceAll(CONTACT, FORGED) } },
        })
      })
    const page = await browser.context.newPage()
    await page.setViewportSize({ width: 390, height: 844 })
    await forge(page)
    await reporterAtState(page, 'en')
    await page.selectOption('main select', 'CN')
    const notes = page.locator('[data-testid=context-notes]')
    await notes.waitFor()
    await page.waitForLoadState('networkidle')
    const text = (await notes.textContent()) ?? ''
    expect(text).not.toContain(FORGED)
    expect(text).not.toContain(CONTACT)
    expect(text).toContain('has not listed local help contacts yet')
    // Bundled facts are still there (Belgium's treaty with China), and nothing alarming is shown.
    expect(await page.locator('[data-testid=context-home-treaty]').count()).toBe(1)
    expect(await page.locator('[role=alert]').count()).toBe(0)
    await page.close()

    // The console, asked again by the same hostile server, refuses the update and says so loudly.
    const hostile = consolePage
    await forge(hostile)
    await hostile.getByRole('button', { name: 'Cases', exact: true }).click()
    await hostile.getByRole('button', { name: 'Admin', exact: true }).click()
    const alert = hostile.locator('[data-testid=context-admin] [role=alert]')
    await alert.waitFor()
    expect(await alert.textContent()).toContain('does NOT verify under the organisation key')
    expect(await hostile.locator('[data-testid=context-admin]').textContent()).not.toContain(FORGED)
    await hostile.setViewportSize({ width: 1280, height: 800 })
    await alert.scrollIntoViewIfNeeded()
    await hostile.screenshot({ path: join(SHOTS, 'console-refused-desktop.png') })
  }, 240_000)
})
