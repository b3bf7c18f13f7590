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
import { signedStatement, utcDate } from './common.ts'

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

/** A real UTC calendar day (a typo like 2026-02-30 would otherwise crash a reader's date maths). */
export const checkDay = utcDate.refine((text) => {
  const ms = Date.parse(`${text}T00:00:00Z`)
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === text
}, 'a real date')

const sourced = { source: factSource, checkedOn: checkDay }

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
 * Help a deployment adds for its community (none bundled; admins add them as signed updates,
 * `overlayContact` below).
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

// --- signed updates (admins, in the console) ---------------------------------------------------

export const CONTEXT_OVERLAY_VERSION = 1

/**
 * A change an admin makes must cite a public page (issue 9: "a source for each change"), so a
 * reader can check it; the citation stays optional beside it.
 */
export const changeSource = z.strictObject({
  title: z.string().min(1).max(300),
  url: z.url({ protocol: /^https$/ }).max(500),
  citation: z.string().min(1).max(500).optional(),
})
const changed = { source: changeSource, checkedOn: checkDay }

export const MEMBERSHIP_BODIES = ['eu', 'council_of_europe'] as const
export type MembershipBody = (typeof MEMBERSHIP_BODIES)[number]

export const overlayMembership = z.strictObject({
  host: countryCode,
  body: z.enum(MEMBERSHIP_BODIES),
  member: z.boolean(),
  ...changed,
})
export const overlayTreaty = z.strictObject({ ...extraditionTreaty.shape, host: countryCode, ...changed })
export const overlayCase = z.strictObject({ ...caseLaw.shape, ...changed })
/** Replaces every bundled pattern of its (origin, kind) that was checked on or before it. */
export const overlayPattern = z.strictObject({ ...originPattern.shape, origin: countryCode, ...changed })
export const overlayGeneral = z.strictObject({ ...generalFact.shape, ...changed })
export const overlayContact = z.strictObject({ ...localContact.shape, ...changed })
export type OverlayMembership = z.infer<typeof overlayMembership>
export type OverlayTreaty = z.infer<typeof overlayTreaty>
export type OverlayCase = z.infer<typeof overlayCase>
export type OverlayPattern = z.infer<typeof overlayPattern>
export type OverlayGeneral = z.infer<typeof overlayGeneral>
export type OverlayContact = z.infer<typeof overlayContact>

/**
 * Everything admins changed or added over the bundled dataset, signed as a whole by the
 * organisation key (crypto/statements.ts `context-update`). Each update carries the full overlay,
 * so the latest verified one is all a reader needs. Merged by web/shared/context/overlay.ts: for
 * each fact, the newer check date wins (the bundled one on a tie loses to the admin's edit).
 */
export const contextOverlay = z
  .strictObject({
    version: z.literal(CONTEXT_OVERLAY_VERSION),
    memberships: z.array(overlayMembership).max(200),
    treaties: z.array(overlayTreaty).max(1000),
    caseLaw: z.array(overlayCase).max(200),
    patterns: z.array(overlayPattern).max(200),
    general: z.array(overlayGeneral).max(20),
    contacts: z.array(overlayContact).max(500),
  })
  .superRefine((o, ctx) => {
    const once = (keys: string[], what: string) => {
      const seen = new Set<string>()
      for (const key of keys) {
        if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `duplicate ${what} ${key}` })
        seen.add(key)
      }
    }
    once(
      o.memberships.map((m) => `${m.host}/${m.body}`),
      'membership',
    )
    once(
      o.treaties.map((t) => `${t.host}/${t.origin}`),
      'treaty',
    )
    once(
      o.caseLaw.map((c) => c.id),
      'case',
    )
    once(
      o.patterns.map((p) => `${p.origin}/${p.kind}`),
      'pattern',
    )
    once(
      o.general.map((g) => g.id),
      'general fact',
    )
    once(
      o.contacts.map((c) => c.id),
      'contact',
    )
  })
export type ContextOverlay = z.infer<typeof contextOverlay>

export const EMPTY_OVERLAY: ContextOverlay = {
  version: CONTEXT_OVERLAY_VERSION,
  memberships: [],
  treaties: [],
  caseLaw: [],
  patterns: [],
  general: [],
  contacts: [],
}

/** Largest overlay text accepted (api/app.ts BODY_LIMITS leaves room for it in a request). */
export const MAX_OVERLAY_CHARS = 400 * 1024

/** A signed update as it travels: the statement and the exact JCS text of the overlay it hashes. */
export const contextUpdateWire = z.strictObject({
  signed: signedStatement,
  overlay: z.string().min(2).max(MAX_OVERLAY_CHARS),
})
export type ContextUpdateWire = z.infer<typeof contextUpdateWire>

/** `GET /api/context`: the latest stored update, or null while admins have changed nothing. */
export const contextResponse = z.strictObject({ update: contextUpdateWire.nullable() })
export type ContextResponse = z.infer<typeof contextResponse>
