/**
 * @module test/console-cases.test
 * Related cases through the staff API (api/routes/cases.ts) on a real database, PGlite always and
 * PostgreSQL when DATABASE_URL is set: linking two cases of one desk (listed from both sides),
 * unlinking, merging a duplicate (gone from the queue, still readable, final for caseworkers,
 * undone only by an admin), and the refusals — a case of another desk answers 404 like a missing
 * one, analysts get 403, a cross-origin request 403, a bad body 400 — each leaving nothing stored
 * and nothing appended to the audit log. Every accepted change appends exactly one signed entry.
 * Sessions are planted directly (token hash in `sessions`): login has its own suite.
 *
 * A case coded again counts once in the statistics, with its newest coding. Also the reply
 * templates (web/console/templates/): every reporter language has every template
 * with the same ICU arguments, and each fills, with the language's plural forms.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser'
import { asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.ts'
import { seededRandom, syntheticCoding } from '../api/cli/seed-codings.ts'
import type { CodingV1 } from '../api/contract/coding.ts'
import type { CaseRelationsResponse } from '../api/contract/staff.ts'
import { auditLog, caseItems, caseLinks, cases, deskMembers, sessions } from '../api/db/schema.ts'
import { parseEnv } from '../api/env.ts'
import { deriveSecrets } from '../api/secrets.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { H } from '../crypto/hash.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { sealCoding } from '../web/console/coding/seal.ts'
import { signAudit } from '../web/console/keys.ts'
import { openWithSigners } from '../web/console/stats/build.ts'
import { fillTemplate, TEMPLATE_IDS, type TemplateFile } from '../web/console/templates/fill.ts'
import { LOCALES } from '../web/shared/locale-list.ts'
import { databases, type TestDatabase } from './support/databases.ts'
import {
  type DemoOrganisation,
  type SeededStaff,
  seedDemoOrganisation,
  seedStaffUser,
} from './support/seed.ts'

const ORIGIN = 'http://localhost'

describe.each(databases)('Related cases on $name', (factory) => {
  let database: TestDatabase
  let backend: CryptoBackend
  let app: ReturnType<typeof createApp>
  let demo: DemoOrganisation
  let caseworker: SeededStaff
  let otherDeskWorker: SeededStaff
  let admin: SeededStaff
  let analyst: SeededStaff
  const cookies = new Map<string, string>()
  const now = new Date('2026-03-01T12:00:00.000Z')
  // Cases on desk 0: a, b, c, d; on desk 1: x.
  const ids = { a: '', b: '', c: '', d: '', x: '' }

  async function plantSession(userId: string): Promise<string> {
    const token = backend.randomBytes(32)
    await database.db.insert(sessions).values({
      tokenHash: H(backend, 'tnr/v1/session-token', [token]),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + 3_600_000),
    })
    return `__Host-session=${Buffer.from(token).toString('base64url')}`
  }

  async function plantCase(deskId: string, receivedOn: string): Promise<string> {
    const id = randomUUID()
    await database.db.insert(cases).values({
      id,
      deskId,
      receivedOn,
      lookupId: Buffer.from(backend.randomBytes(16)).toString('hex'),
      authHash: backend.randomBytes(32),
      reporterPublicKey: backend.randomBytes(32),
      reporterSigningKey: backend.randomBytes(32),
      proofStatement: '{}',
      proofSignature: backend.randomBytes(64),
    })
    // The queue lists a case with its report (seq 0); the bytes are never opened here.
    await database.db
      .insert(caseItems)
      .values({ caseId: id, seq: 0, kind: 1, envelope: backend.randomBytes(48), createdOn: receivedOn })
    return id
  }

  const request = (
    method: string,
    path: string,
    options: { body?: unknown; as?: SeededStaff; origin?: string } = {},
  ) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      origin: options.origin ?? ORIGIN,
    }
    const cookie = options.as === undefined ? undefined : cookies.get(options.as.userId)
    if (cookie !== undefined) headers.cookie = cookie
    return app.request(`${ORIGIN}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
  }

  /** The browser's part: read the head, sign the entry the server will derive from the request. */
  async function audit(who: SeededStaff, action: string, target: string) {
    const head = (await (await request('GET', '/api/audit/head', { as: who })).json()) as {
      seq: number
      headHash: string
    }
    return signAudit(backend, { signingSeed: who.signingSeed, actor: who.userId, action, target, head, now })
  }

  const relations = async (id: string, as = caseworker) => {
    const response = await request('GET', `/api/cases/${id}/relations`, { as })
    expect(response.status).toBe(200)
    return (await response.json()) as CaseRelationsResponse
  }
  const auditRows = () => database.db.select().from(auditLog).orderBy(asc(auditLog.seq))
  const link = async (from: string, to: string, on: boolean, as = caseworker) =>
    request('POST', `/api/cases/${from}/links`, {
      as,
      body: { otherId: to, on, audit: await audit(as, on ? 'case.link' : 'case.unlink', from) },
    })
  const merge = async (from: string, into: string, as = caseworker) =>
    request('POST', `/api/cases/${from}/merge`, {
      as,
      body: { into, audit: await audit(as, 'case.merge', from) },
    })

  beforeAll(async () => {
    database = await factory.open()
    backend = await loadSodium()
    const secrets = deriveSecrets(backend, backend.randomBytes(32))
    app = createApp({
      db: database.db,
      config: parseEnv({ NODE_ENV: 'test', DATA_DIR: database.dataDir }),
      clock: { now: () => now },
      secrets,
    })
    demo = await seedDemoOrganisation(database.db, backend, secrets, now)
    const [desk0, desk1] = demo.desks
    if (desk0 === undefined || desk1 === undefined) throw new Error('the demo has two desks')
    caseworker = await seedStaffUser(database.db, backend, demo, { role: 'caseworker', now })
    otherDeskWorker = await seedStaffUser(database.db, backend, demo, { role: 'caseworker', now })
    admin = await seedStaffUser(database.db, backend, demo, { role: 'admin', now })
    analyst = await seedStaffUser(database.db, backend, demo, { role: 'analyst', now })
    await database.db.insert(deskMembers).values([
      { deskId: desk0.deskId, userId: caseworker.userId },
      { deskId: desk1.deskId, userId: otherDeskWorker.userId },
      { deskId: desk0.deskId, userId: admin.userId },
      { deskId: desk1.deskId, userId: admin.userId },
      { deskId: desk0.deskId, userId: analyst.userId },
    ])
    for (const who of [caseworker, otherDeskWorker, admin, analyst])
      cookies.set(who.userId, await plantSession(who.userId))
    ids.a = await plantCase(desk0.deskId, '2026-02-01')
    ids.b = await plantCase(desk0.deskId, '2026-02-03')
    ids.c = await plantCase(desk0.deskId, '2026-02-05')
    ids.d = await plantCase(desk0.deskId, '2026-02-07')
    ids.x = await plantCase(desk1.deskId, '2026-02-09')
  }, 60_000)

  afterAll(async () => {
    await database?.destroy()
  })

  it('links two cases of one desk, lists the link from both sides, and records a signed entry', async () => {
    const before = (await auditRows()).length
    const response = await link(ids.b, ids.a, true)
    expect(response.status).toBe(200)
    expect((await relations(ids.a)).links.map((l) => l.id)).toEqual([ids.b])
    expect((await relations(ids.b)).links.map((l) => l.id)).toEqual([ids.a])
    // One row per pair, whichever side linked.
    expect(await database.db.select().from(caseLinks)).toHaveLength(1)
    const rows = await auditRows()
    expect(rows).toHaveLength(before + 1)
    expect(rows.at(-1)).toMatchObject({ actor: caseworker.userId, action: 'case.link', target: ids.b })
    // Linking again from the other side changes nothing but is still recorded.
    expect((await link(ids.a, ids.b, true)).status).toBe(200)
    expect(await database.db.select().from(caseLinks)).toHaveLength(1)
  })

  it('unlinks, from either side', async () => {
    expect((await link(ids.a, ids.b, false)).status).toBe(200)
    expect((await relations(ids.a)).links).toEqual([])
    expect((await relations(ids.b)).links).toEqual([])
    expect((await auditRows()).at(-1)).toMatchObject({ action: 'case.unlink', target: ids.a })
  })

  it('answers a case of another desk exactly like a missing one, and stores nothing', async () => {
    const before = (await auditRows()).length
    const crossDesk = await link(ids.a, ids.x, true)
    const missing = await link(ids.a, randomUUID(), true)
    expect(crossDesk.status).toBe(404)
    expect(missing.status).toBe(404)
    expect(await crossDesk.json()).toEqual(await missing.json())
    // An admin of both desks may still not join cases across desks.
    expect((await link(ids.a, ids.x, true, admin)).status).toBe(404)
    expect((await merge(ids.a, ids.x, admin)).status).toBe(404)
    // Someone of the other desk cannot touch or read this desk's case at all.
    expect((await link(ids.a, ids.b, true, otherDeskWorker)).status).toBe(404)
    expect((await request('GET', `/api/cases/${ids.a}/relations`, { as: otherDeskWorker })).status).toBe(404)
    expect(await database.db.select().from(caseLinks)).toEqual([])
    expect(await auditRows()).toHaveLength(before)
  })

  it('refuses analysts, cross-origin requests, bad bodies and self-links without storing anything', async () => {
    const before = (await auditRows()).length
    expect((await link(ids.a, ids.b, true, analyst)).status).toBe(403)
    expect((await request('GET', `/api/cases/${ids.a}/relations`, { as: analyst })).status).toBe(403)
    expect((await merge(ids.a, ids.b, analyst)).status).toBe(403)
    const crossOrigin = await request('POST', `/api/cases/${ids.a}/links`, {
      as: caseworker,
      origin: 'https://evil.example',
      body: { otherId: ids.b, on: true, audit: await audit(caseworker, 'case.link', ids.a) },
    })
    expect(crossOrigin.status).toBe(403)
    const badBodies = [
      { otherId: 'not-a-uuid', on: true },
      { otherId: ids.b },
      { otherId: ids.b, on: 'yes' },
      { otherId: ids.b, on: true, extra: 1 },
    ]
    for (const body of badBodies) {
      const response = await request('POST', `/api/cases/${ids.a}/links`, {
        as: caseworker,
        body: { ...body, audit: await audit(caseworker, 'case.link', ids.a) },
      })
      expect(response.status).toBe(400)
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_request')
    }
    expect((await link(ids.a, ids.a, true)).status).toBe(422)
    expect((await merge(ids.a, ids.a)).status).toBe(422)
    // An entry signed for another action is refused, and the link is not made.
    const forged = await request('POST', `/api/cases/${ids.a}/links`, {
      as: caseworker,
      body: { otherId: ids.b, on: true, audit: await audit(caseworker, 'case.unlink', ids.a) },
    })
    expect(forged.status).toBeGreaterThanOrEqual(400)
    expect(forged.status).toBeLessThan(500)
    expect(await database.db.select().from(caseLinks)).toEqual([])
    expect(await auditRows()).toHaveLength(before)
  })

  it('merges a duplicate: it leaves the queue, stays readable, and shows on both sides', async () => {
    const before = (await auditRows()).length
    expect((await merge(ids.d, ids.c)).status).toBe(200)
    const queue = (await (await request('GET', '/api/cases', { as: caseworker })).json()) as {
      cases: { id: string }[]
      total: number
    }
    expect(queue.cases.map((c) => c.id)).not.toContain(ids.d)
    expect(queue.cases.map((c) => c.id)).toContain(ids.c)
    expect((await request('GET', `/api/cases/${ids.d}`, { as: caseworker })).status).toBe(200)
    expect((await relations(ids.d)).mergedInto?.id).toBe(ids.c)
    expect((await relations(ids.c)).mergedFrom.map((m) => m.id)).toEqual([ids.d])
    const rows = await auditRows()
    expect(rows).toHaveLength(before + 1)
    expect(rows.at(-1)).toMatchObject({ actor: caseworker.userId, action: 'case.merge', target: ids.d })
  })

  it('refuses merge chains and a second merge with 409, storing nothing', async () => {
    const before = (await auditRows()).length
    // d is merged already; nothing may merge into it, and it may not merge again.
    expect((await merge(ids.a, ids.d)).status).toBe(409)
    expect((await merge(ids.d, ids.a)).status).toBe(409)
    // c has d merged into it: merging c elsewhere would leave d pointing at a merged case.
    expect((await merge(ids.c, ids.a)).status).toBe(409)
    const [a] = await database.db.select().from(cases).where(eq(cases.id, ids.a))
    const [c] = await database.db.select().from(cases).where(eq(cases.id, ids.c))
    expect([a?.mergedInto, c?.mergedInto]).toEqual([null, null])
    expect(await auditRows()).toHaveLength(before)
  })

  it('lets only an admin undo a merge, audited', async () => {
    const unmerge = async (as: SeededStaff) =>
      request('POST', `/api/cases/${ids.d}/unmerge`, {
        as,
        body: { audit: await audit(as, 'case.unmerge', ids.d) },
      })
    const before = (await auditRows()).length
    expect((await unmerge(caseworker)).status).toBe(403)
    expect((await unmerge(analyst)).status).toBe(403)
    expect(await auditRows()).toHaveLength(before)
    expect((await unmerge(admin)).status).toBe(200)
    expect((await relations(ids.d)).mergedInto).toBeNull()
    expect((await auditRows()).at(-1)).toMatchObject({
      actor: admin.userId,
      action: 'case.unmerge',
      target: ids.d,
    })
    const queue = (await (await request('GET', '/api/cases', { as: caseworker })).json()) as {
      cases: { id: string }[]
    }
    expect(queue.cases.map((c) => c.id)).toContain(ids.d)
    // Not merged any more: a second undo is a conflict.
    expect((await unmerge(admin)).status).toBe(409)
  })

  it('erases links with the case (a reporter erasure leaves no trace of the pair)', async () => {
    expect((await link(ids.a, ids.c, true)).status).toBe(200)
    await database.db.delete(cases).where(eq(cases.id, ids.a))
    expect(await database.db.select().from(caseLinks)).toEqual([])
    expect((await relations(ids.c)).links).toEqual([])
  })

  it('shows the retention date the policy set', async () => {
    expect((await relations(ids.c)).retentionOn).toBeNull()
    await database.db.update(cases).set({ retentionOn: '2027-03-01' }).where(eq(cases.id, ids.c))
    expect((await relations(ids.c)).retentionOn).toBe('2027-03-01')
  })
})

