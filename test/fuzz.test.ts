/**
 * @module test/fuzz.test
 * Hostile-input fuzzing of every API route (DESIGN §10, issue 7 item 1): property-based
 * (fast-check, fixed seed, so a failure replays exactly) through `createApp(...).request()` on a
 * real database — PGlite always, PostgreSQL when DATABASE_URL is set.
 *
 * The routes are read from the app itself (`app.routes`), so a route added later is fuzzed
 * without anyone remembering to list it. Each case is one request with hostile material in the
 * body (malformed JSON, wrong types, deep nesting, huge strings, bad base64, truncated and
 * bit-flipped envelopes, unknown versions, hostile Unicode, injection strings), the query, the
 * headers and the path. Requests start from a valid template for the route (real credentials, a
 * real envelope, a stored attachment) and break at least one thing, so the fuzz reaches the
 * checks behind the validator, not only the validator.
 *
 * What must hold: never a 5xx; every 4xx is JSON `{ error: { code, message } }` with a stable
 * snake_case code; and nothing is stored — the row count of every table is the same after a
 * route's run as before (except login throttling's counters, which failed logins feed by design). Templates are built so no mutation can be legitimately accepted: the
 * reports and messages templates reuse a spent challenge, the attachment is already complete and
 * the case is at its attachment quota.
 *
 * Counts: 60 cases per route by default (about 2,700 per database), 1,000 per route with LONG=1
 * (`npm run test:long`).
 */
import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.ts'
import type { Db } from '../api/db/index.ts'
import { parseEnv } from '../api/env.ts'
import type { RatePolicies } from '../api/rate-limit.ts'
import { deriveSecrets, type ServerSecrets } from '../api/secrets.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64 } from '../crypto/bytes.ts'
import { REPORTER_AUTHOR, sealItem } from '../crypto/items.ts'
import { solvePow } from '../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode, type ReceiptKeys } from '../crypto/receipt.ts'
import { sealReport } from '../crypto/report.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { createStreamEncryptor } from '../crypto/stream.ts'
import { databases, type TestDatabase } from './support/databases.ts'
import {
  hostileContentType,
  hostileHeaderValue,
  hostileRawBody,
  hostileString,
  hostileUrlPart,
  hostileValue,
} from './support/hostile.ts'
import { type DemoOrganisation, seedDemoOrganisation } from './support/seed.ts'

const LONG = process.env.LONG === '1'
const RUNS_PER_ROUTE = LONG ? 1_000 : 60
const SEED = 20_261_125

/** Generous buckets: the fuzz must reach the validators, not stop at 429 after the burst. */
const UNLIMITED: RatePolicies = {
  challenge: { burst: 1e9, perMinute: 1e9 },
  submit: { burst: 1e9, perMinute: 1e9 },
  read: { burst: 1e9, perMinute: 1e9 },
  chunk: { burst: 1e9, perMinute: 1e9 },
}

type Json = Record<string, unknown>
type Route = { method: string; path: string }

function rows(result: unknown): Array<Record<string, unknown>> {
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<
    Record<string, unknown>
  >
}

/** Row count of every table in the schema (migrations bookkeeping included). */
async function tableCounts(db: Db): Promise<Record<string, number>> {
  const tables = rows(
    await db.execute(
      sql`select table_schema || '.' || table_name as name from information_schema.tables
          where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'
          order by 1`,
    ),
  ).map((row) => String(row.name))
  const out: Record<string, number> = {}
  for (const table of tables) {
    const [schema, name] = table.split('.')
    const result = rows(
      await db.execute(
        sql`select count(*)::int as n from ${sql.identifier(schema ?? '')}.${sql.identifier(name ?? '')}`,
      ),
    )
    out[table] = Number(result[0]?.n)
  }
  return out
}

/**
 * Rows that failed requests create by design, left out of "stores nothing": a failed login
 * counts against the account name (login throttling, DESIGN §7).
 */
const EXPECTED_SIDE_EFFECTS: ReadonlySet<string> = new Set(['public.login_throttle'])

