/**
 * @module test/openapi.test
 * The OpenAPI document (DESIGN §7): it lists every API route the app serves and nothing else, each
 * route's request schema is the very zod schema that validates it, staff routes carry their
 * roles, and `/api/docs` renders under a strict CSP with no script.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { z } from 'zod'
import { createApp, systemClock } from '../api/app.ts'
import { submitReportRequest } from '../api/contract/reporter.ts'
import { queueQuery, triageRequest } from '../api/contract/staff.ts'
import { parseEnv } from '../api/env.ts'
import { apiRoutes, DESCRIPTIONS } from '../api/openapi/document.ts'
import { deriveSecrets } from '../api/secrets.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { databases, type TestDatabase } from './support/databases.ts'

let database: TestDatabase
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  const [pglite] = databases
  if (pglite === undefined) throw new Error('no database factory')
  database = await pglite.open()
  const backend = await loadSodium()
  app = createApp({
    db: database.db,
    config: parseEnv({ NODE_ENV: 'test', DATA_DIR: database.dataDir, PUBLIC_URL: 'http://127.0.0.1:8080' }),
    clock: systemClock,
    secrets: deriveSecrets(backend, backend.randomBytes(32)),
  })
})

afterAll(async () => {
  await database?.destroy()
})

type Operation = {
  summary: string
  'x-roles'?: string[]
  parameters?: { name: string; in: string }[]
  requestBody?: { content: { 'application/json': { schema: unknown } } }
  responses: Record<string, unknown>
}

async function document() {
  const response = await app.request('/api/openapi.json')
  expect(response.status).toBe(200)
  return (await response.json()) as { openapi: string; paths: Record<string, Record<string, Operation>> }
}

it('describes exactly the routes the app serves, each with a summary', async () => {
  const routes = apiRoutes(app).map((r) => `${r.method} ${r.path}`)
  const described = Object.keys(DESCRIPTIONS)
  expect(
    routes.filter((r) => !described.includes(r)),
    'routes without a description',
  ).toEqual([])
  expect(
    described.filter((d) => !routes.includes(d)),
    'descriptions of routes that do not exist',
  ).toEqual([])
  const doc = await document()
  expect(doc.openapi).toBe('3.1.0')
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
  )
  expect(operations.length).toBe(routes.length)
  for (const { key, op } of operations) expect(op.summary, key).not.toBe('')
  console.info(`openapi: ${operations.length} operations documented`)
})

it("takes each route's input from the validator that checks it", async () => {
  const doc = await document()
  const submit = doc.paths['/api/reports']?.post
  expect(submit?.requestBody?.content['application/json'].schema).toEqual(
    z.toJSONSchema(submitReportRequest, { io: 'input', unrepresentable: 'any' }),
  )
  const triage = doc.paths['/api/cases/{id}/triage']?.post
  expect(triage?.requestBody?.content['application/json'].schema).toEqual(
    z.toJSONSchema(triageRequest, { io: 'input', unrepresentable: 'any' }),
  )
  expect(triage?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['path:id'])
  const queue = doc.paths['/api/cases']?.get
  const queueKeys = Object.keys(z.toJSONSchema(queueQuery, { io: 'input' }).properties ?? {})
  expect(queue?.parameters?.map((p) => p.name).sort()).toEqual(queueKeys.sort())
  // Roles come from requireStaff(): analysts never read narratives; reporter routes need no session.
  expect(queue?.['x-roles']).toEqual(['admin', 'caseworker'])
  expect(submit?.['x-roles']).toBeUndefined()
  expect(doc.paths['/api/admin/users']?.get?.['x-roles']).toEqual(['admin'])
})

it('serves a readable reference page with no script under a strict CSP', async () => {
  const response = await app.request('/api/docs')
  expect(response.status).toBe(200)
  const csp = response.headers.get('Content-Security-Policy') ?? ''
  expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/)
  expect(csp).not.toContain('unsafe')
  const html = await response.text()
  expect(html).not.toMatch(/<script/i)
  expect(html).toContain('<code>/api/cases/{id}/triage</code>')
  expect(html).toContain('Submit a sealed report')
})
