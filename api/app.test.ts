import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { CryptoError } from '../crypto/errors.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { databases, type TestDatabase } from '../test/support/databases.ts'
import { type AppType, bodyLimitFor, createApp, DEFAULT_BODY_LIMIT, systemClock } from './app.ts'
import { parseEnv } from './env.ts'
import { AppError, toErrorResponse, validate } from './errors.ts'
import { API_CSP } from './pages.ts'
import { deriveSecrets } from './secrets.ts'

const pglite = databases[0]
if (pglite === undefined) throw new Error('PGlite is always available')

let database: TestDatabase
let webDist: string
let app: AppType

beforeAll(async () => {
  database = await pglite.open()
  webDist = mkdtempSync(path.join(os.tmpdir(), 'tnr-web-'))
  mkdirSync(path.join(webDist, 'assets'))
  writeFileSync(path.join(webDist, 'index.html'), '<!doctype html><title>intake</title>')
  writeFileSync(path.join(webDist, 'console.html'), '<!doctype html><title>console</title>')
  writeFileSync(path.join(webDist, 'assets', 'main-abc123.js'), 'export {}')
  writeFileSync(path.join(webDist, 'asset-manifest.json'), '{}')
  const backend = await loadSodium()
  app = createApp({
    db: database.db,
    config: parseEnv({ DATA_DIR: database.dataDir, WEB_DIST: webDist }),
    clock: systemClock,
    secrets: deriveSecrets(backend, backend.randomBytes(32)),
  })
})

afterAll(async () => {
  await database?.destroy()
  rmSync(webDist, { recursive: true, force: true })
})

describe('health and readiness', () => {
  it('answers /api/health with ok', async () => {
    const response = await app.request('/api/health')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('answers /api/ready with ready while the database answers', async () => {
    const response = await app.request('/api/ready')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ready' })
  })

  it('answers /api/ready with 503 once the database is gone', async () => {
    const other = await pglite.open()
    const broken = createApp({
      db: other.db,
      config: parseEnv({ WEB_DIST: webDist }),
      clock: systemClock,
      secrets: deriveSecrets(await loadSodium(), new Uint8Array(32)),
    })
    await other.close()
    const response = await broken.request('/api/ready')
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({ error: { code: 'not_ready', message: expect.any(String) } })
    await other.destroy()
  })
})

describe('errors', () => {
  it('answers unknown /api routes with a JSON 404', async () => {
    const response = await app.request('/api/no/such/route', { method: 'POST', body: '{}' })
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'Not found.' } })
  })

  it('refuses a body above the default limit with 413 before reading it', async () => {
    const response = await app.request('/api/health', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(DEFAULT_BODY_LIMIT + 1) },
      body: 'x'.repeat(DEFAULT_BODY_LIMIT + 1),
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({
      error: { code: 'payload_too_large', message: expect.any(String) },
    })
  })

  it('refuses an oversized chunked body too', async () => {
    const chunk = new Uint8Array(16 * 1024)
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > DEFAULT_BODY_LIMIT * 2) return controller.close()
        sent += chunk.length
        controller.enqueue(chunk)
      },
    })
    const response = await app.request('/api/health', { method: 'POST', body, duplex: 'half' } as RequestInit)
    expect(response.status).toBe(413)
  })

  it('picks the longest matching body-limit prefix', () => {
    const limits = [
      ['/api/a', 100],
      ['/api/a/b', 200],
    ] as const
    expect(bodyLimitFor('/api/a/b/c', limits)).toBe(200)
    expect(bodyLimitFor('/api/a/x', limits)).toBe(100)
    expect(bodyLimitFor('/api/ab', limits)).toBe(DEFAULT_BODY_LIMIT)
  })

  describe('in a route using validate()', () => {
    const probe = new Hono()
      .post('/echo', validate('json', z.strictObject({ name: z.string().max(5) })), (c) =>
        c.json(c.req.valid('json')),
      )
      .get('/crypto', () => {
        throw new CryptoError('bad_magic')
      })
      .get('/signature', () => {
        throw new CryptoError('bad_signature')
      })
      .get('/conflict', () => {
        throw new AppError('pow_spent')
      })
      .get('/bug', () => {
        throw new Error('secret detail: SELECT * FROM cases WHERE lookup_id = $1')
      })
    probe.onError((error, c) => {
      const { status, body } = toErrorResponse(error)
      return c.json(body, status)
    })
    const post = (body: string) =>
      probe.request('/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body })

    it('passes valid input through', async () => {
      const response = await post('{"name":"ab"}')
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ name: 'ab' })
    })

    it('turns malformed JSON into 400 invalid_json', async () => {
      const response = await post('{"name":')
      expect(response.status).toBe(400)
      expect(await response.json()).toEqual({ error: { code: 'invalid_json', message: expect.any(String) } })
    })

    it('turns a schema failure into 400 invalid_request naming the field but not the value', async () => {
      const response = await post('{"name":"canary-value-123"}')
      expect(response.status).toBe(400)
      const body = (await response.json()) as { error: { code: string; message: string } }
      expect(body.error.code).toBe('invalid_request')
      expect(body.error.message).toMatch(/^name: /)
      expect(body.error.message).not.toContain('canary-value-123')
    })

    it('maps CryptoError to 400, or 422 for a signature that does not verify', async () => {
      expect((await probe.request('/crypto')).status).toBe(400)
      expect((await probe.request('/signature')).status).toBe(422)
    })

    it('maps AppError codes to their statuses', async () => {
      const response = await probe.request('/conflict')
      expect(response.status).toBe(409)
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('pow_spent')
    })

    it('answers a genuine fault with 500 internal and no detail', async () => {
      const response = await probe.request('/bug')
      expect(response.status).toBe(500)
      const text = await response.text()
      expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'Internal error.' } })
      expect(text).not.toMatch(/secret detail|SELECT|at /)
    })
  })
})

