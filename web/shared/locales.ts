/**
 * @module web/shared/locales
 * The interface languages (DESIGN §8) and their messages. Every locale file is bundled into every
 * reporter page, whatever the reporter picks, so the server cannot tell the language from what
 * the browser fetches (DESIGN §4). A key missing from a locale falls back to English, so a
 * partially translated locale never crashes a page (test/locales.test.ts keeps them complete).
 */

import { LOCALES, type LocaleCode, type LocaleInfo, SOURCE_LOCALE } from './locale-list.ts'

export { type Direction, LOCALES, type LocaleCode, type LocaleInfo, SOURCE_LOCALE } from './locale-list.ts'

export type Messages = Record<string, string>

type LocaleFile = Record<string, unknown>

// Eager: all locales are in the bundle (or its static chunks) before the reporter chooses.
const files = import.meta.glob<LocaleFile>('../locales/*.json', { eager: true, import: 'default' })

function messagesOf(file: LocaleFile | undefined): Messages {
  const out: Messages = {}
  if (!file) return out
  for (const [key, value] of Object.entries(file)) {
    if (key.startsWith('_') || typeof value !== 'string') continue
    out[key] = value
  }
  return out
}

const english = messagesOf(files['../locales/en.json'])

const cache = new Map<LocaleCode, Messages>()

/** The locale's messages with English filling any gap. */
export function messagesFor(code: LocaleCode): Messages {
  let messages = cache.get(code)
  if (!messages) {
    messages = { ...english, ...messagesOf(files[`../locales/${code}.json`]) }
    cache.set(code, messages)
  }
  return messages
}

export function isLocaleCode(value: string): value is LocaleCode {
  return LOCALES.some((l) => l.code === value)
}

export function localeInfo(code: LocaleCode): LocaleInfo {
  return LOCALES.find((l) => l.code === code) ?? LOCALES[0]
}

/**
 * Maps one BCP 47 tag from the browser to our locales: Chinese by script (or the regions that
 * write traditional characters), everything else by its primary language subtag.
 */
export function matchLocale(tag: string): LocaleCode | undefined {
  const lower = tag.toLowerCase()
  const [primary = ''] = lower.split(/[-_]/)
  if (primary === 'zh') {
    if (/-hant\b|-(tw|hk|mo)\b/.test(lower.replaceAll('_', '-'))) return 'zh-Hant'
    return 'zh-Hans'
  }
  if (primary === 'uig') return 'ug'
  if (primary === 'tib' || primary === 'bod') return 'bo'
  const found = LOCALES.find((l) => l.code === primary)
  return found?.code
}

/** The first of the browser's preferred languages we have, else English. */
export function detectLocale(preferred: readonly string[]): LocaleCode {
  for (const tag of preferred) {
    const match = matchLocale(tag)
    if (match) return match
  }
  return SOURCE_LOCALE
}
