/**
 * @module api/cli/seed-codings
 * `NODE_ENV=development npm run dev:seed-codings` (issue 6 "Done means"): a few hundred realistic
 * SYNTHETIC codings across communities, tactics and host countries, sealed as signed kind-5
 * items to the demo organisation's statistics key and desk, so the release builder and /stats
 * can be tried without real cases. Development only, like dev:seed (it reads ./dev-keys/).
 *
 * - Creates the statistics key (org-signed `stats-key`) if the database has none, writing its
 *   private key to ./dev-keys/demo-stats.json; creates a certified "coding-seeder" caseworker.
 * - Each coding gets its own synthetic case (random lookup id, fake reporter keys and proof):
 *   these cases have no report item, so the console shows them as unreadable — they exist only
 *   to be counted. Distributions are invented and loosely shaped like public TNR reporting; they
 *   describe no one.
 * The exported functions are what the tests use to plant codings.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, toBase64, toHex } from '../../crypto/bytes.ts'
import { sealItem } from '../../crypto/items.ts'
import { signStatement } from '../../crypto/statements.ts'
import { CODING_SCHEME, type CodingV1, codingV1Schema } from '../contract/coding.ts'
import type { Db } from '../db/index.ts'
import { caseItems, cases, statsKeys, users } from '../db/schema.ts'

/** A small deterministic PRNG (mulberry32): synthetic data only, never keys or noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function weighted<T extends string>(rand: () => number, table: readonly (readonly [T, number])[]): T {
  const total = table.reduce((s, [, w]) => s + w, 0)
  let x = rand() * total
  for (const [value, w] of table) {
    x -= w
    if (x < 0) return value
  }
  return (table.at(-1) as readonly [T, number])[0]
}

const COMMUNITIES: readonly (readonly [CodingV1['community'], number, string])[] = [
  ['uyghur', 24, 'CN'],
  ['tibetan', 8, 'CN'],
  ['hong_konger', 9, 'CN'],
  ['chinese_dissident', 8, 'CN'],
  ['southern_mongolian', 2, 'CN'],
  ['falun_gong', 3, 'CN'],
  ['central_asian', 4, 'TJ'],
  ['iranian', 12, 'IR'],
  ['russian', 9, 'RU'],
  ['belarusian', 5, 'BY'],
  ['egyptian', 3, 'EG'],
  ['turkish', 5, 'TR'],
  ['kurdish', 3, 'TR'],
  ['gulf', 2, 'SA'],
  ['rwandan', 2, 'RW'],
  ['eritrean', 2, 'ER'],
  ['undisclosed', 2, 'unknown'],
]
const HOSTS = [
  ['DE', 14],
  ['GB', 14],
  ['NL', 8],
  ['FR', 8],
  ['SE', 6],
  ['US', 12],
  ['CA', 8],
  ['TR', 8],
  ['KZ', 5],
  ['AU', 6],
  ['BE', 4],
  ['CH', 3],
] as const
const TACTICS: readonly (readonly [CodingV1['tactic'][number], number])[] = [
  ['coercion_by_proxy', 20],
  ['digital_threat', 18],
  ['digital_harassment', 14],
  ['physical_surveillance', 9],
  ['digital_surveillance', 8],
  ['pressure_to_return', 10],
  ['smear', 7],
  ['physical_intimidation', 6],
  ['spyware', 4],
  ['interpol_abuse', 3],
  ['mobility_controls', 5],
  ['informant_recruitment', 6],
  ['legal_harassment', 3],
  ['economic_pressure', 3],
  ['gendered_harassment', 4],
  ['doxing', 4],
  ['assault', 2],
  ['detention', 2],
  ['unlawful_deportation', 1],
  ['rendition', 1],
]

/** One synthetic coding (validated against the scheme before it is returned). */
export function syntheticCoding(rand: () => number, years: readonly number[] = [2024, 2025]): CodingV1 {
  const [community, , origin] = COMMUNITIES[
    (() => {
      const total = COMMUNITIES.reduce((s, c) => s + c[1], 0)
      let x = rand() * total
      for (let i = 0; i < COMMUNITIES.length; i++) {
        x -= (COMMUNITIES[i] as (typeof COMMUNITIES)[number])[1]
        if (x < 0) return i
      }
      return 0
    })()
  ] as (typeof COMMUNITIES)[number]
  const tactics = new Set<CodingV1['tactic'][number]>()
  const n = 1 + (rand() < 0.5 ? 1 : 0) + (rand() < 0.2 ? 1 : 0)
  while (tactics.size < n) tactics.add(weighted(rand, TACTICS))
  const precision = weighted(rand, [
    ['month', 80],
    ['year', 15],
    ['unknown', 5],
  ] as const)
  const familyTargeted = weighted(rand, [
    ['yes', 45],
    ['no', 40],
    ['unknown', 15],
  ] as const)
  const host = weighted(rand, HOSTS)
  const coding: CodingV1 = {
    scheme: CODING_SCHEME.name,
    schemeVersion: CODING_SCHEME.version,
    incident_year: precision === 'unknown' ? null : (years[(rand() * years.length) | 0] ?? 2025),
    incident_month: precision === 'month' ? 1 + ((rand() * 12) | 0) : null,
    date_precision: precision,
    origin_state: origin,
    perpetrator_type: [
      weighted(rand, [
        ['state_agent', 50],
        ['proxy', 30],
        ['unidentified', 20],
      ] as const),
    ],
    attribution: weighted(rand, [
      ['probable', 40],
      ['suspected', 35],
      ['confirmed', 15],
      ['unknown', 10],
    ] as const),
    host_country: host,
    location_country: rand() < 0.45 ? 'online' : host,
    tactic: [...tactics],
    family_targeted: familyTargeted,
    family_harm:
      familyTargeted === 'yes'
        ? [
            weighted(rand, [
              ['threatened', 50],
              ['visited_questioned', 35],
              ['detained', 15],
            ] as const),
          ]
        : [],
    digital_channel: [
      weighted(rand, [
        ['messaging_app', 45],
        ['phone_call', 25],
        ['social_media', 20],
        ['email', 10],
      ] as const),
    ],
    community,
    target_profile: [
      weighted(rand, [
        ['activist', 35],
        ['family_member', 20],
        ['journalist', 10],
        ['student', 15],
        ['human_rights_defender', 10],
        ['religious_figure', 5],
        ['feminist_lgbti_activist', 5],
      ] as const),
    ],
    reported_by: weighted(rand, [
      ['self', 75],
      ['relative', 20],
      ['other', 5],
    ] as const),
    whereabouts_unknown: rand() < 0.04 ? 'yes' : 'no',
    target_gender: weighted(rand, [
      ['woman', 45],
      ['man', 45],
      ['non_binary', 3],
      ['undisclosed', 7],
    ] as const),
    outcome: [
      weighted(rand, [
        ['ongoing', 55],
        ['stopped', 20],
        ['unknown', 25],
      ] as const),
    ],
    reported_to_host_authorities: weighted(rand, [
      ['no', 60],
      ['yes', 30],
      ['unknown', 10],
    ] as const),
    evidence_level: weighted(rand, [
      ['victim_account', 60],
      ['corroborated', 25],
      ['documented', 15],
    ] as const),
    person_key: rand() < 0.1 ? `p${(rand() * 40) | 0}` : '',
  }
  return codingV1Schema.parse(coding)
}

