/**
 * @module test/bench/browser
 * Runs test/bench/browser/main.ts in Chromium for the console and statistics benchmarks: builds
 * the page with Vite's build API into a temporary directory, serves it and the benchmark's data
 * files from a small static server on 127.0.0.1, and opens it in the project's Chromium
 * (test/support/chromium.ts).
 */
import { readFileSync, rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { build } from 'vite'
import { type ChromiumSession, launchChromium } from '../support/chromium.ts'
import { REPO_ROOT } from './env.ts'

export type BenchRecord = { context: string; seq: number; envelope: Uint8Array }

/** u8 context length ‖ context ‖ u8 seq ‖ u32 envelope length ‖ envelope, concatenated. */
export function encodeRecords(records: readonly BenchRecord[]): Buffer {
  const parts: Buffer[] = []
  for (const r of records) {
    const context = Buffer.from(r.context, 'ascii')
    const head = Buffer.alloc(1 + context.length + 5)
    head[0] = context.length
    context.copy(head, 1)
    head[1 + context.length] = r.seq
    head.writeUInt32BE(r.envelope.length, 2 + context.length)
    parts.push(head, Buffer.from(r.envelope.buffer, r.envelope.byteOffset, r.envelope.byteLength))
  }
  return Buffer.concat(parts)
}

export type BenchBrowser = {
  readonly page: Page
  /** Makes `bytes` available at the returned same-origin URL. */
  serve(name: string, bytes: Buffer): string
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
}

export async function openBenchBrowser(): Promise<BenchBrowser> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'tnr-bench-page-'))
  await build({
    root: path.join(REPO_ROOT, 'test/bench/browser'),
    configFile: false,
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  })
  const data = new Map<string, Buffer>()
  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    const blob = data.get(pathname)
    if (blob !== undefined) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': blob.length })
      res.end(blob)
      return
    }
    const file = path.join(outDir, pathname === '/' ? 'index.html' : path.normalize(pathname))
    if (!file.startsWith(outDir)) {
      res.writeHead(404).end()
      return
    }
    try {
      const body = readFileSync(file)
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
      res.end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const origin = `http://127.0.0.1:${port}`
  let session: ChromiumSession | undefined
  try {
    session = await launchChromium()
    const page = await session.context.newPage()
    await page.goto(`${origin}/`)
    await page.waitForFunction(() => 'tnrBench' in globalThis, undefined, { timeout: 60_000 })
    const opened = session
    return {
      page,
      serve(name, bytes) {
        data.set(`/data/${name}`, bytes)
        return `${origin}/data/${name}`
      },
      async close() {
        await opened.close()
        await new Promise((resolve) => server.close(resolve))
        rmSync(outDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await session?.close()
    server.close()
    rmSync(outDir, { recursive: true, force: true })
    throw error
  }
}
