/**
 * @module web/shared/context/flags
 * Caseworker triage flags (issue 9), computed in the console's browser from a case's answers or
 * coding plus the context dataset: nothing about a case leaves the browser to compute them. Each
 * flag carries its reasons, so the queue can say why ("treaty in force in the host country",
 * "reporter describes an INTERPOL notice") instead of a bare badge.
 *
 * Inputs: the reporter's answers (web/shared/report-schema.ts) or a caseworker coding through
 * `flagInputFromCoding` (api/contract/coding.ts v1; "unknown" host or origin raises no treaty
 * flag). `data` should be the dataset with the organisation-signed update merged
 * (web/console/admin/signed-context.ts, web/shared/context/overlay.ts `mergeContext`), so an
 * admin's re-checked treaty status reaches the flags; the bundled data alone is the fallback.
 */

import type { CodingV1 } from '../../../api/contract/coding.ts'
import type { ContextData } from '../../../api/contract/context.ts'
import { assess } from './assess.ts'

export const TRIAGE_FLAGS = [
  'extradition_exposure',
  'interpol_risk',
  'family_in_origin',
  'gendered_abuse',
] as const
export type TriageFlag = (typeof TRIAGE_FLAGS)[number]

export type FlagReason =
  | 'treaty_in_force_in_host'
  | 'treaty_signed_in_host'
  | 'treaty_suspended_in_host'
  | 'treaty_unknown_stale'
  | 'tactic_reported'
  | 'origin_pattern_documented'
  | 'relative_in_origin'
  | 'family_targeted'

export interface FlagInput {
  readonly hostCountry: string | null
  readonly originState: string | null
  /** Tactic codes, from the report form or the coding scheme. */
  readonly tactics: readonly string[]
  /** Who it happened to (report form: 'relative_origin' = a relative in the origin country). */
  readonly subject?: string | null
  /** Coding target profiles, where coded ('family_member'). */
  readonly targetProfiles?: readonly string[]
  /** Coding: relatives were targeted (family_targeted = yes, or any family harm coded). */
  readonly familyTargeted?: boolean
}

/**
 * Tactic codes behind each flag: the report form's codes (web/shared/report-schema.ts) and the
 * coding scheme's (api/contract/coding.ts v1). A test checks every code here exists in one of them.
 */
export const EXTRADITION_TACTICS: ReadonlySet<string> = new Set([
  'interpol_extradition_documents',
  'detention_deportation',
  'interpol_abuse',
  'unlawful_deportation',
  'rendition',
])
export const INTERPOL_TACTICS: ReadonlySet<string> = new Set([
  'interpol_extradition_documents',
  'interpol_abuse',
])
export const FAMILY_TACTICS: ReadonlySet<string> = new Set(['family_pressure', 'coercion_by_proxy'])
export const GENDERED_TACTICS: ReadonlySet<string> = new Set(['online_sexual_abuse', 'gendered_harassment'])

/** The flag input of a caseworker's coding (scheme v1). */
export function flagInputFromCoding(coding: CodingV1): FlagInput {
  return {
    hostCountry: coding.host_country,
    originState: coding.origin_state,
    tactics: coding.tactic,
    targetProfiles: coding.target_profile,
    familyTargeted: coding.family_targeted === 'yes' || coding.family_harm.length > 0,
  }
}

const COUNTRY = /^[A-Z]{2}$/

export function triageFlags(
  input: FlagInput,
  data: ContextData,
  now: Date,
): ReadonlyMap<TriageFlag, readonly FlagReason[]> {
  const out = new Map<TriageFlag, FlagReason[]>()
  const add = (flag: TriageFlag, reason: FlagReason) => {
    const reasons = out.get(flag) ?? []
    if (!reasons.includes(reason)) reasons.push(reason)
    out.set(flag, reasons)
  }
  const has = (set: ReadonlySet<string>) => input.tactics.some((t) => set.has(t))

  const origin = input.originState !== null && COUNTRY.test(input.originState) ? input.originState : null
  const host = input.hostCountry !== null && COUNTRY.test(input.hostCountry) ? input.hostCountry : ''
  if (origin !== null) {
    const a = assess(data, host, origin, now)
    for (const t of a.homeTreaties) {
      if (t.treaty.status === 'in_force') add('extradition_exposure', 'treaty_in_force_in_host')
      else if (t.treaty.status === 'signed_not_ratified') add('extradition_exposure', 'treaty_signed_in_host')
      else add('extradition_exposure', 'treaty_suspended_in_host')
    }
    // A stale record for the host itself is not silence: the caseworker should re-check it.
    if (a.staleTreaties.some((t) => t.host === host)) add('extradition_exposure', 'treaty_unknown_stale')
    if (a.patterns.some((p) => p.kind === 'interpol_abuse')) add('interpol_risk', 'origin_pattern_documented')
  }
  if (has(EXTRADITION_TACTICS)) add('extradition_exposure', 'tactic_reported')
  if (has(INTERPOL_TACTICS)) add('interpol_risk', 'tactic_reported')
  if (has(FAMILY_TACTICS)) add('family_in_origin', 'tactic_reported')
  if (input.subject === 'relative_origin' || input.targetProfiles?.includes('family_member') === true)
    add('family_in_origin', 'relative_in_origin')
  if (input.familyTargeted === true) add('family_in_origin', 'family_targeted')
  if (has(GENDERED_TACTICS)) add('gendered_abuse', 'tactic_reported')

  // Fixed order, so the queue renders flags the same way for every case.
  return new Map(TRIAGE_FLAGS.flatMap((f) => (out.has(f) ? [[f, out.get(f) ?? []] as const] : [])))
}
