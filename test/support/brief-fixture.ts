/**
 * @module test/support/brief-fixture
 * A signed statistics release for the advocacy-brief suites (issue 9): synthetic units in eight
 * host countries, the tables the release builder offers (host country, tactic group by year,
 * community by tactic group, year), deterministic noise, signed by an analyst certified by a
 * fresh organisation key — the file exactly as /api/releases would list it.
 */
import { randomUUID } from 'node:crypto'
import { TACTIC_GROUP_ORDER } from '../../api/contract/coding.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { toBase64 } from '../../crypto/bytes.ts'
import { streamRandomSource } from '../../crypto/laplace.ts'
import { buildRelease, type SignedRelease, signRelease, type Unit } from '../../crypto/release.ts'
import { signStatement } from '../../crypto/statements.ts'

export const FIXTURE_HOSTS = ['DE', 'FR', 'BE', 'NL', 'GB', 'IT', 'TR', 'US'] as const
const COMMUNITIES = ['uyghur', 'iranian', 'hong_konger', 'russian', 'tibetan', 'eritrean'] as const

export interface BriefFixture {
  readonly file: SignedRelease
  readonly orgSigningKey: Uint8Array
  readonly orgSeed: Uint8Array
}

/** Deterministic units: a simple linear congruential walk, enough variety for every table. */
function units(count: number): Unit[] {
  let x = 7
  const next = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648
    return Math.floor(x / 65536) % n
  }
  return Array.from({ length: count }, (_, i) => {
    const groups = new Set([TACTIC_GROUP_ORDER[next(5)] as string, TACTIC_GROUP_ORDER[next(5)] as string])
    return {
      personKey: `p${i}`,
      values: {
        host_country: [FIXTURE_HOSTS[next(FIXTURE_HOSTS.length)] as string],
        // A long tail: the last community stays rare, so it is suppressed.
        community: [COMMUNITIES[Math.min(next(6), next(6))] as string],
        tactic_group: TACTIC_GROUP_ORDER.filter((g) => groups.has(g)),
        year: [next(3) === 0 ? '2024' : '2025'],
      },
    }
  })
}

export function briefFixture(backend: CryptoBackend, options: { epsilon?: boolean } = {}): BriefFixture {
  const orgSeed = backend.randomBytes(32)
  const orgSigningKey = backend.ed25519PublicKey(orgSeed)
  const orgId = randomUUID()
  const signingSeed = backend.randomBytes(32)
  const userKey = signStatement(backend, orgSeed, {
    type: 'user-key',
    orgId,
    userId: randomUUID(),
    username: 'analyst',
    role: 'analyst',
    identityKey: toBase64(backend.x25519PublicKey(backend.randomBytes(32))),
    signingKey: toBase64(backend.ed25519PublicKey(signingSeed)),
    notAfter: '2099-01-01T00:00:00Z',
  })
  const body = buildRelease(
    units(900),
    {
      orgId,
      orgName: 'Diaspora Rights Watch',
      releaseId: randomUUID(),
      version: 1,
      createdAt: new Date('2026-11-20T10:00:00Z'),
      period: { from: '2024-01', to: '2025-12' },
      codingScheme: { name: 'tnr-coding', version: 1 },
      // The no-noise mode allows single-valued fields only (no tactic groups).
      tables:
        options.epsilon === false
          ? [
              {
                id: 'host-country',
                dims: [{ field: 'host_country', categories: [...FIXTURE_HOSTS], maxValues: 1 }],
              },
              {
                id: 'community-by-year',
                dims: [
                  { field: 'community', categories: [...COMMUNITIES], maxValues: 1 },
                  { field: 'year', categories: ['2024', '2025'], maxValues: 1 },
                ],
              },
            ]
          : [
              {
                id: 'host-country',
                dims: [{ field: 'host_country', categories: [...FIXTURE_HOSTS], maxValues: 1 }],
              },
              {
                id: 'tactic-group-by-year',
                dims: [
                  { field: 'tactic_group', categories: [...TACTIC_GROUP_ORDER], maxValues: 2 },
                  { field: 'year', categories: ['2024', '2025'], maxValues: 1 },
                ],
              },
              {
                id: 'community-by-tactic-group',
                dims: [
                  { field: 'community', categories: [...COMMUNITIES], maxValues: 1 },
                  { field: 'tactic_group', categories: [...TACTIC_GROUP_ORDER], maxValues: 2 },
                ],
              },
            ],
      epsilon: options.epsilon === false ? null : { num: 1n, den: 1n },
      threshold: 10,
      contributionCap: 1,
      linkedByPerson: true,
      methodology: 'Synthetic codings for a test.',
      citation:
        'Diaspora Rights Watch (2026). Transnational repression statistics, release 1 (test fixture).',
      licence: 'CC BY 4.0',
      changelog: [{ version: 1, note: 'First release.' }],
    },
    options.epsilon === false ? null : streamRandomSource(new Uint8Array(32).fill(9), backend),
  )
  const file = signRelease(backend, body, { signingSeed, userKey, orgSigningKey })
  return { file, orgSigningKey, orgSeed }
}
