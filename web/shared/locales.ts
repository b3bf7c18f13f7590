/**
 * @module web/shared/locales
 * The interface languages (DESIGN §8) and their messages. Every locale file is bundled into every
 * reporter page, whatever the reporter picks, so the server cannot tell the language from what
 * the browser fetches (DESIGN §4, docs/decisions/006); each page carries only the keys it shows. A key missing from a locale falls back to English, so a
 * partially translated locale never crashes a page (test/locales.test.ts keeps them complete).
 */

import { LOCALES, type LocaleCode, type LocaleInfo, SOURCE_LOCALE } from './locale-list.ts'

export { type Direction, LOCALES, type LocaleCode, type LocaleInfo, SOURCE_LOCALE } from './locale-list.ts'

export type Messages = Record<string, string>

type LocaleFile = Record<string, unknown>

export type LocaleFiles = Record<string, LocaleFile>

// Eager: all locales are in the bundle (or its static chunks) before the reporter chooses. The
// follow-up and safety pages' own text is left out here (web/build/locale-subset.ts); those
// pages add it back with `addPageMessages`. `noscript.` is used at build time only.
const files: LocaleFiles = import.meta.glob<LocaleFile>('../locales/*.json', {
  eager: true,
  import: 'default',
  query: '?omit=followup,safety,noscript',
})

/** Page-specific keys added by the page's entry before it mounts, per locale file path. */
const pageFiles: LocaleFiles[] = []

/**
 * Adds a page's own messages, e.g. `import.meta.glob('../locales/*.json', { eager: true, import:
 * 'default', query: '?only=followup' })` in web/followup/main.tsx. Call before `mount`.
 */
export function addPageMessages(extra: LocaleFiles): void {
  pageFiles.push(extra)
  cache.clear()
}

function messagesOf(file: LocaleFile | undefined): Messages {
  const out: Messages = {}
  if (!file) return out
  for (const [key, value] of Object.entries(file)) {
    if (key.startsWith('_') || typeof value !== 'string') continue
    out[key] = value
  }
  return out
}

const cache = new Map<LocaleCode, Messages>()

/** The locale file's messages, the page's own keys included. */
function allMessagesOf(path: string): Messages {
  return Object.assign(messagesOf(files[path]), ...pageFiles.map((extra) => messagesOf(extra[path])))
}

/** The locale's messages with English filling any gap. */
export function messagesFor(code: LocaleCode): Messages {
  let messages = cache.get(code)
  if (!messages) {
    messages = { ...allMessagesOf('../locales/en.json'), ...allMessagesOf(`../locales/${code}.json`) }
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
