/**
 * @module api/contract/context
 * The TNR risk-context dataset (issue 9): per host country its EU and Council of Europe
 * membership and its extradition treaties with origin states; case law on extradition; per origin
 * state the documented patterns of transnational repression; local help contacts a deployment
 * adds. The data lives in `web/shared/context/context-data.json` and is bundled whole into every
 * reporter page (DESIGN §4: nothing fetched may reveal the reporter's country or origin state).
 *
 * Every fact carries its `source` and the day it was `checkedOn`. A fact without both is refused
 * here, so an unsourced claim can never reach a reporter or a caseworker. Absence means unknown:
 * there is no "no treaty" status, because a missing record must never be read as "safe".
 *
 * Versioned: `version` changes whenever a field changes meaning; readers refuse other versions.
 * Shared with the web: no server imports here.
 */
import { z } from 'zod'
import { utcDate } from './common.ts'

export const CONTEXT_DATA_VERSION = 1

/** ISO 3166-1 alpha-2, as in web/shared/countries.ts (HK is its own code: its treaties differ). */
export const countryCode = z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 code')

/**
 * Where a fact comes from: a title and a public URL, a document citation (court reference, law
 * number, or the background document and section it was read in), or both.
 */
export const factSource = z
  .strictObject({
    title: z.string().min(1).max(300),
    url: z
      .url({ protocol: /^https$/ })
      .max(500)
      .optional(),
    citation: z.string().min(1).max(500).optional(),
  })
  .refine((s) => s.url !== undefined || s.citation !== undefined, {
    message: 'a source needs a URL or a document citation',
  })
export type FactSource = z.infer<typeof factSource>

const sourced = { source: factSource, checkedOn: utcDate }

export const membership = z.strictObject({ member: z.boolean(), ...sourced })
export type Membership = z.infer<typeof membership>

export const TREATY_STATUSES = ['in_force', 'signed_not_ratified', 'suspended'] as const
export type TreatyStatus = (typeof TREATY_STATUSES)[number]

export const extraditionTreaty = z.strictObject({
  /** The state that could request extradition under the treaty. */
  origin: countryCode,
  status: z.enum(TREATY_STATUSES),
  /** Plain English detail for caseworkers and briefs (signature date, ratification). */
  note: z.string().max(500).optional(),
  ...sourced,
})
export type ExtraditionTreaty = z.infer<typeof extraditionTreaty>

export const hostCountry = z.strictObject({
  code: countryCode,
  /** Omitted when unknown; never defaulted. */
  eu: membership.optional(),
  councilOfEurope: membership.optional(),
  extradition: z.array(extraditionTreaty),
})
export type HostCountry = z.infer<typeof hostCountry>

export const CASE_OUTCOMES = [
  'extradition_would_violate',
  'extradition_allowed',
  'extradition_refused',
] as const
export type CaseOutcome = (typeof CASE_OUTCOMES)[number]

/** A year, a month or a day: courts' decisions are sometimes known only approximately. */
export const partialDate = z.string().regex(/^\d{4}(?:-\d{2}(?:-\d{2})?)?$/)

export const caseLaw = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  /** Case name as the court writes it, or a description where the seed names no parties. */
  name: z.string().min(1).max(200),
  court: z.string().min(1).max(200),
  /** Court reference (application number, ECLI) where known. */
  reference: z.string().max(200).optional(),
  decided: partialDate.optional(),
  /** The day the judgment became final, where known. */
  final: utcDate.optional(),
  /** The state extradition was requested by. */
  requestingState: countryCode,
  /** The state whose courts or authorities decided (the respondent state before the ECtHR). */
  decidingState: countryCode,
  outcome: z.enum(CASE_OUTCOMES),
  /** What was held, stated precisely, in English (caseworkers, briefs). */
  holding: z.string().min(1).max(1000),
  /** States legally bound by the outcome. */
  bindingOn: z.array(countryCode),
  /**
   * Where the reasoning is persuasive without binding: the Council of Europe for ECtHR judgments
   * (every member is party to the Convention the Court interprets); none for national decisions.
   */
  persuasiveIn: z.enum(['council_of_europe', 'none']),
  ...sourced,
})
export type CaseLaw = z.infer<typeof caseLaw>