function withoutExpectedSideEffects(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([table]) => !EXPECTED_SIDE_EFFECTS.has(table)))
}

/** A request as the property builds it, kept printable for the counterexample. */
type HostileRequest = {
  path: string
  query: string
  headers: Record<string, string>
  body: string | Uint8Array | undefined
  /** What was done to the template, for the failure message. */
  note: string
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes)
  const index = Math.floor(bit / 8) % out.length
  out[index] = (out[index] ?? 0) ^ (1 << (bit % 8))
  return out
}

/** Ways to break a base64 field while keeping it base64-looking. */
const base64Breakers: ReadonlyArray<(text: string) => string> = [
  (t) => t.replace(/=+$/, ''),
  (t) => `${t}=`,
  (t) => t.replace(/\+/g, '-').replace(/\//g, '_'),
  (t) => `${t.slice(0, -2)}!${t.slice(-1)}`,
  (t) => ` ${t}`,
  (t) => `${t}\n`,
  (t) => t.slice(0, Math.max(0, t.length - 1)),
  (t) => t.toLowerCase(),
  (t) => (t.endsWith('==') ? `${t.slice(0, -3)}B==` : `${t.slice(0, -2)}B=`),
]

/** Mutations of a template body; each changes at least one thing. */
function mutatedBody(template: Json): fc.Arbitrary<{ body: unknown; note: string }> {
  const keys = Object.keys(template)
  const options: Array<fc.Arbitrary<{ body: unknown; note: string }>> = [
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), hostileValue).map(([key, value]) => ({
      body: { ...template, [`x${key}`]: value },
      note: 'unknown field',
    })),
    fc
      .constantFrom<unknown>([template], JSON.stringify(template), { wrapped: template }, null)
      .map((body) => ({ body, note: 'wrapped' })),
  ]
  if (keys.length > 0) {
    options.push(
      fc
        .tuple(fc.constantFrom(...keys), hostileValue)
        .filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(template[key]))
        .map(([key, value]) => ({ body: { ...template, [key]: value }, note: `hostile ${key}` })),
      fc.constantFrom(...keys).map((key) => {
        const { [key]: _dropped, ...rest } = template
        return { body: rest, note: `without ${key}` }
      }),
    )
    const base64Keys = keys.filter((key) => {
      const value = template[key]
      return (
        typeof value === 'string' && /^[A-Za-z0-9+/]{8,}={0,2}$/.test(value) && !/^[0-9a-f]+$/.test(value)
      )
    })
    if (base64Keys.length > 0) {
      options.push(
        fc
          .tuple(fc.constantFrom(...base64Keys), fc.integer({ min: 0, max: base64Breakers.length - 1 }))
          .map(([key, which]) => ({
            body: { ...template, [key]: base64Breakers[which]?.(String(template[key])) },
            note: `bad base64 in ${key}`,
          })),
      )
    }
  }
  const envelopeKey = ['envelope', 'data', 'header'].find((key) => typeof template[key] === 'string')
  if (envelopeKey !== undefined) {
    const bytes = fromBase64(String(template[envelopeKey]))
    options.push(
      fc
        .oneof(
          fc.integer({ min: 0, max: bytes.length - 1 }).map((n) => ({
            bytes: bytes.subarray(0, n),
            note: `truncated ${envelopeKey} at ${n}`,
          })),
          fc.integer({ min: 0, max: bytes.length * 8 - 1 }).map((bit) => ({
            bytes: flipBit(bytes, bit),
            note: `bit ${bit} of ${envelopeKey} flipped`,
          })),
          fc
            .integer({ min: 0, max: 255 })
            .filter((v) => v !== bytes[3])
            .map((version) => {
              const out = Uint8Array.from(bytes)
              out[3] = version
              return { bytes: out, note: `${envelopeKey} version ${version}` }
            }),
          fc
            .integer({ min: 0, max: 255 })
            .filter((v) => v !== bytes[4])
            .map((kind) => {
              const out = Uint8Array.from(bytes)
              out[4] = kind
              return { bytes: out, note: `${envelopeKey} byte 4 = ${kind}` }
            }),
          fc.uint8Array({ minLength: 1, maxLength: 64 }).map((extra) => {
            const out = new Uint8Array(bytes.length + extra.length)
            out.set(bytes)
            out.set(extra, bytes.length)
            return { bytes: out, note: `${extra.length} bytes appended to ${envelopeKey}` }
          }),
        )
        .map(({ bytes: mutated, note }) => ({
          body: { ...template, [envelopeKey]: toBase64(mutated) },
          note,
        })),
    )
  }
  return fc.oneof(...options)
}

