/**
 * @module web/build/generate-country-names
 * Writes web/locales/countries/<locale>.json: the country names the reporter pages show, for every
 * interface language, as committed data (run by hand: `npx tsx web/build/generate-country-names.ts`).
 *
 * Why bundled data rather than the browser's `Intl.DisplayNames`: Chromium, and so Tor Browser's
 * cousins and most Android browsers, ship a trimmed ICU without region names for Uyghur, Tibetan,
 * Kyrgyz or Tajik, so a Uyghur reporter saw "China" in English. Why committed rather than imported
 * from the library at run time: the pages then carry 13 small files instead of a library with 80
 * languages, and nothing in the page depends on a package the build might update silently.
 *
 * Sources, recorded in each file's `_meta`:
 * - en, zh-Hans (library "zh"), ug, ru, kk, ky, uz, tg, fa, tr, ar: i18n-iso-countries (MIT);
 * - zh-Hant: the library has no Traditional Chinese, so CLDR's zh-Hant names, read from Node's
 *   full ICU (`process.versions.cldr` is recorded) — CLDR's zh-Hant is reviewed Taiwan/Hong Kong
 *   usage, safer than a character-by-character conversion (台灣, 北韓, 南韓 are words, not glyphs);
 * - bo: the library has no Tibetan; CLDR has ten names (taken from Node's ICU), the others below
 *   are written here for the states most often behind transnational repression and the countries
 *   where most reporters live, and every other code falls back to English at run time (listed in
 *   `_meta.fallback`). They await review by Tibetan readers, like the rest of the bo locale.
 *
 * Where the library gives several names (official first, then aliases) we take the first, except
 * for the documented choices in NAME_CHOICES. A few names are replaced (NAME_CHOICES too) where the
 * source uses a form that takes a side this service must not take — above all Taiwan named as a
 * province of the PRC — or a long official form where people use a short one.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { COUNTRY_CODES } from '../shared/country-codes.ts'
import { LOCALES, type LocaleCode } from '../shared/locale-list.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..')
const LIBRARY = join(ROOT, 'node_modules/i18n-iso-countries')
const OUT = join(ROOT, 'web/locales/countries')

/** Our locale → the library's language file. zh-Hant and bo are not in the library. */
const LIBRARY_LANG: Partial<Record<LocaleCode, string>> = {
  en: 'en',
  'zh-Hans': 'zh',
  ug: 'ug',
  ru: 'ru',
  kk: 'kk',
  ky: 'ky',
  uz: 'uz',
  tg: 'tg',
  fa: 'fa',
  tr: 'tr',
  ar: 'ar',
}

/**
 * Chosen names where the source's default is wrong for this service: a political claim (Taiwan
 * as "Province of China"), an ambiguous alias (both Congos as "Congo" are avoided by keeping the
 * official forms), or an official long form where the common short one is what people say.
 */
const NAME_CHOICES: Partial<Record<LocaleCode, Record<string, string>>> = {
  en: {
    CN: 'China',
    CI: "Côte d'Ivoire",
    CZ: 'Czechia',
    GM: 'Gambia',
    IR: 'Iran',
    MK: 'North Macedonia',
    PS: 'Palestine',
    RU: 'Russia',
    TW: 'Taiwan',
    TZ: 'Tanzania',
    US: 'United States',
  },
  'zh-Hans': { TW: '台湾' },
  // CLDR's long forms; Hong Kong and Taiwan usage is the plain name.
  'zh-Hant': { HK: '香港', MO: '澳門', PS: '巴勒斯坦' },
  ru: { CN: 'Китай', KP: 'КНДР', RU: 'Россия', TW: 'Тайвань' },
}

/**
 * Tibetan names beyond CLDR's ten. Common exile-press spellings (Voice of America and Radio Free
 * Asia Tibetan services, the Central Tibetan Administration); to be checked by Tibetan reviewers.
 */
