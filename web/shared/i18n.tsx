/**
 * @module web/shared/i18n
 * react-intl set-up for the reporter pages: picks the start language (a `#lang=` fragment left by
 * another reporter page, else the browser's preferences), keeps `lang`/`dir` on <html> true, and
 * lets the reporter switch at any time. The fragment is never sent to the server, so switching
 * pages does not reveal the language either (DESIGN §4).
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import { IntlProvider } from 'react-intl'
import {
  detectLocale,
  isLocaleCode,
  type LocaleCode,
  type LocaleInfo,
  localeInfo,
  messagesFor,
} from './locales.ts'

interface LocaleState {
  readonly locale: LocaleCode
  readonly info: LocaleInfo
  setLocale(code: LocaleCode): void
}

const LocaleContext = createContext<LocaleState | null>(null)

export function useLocale(): LocaleState {
  const state = useContext(LocaleContext)
  if (!state) throw new Error('useLocale outside I18nProvider')
  return state
}

/** The start language: a `#lang=xx` fragment set by our own links, else the browser's choice. */
export function initialLocale(): LocaleCode {
  const match = /(?:^#|&)lang=([A-Za-z-]{2,10})/.exec(location.hash)
  if (match?.[1] && isLocaleCode(match[1])) return match[1]
  return detectLocale(navigator.languages ?? [navigator.language])
}

/**
 * Adds the current language to a link to another reporter page, as a fragment (never sent in the
 * request). Only for our own same-origin paths.
 */
export function withLocale(path: string, locale: LocaleCode): string {
  return `${path}#lang=${locale}`
}

function onIntlError(error: { code?: string }): void {
  // Missing keys fall back to English in messagesFor(); anything else is a bug worth seeing in
  // development, but never a reason to break a frightened reporter's page.
  if (import.meta.env.DEV && error.code !== 'MISSING_TRANSLATION') console.warn(error)
}

export function I18nProvider({ children, start }: { children: ReactNode; start?: LocaleCode }) {
  const [locale, setLocaleState] = useState<LocaleCode>(() => start ?? initialLocale())
  const info = localeInfo(locale)
  const messages = useMemo(() => messagesFor(locale), [locale])

  useEffect(() => {
    document.documentElement.lang = info.code
    document.documentElement.dir = info.dir
  }, [info])

  const setLocale = useCallback((code: LocaleCode) => setLocaleState(code), [])
  const state = useMemo(() => ({ locale, info, setLocale }), [locale, info, setLocale])

  return (
    <LocaleContext.Provider value={state}>
      <IntlProvider locale={locale} defaultLocale="en" messages={messages} onError={onIntlError}>
        {children}
      </IntlProvider>
    </LocaleContext.Provider>
  )
}