function hostileRequest(route: Route, template: Json | undefined): fc.Arbitrary<HostileRequest> {
  const paramCount = (route.path.match(/:[A-Za-z]+/g) ?? []).length
  const path = fc
    .tuple(
      fc.array(fc.oneof(hostileUrlPart, fc.uuid()), { minLength: paramCount, maxLength: paramCount }),
      fc.oneof(
        { weight: 8, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: fc.constantFrom('/', '/..', '/%2e%2e/admin', '//', '/%00') },
      ),
    )
    .map(([params, suffix]) => {
      let index = 0
      return `${route.path.replace(/:[A-Za-z]+/g, () => params[index++] ?? '')}${suffix}`
    })
  const query = fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: hostileUrlPart.map((q) => `?${q}`) },
    { weight: 1, arbitrary: hostileUrlPart.map((q) => `?lookupId=${q}&authToken=${q}&limit=-1&sort=${q}`) },
  )
  const headers = fc
    .record(
      {
        contentType: hostileContentType,
        xff: hostileHeaderValue,
        ua: hostileHeaderValue,
        cookie: hostileHeaderValue,
        language: hostileHeaderValue,
        // Most staff routes check the origin first; a same-origin value gets the fuzz past it.
        origin: fc.oneof(fc.constant('http://localhost'), hostileHeaderValue),
        proto: hostileHeaderValue,
      },
      { requiredKeys: [] },
    )
    .map((h) => {
      const out: Record<string, string> = {}
      if (h.contentType !== undefined) out['content-type'] = h.contentType
      if (h.xff !== undefined) out['x-forwarded-for'] = h.xff
      if (h.ua !== undefined) out['user-agent'] = h.ua
      if (h.cookie !== undefined) out.cookie = `__Host-session=${h.cookie}`
      if (h.language !== undefined) out['accept-language'] = h.language
      if (h.origin !== undefined) out.origin = h.origin
      if (h.proto !== undefined) out['x-forwarded-proto'] = h.proto
      return out
    })
  const body: fc.Arbitrary<{ body: string | Uint8Array | undefined; note: string }> =
    route.method === 'GET'
      ? fc.constant({ body: undefined, note: 'GET' })
      : fc.oneof(
          {
            weight: 3,
            arbitrary: mutatedBody(template ?? {}).map(({ body: b, note }) => ({
              body: JSON.stringify(b),
              note,
            })),
          },
          { weight: 2, arbitrary: hostileRawBody.map((b) => ({ body: b, note: 'raw body' })) },
          {
            weight: 1,
            arbitrary: fc
              .dictionary(hostileString, hostileValue, { maxKeys: 6 })
              .map((b) => ({ body: JSON.stringify(b), note: 'random object' })),
          },
        )
  return fc.record({ path, query, headers, body }).map(({ path: p, query: q, headers: h, body: b }) => ({
    path: p,
    query: q,
    // A JSON body without a content type is also hostile; keep the header most of the time.
    headers:
      b.body !== undefined && h['content-type'] === undefined
        ? { ...h, 'content-type': 'application/json' }
        : h,
    body: b.body,
    note: b.note,
  }))
}