const TIBETAN: Record<string, string> = {
  // States most often behind transnational repression (COMMON_ORIGIN_STATES).
  IR: 'ཨི་རཱན་',
  TR: 'ཏུར་ཀི་',
  EG: 'ཨི་ཇིབ་',
  TJ: 'ཏ་ཇིག་སི་ཏན་',
  TM: 'ཏུར་ཀ་མེ་ནི་སི་ཏན་',
  UZ: 'ཨུ་ཛ་བེག་སི་ཏན་',
  KZ: 'ཀ་ཟག་སི་ཏན་',
  KG: 'ཀིར་གིས་སི་ཏན་',
  BY: 'བེ་ལ་རུ་སི་',
  RW: 'རུ་ཝན་ཌ་',
  ER: 'ཨེ་རི་ཊྲི་ཡ་',
  SA: 'ས་ཨུ་དི་ཨ་ར་བི་ཡ་',
  AE: 'ཨ་རབ་མཉམ་འབྲེལ་རྒྱལ་ཁབ་',
  BH: 'བཱ་རེན་',
  AZ: 'ཨ་ཛར་བེ་ཇན་',
  VN: 'ཝི་ཡེཊ་ནམ་',
  KH: 'ཀམ་བོ་ཌི་ཡ་',
  PK: 'པ་ཀི་སི་ཏན་',
  SY: 'སི་རི་ཡ་',
  ET: 'ཨི་ཐི་ཡོ་པི་ཡ་',
  // Where reporters live: the European Union…
  AT: 'ཨོ་སི་ཊྲི་ཡ་',
  BE: 'བེལ་ཇི་ཡམ་',
  BG: 'བུལ་ག་རི་ཡ་',
  HR: 'ཀྲོ་ཨེ་ཤི་ཡ་',
  CY: 'སཱའི་པྲས་',
  CZ: 'ཆེག་',
  DK: 'ཌེན་མཱར་ཀ་',
  EE: 'ཨེ་སི་ཊོ་ནི་ཡ་',
  FI: 'ཕིན་ལན་ཌ་',
  FR: 'ཧྥ་རན་སི་',
  GR: 'གྷི་རིས་',
  HU: 'ཧང་ག་རི་',
  IE: 'ཨ་ཡར་ལན་ཌ་',
  LV: 'ལཊ་ཝི་ཡ་',
  LT: 'ལི་ཐུ་ཝེ་ནི་ཡ་',
  LU: 'ལག་ཟམ་བྷག་',
  MT: 'མཱལ་ཊ་',
  NL: 'ཧོ་ལན་ཌ་',
  PL: 'པོ་ལན་ཌ་',
  PT: 'པོར་ཅུ་གལ་',
  RO: 'རོ་མ་ནི་ཡ་',
  SK: 'སི་ལོ་ཝ་ཀི་ཡ་',
  SI: 'སི་ལོ་ཝེ་ནི་ཡ་',
  ES: 'སི་པེན་',
  SE: 'སུའི་ཌེན་',
  // …the rest of Europe and North America, Oceania…
  CH: 'སུད་སི་',
  NO: 'ནོར་ཝེ་',
  UA: 'ཡུ་ཀྲེན་',
  CA: 'ཁ་ན་ཌ་',
  AU: 'ཨོ་སི་ཊྲེ་ལི་ཡ་',
  NZ: 'ནིའུ་ཛི་ལན་ཌ་',
  // …and Asia, where the Tibetan diaspora is largest.
  BT: 'འབྲུག་ཡུལ་',
  MN: 'སོག་ཡུལ་',
  TW: 'ཐའེ་ཝན་',
  HK: 'ཞང་ཀང་',
  BD: 'བང་ལ་དེཤ་',
  TH: 'ཐའི་ལན་ཌ་',
  SG: 'སིང་ག་པོར་',
  AF: 'ཨ་ཧྥ་གྷ་ནི་སི་ཏན་',
  IL: 'ཨི་སི་ར་ཨེལ་',
}

type LibraryFile = { locale: string; countries: Record<string, string | string[]> }

function libraryVersion(): string {
  const pkg = JSON.parse(readFileSync(join(LIBRARY, 'package.json'), 'utf8')) as { version: string }
  return pkg.version
}

