/**
 * @module test/context-brief
 * The figures of an advocacy brief (web/brief/model.ts) from a signed fixture release: a
 * region's count is the sum of its listed member countries with an interval that keeps 95%
 * coverage; a suppressed entry is never un-suppressed by summing; breakdowns say when they are
 * release-wide rather than scoped; and a release with a host_country × field table gives a
 * scoped breakdown. Plus the context facts the brief states for the EU.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { IntlMessageFormat } from 'intl-messageformat'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from '../crypto/backend.ts'
import { intervalHalfWidth, parseRational, type ReleaseBody, type ReleaseTable } from '../crypto/release.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { breakdown, briefFigures, sumEntries } from '../web/brief/model.ts'
import { briefContext } from '../web/shared/context/brief.ts'
import { loadContextData } from '../web/shared/context/data.ts'
import { LOCALES } from '../web/shared/locale-list.ts'
import { briefFixture } from './support/brief-fixture.ts'

let backend: CryptoBackend
let release: ReleaseBody
let exact: ReleaseBody

beforeAll(async () => {
  backend = await loadSodium()
  release = briefFixture(backend).file.release
  exact = briefFixture(backend, { epsilon: false }).file.release
})

const table = (r: ReleaseBody, id: string) => {
  const t = r.tables.find((x) => x.id === id)
  if (t === undefined) throw new Error(`no table ${id}`)
  return t
}
const entryOf = (t: ReleaseTable, key: (string | null)[]) => {
  const e = t.entries.find((x) => JSON.stringify(x.key) === JSON.stringify(key))
  if (e === undefined) throw new Error(`no entry ${JSON.stringify(key)}`)
  return e
}

describe('brief figures', () => {
  it('sums the listed member countries of a region, with the interval of summed sources', () => {
    const eu = ['BE', 'DE', 'FR', 'IT', 'NL', 'PL']
    const figures = briefFigures(release, eu)
    expect(figures.scopeCount?.listed).toEqual(['DE', 'FR', 'BE', 'NL', 'IT'])
    const host = table(release, 'host-country')
    const values = ['DE', 'FR', 'BE', 'NL', 'IT'].map((c) => entryOf(host, [c]).value)
    expect(values.every((v) => v !== null)).toBe(true)
    const sum = values.reduce<number>((s, v) => s + (v ?? 0), 0)
    const half = 5 * intervalHalfWidth(parseRational(host.scale ?? '1/1'), 5)
    expect(figures.scopeCount?.figure).toEqual({
      value: sum,
      lower: Math.max(0, sum - half),
      upper: sum + half,
      display: String(sum),
    })
    // One country is that country's own published entry, interval and all.
    const be = entryOf(host, ['BE'])
    expect(briefFigures(release, ['BE']).scopeCount?.figure).toEqual({
      value: be.value,
      lower: be.lower,
      upper: be.upper,
      display: be.display,
    })
  })

  it('never un-suppresses: a sum over a suppressed entry is not published', () => {
    const t = table(exact, 'community-by-year')
    const suppressed = t.entries.find((e) => e.value === null)
    const shown = t.entries.find((e) => e.value !== null)
    expect(suppressed).toBeDefined()
    if (suppressed === undefined || shown === undefined) return
    expect(sumEntries(t, [shown, suppressed])).toEqual({ value: null, lower: null, upper: null, display: '' })
    // And a suppressed community is not listed among the communities affected.
    const figures = briefFigures(exact, ['DE'])
    const hidden = t.entries
      .filter((e) => e.key[1] === null && e.key[0] !== null && e.value === null)
      .map((e) => e.key[0])
    for (const community of hidden)
      expect(figures.communities?.rows.map((r) => r.category)).not.toContain(community)
    expect(figures.communities?.rows.every((r) => r.figure.value !== null && r.figure.value > 0)).toBe(true)
  })

  it('says a breakdown is release-wide when the release has no table by host country for it', () => {
    const figures = briefFigures(release, ['BE'])
    expect(figures.tactics?.scoped).toBe(false)
    expect(figures.tactics?.rows.map((r) => r.category)).toEqual([
      'physical',
      'legal_mobility',
      'digital',
      'proxy_family',
      'other',
    ])
    const byYear = table(release, 'tactic-group-by-year')
    expect(figures.tactics?.rows[0]?.figure.value).toBe(entryOf(byYear, ['physical', null]).value)
    expect(figures.trend?.rows.map((r) => [r.category, r.figure.value])).toEqual([
      ['2024', entryOf(byYear, [null, '2024']).value],
      ['2025', entryOf(byYear, [null, '2025']).value],
    ])
  })

  it('scopes a breakdown when the release crosses host country with it', () => {
    const crossed: ReleaseTable = {
      id: 'host-by-group',
      dims: [
        { field: 'host_country', categories: ['BE', 'FR'], maxValues: 1 },
        { field: 'tactic_group', categories: ['digital', 'physical'], maxValues: 2 },
      ],
      epsilon: null,
      scale: null,
      sensitivity: 1,
      halfWidth: 0,
      entries: [
        ['BE', 'digital', 12],
        ['BE', 'physical', 15],
        ['BE', null, 20],
        ['FR', 'digital', 30],
        ['FR', 'physical', null],
        ['FR', null, 40],
        [null, 'digital', 42],
        [null, 'physical', 33],
        [null, null, 60],
      ].map(([h, g, v]) => ({
        key: [h as string | null, g as string | null],
        value: v as number | null,
        display: v === null ? '< 10' : String(v),
        lower: v as number | null,
        upper: v as number | null,
        suppressed: v === null,
      })),
    }
    const withCrossed = { ...exact, tables: [...exact.tables, crossed] }
    const be = breakdown(withCrossed, 'tactic_group', new Set(['BE']))
    expect(be?.scoped).toBe(true)
    expect(be?.rows.map((r) => [r.category, r.figure.value])).toEqual([
      ['digital', 12],
      ['physical', 15],
    ])
    const both = breakdown(withCrossed, 'tactic_group', new Set(['BE', 'FR']))
    expect(both?.rows.map((r) => [r.category, r.figure.value])).toEqual([
      ['digital', 42],
      ['physical', null],
    ])
  })
})

describe('brief context facts', () => {
  it('states for the EU the treaties of its members with their sources, and Liu v. Poland', () => {
    const facts = briefContext(loadContextData(), { kind: 'eu' }, new Date('2026-11-26T12:00:00Z'))
    expect(facts.members).toContain('BE')
    expect(facts.members).not.toContain('GB')
    expect(facts.treaties.find((t) => t.host === 'BE')?.treaty.status).toBe('in_force')
    expect(facts.treaties.every((t) => t.treaty.source.title.length > 0)).toBe(true)
    expect(facts.caseLaw.map((c) => c.id)).toContain('liu-v-poland')
  })
})

describe('brief translations', () => {
  const dir = join(import.meta.dirname, '../web/brief/locales')
  const load = (code: string) =>
    JSON.parse(readFileSync(join(dir, `${code}.json`), 'utf8')) as Record<string, string>
  const english = load('en')

  it('exist for every interface language, with exactly the English keys', () => {
    expect(readdirSync(dir).sort()).toEqual(LOCALES.map((l) => `${l.code}.json`).sort())
    for (const { code } of LOCALES)
      expect(Object.keys(load(code)).sort(), code).toEqual(Object.keys(english).sort())
  })

  it('format in their language with the arguments the page passes', () => {
    const values = {
      scope: 'X',
      org: 'O',
      version: 1,
      from: '2024-01',
      to: '2025-12',
      date: '2026-11-26',
      n: 3,
      countries: 'A, B',
      lower: 1,
      upper: 9,
      k: 10,
      code: 'ABCD',
      origin: 'China',
      status: 's',
      hosts: 'Belgium',
      state: 'Poland',
      epsilon: '1/1',
      url: 'https://example.org/stats',
    }
    for (const { code } of LOCALES) {
      for (const [key, message] of Object.entries(load(code))) {
        const formatted = new IntlMessageFormat(message, code).format(values)
        expect(typeof formatted, `${code} ${key}`).toBe('string')
        // Every placeholder the English message uses survives translation.
        for (const name of Object.keys(values))
          if ((english[key] ?? '').includes(`{${name}`))
            expect(
              message.includes(`{${name}`) || message.includes('#'),
              `${code} ${key} keeps {${name}}`,
            ).toBe(true)
      }
    }
  })
})
