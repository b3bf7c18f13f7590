/**
 * @module web/shared/countries
 * ISO 3166-1 alpha-2 codes for "where do you live" and "which state is behind it". Names come from
 * the browser's own `Intl.DisplayNames` in the interface language (no data to fetch, so nothing
 * reveals a choice), falling back to English and then to the code. The whole list is always in
 * the bundle (DESIGN §4).
 */

export const COUNTRY_CODES = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
  'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG ' +
  'UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'
).split(' ')

/**
 * States most often reported as behind transnational repression (Freedom House's TNR data and the
 * communities this service serves), listed first so most reporters need not scroll.
 */
export const COMMON_ORIGIN_STATES = [
  'CN',
  'RU',
  'IR',
  'TR',
  'EG',
  'TJ',
  'TM',
  'UZ',
  'KZ',
  'KG',
  'BY',
  'RW',
  'ER',
  'SA',
  'AE',
  'BH',
  'AZ',
  'VN',
  'KH',
  'IN',
  'PK',
  'SY',
  'ET',
]

const cache = new Map<string, Intl.DisplayNames | null>()

function displayNames(locale: string): Intl.DisplayNames | null {
  if (!cache.has(locale)) {
    let names: Intl.DisplayNames | null = null
    try {
      names = new Intl.DisplayNames([locale, 'en'], { type: 'region', fallback: 'code' })
    } catch {
      names = null
    }
    cache.set(locale, names)
  }
  return cache.get(locale) ?? null
}

export function countryName(code: string, locale: string): string {
  return displayNames(locale)?.of(code) ?? code
}

/** All codes with their names, sorted in the interface language's collation. */
export function sortedCountries(locale: string): { code: string; name: string }[] {
  const collator = new Intl.Collator([locale, 'en'])
  return COUNTRY_CODES.map((code) => ({ code, name: countryName(code, locale) })).sort((a, b) =>
    collator.compare(a.name, b.name),
  )
}
