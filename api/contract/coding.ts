/**
 * @module api/contract/coding
 * The coding scheme, version 1 (issue 6, DESIGN §9): what a caseworker records about a case for
 * statistics, sealed as a signed kind-5 item to the statistics key and the desk. Analysts count
 * codings without ever reading narratives, so a coding holds NO free text: every field is a
 * closed list (a changed list is a new scheme version; releases name the version they count).
 *
 * Labels are locale keys, never strings here: `coding.field.<field>` and
 * `coding.value.<field>.<value>` (web/stats/locales/en.json holds the English source; countries
 * use web/shared/countries.ts).
 *
 * Aligned with Freedom House's transnational repression categories: `FH_PHYSICAL_DIRECT` lists
 * the tactics Freedom House counts as direct, physical incidents, so `fh_physical_direct` can be
 * compared with its figures.
 */
import { z } from 'zod'

export const CODING_SCHEME = { name: 'tnr-coding', version: 1 } as const

/** ISO 3166-1 alpha-2, or the two non-country values the scheme allows. */
const COUNTRY = /^[A-Z]{2}$/

export const FIELDS = {
  date_precision: ['month', 'year', 'unknown'],
  perpetrator_type: [
    'state_agent',
    'proxy',
    'overseas_police_station',
    'coopted_host_authority',
    'third_state',
    'unidentified',
  ],
  attribution: ['confirmed', 'probable', 'suspected', 'unknown'],
  tactic: [
    // Freedom House: direct, physical
    'assassination',
    'assault',
    'detention',
    'unlawful_deportation',
    'rendition',
    'physical_intimidation',
    // Freedom House: other tactics
    'interpol_abuse',
    'mobility_controls',
    'coercion_by_proxy',
    'digital_threat',
    'spyware',
    // added here
    'digital_harassment',
    'gendered_harassment',
    'doxing',
    'physical_surveillance',
    'digital_surveillance',
    'pressure_to_return',
    'smear',
    'legal_harassment',
    'economic_pressure',
    'informant_recruitment',
    'other',
  ],
  family_harm: [
    'threatened',
    'visited_questioned',
    'detained',
    'job_benefit_loss',
    'travel_restriction',
    'used_as_messenger',
  ],
  digital_channel: [
    'phone_call',
    'messaging_app',
    'social_media',
    'email',
    'video_call',
    'hacking',
    'other',
    'none',
  ],
  community: [
    'uyghur',
    'tibetan',
    'hong_konger',
    'chinese_dissident',
    'southern_mongolian',
    'falun_gong',
    'central_asian',
    'iranian',
    'russian',
    'belarusian',
    'egyptian',
    'turkish',
    'kurdish',
    'gulf',
    'rwandan',
    'eritrean',
    'other',
    'undisclosed',
  ],
  target_profile: [
    'activist',
    'journalist',
    'human_rights_defender',
    'religious_figure',
    'feminist_lgbti_activist',
    'student',
    'family_member',
    'other',
  ],
  reported_by: ['self', 'relative', 'other'],
  yes_no_unknown: ['yes', 'no', 'unknown'],
  target_gender: ['woman', 'man', 'non_binary', 'undisclosed'],
  outcome: ['ongoing', 'stopped', 'relocated', 'returned', 'detained_after', 'legal_action', 'unknown'],
  evidence_level: ['victim_account', 'corroborated', 'documented'],
} as const

/** Tactics Freedom House counts as direct, physical transnational repression. */
export const FH_PHYSICAL_DIRECT = [
  'assassination',
  'assault',
  'detention',
  'unlawful_deportation',
  'rendition',
  'physical_intimidation',
] as const

/** Coarser tactic groups for tables (a release may publish groups instead of tactics). */
export const TACTIC_GROUPS: Record<
  (typeof FIELDS.tactic)[number],
  'physical' | 'legal_mobility' | 'digital' | 'proxy_family' | 'other'
