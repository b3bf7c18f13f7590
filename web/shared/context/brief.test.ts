/**
 * @module web/shared/context/brief.test
 * The context section of advocacy briefs: treaties and case law per host country or region.
 */
import { describe, expect, it } from 'vitest'
import { briefContext } from './brief.ts'
import { loadContextData } from './data.ts'

const data = loadContextData()
const NOW = new Date('2026-11-26T12:00:00Z')

describe('the context section of a brief', () => {
  it('lists for the EU its 27 members, the treaties with China and Hong Kong, and Liu v. Poland', () => {
    const eu = briefContext(data, { kind: 'eu' }, NOW)
    expect(eu.members).toHaveLength(27)
    const pairs = eu.treaties.map((t) => `${t.host}:${t.treaty.origin}:${t.treaty.status}`)
    expect(pairs).toContain('BE:CN:in_force')
    expect(pairs).toContain('GR:CN:signed_not_ratified')
    expect(pairs).toContain('CZ:HK:in_force')
    expect(pairs).not.toContain('MA:CN:in_force')
    expect(eu.caseLaw.map((c) => c.id)).toEqual(
      expect.arrayContaining(['liu-v-poland', 'italy-court-of-appeal-2015', 'czech-refusal-without-treaty']),
    )
    expect(eu.caseLaw.map((c) => c.id)).not.toContain('morocco-idris-hasan')
  })

  it('lists for one country only its own treaties and the case law that binds or guides it', () => {
    const be = briefContext(data, { kind: 'country', code: 'BE' }, NOW)
    expect(be.members).toEqual(['BE'])
    expect(be.treaties.map((t) => t.treaty.origin)).toEqual(['CN'])
    expect(be.caseLaw.map((c) => c.id)).toEqual(['liu-v-poland'])
  })

  it('states nothing stale: a year later the treaties move to the re-check list', () => {
    const later = briefContext(data, { kind: 'country', code: 'BE' }, new Date('2028-01-01T00:00:00Z'))
    expect(later.treaties).toEqual([])
    expect(later.staleTreaties.map((t) => t.treaty.origin)).toEqual(['CN'])
    expect(later.caseLaw).toEqual([])
  })
})
