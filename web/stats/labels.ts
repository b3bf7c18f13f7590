/**
 * @module web/stats/labels
 * Category and field labels for published tables: coding values through their locale keys
 * (api/contract/coding.ts `valueLabelKey`), countries through web/shared/countries.ts, years and
 * months as they are. An unknown value is shown as its code: releases of other organisations may
 * carry categories this build does not know, and the code is still truthful.
 */
import type { IntlShape } from 'react-intl'
import { fieldLabelKey, valueLabelKey } from '../../api/contract/coding.ts'
import { countryName } from '../shared/countries.ts'

const COUNTRY_FIELDS = new Set(['origin_state', 'host_country', 'location_country'])

export function fieldLabel(intl: IntlShape, field: string): string {
  const id = fieldLabelKey(field)
  return intl.messages[id] === undefined ? field : intl.formatMessage({ id })
}

export function valueLabel(intl: IntlShape, field: string, value: string | null): string {
  if (value === null) return intl.formatMessage({ id: 'stats.table.total' })
  if (COUNTRY_FIELDS.has(field)) {
    if (value === 'unknown' || value === 'online')
      return intl.formatMessage({ id: `coding.value.country.${value}` })
    return countryName(value, intl.locale)
  }
  const id = valueLabelKey(field, value)
  return intl.messages[id] === undefined ? value : intl.formatMessage({ id })
}
