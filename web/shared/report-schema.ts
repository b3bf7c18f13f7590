/**
 * @module web/shared/report-schema
 * The report plaintext the intake page seals (envelope kind 1, DESIGN §5a) and the reporter's own
 * item bodies (kinds 2 and 7). One schema serves the intake (what it writes), the follow-up
 * read-back (what it accepts) and the console (what caseworkers read), so the three cannot drift.
 *
 * The contact channel is deliberately NOT part of the report: it travels in a separate kind-2
 * item sealed only to the desk (see `contactBody`), so the reporter's read-back copy — which
 * anyone holding the receipt can open — never contains it (DESIGN §8).
 */
import { z } from 'zod'

export const REPORT_VERSION = 1

/** Tactic codes (plain-language choices on the form; caseworkers code the case in detail later). */
export const TACTICS = [
  'surveillance',
  'family_pressure',
  'online_harassment',
  'online_sexual_abuse',
  'hacking_spyware',
  'coercion_return_inform',
  'official_contact',
  'interpol_extradition_documents',
  'detention_deportation',
  'physical_attack',
  'other',
] as const
export type Tactic = (typeof TACTICS)[number]

export const SUBJECTS = ['self', 'relative_abroad', 'relative_origin', 'acquaintance'] as const
export type Subject = (typeof SUBJECTS)[number]

export const COMMUNITIES = [
  'uyghur',
  'tibetan',
  'hongkonger',
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
] as const
export type Community = (typeof COMMUNITIES)[number]

export const ONGOING = ['yes', 'no', 'unknown'] as const

/** ISO 3166-1 alpha-2, or "undisclosed" / "unknown". */
const country = z.union([z.string().regex(/^[A-Z]{2}$/), z.literal('undisclosed'), z.literal('unknown')])
const base64Key = z.string().regex(/^[A-Za-z0-9+/]{43}=$/)

export const MAX_NARRATIVE_CHARS = 20_000

export const reportPlaintextSchema = z.strictObject({
  version: z.literal(REPORT_VERSION),
  /** Interface language the reporter used (DESIGN §8: the report records it). */
  language: z.string().min(2).max(16),
  deskId: z.uuid(),
  /** Whether the reporter chose a read-back slot ("let me read my report later"). */
  readBack: z.boolean(),
  answers: z.strictObject({
    subject: z.enum(SUBJECTS).nullable(),
    whereaboutsUnknown: z.boolean(),
    tactics: z.array(z.enum(TACTICS)).max(TACTICS.length),
    /** Approximate: year and month (either may be null); `before` = "before that year". */
    when: z
      .strictObject({
        year: z.number().int().min(1900).max(2200).nullable(),
        month: z.number().int().min(1).max(12).nullable(),
        before: z.boolean(),
      })
      .nullable(),
    ongoing: z.enum(ONGOING).nullable(),
    urgent: z.boolean().nullable(),
    hostCountry: country.nullable(),
    originState: country.nullable(),
    community: z.enum(COMMUNITIES).nullable(),
    narrative: z.string().max(MAX_NARRATIVE_CHARS),
    statisticsConsent: z.boolean(),
    /** Files the reporter meant to add after the report (uploaded as kind-7 manifests). */
    filesToFollow: z.number().int().min(0).max(100),
  }),
  reporterPublicKey: base64Key,
  reporterSigningKey: base64Key,
})
export type ReportPlaintext = z.infer<typeof reportPlaintextSchema>

/** Kind 2 written by the reporter: a message, or the contact channel (desk only). */
export const messageBodySchema = z.strictObject({
  seq: z.number().int().min(1),
  writtenOn: z.string(),
  type: z.literal('message'),
  text: z.string().min(1).max(20_000),
})
export const contactBodySchema = z.strictObject({
  seq: z.number().int().min(1),
  writtenOn: z.string(),
  type: z.literal('contact'),
  contact: z.string().min(1).max(1000),
})
export const reporterItemBodySchema = z.discriminatedUnion('type', [messageBodySchema, contactBodySchema])

/** Kind 7: the attachment manifest (DESIGN §5a) plus the upload's id on the server. */
export const manifestBodySchema = z.strictObject({
  seq: z.number().int().min(1),
  writtenOn: z.string(),
  fileKey: base64Key,
  prefix: z.string().regex(/^[A-Za-z0-9+/]{22}==$/),
  name: z.string().max(255),
  type: z.string().max(255),
  size: z.number().int().min(0),
  chunks: z.number().int().min(1),
  metadataStripped: z.boolean(),
  attachmentId: z.uuid(),
})
export type ManifestBody = z.infer<typeof manifestBodySchema>

/** Replies from caseworkers (kind 3): at least a text; other members are ignored by this page. */
export const replyBodySchema = z.looseObject({
  seq: z.number().int(),
  writtenOn: z.string(),
  text: z.string().max(100_000),
})

/** Today's UTC date, `YYYY-MM-DD` (items record the day, not the time: DESIGN §4). */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10)
}
