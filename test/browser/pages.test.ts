/**
 * @module test/browser/pages
 * Every page, served by the real server from the real build, in real Chromium (DESIGN §4, §10):
 * it loads without console errors, requests nothing from any other origin, carries its CSP and
 * the security headers, sets no cookie, uses no storage, and loads only scripts and stylesheets
 * with Subresource Integrity. Public pages are also loaded as Tor Browser's "Safer" mode would
 * run them: once with WebAssembly removed and once with V8's JIT off.
 */
import type { Page, Response } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PAGES, type PageEntry, PUBLIC_PAGES } from '../../web/build/pages.ts'
import {
  type ChromiumSession,
  describeBrowser,
  type LaunchOptions,
  launchChromium,
  recordPage,
} from '../support/chromium.ts'
import { type RunningServer, startServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

interface Mode {
  readonly name: string
  readonly launch: LaunchOptions
  readonly pages: readonly PageEntry[]
}

const MODES: readonly Mode[] = [
  { name: 'default Chromium', launch: {}, pages: PAGES },
  {
    name: 'WebAssembly removed (Tor Browser "Safer")',
    launch: { removeWebAssembly: true },
    pages: PUBLIC_PAGES,
  },
  { name: 'JIT off (Tor Browser "Safer")', launch: { jitless: true }, pages: PUBLIC_PAGES },
]

/** What every page response must carry (api/pages.ts sets them; DESIGN §4). */
function expectSecurityHeaders(response: Response, page: PageEntry): void {
  const headers = response.headers()
  const csp = headers['content-security-policy'] ?? ''
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0] !== undefined && parts[0] !== '')
      .map((parts) => [parts[0] as string, parts.slice(1)]),
  )
  expect(directives.get('default-src'), `${page.path} default-src`).toEqual(["'none'"])
  const scriptSrc = directives.get('script-src') ?? []
  expect(scriptSrc, `${page.path} script-src`).toEqual(
    page.public ? ["'self'"] : expect.arrayContaining(["'self'", "'wasm-unsafe-eval'"]),
  )
  expect(
    scriptSrc.filter((s) => s !== "'self'" && s !== "'wasm-unsafe-eval'"),
    `${page.path} script-src extras`,
  ).toEqual([])
  expect(directives.get('style-src'), `${page.path} style-src`).toEqual(["'self'"])
  expect(directives.get('frame-ancestors'), `${page.path} frame-ancestors`).toEqual(["'none'"])
  expect(directives.get('base-uri'), `${page.path} base-uri`).toEqual(["'none'"])
  expect(csp, page.path).not.toMatch(/unsafe-inline|unsafe-eval'|\*|https?:/)
  expect(headers['referrer-policy'], page.path).toBe('no-referrer')
  expect(headers['x-content-type-options'], page.path).toBe('nosniff')
  expect(headers['x-frame-options'], page.path).toBe('DENY')
  expect(headers['cache-control'], page.path).toBe('no-store')
  expect(headers['set-cookie'], page.path).toBeUndefined()
}

/** Storage the page may not touch (DESIGN §4: reporter pages use none). */
async function storageInUse(page: Page): Promise<string[]> {
  return await page.evaluate(async () => {
    const used: string[] = []
    if (localStorage.length > 0) used.push('localStorage')
    if (sessionStorage.length > 0) used.push('sessionStorage')
    if ((await indexedDB.databases()).length > 0) used.push('IndexedDB')
    if ((await caches.keys()).length > 0) used.push('Cache API')
    if (document.cookie !== '') used.push('document.cookie')
    return used
  })
}

for (const mode of MODES) {
  describeBrowser(`pages in ${mode.name}`, () => {
    let server: RunningServer
    let browser: ChromiumSession

    beforeAll(async () => {
      requireWebBuild()
      ;[server, browser] = await Promise.all([startServer(), launchChromium(mode.launch)])
    })

    afterAll(async () => {
      await browser?.close()
      await server?.stop()
    })

    for (const entry of mode.pages) {
      it(`serves ${entry.path} with its CSP and security headers, no error, no cookie, nothing from another origin`, async () => {
        const page = await browser.context.newPage()
        const recording = recordPage(page)
        const response = await page.goto(`${server.url}${entry.path}`, { waitUntil: 'networkidle' })
        expect(response?.status()).toBe(200)
        expectSecurityHeaders(response as Response, entry)

        expect(recording.consoleErrors).toEqual([])
        expect(recording.pageErrors).toEqual([])
        expect(recording.failedRequests).toEqual([])
        expect(recording.requests.length).toBeGreaterThan(1)
        expect(recording.requests.filter((url) => !url.startsWith(`${server.url}/`))).toEqual([])

        expect(await browser.context.cookies()).toEqual([])
        expect(await storageInUse(page)).toEqual([])
        expect(await page.evaluate(() => history.length)).toBe(1)

        const unprotected = await page.$$eval('script, link', (elements) =>
          elements
            .filter(
              (e) =>
                e.tagName === 'SCRIPT' ||
                ['stylesheet', 'modulepreload'].includes(e.getAttribute('rel') ?? ''),
            )
            .filter((e) => !/^sha384-[A-Za-z0-9+/]{64}$/.test(e.getAttribute('integrity') ?? ''))
            .map((e) => e.outerHTML),
        )
        expect(unprotected).toEqual([])
        if (mode.launch.removeWebAssembly === true) {
          expect(await page.evaluate(() => typeof WebAssembly)).toBe('undefined')
        }
        await page.close()
      })
    }
  })
}
