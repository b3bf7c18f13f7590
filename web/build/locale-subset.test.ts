/**
 * @module web/build/locale-subset.test
 * A page's subset of a locale file (web/build/locale-subset.ts): `?omit=` drops whole sections,
 * `?only=` keeps them, and a file without either query is left to the bundler untouched.
 */
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { localeSubset, selectMessages } from './locale-subset.ts'

const LOCALES = resolve(fileURLToPath(import.meta.url), '../../locales')

const file = {
  _meta: { reviewers: [] },
  'app.title': 'Report',
  'followup.title': 'Come back',
  'followup.thread.title': 'Messages',
  'safety.title': 'Staying safe',
  'intake.start': 'Start',
}

type Load = (id: string) => { code: string } | null

describe('selectMessages', () => {
  it('drops the omitted sections and keeps everything else, _meta included', () => {
    expect(Object.keys(selectMessages(file, new URLSearchParams('omit=followup,safety')))).toEqual([
      '_meta',
      'app.title',
      'intake.start',
    ])
  })

  it('keeps only the named sections', () => {
    expect(selectMessages(file, new URLSearchParams('only=followup'))).toEqual({
      'followup.title': 'Come back',
      'followup.thread.title': 'Messages',
    })
  })
})

describe('localeSubset', () => {
  const load = localeSubset().load as unknown as Load

  it('turns a locale file with a query into a module of its subset', () => {
    const result = load(`${join(LOCALES, 'en.json')}?only=safety`)
    const subset = JSON.parse((result?.code ?? '').replace(/^export default /, '')) as Record<string, string>
    expect(Object.keys(subset).length).toBeGreaterThan(0)
    expect(Object.keys(subset).every((key) => key.startsWith('safety.'))).toBe(true)
  })

  it('leaves plain locale files and other JSON to the bundler', () => {
    expect(load(join(LOCALES, 'en.json'))).toBeNull()
    expect(load(`${join(LOCALES, 'countries/en.json')}?only=safety`)).toBeNull()
  })
})
