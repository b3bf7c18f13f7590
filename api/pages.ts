/**
 * @module api/pages
 * Serves the built web (`WEB_DIST`, written by `npm run build`) and sets the security headers of
 * every response, pages and API alike (DESIGN §4).
 *
 * - Pages: `/` intake, `/followup`, `/safety`, `/stats` (reporter pages) and `/console`. HTML is
 *   `no-store`, so a shared or seized machine's cache keeps no page a reporter visited and a new
 *   build is picked up at once.
 * - `/assets/*`: content-hashed by the bundler, so cached for a year as immutable.
 * - Per-page CSP: reporter pages allow only same-origin scripts and nothing inline; the console
 *   adds `'wasm-unsafe-eval'` (libsodium) and `frame-src 'self' blob:` for the sandboxed evidence
 *   viewer. API responses get `default-src 'none'`.
 * - Reporter pages never carry cookies: any `Set-Cookie` is stripped there as a backstop.
 * - File names are checked against a strict pattern and resolved inside WEB_DIST, so no request
 *   can read outside it.
 */
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { Hono, type MiddlewareHandler } from 'hono'
import { AppError } from './errors.ts'

const REPORTER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "frame-src 'self' blob:",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/**
 * A dedicated worker runs under the CSP delivered with its script, not the page's. Scripts under
 * /assets/ therefore carry a worker policy: same-origin only, plus WebAssembly for the console's
 * libsodium worker (a worker cannot load anything the page could not).
 */
const ASSET_CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'"

/** API answers are data, never documents: nothing may load or run from them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'ambient-light-sensor=()',
  'autoplay=()',
  'bluetooth=()',
  'browsing-topics=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'hid=()',
  'interest-cohort=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'publickey-credentials-get=()',
  'screen-wake-lock=()',
  'serial=()',
  'usb=()',
  'xr-spatial-tracking=()',
].join(', ')

export type Page = { path: string; file: string; audience: 'reporter' | 'staff' }

export const PAGES: readonly Page[] = [
  { path: '/', file: 'index.html', audience: 'reporter' },
  { path: '/followup', file: 'followup.html', audience: 'reporter' },
  { path: '/safety', file: 'safety.html', audience: 'reporter' },
  { path: '/stats', file: 'stats.html', audience: 'reporter' },
  { path: '/console', file: 'console.html', audience: 'staff' },
]

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
}

const SAFE_RELATIVE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/

/** Headers every response carries, whatever produced it (including errors and 404s). */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await next()
    const headers = c.res.headers
    headers.set('Referrer-Policy', 'no-referrer')
    headers.set('X-Content-Type-Options', 'nosniff')
    headers.set('X-Frame-Options', 'DENY')
    headers.set('Cross-Origin-Opener-Policy', 'same-origin')
    headers.set('Cross-Origin-Resource-Policy', 'same-origin')
    headers.set('Permissions-Policy', PERMISSIONS_POLICY)
    if (!headers.has('Content-Security-Policy')) headers.set('Content-Security-Policy', API_CSP)
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store')
    const pathname = c.req.path
    if (!pathname.startsWith('/api/') && pathname !== '/console') headers.delete('Set-Cookie')
  }
}

/** Resolves a checked relative path inside `root`, or undefined. */
function inside(root: string, relative: string): string | undefined {
  if (
    !SAFE_RELATIVE_PATH.test(relative) ||
    relative.split('/').some((part) => part === '..' || part === '.')
  ) {
    return undefined
  }
  const resolved = path.resolve(root, relative)
  return resolved.startsWith(root + path.sep) ? resolved : undefined
}

type StaticFile = { body: Uint8Array<ArrayBuffer>; gzip?: Uint8Array<ArrayBuffer> }

/** Text types worth compressing; images and fonts are already compressed. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.webmanifest'])

/**
 * Built files, gzipped once and kept while their size and mtime are unchanged. Only static files
 * are compressed: API responses never are, since compressing them would undo the length padding
 * of follow-up answers (DESIGN §7) and invite BREACH-style length oracles.
 */
const fileCache = new Map<string, StaticFile & { mtimeMs: number; size: number }>()

async function readRegularFile(file: string): Promise<StaticFile | undefined> {
  try {
    const info = await stat(file)
    if (!info.isFile()) return undefined
    const cached = fileCache.get(file)
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached
    const body = new Uint8Array(await readFile(file))
    const gzip = COMPRESSIBLE.has(path.extname(file).toLowerCase())
      ? new Uint8Array(gzipSync(body, { level: 9 }))
      : undefined
    const entry = { body, gzip, mtimeMs: info.mtimeMs, size: info.size }
    if (fileCache.size > 500) fileCache.clear()
    fileCache.set(file, entry)
    return entry
  } catch {
    return undefined
  }
}

function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return /(?:^|,)\s*gzip\s*(?:;\s*q=(?:1(?:\.0*)?|0?\.\d*[1-9]\d*))?\s*(?:,|$)/i.test(acceptEncoding ?? '')
}

async function webBuilt(webDist: string): Promise<boolean> {
  try {
    return (await stat(webDist)).isDirectory()
  } catch {
    return false
  }
}

function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}

export function pageRoutes(webDist: string) {
  const root = path.resolve(webDist)

  async function serveFile(
    relative: string,
    headers: Record<string, string>,
    acceptEncoding: string | undefined,
  ): Promise<Response> {
    if (!(await webBuilt(root))) throw new AppError('web_not_built')
    const file = inside(root, relative)
    const found = file === undefined ? undefined : await readRegularFile(file)
    if (file === undefined || found === undefined) throw new AppError('not_found')
    const type = { 'Content-Type': contentType(file), ...headers }
    if (found.gzip === undefined) return new Response(found.body, { status: 200, headers: type })
    if (!acceptsGzip(acceptEncoding)) {
      return new Response(found.body, { status: 200, headers: { ...type, Vary: 'Accept-Encoding' } })
    }
    return new Response(found.gzip, {
      status: 200,
      headers: { ...type, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' },
    })
  }

  let app = new Hono()
  for (const page of PAGES) {
    const csp = page.audience === 'staff' ? CONSOLE_CSP : REPORTER_CSP
    app = app.get(page.path, (c) =>
      serveFile(
        page.file,
        { 'Cache-Control': 'no-store', 'Content-Security-Policy': csp },
        c.req.header('Accept-Encoding'),
      ),
    )
  }
  return app
    .get('/assets/*', (c) =>
      serveFile(
        c.req.path.slice(1),
        { 'Cache-Control': 'public, max-age=31536000, immutable', 'Content-Security-Policy': ASSET_CSP },
        c.req.header('Accept-Encoding'),
      ),
    )
    .get('/:file{[A-Za-z0-9_-][A-Za-z0-9._-]*}', (c) => {
      const name = c.req.param('file')
      // HTML is served only under its page path, with its page's CSP.
      if (name.toLowerCase().endsWith('.html')) throw new AppError('not_found')
      return serveFile(
        name,
        { 'Cache-Control': 'no-cache', 'Content-Security-Policy': ASSET_CSP },
        c.req.header('Accept-Encoding'),
      )
    })
}