function fromLibrary(locale: LocaleCode, lang: string): Record<string, string> {
  const file = JSON.parse(readFileSync(join(LIBRARY, 'langs', `${lang}.json`), 'utf8')) as LibraryFile
  const choices = NAME_CHOICES[locale] ?? {}
  const out: Record<string, string> = {}
  for (const code of COUNTRY_CODES) {
    const value = choices[code] ?? file.countries[code]
    const name = Array.isArray(value) ? value[0] : value
    if (!name) throw new Error(`i18n-iso-countries ${lang}: no name for ${code}`)
    out[code] = name
  }
  return out
}

/** CLDR names from Node's full ICU; `fallback: 'none'` so a gap is a gap, not the code. */
function fromCldr(locale: string, codes: readonly string[]): Record<string, string> {
  const names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' })
  if (names.resolvedOptions().locale !== locale) {
    throw new Error(`this Node's ICU has no ${locale} data (got ${names.resolvedOptions().locale})`)
  }
  const out: Record<string, string> = {}
  for (const code of codes) {
    const name = names.of(code)
    if (name) out[code] = name
  }
  return out
}

function sorted(names: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(names).sort(([a], [b]) => (a < b ? -1 : 1)))
}

function write(locale: LocaleCode, meta: Record<string, unknown>, names: Record<string, string>): void {
  const body = { _meta: meta, ...sorted(names) }
  writeFileSync(join(OUT, `${locale}.json`), `${JSON.stringify(body, null, 2)}\n`)
}

function main(): void {
  mkdirSync(OUT, { recursive: true })
  const version = libraryVersion()
  const cldr = `CLDR ${process.versions.cldr ?? '?'} (ICU ${process.versions.icu ?? '?'}, via Node's Intl.DisplayNames)`
  const library = `i18n-iso-countries ${version}`
  for (const { code: locale } of LOCALES) {
    const lang = LIBRARY_LANG[locale]
    const edited = Object.keys(NAME_CHOICES[locale] ?? {})
    if (lang) {
      write(
        locale,
        {
          source: `${library}, langs/${lang}.json`,
          licence: 'MIT (i18n-iso-countries)',
          edited,
          generator: 'web/build/generate-country-names.ts',
        },
        fromLibrary(locale, lang),
      )
    } else if (locale === 'zh-Hant') {
      const names = { ...fromCldr('zh-Hant', COUNTRY_CODES), ...NAME_CHOICES['zh-Hant'] }
      const missing = COUNTRY_CODES.filter((c) => !names[c])
      if (missing.length > 0) throw new Error(`CLDR zh-Hant lacks ${missing.join(' ')}`)
      write(
        locale,
        {
          source: cldr,
          licence: 'Unicode License v3 (CLDR)',
          edited,
          generator: 'web/build/generate-country-names.ts',
        },
        names,
      )
    } else if (locale === 'bo') {
      const cldrNames = fromCldr('bo', COUNTRY_CODES)
      const overlap = Object.keys(TIBETAN).filter((c) => c in cldrNames)
      if (overlap.length > 0) throw new Error(`Tibetan names already in CLDR: ${overlap.join(' ')}`)
      const names = { ...cldrNames, ...TIBETAN }
      const unknown = Object.keys(names).filter((c) => !COUNTRY_CODES.includes(c))
      if (unknown.length > 0) throw new Error(`not in COUNTRY_CODES: ${unknown.join(' ')}`)
      write(
        locale,
        {
          source: `${cldr} for ${Object.keys(cldrNames).sort().join(' ')}; the others written for this project (web/build/generate-country-names.ts), awaiting Tibetan review`,
          licence: 'Unicode License v3 (CLDR); the project licence for the rest',
          reviewers: [],
          fallback: {
            locale: 'en',
            // One string: 190 codes one per line would drown the names.
            codes: COUNTRY_CODES.filter((c) => !names[c]).join(' '),
          },
          generator: 'web/build/generate-country-names.ts',
        },
        names,
      )
    } else {
      throw new Error(`no source for ${locale}`)
    }
  }
}

main()