/** Creates and certifies statistics key version 1 (org-signed `stats-key`). */
export async function createStatsKey(
  db: Db,
  backend: CryptoBackend,
  demo: { orgId: string; orgSigningSeed: Uint8Array },
): Promise<{ version: number; publicKey: Uint8Array; secretKey: Uint8Array }> {
  const secretKey = backend.randomBytes(32)
  const publicKey = backend.x25519PublicKey(secretKey)
  const signed = signStatement(backend, demo.orgSigningSeed, {
    type: 'stats-key',
    orgId: demo.orgId,
    version: 1,
    publicKey: toBase64(publicKey),
  })
  await db
    .insert(statsKeys)
    .values({ version: 1, publicKey, statement: signed.statement, signature: fromBase64(signed.signature) })
  return { version: 1, publicKey, secretKey }
}

/**
 * Plants `codings`, each in a fresh synthetic case of `deskId`, as a kind-5 item at seq 1 sealed
 * to the statistics key and the desk and signed by `author`.
 */
export async function plantCodings(
  db: Db,
  backend: CryptoBackend,
  input: {
    codings: readonly CodingV1[]
    deskId: string
    deskPublicKey: Uint8Array
    statsPublicKey: Uint8Array
    author: { userId: string; signingSeed: Uint8Array }
    receivedOn: string
  },
): Promise<void> {
  for (const coding of input.codings) {
    const lookupId = toHex(backend.randomBytes(16))
    const caseId = randomUUID()
    await db.insert(cases).values({
      id: caseId,
      deskId: input.deskId,
      receivedOn: input.receivedOn,
      status: 'closed',
      lookupId,
      authHash: backend.randomBytes(32),
      reporterPublicKey: backend.randomBytes(32),
      reporterSigningKey: backend.randomBytes(32),
      proofStatement: '{}',
      proofSignature: backend.randomBytes(64),
    })
    const envelope = sealItem(backend, {
      kind: 5,
      context: lookupId,
      recipients: [input.statsPublicKey, input.deskPublicKey],
      body: { seq: 1, writtenOn: input.receivedOn, coding },
      author: input.author.userId,
      signingSeed: input.author.signingSeed,
    })
    await db.insert(caseItems).values({
      caseId,
      seq: 1,
      kind: 5,
      envelope,
      authorId: input.author.userId,
      createdOn: input.receivedOn,
    })
  }
}

