/**
 * @module test/browser/pages
 * Every page, served by the real server from the real build, in real Chromium (DESIGN §4, §10):
 * it loads without console errors, requests nothing from any other origin, carries its CSP and
 * the security headers, sets no cookie, uses no storage, and loads only scripts and stylesheets
 * with Subresource Integrity. Public pages are also loaded as Tor Browser's "Safer" mode would
 * run them: once with WebAssembly removed and once with V8's JIT off.
 */
import type { Page, Response } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
  const sources = [...directives.values()].flat()
  expect(
    sources.filter(
      (source) =>
        ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"].includes(source) || /\*|:\/\//.test(source),
    ),
    `${page.path} CSP allows nothing inline, no eval, no other origin`,
  ).toEqual([])
  expect(headers['referrer-policy'], page.path).toBe('no-referrer')
  expect(headers['x-content-type-options'], page.path).toBe('nosniff')
  expect(headers['x-frame-options'], page.path).toBe('DENY')
  expect(headers['cache-control'], page.path).toBe('no-store')
  expect(headers['content-type'], page.path).toBe('text/html; charset=utf-8')
  expect(headers['set-cookie'], page.path).toBeUndefined()
}

/**
 * The browser globals the page-side functions below touch. Test code is type-checked without the
 * DOM library (tsconfig.node.json), so they are reached through `globalThis` with this shape.
 */
interface PageScope {
  localStorage: { length: number }
  sessionStorage: { length: number }
  indexedDB: { databases(): Promise<unknown[]> }
  caches: { keys(): Promise<unknown[]> }
  document: { cookie: string }
  history: { length: number }
  WebAssembly?: unknown
}

const historyLength = (page: Page) => page.evaluate(() => (globalThis as unknown as PageScope).history.length)

/** Storage the page may not touch (DESIGN §4: reporter pages use none). */
async function storageInUse(page: Page): Promise<string[]> {
  return await page.evaluate(async () => {
    const scope = globalThis as unknown as PageScope
    const used: string[] = []
    if (scope.localStorage.length > 0) used.push('localStorage')
    if (scope.sessionStorage.length > 0) used.push('sessionStorage')
    if ((await scope.indexedDB.databases()).length > 0) used.push('IndexedDB')
    if ((await scope.caches.keys()).length > 0) used.push('Cache API')
    if (scope.document.cookie !== '') used.push('document.cookie')
    return used
  })
}

describeBrowser('every page, served by the real server', () => {
  let server: RunningServer

  beforeAll(async () => {
    requireWebBuild()
    server = await startServer()
  })

  afterAll(async () => {
    await server?.stop()
  })

  for (const mode of MODES) {
    describe(`in ${mode.name}`, () => {
      let browser: ChromiumSession

      beforeAll(async () => {
        browser = await launchChromium(mode.launch)
      })

      afterAll(async () => {
        await browser?.close()
      })

      for (const entry of mode.pages) {
        it(`serves ${entry.path} with its CSP and security headers, no error, no cookie, nothing from another origin`, async () => {
          const page = await browser.context.newPage()
          const historyBefore = await historyLength(page)
          const recording = recordPage(page)
          const response = await page.goto(`${server.url}${entry.path}`, { waitUntil: 'networkidle' })
          expect(response?.status()).toBe(200)
          expectSecurityHeaders(response as Response, entry)

          // The server here is fresh (no organisation set up), so API calls may rightly answer
          // 404/503, which Chrome also logs as console errors; how each page handles that is its
          // own suite's business. Pages and assets must all load, and nothing else may be logged.
          const apiUrl = (text: string) => text.includes(`${server.url}/api/`)
          expect(recording.errorResponses.filter((line) => !apiUrl(line))).toEqual([])
          expect(
            recording.consoleErrors.filter(
              (line) => !(line.startsWith('Failed to load resource') && apiUrl(line)),
            ),
          ).toEqual([])
          expect(recording.pageErrors).toEqual([])
          expect(recording.failedRequests).toEqual([])
          expect(recording.requests.length).toBeGreaterThan(1)
          expect(recording.requests.filter((url) => !url.startsWith(`${server.url}/`))).toEqual([])

          expect(await browser.context.cookies()).toEqual([])
          expect(await storageInUse(page)).toEqual([])
          // One history entry: loading the page adds none beyond the navigation itself.
          expect(await historyLength(page)).toBe(historyBefore + 1)

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
            expect(await page.evaluate(() => typeof (globalThis as unknown as PageScope).WebAssembly)).toBe(
              'undefined',
            )
          }
          await page.close()
        })
      }
    })
  }
})
