/**
 * @module test/context-data
 * The TNR risk-context dataset (issue 9): it parses against the versioned contract, every fact
 * names its source and check date, none is dated in the future, legal facts expire twelve months
 * after their check, and the facts the background documents state (seed 003: EU treaties with
 * China and with Hong Kong; Liu v. Poland) are present and stated as the sources state them.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type ContextData, contextData } from '../api/contract/context.ts'
import { assess } from '../web/shared/context/assess.ts'
import { loadContextData } from '../web/shared/context/data.ts'
import { expiresOn, isCurrent, isInFuture, legalFact } from '../web/shared/context/facts.ts'

const FILE = join(import.meta.dirname, '../web/shared/context/context-data.json')
const raw: unknown = JSON.parse(readFileSync(FILE, 'utf8'))
const data: ContextData = loadContextData()
/** The day this dataset was reviewed: assertions about what is shown "now" pin this date. */
const REVIEW_DAY = new Date('2026-11-26T12:00:00Z')

const EU_WITH_CHINA_IN_FORCE = ['BE', 'BG', 'CY', 'ES', 'FR', 'IT', 'LT', 'PT', 'RO']
const EU_WITH_HONG_KONG_IN_FORCE = ['CZ', 'PT']

/** Every object in the JSON tree, with its path, for checks independent of the schema. */
function objects(value: unknown, path = '$'): [string, Record<string, unknown>][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => objects(v, `${path}[${i}]`))
  if (value === null || typeof value !== 'object') return []
  const record = value as Record<string, unknown>
  return [[path, record], ...Object.entries(record).flatMap(([k, v]) => objects(v, `${path}.${k}`))]
}

/** Objects that state something: they carry a claim-bearing field. */
const FACT_FIELDS = ['member', 'status', 'outcome', 'kind', 'reason', 'summary', 'holding']
const facts = objects(raw).filter(([, o]) => FACT_FIELDS.some((f) => f in o))

function euHostsWithTreaty(origin: string, status?: string): string[] {
  return data.hosts
    .filter((h) => h.eu?.member === true)
    .filter((h) =>
      h.extradition.some((t) => t.origin === origin && (status === undefined || t.status === status)),
    )
    .map((h) => h.code)
    .sort()
}

