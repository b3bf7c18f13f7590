/**
 * @module web/console/stats/build
 * The analyst's side of a release before the pure pipeline (crypto/release.ts): open every
 * coding envelope with the statistics key, trusting authors only through organisation-signed
 * `user-key` statements; keep the period's codings; turn each into a unit with the (coarsened)
 * values the chosen tables need. Undated codings and codings that fail to open are counted and
 * shown to the analyst, never silently dropped.
 */
import { z } from 'zod'
import {
  type CodingV1,
  codingItemBodySchema,
  FIELDS,
  TACTIC_GROUP_ORDER,
  tacticGroups,
} from '../../../api/contract/coding.ts'
import type { CryptoBackend } from '../../../crypto/backend.ts'
import { fromBase64 } from '../../../crypto/bytes.ts'
import { openItem } from '../../../crypto/items.ts'
import type { TableSpec, Unit } from '../../../crypto/release.ts'
import { type SignedStatement, verifyUserKeyChain } from '../../../crypto/statements.ts'

/** `GET /api/releases/codings`, validated before use (a hostile server's answer is refused). */
export const codingsResponseSchema = z.object({
  codings: z.array(
    z.object({ context: z.string().regex(/^[0-9a-f]{32}$/), seq: z.int().min(0), envelope: z.string() }),
  ),
  signers: z.array(z.object({ statement: z.string(), signature: z.string() })),
})
export type CodingEnvelope = { context: string; seq: number; envelope: string }
export interface CodingsResponse {
  codings: CodingEnvelope[]
  signers: SignedStatement[]
}

/** `GET /api/releases/ledger`: the ε already spent, and the budget. */
export const ledgerResponseSchema = z.object({
  entries: z.array(
    z.object({
      releaseId: z.string(),
      period: z.object({ from: z.string(), to: z.string() }),
      tables: z.array(z.string()),
      epsilon: z.string().nullable(),
    }),
  ),
  budget: z.string(),
})
export type LedgerResponse = z.infer<typeof ledgerResponseSchema>

export interface Opened {
  codings: CodingV1[]
  failed: number
}

/** The certified signing keys of coding authors (organisation → `user-key`); others are dropped. */
export function verifySigners(
  backend: CryptoBackend,
  statements: readonly SignedStatement[],
  keys: { orgSigningKey: Uint8Array; orgId: string; now: Date },
): Map<string, Uint8Array> {
  const signers = new Map<string, Uint8Array>()
  for (const signer of statements) {
    try {
      const user = verifyUserKeyChain(backend, {
        orgSigningKey: keys.orgSigningKey,
        userKey: signer,
        now: keys.now,
        orgId: keys.orgId,
      })
      signers.set(user.statement.userId, user.signingKey)
    } catch {
      // An uncertified or expired signer: their codings fail to open and are counted.
    }
  }
  return signers
}

/**
 * Opens coding envelopes with the statistics key: each must decrypt, carry a valid signature by a
 * certified author and the expected sequence number, and hold a valid coding; else it is counted
 * as failed. Runs on the main thread or in web/console/stats/open.worker.ts.
 */
export function openWithSigners(
  backend: CryptoBackend,
  items: readonly CodingEnvelope[],
  signers: ReadonlyMap<string, Uint8Array>,
  statsSecretKey: Uint8Array,
): Opened {
  const codings: CodingV1[] = []
  let failed = 0
  // One coding per case (issue 6): a case coded again counts once, with its newest coding.
  const newest = new Map<string, number>()
  for (const item of items) newest.set(item.context, Math.max(newest.get(item.context) ?? -1, item.seq))
  for (const item of items) {
    if (item.seq !== newest.get(item.context)) continue
    try {
      const opened = openItem(backend, fromBase64(item.envelope), {
        kind: 5,
        context: item.context,
        secretKey: statsSecretKey,
        expectedSeq: item.seq,
        signingKeyFor: (author) => signers.get(author),
      })
      codings.push(codingItemBodySchema.parse(opened.body).coding)
    } catch {
      failed += 1
    }
  }
  return { codings, failed }
}

