/**
 * @module web/shared/context/flags.test
 * Triage flags from answers or coding plus the context dataset (issue 9).
 */
import { describe, expect, it } from 'vitest'
import { FIELDS } from '../../../api/contract/coding.ts'
import { TACTICS } from '../report-schema.ts'
import { loadContextData } from './data.ts'
import {
  EXTRADITION_TACTICS,
  FAMILY_TACTICS,
  type FlagInput,
  flagInputFromCoding,
  GENDERED_TACTICS,
  INTERPOL_TACTICS,
  triageFlags,
} from './flags.ts'

const data = loadContextData()
const NOW = new Date('2026-11-26T12:00:00Z')
const base: FlagInput = { hostCountry: 'BE', originState: 'CN', tactics: [] }

describe('triage flags', () => {
  it('flags extradition exposure for a case in Belgium against China, because Belgium’s treaty with China is in force', () => {
    const flags = triageFlags(base, data, NOW)
    expect(flags.get('extradition_exposure')).toEqual(['treaty_in_force_in_host'])
    expect(flags.get('interpol_risk')).toEqual(['origin_pattern_documented'])
  })

  it('flags a treaty signed but not ratified (Greece) with its own reason', () => {
    expect(triageFlags({ ...base, hostCountry: 'GR' }, data, NOW).get('extradition_exposure')).toEqual([
      'treaty_signed_in_host',
    ])
  })

  it('counts Hong Kong’s treaties for a case against China (Czech Republic)', () => {
    expect(triageFlags({ ...base, hostCountry: 'CZ' }, data, NOW).get('extradition_exposure')).toEqual([
      'treaty_in_force_in_host',
    ])
  })

  it('raises no treaty flag where the data knows of no treaty, and no flag at all without tactics', () => {
    expect([...triageFlags({ ...base, hostCountry: 'DE', originState: 'RU' }, data, NOW).keys()]).toEqual([])
  })

  it('asks for a re-check once the host’s treaty record is older than twelve months', () => {
    const later = triageFlags(base, data, new Date('2028-01-01T00:00:00Z'))
    expect(later.get('extradition_exposure')).toEqual(['treaty_unknown_stale'])
  })

  it('flags INTERPOL, family and gendered abuse from what the reporter described, in a fixed order', () => {
    const flags = triageFlags(
      {
        hostCountry: 'undisclosed',
        originState: 'unknown',
        tactics: ['online_sexual_abuse', 'family_pressure', 'interpol_extradition_documents'],
        subject: 'relative_origin',
      },
      data,
      NOW,
    )
    expect([...flags.entries()]).toEqual([
      ['extradition_exposure', ['tactic_reported']],
      ['interpol_risk', ['tactic_reported']],
      ['family_in_origin', ['tactic_reported', 'relative_in_origin']],
      ['gendered_abuse', ['tactic_reported']],
    ])
  })

  it('takes the family member target profile of a coding', () => {
    const flags = triageFlags({ ...base, originState: null, targetProfiles: ['family_member'] }, data, NOW)
    expect(flags.get('family_in_origin')).toEqual(['relative_in_origin'])
  })

  it('knows only tactic codes that the report form or the coding scheme defines', () => {
    const known = new Set<string>([...TACTICS, ...FIELDS.tactic])
    for (const set of [EXTRADITION_TACTICS, INTERPOL_TACTICS, FAMILY_TACTICS, GENDERED_TACTICS])
      for (const code of set) expect(known.has(code), code).toBe(true)
  })

  it('reads a caseworker coding: INTERPOL abuse, family harm and gendered harassment in Belgium against China', () => {
    const flags = triageFlags(
      flagInputFromCoding({
        scheme: 'tnr-coding',
        schemeVersion: 1,
        incident_year: 2025,
        incident_month: null,
        date_precision: 'year',
        origin_state: 'CN',
        perpetrator_type: ['state_agent'],
        attribution: 'probable',
        host_country: 'BE',
        location_country: 'BE',
        tactic: ['interpol_abuse', 'gendered_harassment'],
        family_targeted: 'unknown',
        family_harm: ['visited_questioned'],
        digital_channel: [],
        community: 'uyghur',
        target_profile: ['activist'],
        reported_by: 'self',
        whereabouts_unknown: 'no',
        target_gender: 'woman',
        outcome: [],
        reported_to_host_authorities: 'unknown',
        evidence_level: 'victim_account',
        person_key: '',
      }),
      data,
      NOW,
    )
    expect([...flags.entries()]).toEqual([
      ['extradition_exposure', ['treaty_in_force_in_host', 'tactic_reported']],
      ['interpol_risk', ['origin_pattern_documented', 'tactic_reported']],
      ['family_in_origin', ['family_targeted']],
      ['gendered_abuse', ['tactic_reported']],
    ])
  })
})
