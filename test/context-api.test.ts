/**
 * @module test/context-api
 * `GET` and `POST /api/context` (issue 9) on a real server over PGlite and PostgreSQL, with the
 * organisation set up the way the console does it: an admin publishes an organisation-signed
 * update with a browser-signed audit entry; anyone reads it and verifies it; every bad update is
 * refused with a 4xx and leaves nothing stored (neither the update nor an audit entry).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ContextOverlay, contextResponse, EMPTY_OVERLAY } from '../api/contract/context.ts'
import type { Argon2Backend, CryptoBackend } from '../crypto/backend.ts'
import { nobleBackend } from '../crypto/noble.ts'
import { loadSodiumSumo } from '../crypto/sodium.ts'
import { signAudit } from '../web/console/keys.ts'
import { signContextUpdate } from '../web/shared/context/overlay.ts'
import { applyContextUpdate } from '../web/shared/context/use-context-data.ts'
import {
  call,
  type FreshDeployment,
  freshDeployment,
  type SetUpAdmin,
  setUpOrganisation,
} from './support/console-login.ts'
import { databases } from './support/databases.ts'
import type { RunningServer } from './support/server.ts'

const SOURCE = { title: 'Test source', url: 'https://example.org/treaty' }
const TODAY = () => new Date().toISOString().slice(0, 10)

describe.each(databases)('context updates on $name', (factory) => {
  let backend: CryptoBackend & Argon2Backend
  let deployment: FreshDeployment
  let server: RunningServer
  let admin: SetUpAdmin

  beforeAll(async () => {
    backend = await loadSodiumSumo()
    deployment = await freshDeployment(factory, backend)
    server = await deployment.start()
    // The server prints its setup link just after /api/health first answers: wait for the line.
    while (!server.output().includes('/console#setup=')) await new Promise((r) => setTimeout(r, 50))
    admin = await setUpOrganisation(server, backend)
  }, 180_000)

  afterAll(async () => {
    await server?.stop()
    await deployment?.destroy()
  })

  const overlay = (status: 'in_force' | 'suspended', checkedOn = TODAY()): ContextOverlay => ({
    ...EMPTY_OVERLAY,
    treaties: [{ host: 'BE', origin: 'CN', status, source: SOURCE, checkedOn }],
    contacts: [
      {
        id: 'be-legal-aid',
        name: 'Legal aid line',
        kind: 'legal_aid',
        hostCountries: ['BE'],
        languages: ['fr'],
        phone: '+32 2 000 00 00',
        source: SOURCE,
        checkedOn: TODAY(),
      },
    ],
  })

  const head = async () =>
    (await call(server, 'GET', '/api/audit/head', { cookie: admin.cookie })).json as {
      seq: number
      headHash: string
    }
  const publish = async (body: { update: unknown; audit?: unknown }, cookie = admin.cookie) => {
    const audit =
      body.audit ??
      signAudit(backend, {
        signingSeed: admin.ring.signingSeed,
        actor: admin.ring.userId,
        action: 'context.update',
        target: admin.ring.orgId,
        head: await head(),
        now: new Date(),
      })
    return call(server, 'POST', '/api/context', { cookie, body: { update: body.update, audit } })
  }
  const sign = (seq: number, o: ContextOverlay, orgSeed = admin.ring.orgSeed) => {
    if (orgSeed === undefined) throw new Error('the setup admin holds the organisation key')
    return signContextUpdate(backend, { orgSeed, orgId: admin.ring.orgId, seq, overlay: o, now: new Date() })
  }
  const latest = async () => contextResponse.parse((await call(server, 'GET', '/api/context')).json).update

  it('serves no update before an admin publishes one, to anyone, without a session', async () => {
    expect(await latest()).toBeNull()
  })

  it('stores an organisation-signed update with its audit entry, and anyone can verify it', async () => {
    const before = await head()
    const answer = await publish({ update: sign(1, overlay('suspended')) })
    expect(answer.status).toBe(201)
    expect((await head()).seq).toBe(before.seq + 1)
    const log = (await call(server, 'GET', '/api/audit', { cookie: admin.cookie })).json as {
      entries: Array<{ action: string; target: string | null }>
    }
    expect(log.entries.some((e) => e.action === 'context.update' && e.target === admin.ring.orgId)).toBe(true)

    const wire = await latest()
    const read = applyContextUpdate(nobleBackend, wire, admin.ring.orgSigningKey, admin.ring.orgId)
    expect(read.source).toMatchObject({ status: 'updated', seq: 1 })
    expect(read.data.hosts.find((h) => h.code === 'BE')?.extradition[0]?.status).toBe('suspended')
    expect(read.data.localContacts.map((c) => c.id)).toEqual(['be-legal-aid'])
  })

  it('refuses every bad update with a 4xx and stores nothing', async () => {
    const before = await head()
    const otherKey = backend.randomBytes(32)
    const forged = sign(2, overlay('suspended'))
    const cases: Array<[string, Promise<{ status: number; json: Record<string, unknown> }>, number]> = [
      ['signed by another key', publish({ update: sign(2, overlay('in_force'), otherKey) }), 422],
      [
        'overlay changed after signing',
        publish({ update: { ...forged, overlay: forged.overlay.replace('"suspended"', '"in_force"') } }),
        422,
      ],
      ['a sequence number already used', publish({ update: sign(1, overlay('in_force')) }), 409],
      ['a sequence number skipped', publish({ update: sign(5, overlay('in_force')) }), 409],
      ['a check date in the future', publish({ update: sign(2, overlay('in_force', '2099-01-01')) }), 422],
      ['no session', publish({ update: sign(2, overlay('in_force')) }, ''), 401],
      [
        'a malformed body',
        call(server, 'POST', '/api/context', { cookie: admin.cookie, body: { update: 1 } }),
        400,
      ],
    ]
    for (const [what, pending, status] of cases) {
      const answer = await pending
      expect({ what, status: answer.status }).toEqual({ what, status })
      expect(typeof (answer.json.error as { code?: unknown } | undefined)?.code).toBe('string')
    }
    expect(await head()).toEqual(before)
    const wire = await latest()
    expect(
      applyContextUpdate(nobleBackend, wire, admin.ring.orgSigningKey, admin.ring.orgId).source,
    ).toMatchObject({
      status: 'updated',
      seq: 1,
    })
  })

  it('refuses a cross-origin publish', async () => {
    const response = await fetch(`${server.url}/api/context`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: admin.cookie, origin: 'https://evil.example' },
      body: JSON.stringify({ update: sign(2, overlay('in_force')), audit: {} }),
    })
    expect(response.status).toBe(403)
  })

  it('takes the next update and serves it as the latest', async () => {
    expect((await publish({ update: sign(2, overlay('in_force')) })).status).toBe(201)
    const wire = await latest()
    const read = applyContextUpdate(nobleBackend, wire, admin.ring.orgSigningKey, admin.ring.orgId)
    expect(read.source).toMatchObject({ status: 'updated', seq: 2 })
  })
})
