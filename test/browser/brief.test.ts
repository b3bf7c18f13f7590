/**
 * @module test/browser/brief
 * The one-page advocacy brief (issue 9) in real Chromium against the real server and build: the
 * /stats page lists the latest signed release (a fixture, served as /api/releases would), links
 * to a brief for the EU, and the brief shows the counts with intervals, tactic groups, the trend,
 * the communities the release publishes, the treaties and case law with sources, the method and
 * the citation — in English, Arabic (RTL) and Simplified Chinese — and prints to exactly one A4
 * page each. A release whose signature fails gives no brief. Choosing the scope or the language
 * is a fragment change: no request names it.
 *
 * PDFs and screenshots for review go to .tmp/context/ (render the PDFs with pdftoppm).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { CryptoBackend } from '../../crypto/backend.ts'
import type { SignedRelease } from '../../crypto/release.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { briefFixture } from '../support/brief-fixture.ts'
import { type ChromiumSession, describeBrowser, launchChromium, recordPage } from '../support/chromium.ts'
import { REPO_ROOT, type RunningServer, startServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

const SHOTS = join(REPO_ROOT, '.tmp/context')
const locale = (code: string) =>
  JSON.parse(readFileSync(join(REPO_ROOT, `web/brief/locales/${code}.json`), 'utf8')) as Record<
    string,
    string
  >
/** The fixed text of a message before its first argument. */
const lead = (code: string, key: string) => (locale(code)[key] ?? '').split('{')[0]?.trim() ?? ''

/** Pages in a PDF Chromium wrote: its page objects (`/Type /Page`, not `/Pages`). */
function pdfPages(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length
}

describeBrowser('the advocacy brief from a signed release', () => {
  let backend: CryptoBackend
  let server: RunningServer
  let browser: ChromiumSession
  let file: SignedRelease

  beforeAll(async () => {
    requireWebBuild()
    mkdirSync(SHOTS, { recursive: true })
    backend = await loadSodium()
    file = briefFixture(backend).file
    server = await startServer()
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function open(served: unknown, hash = ''): Promise<{ page: Page; requests: string[] }> {
    const page = await browser.context.newPage()
    const recording = recordPage(page)
    await page.route('**/api/releases', (route) =>
      route.fulfill({
        json: {
          releases: [{ id: file.release.releaseId, publishedAt: '2026-11-21T09:00:00.000Z', file: served }],
        },
      }),
    )
    await page.goto(`${server.url}/stats${hash}`)
    return { page, requests: recording.requests }
  }

  it('links from /stats to the EU brief, which states what the release and the dataset allow', async () => {
    const { page, requests } = await open(file)
    const links = page.locator('[data-testid=brief-links]')
    await links.waitFor()
    await links.scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SHOTS, 'stats-brief-links-desktop.png') })
    const before = requests.length
    await links.getByRole('link', { name: 'Brief for the European Union' }).click()
    const brief = page.locator('[data-testid=brief]')
    await brief.waitFor()
    await page.waitForLoadState('networkidle')
    // The scope lives in the fragment: nothing requested names it.
    expect(requests.slice(before).filter((r) => /brief|=eu|\/eu\b/i.test(r))).toEqual([])

    const text = ((await brief.textContent()) ?? '').replace(/\s+/g, ' ')
    expect(text).toContain('Transnational repression: the European Union')
    expect(text).toContain('Reports from the European Union:')
    expect(text).toContain('member countries the release lists separately')
    expect(await page.locator('[data-testid=brief-tactics] tbody tr').count()).toBe(5)
    expect(await page.locator('[data-testid=brief-trend] tbody tr').count()).toBe(2)
    expect(text).toContain('95% interval')
    expect(text).toContain('Uyghur')
    expect(text).toMatch(/Extradition treaty with China in force: [^.]*Belgium/)
    expect(text).toContain('Liu v. Poland')
    expect(text).toContain('checked 2026-')
    expect(text).toContain(file.release.citation)
    expect(text).toContain('differential-privacy noise')
    await page.screenshot({ path: join(SHOTS, 'brief-eu-en-desktop.png'), fullPage: true })
    await page.setViewportSize({ width: 390, height: 844 })
    await page.screenshot({ path: join(SHOTS, 'brief-eu-en-phone.png') })
    await page.close()
  }, 120_000)

  it.each([['en'], ['ar'], ['zh-Hans']])(
    'prints the EU brief in %s on exactly one A4 page',
    async (code) => {
      const { page } = await open(file, `#brief=eu&lang=${code}`)
      const brief = page.locator('[data-testid=brief]')
      await brief.waitFor()
      await page.waitForLoadState('networkidle')
      expect(await page.locator('html').getAttribute('lang')).toBe(code)
      expect(await page.locator('html').getAttribute('dir')).toBe(code === 'ar' ? 'rtl' : 'ltr')
      expect(await brief.locator('h1').textContent()).toContain(lead(code, 'brief.title'))
      expect(await brief.textContent()).toContain(lead(code, 'brief.tactics.heading'))
      await page.emulateMedia({ media: 'print' })
      expect(await page.locator('.brief-controls').isVisible()).toBe(false)
      const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true })
      writeFileSync(join(SHOTS, `brief-eu-${code}.pdf`), pdf)
      expect(pdfPages(pdf)).toBe(1)
      await page.emulateMedia({ media: 'screen' })
      if (code === 'ar') {
        await page.setViewportSize({ width: 390, height: 844 })
        await page.screenshot({ path: join(SHOTS, 'brief-eu-ar-phone.png') })
      }
      await page.close()
    },
    120_000,
  )

  it('prints a one-country brief (Belgium) on one page too', async () => {
    const { page } = await open(file, '#brief=BE')
    await page.locator('[data-testid=brief]').waitFor()
    expect(await page.locator('[data-testid=brief-scope-count]').textContent()).toContain(
      'Reports from Belgium:',
    )
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true })
    writeFileSync(join(SHOTS, 'brief-be-en.pdf'), pdf)
    expect(pdfPages(pdf)).toBe(1)
    await page.close()
  }, 120_000)

  it('builds no brief from a release whose signature fails', async () => {
    const tampered = structuredClone(file)
    const entry = tampered.release.tables[0]?.entries[0]
    if (entry === undefined || entry.value === null) throw new Error('fixture has no first value')
    entry.value += 50
    entry.display = String(entry.value)
    const { page } = await open(tampered, '#brief=eu')
    await page.getByText('failed its signature check').waitFor()
    expect(await page.locator('[data-testid=brief]').count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Print or save as PDF' }).isDisabled()).toBe(true)
    await page.close()
  }, 120_000)
})
