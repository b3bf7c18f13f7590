/**
 * @module web/shared/dates
 * Dates and years on the reporter pages, one way everywhere: the Gregorian calendar, with month
 * names and date patterns from our own locale files (`date.month`, `date.monthYear`, `date.day`)
 * and digits from the locale's own numbering.
 *
 * Why not `Intl.DateTimeFormat`:
 * - the report stores a Gregorian year and month (web/shared/report-schema.ts). Persian's default
 *   calendar is Solar Hijri, so `Intl.DateTimeFormat('fa')` labels the picker Farvardin…Esfand
 *   while the year list says 2024, and the review would say "Ordibehesht 1403" for May 2024
 *   (`-u-ca-gregory` fixes only that part);
 * - browsers ship trimmed ICU data: Chromium has no Uyghur, Tibetan, Kyrgyz or Tajik date data at
 *   all (English month names appear) and writes Kazakh and Uzbek standalone months as "M05".
 *   A frightened reporter should not meet English or placeholders in the one question about when.
 * Years and days are numbers formatted by `Intl.NumberFormat` of the locale without grouping, so
 * a year reads the same (۲۰۲۴ in Persian) in the year list, the review and the receipt date.
 */

/** The part of react-intl's `IntlShape` these helpers need (so tests can pass a real one). */
export interface DateIntl {
  readonly locale: string
  formatMessage(descriptor: { id: string }, values: Record<string, string>): string
}

/** A number as the locale writes it, never grouped ("2024", "۲۰۲۴", not "2,024"). */
export function formatYear(year: number, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { useGrouping: false }).format(year)
  } catch {
    return String(year)
  }
}

/** The twelve Gregorian month names (standalone: "May", "май"), January first. */
export function monthNames(intl: DateIntl): string[] {
  return Array.from({ length: 12 }, (_, i) =>
    intl.formatMessage({ id: 'date.month' }, { month: String(i + 1) }),
  )
}

/** "May 2024" in the locale; `month` is 1–12. */
export function formatMonthYear(intl: DateIntl, year: number, month: number): string {
  return intl.formatMessage(
    { id: 'date.monthYear' },
    { month: String(month), year: formatYear(year, intl.locale) },
  )
}

/** A UTC day (`YYYY-MM-DD`, as the server sends receipt dates) in the locale's long style. */
export function formatDay(intl: DateIntl, day: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!match) return day
  return intl.formatMessage(
    { id: 'date.day' },
    {
      year: formatYear(Number(match[1]), intl.locale),
      month: String(Number(match[2])),
      day: formatYear(Number(match[3]), intl.locale),
    },
  )
}