describe.each(databases)('hostile input on every route on $name', (factory) => {
  let database: TestDatabase
  let backend: CryptoBackend
  let secrets: ServerSecrets
  let demo: DemoOrganisation
  let app: ReturnType<typeof createApp>
  const templates = new Map<string, Json>()
  const printed: string[] = []
  const totals = { tried: 0, fiveXx: 0 }

  const post = (path: string, body: unknown) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })

  async function solved(): Promise<{ challenge: string; nonce: string }> {
    const { challenge, bits } = (await (await post('/api/pow/challenge', {})).json()) as {
      challenge: string
      bits: number
    }
    const nonce = solvePow(backend, fromBase64(challenge), bits)
    if (nonce === undefined) throw new Error('no solution')
    return { challenge, nonce }
  }

  beforeAll(async () => {
    database = await factory.open()
    backend = await loadSodium()
    secrets = deriveSecrets(backend, backend.randomBytes(32))
    demo = await seedDemoOrganisation(database.db, backend, secrets)
    app = createApp({
      db: database.db,
      config: parseEnv({ NODE_ENV: 'test', DATA_DIR: database.dataDir }),
      clock: { now: () => new Date() },
      secrets,
      logger: { info: (line) => printed.push(line), error: (line) => printed.push(line) },
      reporter: {
        // One attachment per case, and the case below has it: a header whose random prefix was
        // bit-flipped is still a valid new upload, so creation must end at the quota instead.
        limits: { powBaseBits: 1, powMaxBits: 1, maxAttachmentsPerCase: 1 },
        ratePolicies: { address: UNLIMITED, global: UNLIMITED, lookup: UNLIMITED },
      },
    })

    // One real case with a complete attachment: the templates' credentials and ids are live.
    const receipt: ReceiptKeys = deriveReceiptKeys(backend, generateReceiptCode(backend))
    const desk = demo.desks[0]
    if (desk === undefined) throw new Error('the demo organisation has no desk')
    const envelope = sealReport(backend, {
      recipients: [desk.publicKey],
      lookupId: receipt.lookupId,
      report: {
        reporterPublicKey: toBase64(receipt.reporterPublicKey),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
        narrative: 'A report to fuzz around.',
      },
    })
    const spent = await solved()
    const submission = {
      deskId: desk.deskId,
      lookupId: receipt.lookupId,
      authToken: receipt.authToken,
      reporterPublicKey: toBase64(receipt.reporterPublicKey),
      reporterSigningKey: toBase64(receipt.reporterSigningKey),
      envelope: toBase64(envelope),
      pow: spent,
    }
    expect((await post('/api/reports', submission)).status).toBe(201)
    const creds = { lookupId: receipt.lookupId, authToken: receipt.authToken }
    const stream = createStreamEncryptor(backend, new Uint8Array(3000).fill(9))
    const size = stream.streamLength - stream.header.length
    const created = await post('/api/attachments', {
      ...creds,
      header: toBase64(stream.header),
      chunks: stream.chunks,
      size,
    })
    expect(created.status).toBe(201)
    const { attachmentId } = (await created.json()) as { attachmentId: string }
    const chunk = toBase64(stream.encryptChunk(0))
    expect(
      (await post('/api/attachments/chunks', { ...creds, attachmentId, index: 0, data: chunk })).status,
    ).toBe(201)
    const message = sealItem(backend, {
      kind: 2,
      context: receipt.lookupId,
      recipients: [desk.publicKey, receipt.reporterPublicKey],
      body: { text: 'More.', seq: 1, writtenOn: '2026-11-25' },
      author: REPORTER_AUTHOR,
      signingSeed: receipt.reporterSigningSeed,
    })

    // A fresh lookup id with the spent challenge: reaches the desk, slot and PoW checks, ends 409.
    const other = deriveReceiptKeys(backend, generateReceiptCode(backend))
    templates.set('POST /api/reports', {
      ...submission,
      lookupId: other.lookupId,
      authToken: other.authToken,
    })
    templates.set('POST /api/followup', creds)
    templates.set('POST /api/followup/erase', creds)
    templates.set('POST /api/followup/messages', { ...creds, envelope: toBase64(message), pow: spent })
    templates.set('POST /api/attachments', {
      ...creds,
      header: toBase64(stream.header),
      chunks: stream.chunks,
      size,
    })
    templates.set('POST /api/attachments/chunks', { ...creds, attachmentId, index: 0, data: chunk })
    templates.set('POST /api/attachments/status', { ...creds, attachmentId })
    templates.set('POST /api/pow/challenge', {})
    templates.set('POST /api/auth/login', {
      username: 'amina',
      authKey: `${'A'.repeat(43)}=`,
      totp: '123456',
    })
    templates.set('POST /api/auth/params', { username: 'amina' })
  })

  afterAll(async () => {
    console.log(
      `hostile inputs on ${factory.name}: ${totals.tried.toLocaleString('en')} tried, ${totals.fiveXx} × 5xx`,
    )
    await database?.destroy()
  })

  // Read from an app without a database: the route table does not depend on one.
  const routes: Route[] = [
    ...new Map(
      createApp({
        db: {} as Db,
        config: parseEnv({ NODE_ENV: 'test' }),
        clock: { now: () => new Date() },
        secrets: {} as ServerSecrets,
      })
        .routes.filter((route) => route.method !== 'ALL' && route.path.startsWith('/api/'))
        .map((route) => [`${route.method} ${route.path}`, { method: route.method, path: route.path }]),
    ).values(),
  ].sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`))

  it('finds the Reporter API v1 routes among the routes it fuzzes', () => {
    const names = routes.map((route) => `${route.method} ${route.path}`)
    for (const name of [
      'GET /api/intake/config',
      'POST /api/pow/challenge',
      'POST /api/reports',
      'POST /api/followup',
      'POST /api/followup/messages',
      'POST /api/followup/erase',
      'POST /api/attachments',
      'POST /api/attachments/chunks',
      'POST /api/attachments/status',
    ]) {
      expect(names).toContain(name)
    }
  })

  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s answers hostile input with a 4xx JSON error, never a 5xx, and stores nothing',
    async (name, route) => {
      const before = await tableCounts(database.db)
      let tried = 0
      let fiveXx = 0
      const statuses = new Map<number, number>()
      await fc.assert(
        fc.asyncProperty(hostileRequest(route, templates.get(name)), async (request) => {
          tried++
          const response = await app.request(`${request.path}${request.query}`, {
            method: route.method,
            headers: request.headers,
            ...(request.body === undefined
              ? {}
              : { body: typeof request.body === 'string' ? request.body : new Uint8Array(request.body) }),
          })
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
          if (response.status >= 500) fiveXx++
          expect(response.status, request.note).toBeLessThan(500)
          if (response.status >= 400) {
            expect(response.headers.get('content-type') ?? '', request.note).toMatch(/^application\/json/)
            const json = (await response.json()) as { error?: { code?: unknown; message?: unknown } }
            expect(String(json.error?.code), request.note).toMatch(/^[a-z][a-z0-9_]*$/)
            expect(typeof json.error?.message, request.note).toBe('string')
          } else {
            await response.arrayBuffer()
          }
        }),
        { numRuns: RUNS_PER_ROUTE, seed: SEED, endOnFailure: true },
      )
      totals.tried += tried
      totals.fiveXx += fiveXx
      const histogram = [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')
      console.log(`${name} (${factory.name}): hostile inputs: ${tried} tried, ${fiveXx} × 5xx [${histogram}]`)
      expect(withoutExpectedSideEffects(await tableCounts(database.db))).toEqual(
        withoutExpectedSideEffects(before),
      )
    },
    LONG ? 900_000 : 120_000,
  )

  it('refuses a NUL character in any text field with 400, which PostgreSQL text cannot store', async () => {
    // Found by this fuzz (LONG=1): a NUL in a username reached the database as a 500.
    for (const [path, body] of [
      ['/api/auth/params', { username: 'amina\u0000' }],
      ['/api/auth/login', { username: '\u0000', authKey: `${'A'.repeat(43)}=`, totp: '123456' }],
      ['/api/admin/invites/info', { token: 'x\u0000y' }],
    ] as const) {
      const response = await app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost' },
        body: JSON.stringify(body),
      })
      expect(response.status, path).toBe(400)
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_request')
    }
  })

  it('never printed an internal error while being fuzzed', () => {
    expect(printed.filter((line) => /internal error/i.test(line))).toEqual([])
  })
})