describe('pages and headers', () => {
  it('serves the intake page with the reporter CSP, no-store and no cookies', async () => {
    const response = await app.request('/')
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('intake')
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self';")
    expect(csp).not.toContain('wasm-unsafe-eval')
    expect(csp).toContain("frame-ancestors 'none'")
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('set-cookie')).toBeNull()
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin')
    expect(response.headers.get('permissions-policy')).toContain('camera=()')
  })

  it('serves the console with wasm-unsafe-eval and a blob: frame source', async () => {
    const response = await app.request('/console')
    expect(response.status).toBe(200)
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'")
    expect(csp).toContain("frame-src 'self' blob:")
  })

  it('serves hashed assets as immutable and refuses paths outside WEB_DIST', async () => {
    const asset = await app.request('/assets/main-abc123.js')
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toContain('immutable')
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/)
    for (const probe of [
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
      '/assets/..%2Fconsole.html',
      '/index.html',
    ]) {
      expect((await app.request(probe)).status).toBe(404)
    }
  })

  it('gzips built files for clients that accept it, and never API responses', async () => {
    const plain = await app.request('/assets/main-abc123.js')
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(plain.headers.get('vary')).toBe('Accept-Encoding')
    const zipped = await app.request('/assets/main-abc123.js', { headers: { 'Accept-Encoding': 'gzip, br' } })
    expect(zipped.headers.get('content-encoding')).toBe('gzip')
    expect(gunzipSync(new Uint8Array(await zipped.arrayBuffer())).toString()).toBe('export {}')
    const refused = await app.request('/', { headers: { 'Accept-Encoding': 'gzip;q=0' } })
    expect(refused.headers.get('content-encoding')).toBeNull()
    const api = await app.request('/api/health', { headers: { 'Accept-Encoding': 'gzip' } })
    expect(api.headers.get('content-encoding')).toBeNull()
  })

  it('answers a page that was not built with 404, and API responses with the strict CSP', async () => {
    expect((await app.request('/followup')).status).toBe(404)
    const api = await app.request('/api/health')
    expect(api.headers.get('content-security-policy')).toBe(API_CSP)
    expect(api.headers.get('cache-control')).toBe('no-store')
  })

  it('answers 503 "web not built" when WEB_DIST is missing', async () => {
    const unbuilt = createApp({
      db: database.db,
      config: parseEnv({ WEB_DIST: path.join(webDist, 'missing') }),
      clock: systemClock,
      secrets: deriveSecrets(await loadSodium(), new Uint8Array(32)),
    })
    const response = await unbuilt.request('/')
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({
      error: { code: 'web_not_built', message: 'web not built: run npm run build' },
    })
  })
})
