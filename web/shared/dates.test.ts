/**
 * @module web/shared/dates.test
 * Dates on the reporter pages are Gregorian in every locale, with the locale's own digits, and a
 * year reads the same in the year list, the month-and-year summary and the "before" choice.
 */
import { describe, expect, it } from 'vitest'
import { formatDay, formatMonthYear, formatYear, monthNames } from './dates.ts'
import { LOCALES } from './locale-list.ts'

describe('reporter page dates', () => {
  it('names the Gregorian months in Persian, not the Solar Hijri ones', () => {
    const names = monthNames('fa')
    expect(names).toHaveLength(12)
    expect(names[0]).toBe('ژانویه')
    expect(names.join(' ')).not.toMatch(/فروردین|اردیبهشت|اسفند/)
  })

  it('writes May 2024 as a Gregorian month and year in Persian digits', () => {
    const text = formatMonthYear(2024, 5, 'fa')
    expect(text).toContain('۲۰۲۴')
    expect(text).not.toContain('۱۴۰۳')
    expect(formatDay('2024-05-15', 'fa')).toContain('۲۰۲۴')
  })

  it.each(LOCALES.map((l) => [l.code]))('writes the year the same way in every place (%s)', (code) => {
    const year = formatYear(2024, code)
    expect(year).not.toMatch(/[,.\s  ]/)
    expect(formatMonthYear(2024, 5, code)).toContain(year)
    expect(formatDay('2024-05-15', code)).toContain(year)
  })
})