describe('the context dataset file', () => {
  it('parses against the versioned contract', () => {
    const result = contextData.safeParse(raw)
    expect(result.success, JSON.stringify(result.error?.issues ?? [])).toBe(true)
    expect(data.version).toBe(1)
  })

  it('gives every fact a source with a URL or a citation, and a check date', () => {
    expect(facts.length).toBeGreaterThan(50)
    for (const [path, fact] of facts) {
      const source = fact.source as { title?: unknown; url?: unknown; citation?: unknown } | undefined
      expect(source, `${path} has no source`).toBeDefined()
      expect(typeof source?.title === 'string' && source.title.length > 0, `${path} source title`).toBe(true)
      expect(typeof source?.url === 'string' || typeof source?.citation === 'string', `${path} source`).toBe(
        true,
      )
      expect(String(fact.checkedOn), `${path} checkedOn`).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    }
  })

  it('dates no fact in the future', () => {
    const now = new Date()
    const future = facts.filter(([, f]) => isInFuture(String(f.checkedOn), now)).map(([p]) => p)
    expect(future).toEqual([])
  })

  it('links only to https sources', () => {
    const urls = objects(raw).flatMap(([, o]) => (typeof o.url === 'string' ? [o.url] : []))
    expect(urls.length).toBeGreaterThan(0)
    for (const url of urls) expect(url).toMatch(/^https:\/\//)
  })

  it('ships no local help contacts: a deployment adds its own', () => {
    expect(data.localContacts).toEqual([])
  })

  it('lists the 27 EU member states, all of them also in the Council of Europe, and 46 Council members', () => {
    const eu = data.hosts.filter((h) => h.eu?.member === true)
    expect(eu).toHaveLength(27)
    for (const h of eu) expect(h.councilOfEurope?.member, h.code).toBe(true)
    expect(data.hosts.filter((h) => h.councilOfEurope?.member === true)).toHaveLength(46)
  })
})

describe('the facts the background documents state', () => {
  it('has the EU member states seed 003 lists as keeping extradition treaties with China, Greece as not ratified', () => {
    expect(euHostsWithTreaty('CN', 'in_force')).toEqual(EU_WITH_CHINA_IN_FORCE)
    expect(euHostsWithTreaty('CN', 'signed_not_ratified')).toEqual(['GR'])
    expect(euHostsWithTreaty('CN')).toEqual([...EU_WITH_CHINA_IN_FORCE, 'GR'].sort())
  })

  it('has only the Czech Republic and Portugal keeping extradition treaties with Hong Kong in the EU', () => {
    expect(euHostsWithTreaty('HK')).toEqual(EU_WITH_HONG_KONG_IN_FORCE)
    expect(euHostsWithTreaty('HK', 'in_force')).toEqual(EU_WITH_HONG_KONG_IN_FORCE)
  })

  it('has Morocco’s treaty with China in force since its ratification in January 2021', () => {
    const morocco = data.hosts.find((h) => h.code === 'MA')
    expect(morocco?.extradition).toMatchObject([{ origin: 'CN', status: 'in_force' }])
    expect(morocco?.extradition[0]?.note).toMatch(/January 2021/)
  })

  it('states Liu v. Poland precisely: ECtHR, 6 October 2022, Article 3, binding on Poland, persuasive in the Council of Europe', () => {
    const liu = data.caseLaw.find((c) => c.id === 'liu-v-poland')
    expect(liu).toMatchObject({
      name: 'Liu v. Poland',
      decided: '2022-10-06',
      final: '2023-01-31',
      requestingState: 'CN',
      decidingState: 'PL',
      outcome: 'extradition_would_violate',
      bindingOn: ['PL'],
      persuasiveIn: 'council_of_europe',
    })
    expect(liu?.court).toMatch(/^European Court of Human Rights/)
    expect(liu?.reference).toMatch(/37610\/18/)
    expect(liu?.holding).toMatch(/Article 3 of the European Convention on Human Rights/)
    expect(liu?.holding).toMatch(/Article 5 § 1/)
  })

  it('leaves states the documents say nothing about unknown rather than "no treaty"', () => {
    for (const code of ['DE', 'NL', 'GB']) {
      expect(data.hosts.find((h) => h.code === code)?.extradition).toEqual([])
    }
    expect(data.origins.find((o) => o.code === 'RU')).toBeUndefined()
  })
})

describe('the twelve-month rule for legal facts', () => {
  it('expires a fact on the same calendar day a year after its check', () => {
    expect(expiresOn('2026-11-25')).toBe('2027-11-25')
    expect(expiresOn('2024-02-29')).toBe('2025-03-01')
    expect(isCurrent('2026-11-25', new Date('2027-11-24T23:59:59Z'))).toBe(true)
    expect(isCurrent('2026-11-25', new Date('2027-11-25T00:00:00Z'))).toBe(false)
  })

  it('shows a fresh fact, hides a stale one as unknown, and never trusts a future date', () => {
    const fact = { checkedOn: '2026-01-10' }
    expect(legalFact(fact, new Date('2026-06-01T00:00:00Z'))).toMatchObject({
      known: true,
      expiresOn: '2027-01-10',
    })
    expect(legalFact(fact, new Date('2027-01-10T00:00:00Z'))).toEqual({
      known: false,
      reason: 'stale',
      checkedOn: '2026-01-10',
    })
    expect(legalFact(fact, new Date('2025-12-31T00:00:00Z'))).toMatchObject({
      known: false,
      reason: 'future',
    })
    expect(legalFact(undefined, new Date())).toEqual({ known: false, reason: 'missing' })
  })

  it('refuses malformed days instead of guessing', () => {
    expect(() => expiresOn('2026-02-30')).toThrow(RangeError)
    expect(() => expiresOn('26-1-1')).toThrow(RangeError)
  })
})

describe('the contract refuses unsourced or ambiguous data', () => {
  const base = JSON.parse(JSON.stringify(raw)) as { hosts: { extradition: Record<string, unknown>[] }[] }
  const withTreaty = (treaty: Record<string, unknown>) => {
    const copy = JSON.parse(JSON.stringify(base)) as typeof base
    copy.hosts[0]?.extradition.push(treaty)
    return copy
  }

  it('refuses a treaty without a source', () => {
    expect(
      contextData.safeParse(withTreaty({ origin: 'RU', status: 'in_force', checkedOn: '2026-01-01' }))
        .success,
    ).toBe(false)
  })

  it('refuses a source with neither URL nor citation', () => {
    const treaty = { origin: 'RU', status: 'in_force', checkedOn: '2026-01-01', source: { title: 'hearsay' } }
    expect(contextData.safeParse(withTreaty(treaty)).success).toBe(false)
  })

  it('refuses a "no treaty" status: absence is not a fact', () => {
    const treaty = {
      origin: 'RU',
      status: 'none',
      checkedOn: '2026-01-01',
      source: { title: 't', citation: 'c' },
    }
    expect(contextData.safeParse(withTreaty(treaty)).success).toBe(false)
  })

  it('refuses another version', () => {
    expect(contextData.safeParse({ ...(raw as object), version: 2 }).success).toBe(false)
  })
})

describe('what the dataset says about a reporter in Belgium targeted by China', () => {
  const a = assess(data, 'BE', 'CN', REVIEW_DAY)

  it('names Belgium’s own treaty with China and the other countries holding treaties with China or Hong Kong', () => {
    expect(a.requesting).toEqual(['CN', 'HK'])
    expect(a.homeTreaties.map((t) => `${t.host}:${t.treaty.origin}`)).toEqual(['BE:CN'])
    const elsewhere = a.treatiesElsewhere.map((t) => `${t.host}:${t.treaty.origin}`)
    expect(elsewhere).toEqual(expect.arrayContaining(['FR:CN', 'GR:CN', 'MA:CN', 'CZ:HK', 'PT:HK', 'PT:CN']))
    expect(elsewhere).not.toContain('BE:CN')
  })

  it('brings Liu v. Poland as persuasive, not binding, in Belgium', () => {
    expect(a.caseLaw.map((c) => [c.fact.id, c.binding])).toEqual([['liu-v-poland', false]])
    expect(assess(data, 'PL', 'CN', REVIEW_DAY).caseLaw.map((c) => [c.fact.id, c.binding])).toEqual([
      ['liu-v-poland', true],
    ])
  })

  it('brings no Council of Europe case law to a reporter in Morocco', () => {
    expect(assess(data, 'MA', 'CN', REVIEW_DAY).caseLaw).toEqual([])
  })

  it('shows conduct patterns and hides laws whose check is older than twelve months', () => {
    expect(a.patterns.map((p) => p.kind)).toContain('pressure_on_relatives')
    expect(a.patterns.map((p) => p.kind)).toContain('interpol_abuse')
    const kyrgyz = assess(data, 'BE', 'KG', REVIEW_DAY)
    expect(kyrgyz.patterns).toEqual([])
    expect(kyrgyz.stalePatterns.map((p) => p.kind)).toEqual(['foreign_agent_law'])
  })

  it('turns every treaty into unknown once the check is more than a year old', () => {
    const later = assess(data, 'BE', 'CN', new Date('2028-01-01T00:00:00Z'))
    expect(later.homeTreaties).toEqual([])
    expect(later.treatiesElsewhere).toEqual([])
    expect(later.staleTreaties.length).toBeGreaterThan(0)
    expect(later.caseLaw).toEqual([])
    expect(later.councilOfEurope).toMatchObject({ known: false, reason: 'stale' })
  })
})
