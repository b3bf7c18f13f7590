/**
 * @module web/console/templates/fill
 * The reply templates' ids, file shape and formatting (README.md beside this file), without the
 * bundler's lazy loader (./index.ts), so Node tests check every language's file directly.
 * Filled with react-intl's ICU formatter in the template's own locale (plural forms of `{days}`
 * in English, Russian and Arabic).
 */
import { createIntl, createIntlCache } from 'react-intl'
import { LOCALES, type LocaleCode } from '../../shared/locale-list.ts'

export const TEMPLATE_IDS = [
  'acknowledge',
  'moreInformation',
  'safetyAdvice',
  'referralMade',
  'caseClosed',
] as const
export type TemplateId = (typeof TEMPLATE_IDS)[number]

export type TemplateFile = {
  _meta: { reviewers: string[]; translatedBy: string }
} & Record<TemplateId, string>

const cache = createIntlCache()

export function isTemplateLanguage(code: string | undefined): code is LocaleCode {
  return LOCALES.some((l) => l.code === code)
}

/** A template's text with its arguments filled in; throws when the ICU message does not format. */
export function fillTemplate(
  file: TemplateFile,
  code: LocaleCode,
  id: TemplateId,
  values: { days: number },
): string {
  let failed = false
  const intl = createIntl(
    {
      locale: code,
      defaultLocale: 'en',
      messages: { [id]: file[id] },
      // Chromium lacks plural data for a few of our locales; their templates use no plurals.
      onError: (error) => {
        if (error.code !== 'MISSING_DATA') failed = true
      },
    },
    cache,
  )
  const text = intl.formatMessage({ id }, values)
  if (failed) throw new Error('template_format')
  return text
}

/** Whether the file is the source text or a draft translation no reviewer has signed off. */
export function isDraft(file: TemplateFile, code: LocaleCode): boolean {
  return code !== 'en' && file._meta.reviewers.length === 0
}
