/**
 * @module web/shared/dates.test
 * Dates on the reporter pages are Gregorian in every locale, in the locale's words (from our
 * locale files, not the browser's trimmed ICU data) and digits, and a year reads the same in the
 * year list, the month-and-year summary and a received-on date.
 */
import { createIntl } from 'react-intl'
import { describe, expect, it } from 'vitest'
import { formatDay, formatMonthYear, formatYear, monthNames } from './dates.ts'
import { LOCALES, messagesFor } from './locales.ts'

const intlFor = (code: (typeof LOCALES)[number]['code']) =>
  createIntl({ locale: code, defaultLocale: 'en', messages: messagesFor(code), onError: () => undefined })

describe('reporter page dates', () => {
  it('names the Gregorian months in Persian, not the Solar Hijri ones', () => {
    const names = monthNames(intlFor('fa'))
    expect(names[0]).toBe('ژانویه')
    expect(names.join(' ')).not.toMatch(/فروردین|اردیبهشت|اسفند/)
  })

  it('writes May 2024 as a Gregorian month and year in Persian digits', () => {
    const intl = intlFor('fa')
    expect(formatMonthYear(intl, 2024, 5)).toBe('مه ۲۰۲۴')
    expect(formatDay(intl, '2024-05-15')).toBe('۱۵ مه ۲۰۲۴')
  })

  it('uses the genitive month in a Russian day and the standalone one in the picker', () => {
    const intl = intlFor('ru')
    expect(monthNames(intl)[4]).toBe('май')
    expect(formatDay(intl, '2026-11-25')).toBe('25 ноября 2026 г.')
  })

  it.each(LOCALES.map((l) => [l.code]))(
    'has twelve distinct month names, none English unless English, and one way to write a year (%s)',
    (code) => {
      const intl = intlFor(code)
      const names = monthNames(intl)
      expect(new Set(names).size).toBe(12)
      for (const name of names) expect(name.trim()).not.toBe('')
      if (code !== 'en') expect(names).not.toContain('May')
      const year = formatYear(2024, code)
      expect(year).not.toMatch(/[,.\s  ]/)
      expect(formatMonthYear(intl, 2024, 5)).toContain(year)
      expect(formatMonthYear(intl, 2024, 5)).toContain(names[4])
      expect(formatDay(intl, '2024-05-15')).toContain(year)
    },
  )
})
