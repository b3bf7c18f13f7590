/**
 * @module web/shared/country-codes
 * ISO 3166-1 alpha-2 codes for "where do you live" and "which state is behind it", apart from
 * their names (web/shared/countries.ts) so the build-time name generator
 * (web/build/generate-country-names.ts) and the tests can read them under Node without the name
 * data they produce.
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