function argumentsOf(elements: MessageFormatElement[]): string[] {
  return elements.flatMap((e) => {
    if (e.type === TYPE.argument || e.type === TYPE.number) return [e.value]
    if (e.type === TYPE.plural || e.type === TYPE.select)
      return [e.value, ...Object.values(e.options).flatMap((o) => argumentsOf(o.value))]
    return []
  })
}

describe('reply templates', () => {
  const read = (code: string) =>
    JSON.parse(
      readFileSync(join(import.meta.dirname, `../web/console/templates/${code}.json`), 'utf8'),
    ) as Record<string, unknown>
  const english = read('en')

  it('exist in every reporter language, each template with the arguments of the English one', () => {
    for (const { code } of LOCALES) {
      const file = read(code)
      expect(Object.keys(file).sort(), code).toEqual(['_meta', ...TEMPLATE_IDS].sort())
      expect(file._meta, code).toMatchObject({ reviewers: [] })
      for (const id of TEMPLATE_IDS) {
        const text = file[id]
        if (typeof text !== 'string') throw new Error(`${code}.${id} is not text`)
        expect(new Set(argumentsOf(parse(text))), `${code}.${id}`).toEqual(
          new Set(argumentsOf(parse(String(english[id])))),
        )
        if (code !== 'en') expect(text, `${code}.${id} is still English`).not.toBe(english[id])
      }
    }
  })

  it('fills every template in every language, with plural forms where the language has them', () => {
    for (const { code } of LOCALES) {
      const file = read(code) as TemplateFile
      for (const id of TEMPLATE_IDS) {
        const text = fillTemplate(file, code, id, { days: 5 })
        expect(text, `${code}.${id}`).not.toMatch(/[{}]/)
        if (id === 'acknowledge') expect(text, code).toMatch(/[5٥۵]/)
      }
    }
    const ru = read('ru') as TemplateFile
    expect(fillTemplate(ru, 'ru', 'acknowledge', { days: 1 })).toContain('в течение 1 дня')
    expect(fillTemplate(ru, 'ru', 'acknowledge', { days: 5 })).toContain('в течение 5 дней')
    expect(fillTemplate(ru, 'ru', 'acknowledge', { days: 21 })).toContain('в течение 21 дня')
    const en = read('en') as TemplateFile
    expect(fillTemplate(en, 'en', 'acknowledge', { days: 1 })).toContain('within 1 day.')
  })
})

describe('a case coded twice', () => {
  it('counts once in the statistics, with its newest coding', async () => {
    const backend = await loadSodium()
    const statsSecret = backend.randomBytes(32)
    const deskSecret = backend.randomBytes(32)
    const author = { userId: randomUUID(), signingSeed: backend.randomBytes(32) }
    const rand = seededRandom(3)
    const first: CodingV1 = { ...syntheticCoding(rand), community: 'uyghur' }
    const second: CodingV1 = { ...syntheticCoding(rand), community: 'tibetan' }
    const lookupId = 'ab'.repeat(16)
    const item = (coding: CodingV1, seq: number) => ({
      context: lookupId,
      seq,
      envelope: sealCoding(backend, {
        coding,
        lookupId,
        seq,
        statsPublicKey: backend.x25519PublicKey(statsSecret),
        deskPublicKey: backend.x25519PublicKey(deskSecret),
        author,
      }),
    })
    const opened = openWithSigners(
      backend,
      [item(first, 2), item(second, 5)],
      new Map([[author.userId, backend.ed25519PublicKey(author.signingSeed)]]),
      statsSecret,
    )
    expect(opened.failed).toBe(0)
    expect(opened.codings.map((c) => c.community)).toEqual(['tibetan'])
  })
})
