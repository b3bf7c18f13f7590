/**
 * @module web/console/session.test
 * Units behind the console's refusals at login (web/console/keys.ts `unlock`,
 * web/console/session.ts `adminMaintenance`; DESIGN §5 "Key directory"), with the console's own
 * setup code playing the first admin's browser and `fetch` recorded instead of a server:
 * - an expired directory, validly signed by the organisation (what a server replaying an old one
 *   sends), is marked refused, while its keys still check the grants of old key versions;
 * - after any refusal, the admin's login maintenance signs nothing: no re-signed directory (which
 *   would launder a replayed one) and no audit checkpoint; the honest login answer is the control,
 *   for which both are sent.
 * test/browser/hostile-console.test.ts drives the same paths in Chromium.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { MeResponse } from '../../api/contract/staff.ts'
import type { Argon2Backend, CryptoBackend } from '../../crypto/backend.ts'
import { toBase64 } from '../../crypto/bytes.ts'
import { decodeKdfParams, deriveStaffKeys, KDF_MIN_MEM_BYTES, KDF_MIN_OPS } from '../../crypto/kdf.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import { signStatement } from '../../crypto/statements.ts'
import {
  buildSetup,
  directoryToResign,
  type KeyRing,
  newTotpSecret,
  randomUuid,
  rfc3339,
  StaleDirectoryError,
  unlock,
} from './keys.ts'
import { adminMaintenance } from './session.ts'
import type { Session } from './ui.tsx'

const DAY = 24 * 60 * 60 * 1000
const PASSPHRASE = 'orchid lantern seventy quietly harbour'

describe('the console at login against a hostile server', () => {
  let backend: CryptoBackend & Argon2Backend
  let me: MeResponse
  let wrapKey: () => Uint8Array
  let honest: KeyRing

  beforeAll(async () => {
    backend = await loadSodiumSumo()
    const now = new Date()
    const kdf = {
      alg: 'argon2id13' as const,
      opsLimit: KDF_MIN_OPS,
      memLimitBytes: KDF_MIN_MEM_BYTES,
      salt: backend.randomBytes(16),
    }
    const built = buildSetup(backend, {
      token: 'A'.repeat(43),
      orgName: 'Diaspora Rights Watch',
      deskName: 'Uyghur community desk',
      username: 'amina',
      passphrase: PASSPHRASE,
      receiptPublicKey: backend.ed25519PublicKey(backend.randomBytes(32)),
      now,
      kdf,
    })
    const request = built.complete({ secret: newTotpSecret(backend), code: '000000' }, now)
    // What `POST /api/auth/login` answers after this setup (api/routes/auth.ts).
    me = {
      user: { id: request.user.userId, username: request.user.username, role: 'admin' },
      kdf: request.user.kdf,
      wrappedIdentityKey: request.user.wrappedIdentityKey,
      wrappedSigningKey: request.user.wrappedSigningKey,
      identityKey: request.user.identityKey,
      signingKey: request.user.signingKey,
      userKey: request.userKey,
      org: {
        orgId: request.orgId,
        name: request.orgName,
        signingPublicKey: request.orgSigningKey,
        fingerprint: built.orgFingerprint,
      },
      directory: request.directory,
      statsKey: request.statsKey,
      grants: request.grants.map((g) => {
        const statement = JSON.parse(g.grant.statement) as { target: string; version: number }
        return { target: statement.target, version: statement.version, envelope: g.envelope, grant: g.grant }
      }),
      signers: [request.userKey],
      desks: [{ deskId: request.desk.deskId, name: request.desk.name }],
      session: { id: randomUuid(backend), expiresAt: new Date(now.getTime() + DAY).toISOString() },
    }
    const key = deriveStaffKeys(backend, PASSPHRASE, decodeKdfParams(me.kdf)).wrapKey
    wrapKey = () => Uint8Array.from(key)
    honest = unlock(backend, me, wrapKey(), { now, pinnedFingerprint: built.orgFingerprint })
  }, 60_000)

  afterEach(() => {
    vi.unstubAllGlobals()
  })

  function expiredDirectory(): MeResponse {
    const orgSeed = honest.orgSeed
    if (orgSeed === undefined || me.directory === null) throw new Error('setup holds the organisation key')
    const current = JSON.parse(me.directory.statement) as Record<string, unknown>
    return {
      ...me,
      directory: signStatement(backend, orgSeed, {
        ...current,
        issuedAt: rfc3339(new Date(Date.now() - 100 * DAY)),
        expiresAt: rfc3339(new Date(Date.now() - 10 * DAY)),
      } as Parameters<typeof signStatement>[2]),
    }
  }

  function swappedDeskKey(): MeResponse {
    if (me.directory === null) throw new Error('no directory')
    const current = JSON.parse(me.directory.statement) as { desks: Array<{ publicKey: string }> }
    const [desk] = current.desks
    if (desk !== undefined) desk.publicKey = toBase64(backend.randomBytes(32))
    return { ...me, directory: { ...me.directory, statement: JSON.stringify(current) } }
  }

  /** Runs the admin's login maintenance with `fetch` answering like an honest server; returns its POSTs. */
  async function maintenanceFor(answer: MeResponse): Promise<{ problems: string[]; posts: string[] }> {
    const posts: string[] = []
    vi.stubGlobal('fetch', async (url: string, init?: { method?: string }) => {
      if (init?.method === 'POST') posts.push(url)
      const body = url === '/api/audit/head' ? { seq: 1, headHash: '0'.repeat(64) } : { ok: true }
      return new Response(JSON.stringify(body), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      })
    })
    const ring = unlock(backend, answer, wrapKey(), { now: new Date() })
    const session = { me: answer, ring, backend, worker: undefined } as unknown as Session
    return { problems: await adminMaintenance(session), posts }
  }

  it('unlocks the honest login answer with nothing refused (the control)', () => {
    expect(honest.refused).toEqual([])
    expect(honest.orgSeed).toBeDefined()
    expect(honest.desks.size).toBe(1)
  })

  it('marks an expired directory refused, yet still checks the desk grant against it', () => {
    const ring = unlock(backend, expiredDirectory(), wrapKey(), { now: new Date() })
    expect(ring.refused).toEqual(['directory-expired'])
    expect(ring.desks.size).toBe(1)
  })

  it('signs a fresh directory and a checkpoint at an honest login (the control)', async () => {
    const { problems, posts } = await maintenanceFor(me)
    expect(problems).toEqual([])
    expect(posts).toEqual(['/api/admin/directory', '/api/audit/checkpoints'])
  })

  it('signs nothing after an expired directory: it would launder an old one replayed', async () => {
    const { problems, posts } = await maintenanceFor(expiredDirectory())
    expect(problems).toEqual(['refused'])
    expect(posts).toEqual([])
  })

  it('lets an admin re-sign an expired directory only when it matches the desk keys they hold', () => {
    const expired = expiredDirectory().directory
    if (expired === null || me.directory === null || honest.orgSeed === undefined) throw new Error('setup')
    // Same keys as the grants verified at unlock: safe to re-sign (the honest "nobody logged in
    // for 90 days" case).
    expect(directoryToResign(backend, honest, expired, new Date()).desks).toHaveLength(1)
    // An expired directory listing another key for the desk (an old one replayed) is refused…
    const current = JSON.parse(me.directory.statement) as {
      desks: Array<{ publicKey: string; version: number }>
    }
    const [desk] = current.desks
    if (desk === undefined) throw new Error('no desk')
    const replayed = signStatement(backend, honest.orgSeed, {
      ...current,
      desks: [{ ...desk, publicKey: toBase64(backend.x25519PublicKey(backend.randomBytes(32))) }],
      issuedAt: rfc3339(new Date(Date.now() - 100 * DAY)),
      expiresAt: rfc3339(new Date(Date.now() - 10 * DAY)),
    } as Parameters<typeof signStatement>[2])
    expect(() => directoryToResign(backend, honest, replayed, new Date())).toThrow(StaleDirectoryError)
    // …and so is an unexpired one listing an older version than the admin holds (a rotation undone).
    const held = new Map(honest.desks)
    const [[deskId, versions]] = [...held]
    const newer = new Map(versions)
    newer.set(desk.version + 1, backend.randomBytes(32))
    held.set(deskId, newer)
    expect(() => directoryToResign(backend, { ...honest, desks: held }, me.directory, new Date())).toThrow(
      StaleDirectoryError,
    )
    expect(directoryToResign(backend, honest, me.directory, new Date()).seq).toBeGreaterThanOrEqual(1)
  })

  it('signs nothing, not even a checkpoint, after a directory that does not verify', async () => {
    const { problems, posts } = await maintenanceFor(swappedDeskKey())
    expect(problems).toEqual(['refused'])
    expect(posts).toEqual([])
  })
})
