/**
 * @module test/stats-api.test
 * The release API (api/routes/releases.ts) on a real database with real crypto: an analyst
 * fetches coding envelopes (only envelopes) and opens them with the statistics key, builds a
 * noisy release from them, signs and publishes it; the public list serves it and it verifies
 * against the organisation fingerprint. Publishing appends the analyst's browser-signed audit entry
 * in the same transaction. Refusals: roles, another analyst's signature, a tampered file, an
 * audit entry for another action, gender crossed with community × host country, and the ε budget
 * across overlapping releases — each leaving neither a release nor an audit entry behind.
 * Sessions are planted directly (token hash in `sessions`): login has its own suite.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.ts'
import { createStatsKey, plantCodings, seededRandom, syntheticCoding } from '../api/cli/seed-codings.ts'
import { codingItemBodySchema, TACTIC_GROUP_ORDER, tacticGroups } from '../api/contract/coding.ts'
import { auditLog, releases, sessions } from '../api/db/schema.ts'
import { parseEnv } from '../api/env.ts'
import { deriveSecrets } from '../api/secrets.ts'
import { signAuditEntry } from '../crypto/audit.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64 } from '../crypto/bytes.ts'
import { H } from '../crypto/hash.ts'
import { openItem } from '../crypto/items.ts'
import { streamRandomSource } from '../crypto/laplace.ts'
import {
  buildRelease,
  type SignedRelease,
  signRelease,
  type TableSpec,
  type Unit,
  verifyRelease,
} from '../crypto/release.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { verifyUserKeyChain } from '../crypto/statements.ts'
import { databases, type TestDatabase } from './support/databases.ts'
import {
  type DemoOrganisation,
  type SeededStaff,
  seedDemoOrganisation,
  seedStaffUser,
} from './support/seed.ts'

const ORIGIN = 'http://localhost'

describe.each(databases)('Release API on $name', (factory) => {
  let database: TestDatabase
  let backend: CryptoBackend
  let app: ReturnType<typeof createApp>
  let demo: DemoOrganisation
  let analyst: SeededStaff
  let otherAnalyst: SeededStaff
  let caseworker: SeededStaff
  let stats: { publicKey: Uint8Array; secretKey: Uint8Array }
  const cookies = new Map<string, string>()
  const now = new Date('2026-03-01T12:00:00.000Z')

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

  const request = (method: string, path: string, options: { body?: unknown; as?: string } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', origin: ORIGIN }
    const cookie = options.as === undefined ? undefined : cookies.get(options.as)
    if (cookie !== undefined) headers.cookie = cookie
    return app.request(`${ORIGIN}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
  }

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
    analyst = await seedStaffUser(database.db, backend, demo, { role: 'analyst', now })
    otherAnalyst = await seedStaffUser(database.db, backend, demo, { role: 'analyst', now })
    caseworker = await seedStaffUser(database.db, backend, demo, { role: 'caseworker', now })
    stats = await createStatsKey(database.db, backend, demo)
    const desk = demo.desks[0]
    if (desk === undefined) throw new Error('no desk')
    const rand = seededRandom(7)
    await plantCodings(database.db, backend, {
      codings: Array.from({ length: 120 }, () => syntheticCoding(rand)),
      deskId: desk.deskId,
      deskPublicKey: desk.publicKey,
      statsPublicKey: stats.publicKey,
      author: { userId: caseworker.userId, signingSeed: caseworker.signingSeed },
      receivedOn: '2026-02-01',
    })
    for (const who of [analyst, otherAnalyst, caseworker])
      cookies.set(who.userId, await plantSession(who.userId))
  })

  afterAll(async () => {
    await database?.destroy()
  })

  async function decodedUnits(): Promise<Unit[]> {
    const response = await request('GET', '/api/releases/codings', { as: analyst.userId })
    expect(response.status).toBe(200)
    const body = (await response.json()) as {
      codings: { context: string; seq: number; envelope: string }[]
      signers: { statement: string; signature: string }[]
    }
    // Authors are trusted only through the organisation's signature on their user-key.
    const keys = new Map<string, Uint8Array>()
    for (const signer of body.signers) {
      const user = verifyUserKeyChain(backend, { orgSigningKey: demo.orgSigningKey, userKey: signer, now })
      keys.set(user.statement.userId, user.signingKey)
    }
    return body.codings.map((item) => {
      const opened = openItem(backend, fromBase64(item.envelope), {
        kind: 5,
        context: item.context,
        secretKey: stats.secretKey,
        expectedSeq: item.seq,
        signingKeyFor: (author) => keys.get(author),
      })
      const { coding } = codingItemBodySchema.parse(opened.body)
      return {
        personKey: coding.person_key,
        values: { community: [coding.community], tactic_group: tacticGroups(coding) },
      }
    })
  }

  /** The browser's part of the audit entry, signed against the current head (web/console/keys.ts). */
  async function audit(signer: SeededStaff, target: string, action = 'release.publish') {
    const head = (await (await request('GET', '/api/audit/head', { as: signer.userId })).json()) as {
      seq: number
      headHash: string
    }
    const entry = signAuditEntry(backend, signer.signingSeed, {
      seq: head.seq + 1,
      prevHash: head.headHash,
      actor: signer.userId,
      action,
      target,
      at: now.toISOString(),
    })
    return { seq: entry.seq, prevHash: entry.prevHash, at: entry.at, sig: entry.sig }
  }

  async function publish(file: SignedRelease, as: SeededStaff, signer: SeededStaff = as) {
    return request('POST', '/api/releases', {
      body: { file, audit: await audit(signer, file.release.releaseId) },
      as: as.userId,
    })
  }

  async function counts(): Promise<{ releases: number; audit: number }> {
    return {
      releases: (await database.db.select({ id: releases.id }).from(releases)).length,
      audit: (await database.db.select({ seq: auditLog.seq }).from(auditLog)).length,
    }
  }

  const communityByTactic: TableSpec = {
    id: 'community-by-tactic',
    dims: [
      { field: 'community', categories: ['uyghur', 'iranian', 'russian', 'hong_konger'], maxValues: 1 },
      { field: 'tactic_group', categories: [...TACTIC_GROUP_ORDER], maxValues: 2 },
    ],
  }

  function signed(
    units: Unit[],
    signer: SeededStaff,
    epsilon: { num: bigint; den: bigint },
    tables: TableSpec[] = [communityByTactic],
  ): SignedRelease {
    const body = buildRelease(
      units,
      {
        orgId: demo.orgId,
        orgName: demo.name,
        releaseId: randomUUID(),
        version: 1,
        createdAt: now,
        period: { from: '2024-01', to: '2025-12' },
        codingScheme: { name: 'tnr-coding', version: 1 },
        tables,
        epsilon,
        threshold: 10,
        contributionCap: 1,
        linkedByPerson: true,
        methodology: 'Synthetic test release.',
        citation: 'Test organisation (2026).',
        licence: 'CC BY 4.0',
        changelog: [{ version: 1, note: 'First release.' }],
      },
      streamRandomSource(new TextEncoder().encode(`api-${epsilon.num}`), backend),
    )
    return signRelease(backend, body, {
      signingSeed: signer.signingSeed,
      userKey: signer.userKey,
      orgSigningKey: demo.orgSigningKey,
    })
  }

  it('serves coding envelopes only to analysts and admins', async () => {
    expect((await request('GET', '/api/releases/codings')).status).toBe(401)
    expect((await request('GET', '/api/releases/codings', { as: caseworker.userId })).status).toBe(403)
    const units = await decodedUnits()
    expect(units).toHaveLength(120)
    const response = await request('GET', '/api/releases/codings', { as: analyst.userId })
    const text = await response.text()
    expect(text).not.toContain('community') // only ciphertext leaves the server
  })

  it('publishes a signed release that the public list serves and that verifies offline', async () => {
    const file = signed(await decodedUnits(), analyst, { num: 1n, den: 1n })
    const before = await counts()
    const published = await publish(file, analyst)
    expect(published.status).toBe(201)
    expect(await counts()).toEqual({ releases: before.releases + 1, audit: before.audit + 1 })
    const entries = await database.db.select().from(auditLog)
    expect(entries.at(-1)).toMatchObject({
      actor: analyst.userId,
      action: 'release.publish',
      target: file.release.releaseId,
    })
    const list = (await (await request('GET', '/api/releases')).json()) as {
      releases: { id: string; file: unknown }[]
    }
    expect(list.releases).toHaveLength(1)
    const verified = verifyRelease(backend, list.releases[0]?.file, [demo.fingerprint])
    expect(verified.release.releaseId).toBe(file.release.releaseId)
    const download = await request('GET', `/api/releases/${list.releases[0]?.id}`)
    expect(download.headers.get('content-disposition')).toContain('attachment')
    expect(verifyRelease(backend, await download.json(), [demo.fingerprint]).signer.userId).toBe(
      analyst.userId,
    )
    const ledger = (await (await request('GET', '/api/releases/ledger', { as: analyst.userId })).json()) as {
      entries: { epsilon: string }[]
    }
    expect(ledger.entries.map((e) => e.epsilon)).toEqual(['1/1'])
  })

  it('refuses another analyst’s signature, a tampered file and an overspent budget', async () => {
    const units = await decodedUnits()
    const before = await counts()
    const theirs = signed(units, otherAnalyst, { num: 1n, den: 2n })
    expect((await publish(theirs, analyst)).status).toBe(403)
    const missingAudit = await request('POST', '/api/releases', {
      body: { file: signed(units, analyst, { num: 1n, den: 2n }) },
      as: analyst.userId,
    })
    expect(missingAudit.status).toBe(400)
    const tampered = structuredClone(signed(units, analyst, { num: 1n, den: 2n }))
    const entry = tampered.release.tables[0]?.entries.find((e) => e.value !== null)
    if (entry?.value == null) throw new Error('nothing published')
    entry.value += 5
    const refusedTamper = await publish(tampered, analyst)
    expect(refusedTamper.status).toBe(422)
    expect(((await refusedTamper.json()) as { error: { code: string } }).error.code).toBe('bad_signature')
    // 1 already spent on an overlapping period; 3/2 more would exceed the budget of 2.
    const greedy = signed(units, analyst, { num: 3n, den: 2n })
    const refused = await publish(greedy, analyst)
    expect(refused.status).toBe(422)
    expect((await publish(greedy, caseworker)).status).toBe(403)
    const fits = signed(units, analyst, { num: 1n, den: 1n })
    // An entry signed for another action or another release does not cover this publication.
    const wrongAction = await request('POST', '/api/releases', {
      body: { file: fits, audit: await audit(analyst, fits.release.releaseId, 'case.label') },
      as: analyst.userId,
    })
    expect(wrongAction.status).toBe(422)
    const wrongTarget = await request('POST', '/api/releases', {
      body: { file: fits, audit: await audit(analyst, randomUUID()) },
      as: analyst.userId,
    })
    expect(wrongTarget.status).toBe(422)
    expect(await counts()).toEqual(before)
    expect((await publish(fits, analyst)).status).toBe(201)
    expect(await counts()).toEqual({ releases: before.releases + 1, audit: before.audit + 1 })
    expect((await publish(fits, analyst)).status).toBe(409)
    expect(await counts()).toEqual({ releases: before.releases + 1, audit: before.audit + 1 })
  })

  it('refuses a release that crosses gender with community and host country, though signed', async () => {
    const units: Unit[] = Array.from({ length: 60 }, (_, i) => ({
      personKey: '',
      values: {
        target_gender: [i % 2 === 0 ? 'woman' : 'man'],
        community: ['uyghur'],
        origin_state: ['CN'],
      },
    }))
    const gender = { field: 'target_gender', categories: ['woman', 'man'], maxValues: 1 }
    const byCommunity: TableSpec = {
      id: 'gender-by-community',
      dims: [gender, { field: 'community', categories: ['uyghur'], maxValues: 1 }],
    }
    const byHost: TableSpec = {
      id: 'gender-by-host',
      dims: [gender, { field: 'host_country', categories: ['TR'], maxValues: 1 }],
    }
    // The builder refuses to make it …
    expect(() => signed(units, analyst, { num: 1n, den: 10n }, [byCommunity, byHost])).toThrow(
      /never published/,
    )
    // … so make an allowed one and relabel a field after the fact, as a careless or hostile
    // signer could: the signature is valid, the server still refuses, and so does verification.
    const allowed = signed(units, analyst, { num: 1n, den: 10n }, [
      byCommunity,
      { id: 'gender-by-host', dims: [gender, { field: 'origin_state', categories: ['CN'], maxValues: 1 }] },
    ])
    const body = structuredClone(allowed.release)
    const dim = body.tables[1]?.dims[1]
    if (dim === undefined) throw new Error('no dimension')
    dim.field = 'host_country'
    const relabelled = signRelease(backend, body, {
      signingSeed: analyst.signingSeed,
      userKey: analyst.userKey,
      orgSigningKey: demo.orgSigningKey,
    })
    expect(() => verifyRelease(backend, relabelled, [demo.fingerprint])).toThrow(/never published/)
    const before = await counts()
    const refused = await publish(relabelled, analyst)
    expect(refused.status).toBe(422)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unprocessable')
    expect(await counts()).toEqual(before)
  })
})
