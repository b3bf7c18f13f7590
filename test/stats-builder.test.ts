/**
 * @module test/stats-builder.test
 * The analyst builder's pure steps (web/console/stats/build.ts) and the coding seal
 * (web/console/coding/seal.ts) with real libsodium: a coding sealed by a certified caseworker
 * opens for the statistics key AND the desk; one from an uncertified author, or sealed to
 * another case, is counted as failed, never counted as data; the period filter reports undated
 * codings; the table presets feed the release pipeline.
 */
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom, syntheticCoding } from '../api/cli/seed-codings.ts'
import { codingItemBodySchema, codingV1Schema, fhPhysicalDirect } from '../api/contract/coding.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64, toHex } from '../crypto/bytes.ts'
import { openItem } from '../crypto/items.ts'
import { streamRandomSource } from '../crypto/laplace.ts'
import { buildRelease } from '../crypto/release.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { signStatement } from '../crypto/statements.ts'
import { sealCoding, statsPublicKeyOf } from '../web/console/coding/seal.ts'
import { inPeriod, openCodings, tableSpecs, toUnit } from '../web/console/stats/build.ts'

let backend: CryptoBackend
beforeAll(async () => {
  backend = await loadSodium()
})

function org() {
  const orgId = randomUUID()
  const orgSeed = backend.randomBytes(32)
  const orgKey = backend.ed25519PublicKey(orgSeed)
  const statsSecret = backend.randomBytes(32)
  const statsKey = signStatement(backend, orgSeed, {
    type: 'stats-key',
    orgId,
    version: 1,
    publicKey: toBase64(backend.x25519PublicKey(statsSecret)),
  })
  const deskSecret = backend.randomBytes(32)
  const userId = randomUUID()
  const signingSeed = backend.randomBytes(32)
  const userKey = signStatement(backend, orgSeed, {
    type: 'user-key',
    orgId,
    userId,
    username: 'cw',
    role: 'caseworker',
    identityKey: toBase64(backend.x25519PublicKey(backend.randomBytes(32))),
    signingKey: toBase64(backend.ed25519PublicKey(signingSeed)),
    notAfter: '2030-01-01T00:00:00Z',
  })
  return { orgId, orgSeed, orgKey, statsSecret, statsKey, deskSecret, userId, signingSeed, userKey }
}

describe('coding scheme and seal', () => {
  it('refuses free text and inconsistent dates, and derives the Freedom House flag', () => {
    const coding = syntheticCoding(seededRandom(1))
    expect(codingV1Schema.safeParse({ ...coding, note: 'free text' }).success).toBe(false)
    expect(codingV1Schema.safeParse({ ...coding, community: 'somewhere' }).success).toBe(false)
    expect(codingV1Schema.safeParse({ ...coding, date_precision: 'unknown' }).success).toBe(false)
    expect(fhPhysicalDirect({ tactic: ['assault', 'doxing'] })).toBe(true)
    expect(fhPhysicalDirect({ tactic: ['doxing'] })).toBe(false)
  })

  it('seals to the statistics key and the desk, and the analyst counts only verified codings', () => {
    const o = org()
    const stats = statsPublicKeyOf(backend, o.statsKey, o.orgKey, o.orgId)
    const deskPublic = backend.x25519PublicKey(o.deskSecret)
    const rand = seededRandom(3)
    const items = Array.from({ length: 30 }, (_, i) => {
      const lookupId = toHex(backend.randomBytes(16))
      const coding = syntheticCoding(rand)
      const envelope = sealCoding(backend, {
        coding,
        lookupId,
        seq: 2,
        statsPublicKey: stats.publicKey,
        deskPublicKey: deskPublic,
        author: { userId: o.userId, signingSeed: i === 0 ? backend.randomBytes(32) : o.signingSeed },
      })
      return {
        context: i === 1 ? toHex(backend.randomBytes(16)) : lookupId,
        seq: 2,
        envelope,
        lookupId,
        coding,
      }
    })
    // The desk reads it back too.
    const third = items[2]
    if (third === undefined) throw new Error('no item')
    const byDesk = openItem(backend, fromBase64(third.envelope), {
      kind: 5,
      context: third.lookupId,
      secretKey: o.deskSecret,
      expectedSeq: 2,
      signingKeyFor: () => backend.ed25519PublicKey(o.signingSeed),
    })
    expect(codingItemBodySchema.parse(byDesk.body).coding).toEqual(third.coding)
    const opened = openCodings(
      backend,
      { codings: items, signers: [o.userKey] },
      {
        statsSecretKey: o.statsSecret,
        orgSigningKey: o.orgKey,
        orgId: o.orgId,
        now: new Date('2026-06-01T00:00:00Z'),
      },
    )
    // Item 0: wrong signature; item 1: moved to another case (associated data).
    expect(opened.failed).toBe(2)
    expect(opened.codings).toHaveLength(28)
  })

  it('filters by period, reports undated codings, and feeds the release pipeline', () => {
    const rand = seededRandom(9)
    const codings = Array.from({ length: 200 }, () => syntheticCoding(rand))
    const period = { from: '2025-01', to: '2025-12' }
    const { kept, undated } = inPeriod(codings, period)
    expect(undated).toBe(codings.filter((c) => c.incident_year === null).length)
    expect(kept.every((c) => c.incident_year === 2025)).toBe(true)
    const tables = tableSpecs(['year', 'community-by-tactic-group', 'host-country'], kept, period)
    expect(tables.map((t) => t.id)).toEqual(['year', 'community-by-tactic-group', 'host-country'])
    const release = buildRelease(
      kept.map(toUnit),
      {
        orgId: randomUUID(),
        orgName: 'o',
        releaseId: randomUUID(),
        version: 1,
        createdAt: new Date('2026-01-01T00:00:00Z'),
        period,
        codingScheme: { name: 'tnr-coding', version: 1 },
        tables,
        epsilon: { num: 1n, den: 2n },
        threshold: 10,
        contributionCap: 1,
        linkedByPerson: true,
        methodology: 'm',
        citation: 'c',
        licence: 'CC BY 4.0',
        changelog: [],
      },
      streamRandomSource(new TextEncoder().encode('builder'), backend),
    )
    expect(release.tables[0]?.entries.map((e) => e.key)).toEqual([['2025'], [null]])
  })
})
