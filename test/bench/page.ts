/**
 * @module test/bench/page
 * Benchmark 5 (issue 8, DESIGN §11): the reporter intake page's weight and how soon it is usable
 * on a slow connection.
 *
 * - Weight: the pages are built afresh (the `npm run build` command, into a temporary directory,
 *   so a concurrent test run's dist/web is left alone); the files `index.html` can load are
 *   followed from its script and link tags through every import and worker URL
 *   (web/build/reachable.ts, the same scan the build's asset manifest uses) and gzipped one by
 *   one. JavaScript is compared with the 150 KB budget; CSS, locale data and context data are
 *   listed on their own rows. Where the locales are compiled into a JavaScript chunk rather than
 *   emitted separately, their share is estimated as the gzip size of web/locales/*.json and
 *   said so.
 * - Time to usable: the real server (`node api/server.ts`, test/support/server.ts) serves that
 *   build from a data directory seeded with the demo organisation; Chromium loads `/` under CDP
 *   network emulation (400 kbit/s both ways, 400 ms round trip, cache disabled), and we time
 *   from navigation to the moment the form accepts input: the start button is shown (the key
 *   directory has been fetched and verified) and clicking it brings up the first question.
 * - Boundary: no request of the page names console, statistics or libsodium code, and no
 *   reachable file contains libsodium.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { gzipSync } from 'node:zlib'
import { loadSodium } from '../../crypto/sodium.ts'
import { reachableFiles } from '../../web/build/reachable.ts'
import { launchChromium, recordPage } from '../support/chromium.ts'
import { startServer } from '../support/server.ts'
import type { Results } from './common.ts'
import { createStore, REPO_ROOT, seedStore } from './env.ts'

const JS_BUDGET = 150 * 1024
const USABLE_TARGET_MS = 8000
const THROTTLE = {
  offline: false,
  latency: 400,
  downloadThroughput: (400 * 1000) / 8,
  uploadThroughput: (400 * 1000) / 8,
}

const gzipBytes = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length
const kb = (bytes: number) => bytes / 1024

function isLocale(file: string): boolean {
  return /(?:^|\/)(?:locales?|messages)[-/.]|\/(?:ar|bo|en|fa|kk|ky|ru|tg|tr|ug|uz|zh-Hans|zh-Hant)-[\w-]{6,}\.js$/.test(
    file,
  )
}
const isContext = (file: string) => /context/i.test(file)

function build(): string {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'tnr-bench-web-'))
  const result = spawnSync(
    process.execPath,
    [
      path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'web/vite.config.ts',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'error',
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', env: process.env, timeout: 600_000 },
  )
  if (result.status !== 0) {
    rmSync(outDir, { recursive: true, force: true })
    throw new Error(`web build failed:\n${result.stdout}\n${result.stderr}`)
  }
  return outDir
}

export async function benchPage(results: Results): Promise<void> {
  const group = 'page/intake'
  const webDist = build()
  const store = await createStore('pglite')
  try {
    // ---- Weight ----
    const files = reachableFiles(webDist, 'index.html').filter((f) => f !== 'index.html')
    let js = 0
    let raw = 0
    let css = 0
    let locales = 0
    let context = 0
    const perFile: string[] = []
    for (const file of files) {
      const bytes = readFileSync(path.join(webDist, file))
      raw += bytes.length
      const size = gzipBytes(bytes)
      perFile.push(`${file.replace(/^assets\//, '')} ${kb(size).toFixed(1)} KB`)
      if (isLocale(file)) locales += size
      else if (isContext(file)) context += size
      else if (file.endsWith('.css')) css += size
      else if (/\.m?js$/.test(file)) js += size
    }
    // Translations compiled into code chunks (rather than emitted as locale chunks) are found by
    // looking for one long message of each locale file in the non-locale JavaScript.
    const localeSource = path.join(REPO_ROOT, 'web/locales')
    const localeJson = readdirSync(localeSource).filter((f) => f.endsWith('.json'))
    const codeText = files
      .filter((f) => /\.m?js$/.test(f) && !isLocale(f))
      .map((f) => readFileSync(path.join(webDist, f), 'utf8'))
      .join('\n')
    const embedded = localeJson.filter((f) => {
      const messages = Object.values(JSON.parse(readFileSync(path.join(localeSource, f), 'utf8')) as object)
      const probe = messages.find(
        (m): m is string => typeof m === 'string' && m.length > 40 && !m.includes('{'),
      )
      return probe !== undefined && codeText.includes(probe)
    })
    // One gzip stream over all of them, as they sit together in one chunk (keys repeat).
    const embeddedEstimate = gzipBytes(
      Buffer.concat(embedded.map((f) => readFileSync(path.join(localeSource, f)))),
    )
    results.add({
      group,
      metric: 'JavaScript, gzip (all reachable chunks + worker)',
      value: kb(js),
      unit: 'KB',
      baseline: 'budget',
      baselineValue: kb(JS_BUDGET),
      ratio: js / JS_BUDGET,
      target: '≤ 150 KB',
      met: js <= JS_BUDGET,
      note: `locale chunks excluded (next rows); translations compiled into it: ${embedded.length} of ${localeJson.length} locales`,
    })
    results.add({ group, metric: 'CSS, gzip', value: kb(css), unit: 'KB' })
    results.add({ group, metric: 'locale chunks (separate files), gzip', value: kb(locales), unit: 'KB' })
    if (embedded.length > 0) {
      results.add({
        group,
        metric: `translations compiled into the JS above (${embedded.length} locales), gzip, upper estimate`,
        value: kb(embeddedEstimate),
        unit: 'KB',
        note: 'estimated as one gzip stream over those web/locales/*.json files',
      })
    }
    results.add({ group, metric: 'context data, gzip', value: kb(context), unit: 'KB' })
    results.note(`${group}: reachable from index.html (gzip): ${perFile.join('; ')}.`)
    // The server sends these files as they are on disk (no Content-Encoding), so a reporter
    // downloads the uncompressed bytes; the throttled run below shows what that costs.
    results.add({
      group,
      metric: 'bytes sent for those files (uncompressed on the wire)',
      value: kb(raw),
      unit: 'KB',
      baseline: 'gzip JS + CSS',
      baselineValue: kb(js + css),
      ratio: raw / (js + css),
      note: `≈${((raw / THROTTLE.downloadThroughput) * 1).toFixed(1)} s at 400 kbit/s, vs ≈${((js + css) / THROTTLE.downloadThroughput).toFixed(1)} s gzip`,
    })

    const forbidden = files.filter((f) => /console|stats|sodium/i.test(f))
    const sodiumInside = files.filter((f) =>
      readFileSync(path.join(webDist, f), 'latin1').includes('crypto_aead_xchacha20poly1305_ietf_encrypt'),
    )

    // ---- Time to usable on a throttled connection, from the real server ----
    const backend = await loadSodium()
    const seeded = await seedStore(store, backend)
    await seeded.database.close()
    const server = await startServer({ dataDir: store.dataDir, webDist, env: { NODE_ENV: 'production' } })
    const session = await launchChromium()
    try {
      const page = await session.context.newPage()
      const recording = recordPage(page)
      const encodings: string[] = []
      page.on('response', (response) => {
        if (new URL(response.url()).pathname.startsWith('/assets/'))
          encodings.push(response.headers()['content-encoding'] ?? 'identity')
      })
      const cdp = await session.context.newCDPSession(page)
      await cdp.send('Network.enable')
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
      await cdp.send('Network.emulateNetworkConditions', THROTTLE)
      const start = performance.now()
      await page.goto(`${server.url}/`, { waitUntil: 'commit', timeout: 120_000 })
      const startButton = page.locator('button.btn-wide')
      await startButton.waitFor({ state: 'visible', timeout: 120_000 })
      const shown = performance.now() - start
      await startButton.click()
      // The first question: its inputs or choice buttons replace the welcome step.
      await page.locator('main fieldset').first().waitFor({ state: 'visible', timeout: 60_000 })
      const usable = performance.now() - start
      results.add({
        group,
        metric: 'time until the form accepts input (400 kbit/s, 400 ms RTT)',
        value: usable,
        unit: 'ms',
        baseline: 'target',
        baselineValue: USABLE_TARGET_MS,
        ratio: usable / USABLE_TARGET_MS,
        target: '< 8 s',
        met: usable < USABLE_TARGET_MS,
        note: `start button visible after ${shown.toFixed(0)} ms; asset responses' Content-Encoding: ${[...new Set(encodings)].join(', ')}`,
      })
      const requested = recording.requests.filter((url) =>
        /console|stats|sodium/i.test(new URL(url).pathname),
      )
      const clean = forbidden.length === 0 && sodiumInside.length === 0 && requested.length === 0
      results.add({
        group,
        metric: 'console / statistics / libsodium code requested or reachable',
        value: forbidden.length + sodiumInside.length + requested.length,
        unit: 'files',
        target: '0',
        met: clean,
        note: `${recording.requests.length} requests made by the page`,
      })
      if (!clean) {
        results.note(
          `${group}: boundary broken — reachable ${forbidden.join(', ')}; libsodium inside ${sodiumInside.join(', ')}; requested ${requested.join(', ')}.`,
        )
      }
    } finally {
      await session.close()
      await server.stop()
    }
  } finally {
    rmSync(webDist, { recursive: true, force: true })
    await store.destroy()
  }
}
