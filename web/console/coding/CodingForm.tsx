/**
 * @module web/console/coding/CodingForm
 * The caseworker's coding form (issue 6): every field of coding scheme v1 (api/contract/coding.ts)
 * as closed choices — no free text, so nothing a reporter wrote can reach the statistics. It
 * produces a validated `CodingV1`; the case view seals it with `sealCoding` (./seal.ts) as a
 * signed kind-5 item to the statistics key and the desk and posts it as the case's next item.
 *
 * Labels: the `coding.*` keys of web/stats/locales/en.json (shared with the public page, which
 * shows the same categories); countries by web/shared/countries.ts.
 */
import { type FormEvent, useId, useMemo, useState } from 'react'
import { CODING_SCHEME, type CodingV1, codingV1Schema, FIELDS } from '../../../api/contract/coding.ts'
import { sortedCountries } from '../../shared/countries.ts'
import labels from '../../stats/locales/en.json'

const text = (id: string): string => (labels as Record<string, string>)[id] ?? id

type Single =
  | 'date_precision'
  | 'attribution'
  | 'family_targeted'
  | 'community'
  | 'reported_by'
  | 'whereabouts_unknown'
  | 'target_gender'
  | 'reported_to_host_authorities'
  | 'evidence_level'
type Multi = 'perpetrator_type' | 'tactic' | 'family_harm' | 'digital_channel' | 'target_profile' | 'outcome'

/** Which value list each field uses (yes/no/unknown fields share one). */
const LIST: Record<Single | Multi, readonly string[]> = {
  date_precision: FIELDS.date_precision,
  attribution: FIELDS.attribution,
  family_targeted: FIELDS.yes_no_unknown,
  community: FIELDS.community,
  reported_by: FIELDS.reported_by,
  whereabouts_unknown: FIELDS.yes_no_unknown,
  target_gender: FIELDS.target_gender,
  reported_to_host_authorities: FIELDS.yes_no_unknown,
  evidence_level: FIELDS.evidence_level,
  perpetrator_type: FIELDS.perpetrator_type,
  tactic: FIELDS.tactic,
  family_harm: FIELDS.family_harm,
  digital_channel: FIELDS.digital_channel,
  target_profile: FIELDS.target_profile,
  outcome: FIELDS.outcome,
}
const LABEL_LIST: Partial<Record<Single, string>> = {
  family_targeted: 'yes_no_unknown',
  whereabouts_unknown: 'yes_no_unknown',
  reported_to_host_authorities: 'yes_no_unknown',
}

export function emptyCoding(): CodingV1 {
  return {
    scheme: CODING_SCHEME.name,
    schemeVersion: CODING_SCHEME.version,
    incident_year: null,
    incident_month: null,
    date_precision: 'unknown',
    origin_state: 'unknown',
    perpetrator_type: [],
    attribution: 'unknown',
    host_country: 'unknown',
    location_country: 'unknown',
    tactic: [],
    family_targeted: 'unknown',
    family_harm: [],
    digital_channel: [],
    community: 'undisclosed',
    target_profile: [],
    reported_by: 'self',
    whereabouts_unknown: 'unknown',
    target_gender: 'undisclosed',
    outcome: [],
    reported_to_host_authorities: 'unknown',
    evidence_level: 'victim_account',
    person_key: '',
  }
}

export function CodingForm({
  initial,
  onSubmit,
  disabled = false,
}: {
  initial?: CodingV1
  onSubmit: (coding: CodingV1) => void | Promise<void>
  disabled?: boolean
}) {
  const [draft, setDraft] = useState<CodingV1>(initial ?? emptyCoding())
  const [problems, setProblems] = useState<string[]>([])
  const id = useId()
  const countries = useMemo(() => sortedCountries('en'), [])
  const set = <K extends keyof CodingV1>(key: K, value: CodingV1[K]) =>
    setDraft((d) => ({ ...d, [key]: value }))

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const result = codingV1Schema.safeParse(draft)
    if (!result.success) {
      setProblems(
        result.error.issues.map((i) => `${text(`coding.field.${String(i.path[0] ?? '')}`)}: ${i.message}`),
      )
      return
    }
    setProblems([])
    await onSubmit(result.data)
  }

  const single = (field: Single) => (
    <label key={field} className="coding-field">
      {text(`coding.field.${field}`)}
      <select value={draft[field]} onChange={(e) => set(field, e.target.value as never)} disabled={disabled}>
        {LIST[field].map((v) => (
          <option key={v} value={v}>
            {text(`coding.value.${LABEL_LIST[field] ?? field}.${v}`)}
          </option>
        ))}
      </select>
    </label>
  )
  const multi = (field: Multi) => (
    <fieldset key={field} className="coding-field">
      <legend>{text(`coding.field.${field}`)}</legend>
      {LIST[field].map((v) => {
        const values = draft[field] as readonly string[]
        return (
          <label key={v} className="coding-choice">
            <input
              type="checkbox"
              checked={values.includes(v)}
              disabled={disabled}
              onChange={(e) =>
                set(field, (e.target.checked ? [...values, v] : values.filter((x) => x !== v)) as never)
              }
            />{' '}
            {text(`coding.value.${field}.${v}`)}
          </label>
        )
      })}
    </fieldset>
  )
  const country = (field: 'origin_state' | 'host_country' | 'location_country') => (
    <label key={field} className="coding-field">
      {text(`coding.field.${field}`)}
      <select value={draft[field]} onChange={(e) => set(field, e.target.value)} disabled={disabled}>
        <option value="unknown">{text('coding.value.country.unknown')}</option>
        {field === 'location_country' && (
          <option value="online">{text('coding.value.country.online')}</option>
        )}
        {countries.map((c) => (
          <option key={c.code} value={c.code}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  )

  return (
    <form className="coding-form" onSubmit={submit} aria-describedby={`${id}-problems`}>
      {single('date_precision')}
      {draft.date_precision !== 'unknown' && (
        <label className="coding-field">
          {text('coding.field.incident_year')}
          <input
            type="number"
            min={1990}
            max={2100}
            value={draft.incident_year ?? ''}
            disabled={disabled}
            onChange={(e) => set('incident_year', e.target.value === '' ? null : Number(e.target.value))}
          />
        </label>
      )}
      {draft.date_precision === 'month' && (
        <label className="coding-field">
          {text('coding.field.incident_month')}
          <input
            type="number"
            min={1}
            max={12}
            value={draft.incident_month ?? ''}
            disabled={disabled}
            onChange={(e) => set('incident_month', e.target.value === '' ? null : Number(e.target.value))}
          />
        </label>
      )}
      {country('origin_state')}
      {multi('perpetrator_type')}
      {single('attribution')}
      {country('host_country')}
      {country('location_country')}
      {multi('tactic')}
      {single('family_targeted')}
      {multi('family_harm')}
      {multi('digital_channel')}
      {single('community')}
      {multi('target_profile')}
      {single('reported_by')}
      {single('whereabouts_unknown')}
      {single('target_gender')}
      {multi('outcome')}
      {single('reported_to_host_authorities')}
      {single('evidence_level')}
      <label className="coding-field">
        {text('coding.field.person_key')}
        <input
          value={draft.person_key}
          pattern="[A-Za-z0-9-]{0,40}"
          maxLength={40}
          disabled={disabled}
          autoComplete="off"
          onChange={(e) => set('person_key', e.target.value)}
        />
      </label>
      <div id={`${id}-problems`} role="alert">
        {problems.map((p) => (
          <p key={p}>{p}</p>
        ))}
      </div>
      <button type="submit" disabled={disabled}>
        {text('coding.save')}
      </button>
    </form>
  )
}
