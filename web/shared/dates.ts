/**
 * @module web/shared/dates
 * Dates and years on the reporter pages, one way everywhere: always the Gregorian calendar
 * (`-u-ca-gregory`), in the locale's own words and digits.
 *
 * Why: the report stores a Gregorian year and month (web/shared/report-schema.ts). Persian's
 * default calendar is the Solar Hijri one, so an unqualified `Intl.DateTimeFormat('fa')` labels
 * the month picker with Farvardin…Esfand while the year list says 2024, and the review step would
 * say "Khordad 1403" for May 2024: a reporter under stress cannot be asked to reconcile two
 * calendars. Years, month names, month-and-year and days all go through here, so their digits
 * (Persian ۲۰۲۴, Arabic ٢٠٢٤, Latin 2024) agree on every screen.
 */

/** The locale with the Gregorian calendar forced; numbering stays the locale's default. */
export function gregorian(locale: string): string {
  return `${locale}-u-ca-gregory`
}

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat([gregorian(locale), 'en-u-ca-gregory'], { ...options, timeZone: 'UTC' })
  } catch {
    return new Intl.DateTimeFormat('en', { ...options, timeZone: 'UTC' })
  }
}

/** A year as the locale writes it, never grouped ("2024", "۲۰۲۴", not "2,024"). */
export function formatYear(year: number, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { useGrouping: false }).format(year)
  } catch {
    return String(year)
  }
}

/** The twelve Gregorian month names, standalone form (January…December), in the locale. */
export function monthNames(locale: string): string[] {
  const format = dateFormat(locale, { month: 'long' })
  return Array.from({ length: 12 }, (_, i) => format.format(Date.UTC(2021, i, 15)))
}

/** "May 2024" in the locale, Gregorian; `month` is 1–12. */
export function formatMonthYear(year: number, month: number, locale: string): string {
  return dateFormat(locale, { year: 'numeric', month: 'long' }).format(Date.UTC(year, month - 1, 15))
}

/** A UTC day (`YYYY-MM-DD`, as the server sends receipt dates) in the locale's long style. */
export function formatDay(day: string, locale: string): string {
  const time = Date.parse(`${day}T12:00:00Z`)
  if (Number.isNaN(time)) return day
  return dateFormat(locale, { dateStyle: 'long' }).format(time)
}