/** Both steps on this thread (tests, and the fallback where workers cannot start). */
export function openCodings(
  backend: CryptoBackend,
  response: CodingsResponse,
  keys: { statsSecretKey: Uint8Array; orgSigningKey: Uint8Array; orgId: string; now: Date },
): Opened {
  const signers = verifySigners(backend, response.signers, keys)
  return openWithSigners(backend, response.codings, signers, keys.statsSecretKey)
}

/** A coding's incident month as YYYY-MM (a year-only date counts as its January), or undefined. */
function monthOf(c: CodingV1): string | undefined {
  if (c.incident_year === null) return undefined
  return `${c.incident_year}-${String(c.incident_month ?? 1).padStart(2, '0')}`
}

/** Keeps codings whose incident month lies in [from, to]; returns how many were undated. */
export function inPeriod(
  codings: readonly CodingV1[],
  period: { from: string; to: string },
): { kept: CodingV1[]; undated: number } {
  let undated = 0
  const kept = codings.filter((c) => {
    const m = monthOf(c)
    if (m === undefined) {
      undated += 1
      return false
    }
    return m >= period.from && m <= period.to
  })
  return { kept, undated }
}

/** The values a unit carries for every table field (derived fields included). */
export function toUnit(c: CodingV1): Unit {
  return {
    personKey: c.person_key,
    values: {
      year: c.incident_year === null ? [] : [String(c.incident_year)],
      community: [c.community],
      origin_state: [c.origin_state],
      host_country: [c.host_country],
      tactic_group: tacticGroups(c),
      tactic: [...c.tactic],
      target_profile: [...c.target_profile],
      reported_by: [c.reported_by],
      target_gender: [c.target_gender],
    },
  }
}

function yearsOf(period: { from: string; to: string }): string[] {
  const out: string[] = []
  for (let y = Number(period.from.slice(0, 4)); y <= Number(period.to.slice(0, 4)); y++) out.push(String(y))
  return out
}

/** Categories present in the data, most frequent first (for country fields), capped. */
function topValues(codings: readonly CodingV1[], pick: (c: CodingV1) => string, limit: number): string[] {
  const counts = new Map<string, number>()
  for (const c of codings) counts.set(pick(c), (counts.get(pick(c)) ?? 0) + 1)
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([v]) => v)
}

export const TABLE_PRESETS = [
  'year',
  'community-by-tactic-group',
  'tactic-group-by-year',
  'origin-state',
  'host-country',
  'community-by-year',
  'gender-by-community',
  'gender-by-host-country',
] as const
export type TablePreset = (typeof TABLE_PRESETS)[number]

/**
 * The table specs for the chosen presets. Country categories are the most frequent ones in the
 * data (at most 12): choosing categories from the data is itself a small leak, acceptable for
 * large countries and said in the methodology; the other fields use the scheme's full lists.
 */
export function tableSpecs(
  presets: readonly TablePreset[],
  codings: readonly CodingV1[],
  period: { from: string; to: string },
): TableSpec[] {
  const year = { field: 'year', categories: yearsOf(period), maxValues: 1 }
  const community = { field: 'community', categories: [...FIELDS.community], maxValues: 1 }
  const tacticGroup = { field: 'tactic_group', categories: [...TACTIC_GROUP_ORDER], maxValues: 2 }
  const country = (field: 'origin_state' | 'host_country') => ({
    field,
    categories: topValues(codings, (c) => c[field], 12),
    maxValues: 1,
  })
  const gender = { field: 'target_gender', categories: [...FIELDS.target_gender], maxValues: 1 }
  const dims: Record<TablePreset, () => TableSpec['dims']> = {
    year: () => [year],
    'community-by-tactic-group': () => [community, tacticGroup],
    'tactic-group-by-year': () => [tacticGroup, year],
    'community-by-year': () => [community, year],
    'origin-state': () => [country('origin_state')],
    'host-country': () => [country('host_country')],
    // Either one alone is allowed; both together cross gender with community × host country,
    // which crypto/release.ts refuses (NEVER_CROSSED).
    'gender-by-community': () => [gender, community],
    'gender-by-host-country': () => [gender, country('host_country')],
  }
  return presets.map((p) => ({ id: p, dims: dims[p]() }))
}