const KEYS_DIR = path.resolve('dev-keys')

async function main(): Promise<void> {
  const { parseEnv } = await import('../env.ts')
  const { openDatabase } = await import('../db/index.ts')
  const { migrateDatabase } = await import('../db/migrate.ts')
  const { loadSodium } = await import('../../crypto/sodium.ts')
  const config = parseEnv(process.env)
  if (config.nodeEnv !== 'development')
    throw new Error('dev:seed-codings runs only with NODE_ENV=development.')
  const keysFile = path.join(KEYS_DIR, 'demo-org.json')
  const statsFile = path.join(KEYS_DIR, 'demo-stats.json')
  if (!existsSync(keysFile)) throw new Error(`${keysFile} is missing: run npm run dev:seed first.`)
  const demo = JSON.parse(readFileSync(keysFile, 'utf8')) as {
    orgId: string
    orgSigningSeed: string
    desks: { deskId: string; publicKey: string }[]
  }
  const backend = await loadSodium()
  const database = await openDatabase(config)
  try {
    await migrateDatabase(database)
    const db = database.db
    const orgSigningSeed = fromBase64(demo.orgSigningSeed, 32)
    let [stats] = await db.select().from(statsKeys).limit(1)
    if (stats === undefined) {
      if (existsSync(statsFile))
        throw new Error(`${statsFile} exists but the database has no statistics key.`)
      const created = await createStatsKey(db, backend, { orgId: demo.orgId, orgSigningSeed })
      writeFileSync(
        statsFile,
        `${JSON.stringify({ warning: 'Development statistics key.', version: 1, secretKey: toBase64(created.secretKey) }, null, 2)}\n`,
        { mode: 0o600, flag: 'wx' },
      )
      ;[stats] = await db.select().from(statsKeys).limit(1)
    }
    if (stats === undefined) throw new Error('no statistics key')
    const desk = demo.desks[0]
    if (desk === undefined) throw new Error('the demo organisation has no desk')
    const userId = randomUUID()
    const signingSeed = backend.randomBytes(32)
    const signingKey = backend.ed25519PublicKey(signingSeed)
    const identityKey = backend.x25519PublicKey(backend.randomBytes(32))
    const userKey = signStatement(backend, orgSigningSeed, {
      type: 'user-key',
      orgId: demo.orgId,
      userId,
      username: `coding-seeder-${userId.slice(0, 8)}`,
      role: 'caseworker',
      identityKey: toBase64(identityKey),
      signingKey: toBase64(signingKey),
      notAfter: `${new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 19)}Z`,
    })
    await db.insert(users).values({
      id: userId,
      role: 'caseworker',
      username: `coding-seeder-${userId.slice(0, 8)}`,
      disabled: true, // never logs in: it only signs the synthetic codings
      kdfSalt: backend.randomBytes(16),
      kdfParams: { version: 1, opsLimit: 3, memLimitBytes: 64 * 1024 * 1024 },
      authHash: backend.randomBytes(32),
      identityPublicKey: identityKey,
      signingPublicKey: signingKey,
      wrappedIdentityKey: backend.randomBytes(72),
      wrappedSigningKey: backend.randomBytes(72),
      userKeyStatement: userKey.statement,
      userKeySignature: fromBase64(userKey.signature),
      totpSecretEncrypted: backend.randomBytes(60),
    })
    const count = Number(process.env.CODINGS ?? '300')
    const rand = seededRandom(Number(process.env.CODINGS_SEED ?? '20260101'))
    const codings = Array.from({ length: count }, () => syntheticCoding(rand))
    await plantCodings(db, backend, {
      codings,
      deskId: desk.deskId,
      deskPublicKey: fromBase64(desk.publicKey, 32),
      statsPublicKey: stats.publicKey,
      author: { userId, signingSeed },
      receivedOn: new Date().toISOString().slice(0, 10),
    })
    process.stdout.write(`Planted ${count} synthetic codings sealed to statistics key v${stats.version}.\n`)
  } finally {
    await database.close().catch(() => {})
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `dev:seed-codings failed: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    process.exit(1)
  })
}
