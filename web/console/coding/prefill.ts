/**
 * @module web/console/coding/prefill
 * A first draft of a case's coding from what the reporter chose on the intake form, so an
 * overloaded caseworker starts from the reporter's own answers instead of an empty form. Only
 * unambiguous mappings are made (a reporter's "surveillance" could be physical or digital, so it
 * is left for the caseworker); nothing is saved until the caseworker reviews and saves it.
 */
import { type CodingV1, FIELDS } from '../../../api/contract/coding.ts'
import type { ReportPlaintext } from '../../shared/report-schema.ts'
import { emptyCoding } from './CodingForm.tsx'

type Answers = ReportPlaintext['answers']
type Tactic = CodingV1['tactic'][number]

/** Reporter tactic → coding tactic, where the meaning is the same. */
const TACTIC: Readonly<Partial<Record<Answers['tactics'][number], Tactic>>> = {
  family_pressure: 'coercion_by_proxy',
  online_harassment: 'digital_harassment',
  online_sexual_abuse: 'gendered_harassment',
  hacking_spyware: 'spyware',
  coercion_return_inform: 'pressure_to_return',
  interpol_extradition_documents: 'interpol_abuse',
  detention_deportation: 'detention',
  physical_attack: 'assault',
  other: 'other',
}

const COUNTRY = /^[A-Z]{2}$/

function countryOrUnknown(code: string | null): string {
  return code !== null && COUNTRY.test(code) ? code : 'unknown'
}

export function codingFromAnswers(answers: Answers): CodingV1 {
  const coding = emptyCoding()
  const when = answers.when
  if (when !== null && !when.before && when.year !== null) {
    coding.incident_year = when.year
    coding.incident_month = when.month
    coding.date_precision = when.month === null ? 'year' : 'month'
  }
  coding.origin_state = countryOrUnknown(answers.originState)
  coding.host_country = countryOrUnknown(answers.hostCountry)
  const community = answers.community === 'hongkonger' ? 'hong_konger' : answers.community
  if (community !== null && (FIELDS.community as readonly string[]).includes(community))
    coding.community = community as CodingV1['community']
  coding.reported_by =
    answers.subject === 'relative_abroad' || answers.subject === 'relative_origin'
      ? 'relative'
      : answers.subject === 'acquaintance'
        ? 'other'
        : 'self'
  if (answers.whereaboutsUnknown) coding.whereabouts_unknown = 'yes'
  if (answers.subject === 'relative_origin' || answers.tactics.includes('family_pressure'))
    coding.family_targeted = 'yes'
  coding.tactic = [...new Set(answers.tactics.flatMap((t) => TACTIC[t] ?? []))]
  return coding
}
