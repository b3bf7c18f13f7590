/**
 * @module test/browser/crypto
 * The reporter-side crypto runs where the most exposed reporters are (DESIGN §4, §5): in Tor
 * Browser's "Safer" mode, without WebAssembly and without a JIT. Chromium seals an envelope with
 * crypto/envelope.ts over the @noble backend — once with `WebAssembly` deleted, once with V8's
 * `--jitless` — under the reporter pages' CSP (`script-src 'self'`, so no eval either), and Node
 * opens it with the libsodium backend. Interoperability of the two backends in both directions
 * is covered by crypto/'s own suites; this one proves the page side really runs in those modes.
 *
 * The page bundle is built here with Vite from test/browser/fixtures/seal-in-page.ts and served by
 * a tiny loopback server; it never enters dist/web.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, toBase64, toHex } from '../../crypto/bytes.ts'
import { ENVELOPE_KINDS, openEnvelope } from '../../crypto/envelope.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import {
  type ChromiumSession,
  describeBrowser,
  type LaunchOptions,
  launchChromium,
  recordPage,
} from '../support/chromium.ts'
import { REPO_ROOT } from '../support/server.ts'
import type { SealFixture, SealRequest } from './fixtures/seal-in-page.ts'

/** The reporter pages' script policy (api/pages.ts), with nothing else allowed. */
const CSP = "default-src 'none'; script-src 'self'"
const PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>seal</title><script type="module" src="/seal.js"></script></head><body></body></html>'

async function bundleFixture(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: REPO_ROOT,
    logLevel: 'error',
    publicDir: false,
    build: {
      outDir,
      emptyOutDir: true,
      minify: true,
      sourcemap: false,
      modulePreload: { polyfill: false },
      lib: {
        entry: join(REPO_ROOT, 'test/browser/fixtures/seal-in-page.ts'),
        formats: ['es'],
        fileName: () => 'seal.js',
      },
    },
  })
}

function serve(dir: string): Promise<{ server: Server; url: string }> {
  const script = readFileSync(join(dir, 'seal.js'))
  const server = createServer((request, response) => {
    const headers = { 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' }
    if (request.url === '/') {
      response.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE)
    } else if (request.url === '/seal.js') {
      response.writeHead(200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' }).end(script)
    } else {
      response.writeHead(404, headers).end()
    }
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      resolve({ server, url: `http://127.0.0.1:${port}` })
    })
  })
}

const MODES: readonly { name: string; launch: LaunchOptions }[] = [
  { name: 'with WebAssembly removed', launch: { removeWebAssembly: true } },
  { name: 'with the JIT off (--jitless)', launch: { jitless: true } },
]

describeBrowser('reporter-side crypto in Chromium as Tor Browser "Safer" mode runs it', () => {
  let work = ''
  let site: { server: Server; url: string }
  let sodium: CryptoBackend

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tnr-seal-page-'))
    await bundleFixture(work)
    site = await serve(work)
    sodium = await loadSodium()
  })

  afterAll(async () => {
    await new Promise<void>((done) => (site?.server ? site.server.close(() => done()) : done()))
    if (work !== '') rmSync(work, { recursive: true, force: true })
  })

  for (const mode of MODES) {
    describe(mode.name, () => {
      let browser: ChromiumSession

      beforeAll(async () => {
        browser = await launchChromium(mode.launch)
      })

      afterAll(async () => {
        await browser?.close()
      })

      it('seals a report in the page that Node opens with libsodium, for every recipient', async () => {
        const page = await browser.context.newPage()
        const recording = recordPage(page)
        await page.goto(`${site.url}/`)
        await page.waitForFunction(() => 'tnrSealFixture' in globalThis)
        // Deleted by the init script in one mode; absent engine-wide under --jitless in the other
        // (which also shows the flag took effect).
        expect(await page.evaluate(() => typeof (globalThis as { WebAssembly?: unknown }).WebAssembly)).toBe(
          'undefined',
        )

        const secretKeys = [sodium.randomBytes(32), sodium.randomBytes(32)]
        const context = toHex(sodium.randomBytes(16))
        const plaintext = JSON.stringify({
          narrative: 'Они звонили моей матери — 他们威胁我的家人 — تهدید',
          n: 1,
        })
        const request: SealRequest = {
          kind: ENVELOPE_KINDS.report,
          context,
          recipients: secretKeys.map((key) => toBase64(sodium.x25519PublicKey(key))),
          plaintext,
        }
        const sealed = await page.evaluate((input) => {
          const fixture = (globalThis as { tnrSealFixture?: SealFixture }).tnrSealFixture
          if (fixture === undefined) throw new Error('fixture missing')
          return { backend: fixture.backend, envelope: fixture.seal(input) }
        }, request)
        expect(sealed.backend).toBe('noble')

        const envelope = fromBase64(sealed.envelope)
        for (const secretKey of secretKeys) {
          const opened = openEnvelope(sodium, envelope, { kind: ENVELOPE_KINDS.report, context, secretKey })
          expect(new TextDecoder().decode(opened)).toBe(plaintext)
        }
        // The context is bound: the same envelope does not open for another case.
        expect(() =>
          openEnvelope(sodium, envelope, {
            kind: ENVELOPE_KINDS.report,
            context: toHex(sodium.randomBytes(16)),
            secretKey: secretKeys[0] as Uint8Array,
          }),
        ).toThrow()

        expect(recording.consoleErrors).toEqual([])
        expect(recording.pageErrors).toEqual([])
        await page.close()
      })
    })
  }
})
