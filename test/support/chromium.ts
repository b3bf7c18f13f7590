/**
 * @module test/support/chromium
 * Real Chromium for browser suites (DESIGN §3, §10): Debian's /usr/bin/chromium driven by
 * playwright-core, one fresh profile per launch, no network chatter of its own (the flags below
 * turn off background networking, component updates, sync and QUIC, so every request a test sees
 * comes from the page under test).
 *
 * Suites wrap themselves in `describeBrowser`: without Chromium they are skipped with a loud line,
 * and with REQUIRE_ALL_SUITES=1 (CI) a missing Chromium is a failure instead.
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { describe, it } from 'vitest'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function chromiumAvailable(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export const SKIP_MESSAGE = 'SKIPPED: Chromium suites — install Debian chromium'

/**
 * `describe` for suites that need Chromium. Missing Chromium: a loud skip, or with
 * REQUIRE_ALL_SUITES=1 a failing test that says why.
 */
export function describeBrowser(name: string, body: () => void): void {
  if (chromiumAvailable()) {
    describe(name, body)
  } else if (process.env.REQUIRE_ALL_SUITES === '1') {
    describe(name, () => {
      it('needs Chromium at /usr/bin/chromium (REQUIRE_ALL_SUITES=1 forbids skipping)', () => {
        throw new Error(`${SKIP_MESSAGE} (REQUIRE_ALL_SUITES=1)`)
      })
    })
  } else {
    console.warn(`\n${'!'.repeat(72)}\n${SKIP_MESSAGE}: ${name}\n${'!'.repeat(72)}\n`)
    describe.skip(name, body)
  }
}

export interface LaunchOptions {
  /**
   * V8 without its JIT (`--js-flags=--jitless`), as in Tor Browser's "Safer" mode. V8 also
   * drops WebAssembly in this mode, in pages and workers alike.
   */
  readonly jitless?: boolean
  /** Delete `globalThis.WebAssembly` before any page script runs (see `removeWebAssembly`). */
  readonly removeWebAssembly?: boolean
  readonly viewport?: { readonly width: number; readonly height: number }
  /** `false`: JavaScript off entirely, as in Tor Browser's "Safest" mode. */
  readonly javaScriptEnabled?: boolean
}

export interface ChromiumSession {
  readonly context: BrowserContext
  /** The fresh profile directory; suites may scan it (nothing a reporter types may land there). */
  readonly userDataDir: string
  close(): Promise<void>
}

/** Launches Chromium with a fresh temporary profile, removed again by `close()`. */
export async function launchChromium(options: LaunchOptions = {}): Promise<ChromiumSession> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'tnr-chromium-'))
  const args = [...CHROMIUM_ARGS]
  if (options.jitless === true) args.push('--js-flags=--jitless')
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args,
      viewport: options.viewport ?? { width: 1280, height: 800 },
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      // Tests decide the language explicitly; nothing inherited from the machine.
      locale: 'en-US',
      timezoneId: 'UTC',
    })
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true })
    throw error
  }
  if (options.removeWebAssembly === true) await removeWebAssembly(context)
  return {
    context,
    userDataDir,
    async close() {
      await context.close()
      rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}

/**
 * Emulates Tor Browser's "Safer" mode for WebAssembly: an init script deletes
 * `globalThis.WebAssembly` before any page script runs, in every page and frame of the context.
 * Playwright init scripts do not run inside Web Workers; code that must work there without
 * WebAssembly is covered by the `jitless` launch, which removes it engine-wide.
 */
export async function removeWebAssembly(context: BrowserContext): Promise<void> {
  await context.addInitScript({ content: 'delete globalThis.WebAssembly' })
}

export interface PageRecording {
  /** Every request URL the page (and its workers) made, in order. */
  readonly requests: string[]
  /** Requests that failed at the network level (blocked, refused, aborted). */
  readonly failedRequests: string[]
  /** Console messages of type "error" (CSP violations, failed loads, logged errors). */
  readonly consoleErrors: string[]
  /** Uncaught exceptions in the page. */
  readonly pageErrors: string[]
  /** Responses with a 4xx or 5xx status, as "status url". */
  readonly errorResponses: string[]
}

/**
 * Starts recording what a page requests and every error it reports; call before `goto`.
 * Requests of dedicated workers a page starts are reported on the page too.
 */
export function recordPage(page: Page): PageRecording {
  const recording: PageRecording = {
    requests: [],
    failedRequests: [],
    consoleErrors: [],
    pageErrors: [],
    errorResponses: [],
  }
  page.on('request', (request) => recording.requests.push(request.url()))
  page.on('requestfailed', (request) =>
    recording.failedRequests.push(`${request.url()} (${request.failure()?.errorText ?? 'failed'})`),
  )
  page.on('console', (message) => {
    if (message.type() !== 'error') return
    // A failed load names its URL only in the location; keep it so the failure says what broke.
    const where = message.location().url
    recording.consoleErrors.push(where === '' ? message.text() : `${message.text()} [${where}]`)
  })
  page.on('pageerror', (error) => recording.pageErrors.push(String(error)))
  page.on('response', (response) => {
    if (response.status() >= 400) recording.errorResponses.push(`${response.status()} ${response.url()}`)
  })
  return recording
}