export const PATTERN_KINDS = [
  'interpol_abuse',
  'foreign_agent_law',
  'pressure_on_relatives',
  'surveillance',
  'digital_harassment_of_women',
  'deportation_via_third_countries',
  'extraterritorial_security_law',
] as const
export type PatternKind = (typeof PATTERN_KINDS)[number]

/** Kinds that are statements about law (and so expire, issue 9): the rest describe conduct. */
export const LEGAL_PATTERN_KINDS: ReadonlySet<PatternKind> = new Set([
  'foreign_agent_law',
  'extraterritorial_security_law',
])

export const originPattern = z.strictObject({
  kind: z.enum(PATTERN_KINDS),
  /** For laws: adopted, or still a draft when checked. */
  lawStatus: z.enum(['adopted', 'draft']).optional(),
  summary: z.string().min(1).max(800),
  ...sourced,
})
export type OriginPattern = z.infer<typeof originPattern>

export const originState = z.strictObject({
  code: countryCode,
  /**
   * Jurisdictions whose treaties also matter for people targeted by this state (Hong Kong's
   * National Security Law allows cases to be moved to the mainland, and the reverse holds for a
   * mainland target detained in Hong Kong).
   */
  related: z.array(z.strictObject({ code: countryCode, reason: z.string().min(1).max(500), ...sourced })),
  patterns: z.array(originPattern),
})
export type OriginState = z.infer<typeof originState>

/** General facts independent of country (what an INTERPOL notice is, how to challenge one). */
export const generalFact = z.strictObject({
  id: z.enum(['interpol_ccf', 'interpol_article_3']),
  summary: z.string().min(1).max(800),
  ...sourced,
})
export type GeneralFact = z.infer<typeof generalFact>

/**
 * Help a deployment adds for its community (none by default; an admin route edits these later).
 * `hostCountries` empty means "wherever the reporter lives".
 */
export const localContact = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  name: z.string().min(1).max(200),
  kind: z.enum(['hotline', 'organisation', 'legal_aid']),
  hostCountries: z.array(countryCode),
  /** BCP 47 codes of the languages the contact speaks. */
  languages: z.array(z.string().regex(/^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$/)),
  url: z
    .url({ protocol: /^https$/ })
    .max(500)
    .optional(),
  phone: z
    .string()
    .regex(/^\+?[0-9 ()-]{3,32}$/)
    .optional(),
  ...sourced,
})
export type LocalContact = z.infer<typeof localContact>

export const contextData = z
  .strictObject({
    version: z.literal(CONTEXT_DATA_VERSION),
    /** The day the dataset as a whole was last reviewed. */
    reviewedOn: utcDate,
    hosts: z.array(hostCountry),
    caseLaw: z.array(caseLaw),
    origins: z.array(originState),
    general: z.array(generalFact),
    localContacts: z.array(localContact),
  })
  .superRefine((data, ctx) => {
    const unique = (codes: string[], path: string) => {
      const seen = new Set<string>()
      for (const code of codes) {
        if (seen.has(code)) ctx.addIssue({ code: 'custom', message: `duplicate ${path} ${code}` })
        seen.add(code)
      }
    }
    unique(
      data.hosts.map((h) => h.code),
      'host',
    )
    unique(
      data.origins.map((o) => o.code),
      'origin',
    )
    unique(
      data.caseLaw.map((c) => c.id),
      'case',
    )
    for (const host of data.hosts)
      unique(
        host.extradition.map((t) => t.origin),
        `treaty partner of ${host.code}:`,
      )
  })
export type ContextData = z.infer<typeof contextData>