> = {
  assassination: 'physical',
  assault: 'physical',
  detention: 'physical',
  unlawful_deportation: 'physical',
  rendition: 'physical',
  physical_intimidation: 'physical',
  physical_surveillance: 'physical',
  interpol_abuse: 'legal_mobility',
  mobility_controls: 'legal_mobility',
  legal_harassment: 'legal_mobility',
  digital_threat: 'digital',
  spyware: 'digital',
  digital_harassment: 'digital',
  digital_surveillance: 'digital',
  doxing: 'digital',
  coercion_by_proxy: 'proxy_family',
  pressure_to_return: 'proxy_family',
  informant_recruitment: 'proxy_family',
  economic_pressure: 'other',
  gendered_harassment: 'other',
  smear: 'other',
  other: 'other',
}
export const TACTIC_GROUP_ORDER = ['physical', 'legal_mobility', 'digital', 'proxy_family', 'other'] as const

const one = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values)
const many = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .array(z.enum(values))
    .max(values.length)
    .refine((list) => new Set(list).size === list.length, 'each value once')

const country = z.string().regex(COUNTRY, 'ISO 3166-1 alpha-2')

export const codingV1Schema = z
  .strictObject({
    scheme: z.literal(CODING_SCHEME.name),
    schemeVersion: z.literal(CODING_SCHEME.version),
    incident_year: z.int().min(1990).max(2100).nullable(),
    incident_month: z.int().min(1).max(12).nullable(),
    date_precision: one(FIELDS.date_precision),
    origin_state: z.union([country, z.literal('unknown')]),
    perpetrator_type: many(FIELDS.perpetrator_type),
    attribution: one(FIELDS.attribution),
    host_country: z.union([country, z.literal('unknown')]),
    location_country: z.union([country, z.literal('online'), z.literal('unknown')]),
    tactic: many(FIELDS.tactic).refine((list) => list.length > 0, 'at least one tactic'),
    family_targeted: one(FIELDS.yes_no_unknown),
    family_harm: many(FIELDS.family_harm),
    digital_channel: many(FIELDS.digital_channel),
    community: one(FIELDS.community),
    target_profile: many(FIELDS.target_profile),
    reported_by: one(FIELDS.reported_by),
    whereabouts_unknown: one(FIELDS.yes_no_unknown),
    target_gender: one(FIELDS.target_gender),
    outcome: many(FIELDS.outcome),
    reported_to_host_authorities: one(FIELDS.yes_no_unknown),
    evidence_level: one(FIELDS.evidence_level),
    /** Internal pseudonym linking cases of one person (caps their contribution); '' if none. */
    person_key: z.string().regex(/^[A-Za-z0-9-]{0,40}$/, 'letters, digits and dashes'),
  })
  .refine(
    (c) => (c.date_precision === 'unknown') === (c.incident_year === null),
    'year matches the precision',
  )
  .refine(
    (c) => (c.date_precision === 'month') === (c.incident_month !== null),
    'month matches the precision',
  )
export type CodingV1 = z.infer<typeof codingV1Schema>

/** The derived flag of issue 6: any tactic Freedom House counts as direct and physical. */
export function fhPhysicalDirect(coding: Pick<CodingV1, 'tactic'>): boolean {
  return coding.tactic.some((t) => (FH_PHYSICAL_DIRECT as readonly string[]).includes(t))
}

/** The tactic groups of a coding, once each, in group order. */
export function tacticGroups(coding: Pick<CodingV1, 'tactic'>): string[] {
  const groups = new Set(coding.tactic.map((t) => TACTIC_GROUPS[t]))
  return TACTIC_GROUP_ORDER.filter((g) => groups.has(g))
}

/** Fields never crossed in a release (target_gender with community × host country): enforced in crypto/release.ts. */
export { NEVER_CROSSED } from '../../crypto/release.ts'

/** Locale key of a field's label and of one of its values. */
export function fieldLabelKey(field: string): string {
  return `coding.field.${field}`
}
export function valueLabelKey(field: string, value: string): string {
  return `coding.value.${field}.${value}`
}

/** The kind-5 item body (crypto/items.ts adds `seq` and `writtenOn`). */
export const codingItemBodySchema = z.object({ coding: codingV1Schema })
