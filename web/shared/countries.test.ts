/**
 * @module web/shared/countries.test
 * The bundled country names (web/locales/countries/, from web/build/generate-country-names.ts):
 * every interface language names every country in its own script, without relying on the
 * browser's ICU data, which Chromium lacks for Uyghur, Tibetan, Kyrgyz and Tajik. Tibetan alone
 * may fall back to English, and only for the codes its `_meta.fallback` lists.
 */
import { describe, expect, it } from 'vitest'
import { COMMON_ORIGIN_STATES, COUNTRY_CODES, countryName, sortedCountries } from './countries.ts'
import { LOCALES, type LocaleCode } from './locale-list.ts'

type NameFile = Record<string, unknown> & {
  _meta?: { source?: unknown; licence?: unknown; fallback?: { locale?: unknown; codes?: unknown } }
}

// Through the bundler, as the pages load them (no Node API in web/: test/architecture.test.ts).
const FILES = import.meta.glob<NameFile>('../locales/countries/*.json', { eager: true, import: 'default' })

function load(code: string): NameFile {
  const file = FILES[`../locales/countries/${code}.json`]
  if (!file) throw new Error(`web/locales/countries/${code}.json is missing`)
  return file
}

const names = (file: NameFile): [string, unknown][] => Object.entries(file).filter(([k]) => k !== '_meta')

/** Every letter of every name must be in this script (digits, spaces, punctuation are free). */
const SCRIPT: Record<LocaleCode, RegExp> = {
  en: /\p{Script=Latin}/u,
  'zh-Hans': /\p{Script=Han}/u,
  'zh-Hant': /\p{Script=Han}/u,
  ug: /\p{Script=Arabic}/u,
  bo: /\p{Script=Tibetan}/u,
  ru: /\p{Script=Cyrillic}/u,
  kk: /\p{Script=Cyrillic}/u,
  ky: /\p{Script=Cyrillic}/u,
  uz: /\p{Script=Latin}/u,
  tg: /\p{Script=Cyrillic}/u,
  fa: /\p{Script=Arabic}/u,
  tr: /\p{Script=Latin}/u,
  ar: /\p{Script=Arabic}/u,
}

/** Codes Tibetan shows in English, from its file's `_meta.fallback`. */
function tibetanFallback(): string[] {
  const fallback = load('bo')._meta?.fallback
  expect(fallback?.locale).toBe('en')
  expect(typeof fallback?.codes).toBe('string')
  return String(fallback?.codes).split(' ')
}

describe('bundled country names', () => {
  for (const { code: locale } of LOCALES) {
    it(`${locale}: names every country code once, with a source and a licence`, () => {
      const file = load(locale)
      expect(typeof file._meta?.source).toBe('string')
      expect(typeof file._meta?.licence).toBe('string')
      const have = names(file).map(([k]) => k)
      const expected =
        locale === 'bo' ? COUNTRY_CODES.filter((c) => !tibetanFallback().includes(c)) : COUNTRY_CODES
      expect(have.sort()).toEqual([...expected].sort())
    })

    it(`${locale}: every name is a non-empty name in the locale's script, not a code`, () => {
      for (const [code, name] of names(load(locale))) {
        expect(typeof name, `${locale} ${code}`).toBe('string')
        const text = String(name)
        expect(text.trim(), `${locale} ${code}`).not.toBe('')
        expect(text, `${locale} ${code}`).not.toBe(code)
        // Letters of no particular script (Uzbek's ʻ, U+02BB) belong to every locale.
        const letters = (text.match(/\p{L}/gu) ?? []).filter((l) => !/\p{Script=Common}/u.test(l))
        const foreign = letters.filter((l) => !SCRIPT[locale].test(l))
        expect(foreign, `${locale} ${code}: ${text}`).toEqual([])
        expect(countryName(code, locale), `${locale} ${code}`).toBe(text)
      }
    })
  }

  it('lists every Tibetan fallback code as a real code, and has Tibetan names for every common origin state', () => {
    const fallback = tibetanFallback()
    for (const code of fallback) expect(COUNTRY_CODES).toContain(code)
    for (const code of COMMON_ORIGIN_STATES) expect(fallback, code).not.toContain(code)
    for (const host of [
      'DE',
      'FR',
      'GB',
      'US',
      'CA',
      'AU',
      'JP',
      'KR',
      'TR',
      'KZ',
      'KG',
      'IN',
      'NP',
      'CH',
      'NO',
    ]) {
      expect(fallback, host).not.toContain(host)
    }
  })

  it('shows a Tibetan fallback code in English, not as a bare code', () => {
    const [code] = tibetanFallback()
    expect(code).toBeDefined()
    expect(countryName(String(code), 'bo')).toBe(load('en')[String(code)])
  })

  it('names Belgium and China in Uyghur, Kyrgyz and Tajik, whatever the runtime ICU holds', () => {
    expect(countryName('BE', 'ug')).toBe('بېلگىيە')
    expect(countryName('CN', 'ug')).toBe('جۇڭگو')
    expect(countryName('CN', 'ky')).toBe('Кытай')
    expect(countryName('CN', 'tg')).toBe('Хитой')
  })

  it('never names Taiwan as a province of China', () => {
    for (const { code } of LOCALES) {
      expect(countryName('TW', code)).not.toMatch(/province|省|провинц/i)
    }
  })

  it('falls back to the code for a code no file or browser knows', () => {
    expect(countryName('QQ', 'ug')).toBe('QQ')
  })

  it('sorts every code once in the locale collation', () => {
    const list = sortedCountries('ru')
    expect(list.map((c) => c.code).sort()).toEqual([...COUNTRY_CODES].sort())
    const collator = new Intl.Collator('ru')
    for (let i = 1; i < list.length; i++) {
      expect(collator.compare(list[i - 1]?.name ?? '', list[i]?.name ?? '')).toBeLessThanOrEqual(0)
    }
  })
})
