/**
 * @module web/stats/i18n
 * Languages for the public /stats page: the same 13 interface languages and react-intl set-up as
 * the reporter pages (web/shared/i18n.tsx), with the page's own messages (web/stats/locales/).
 * Every locale is bundled whatever the reader picks, so the server cannot tell the language from
 * what is fetched (DESIGN §4); a `#lang=` fragment or the browser's preferences choose the start
 * language; `lang` and `dir` on <html> follow the choice. A key a locale lacks falls back to
 * English (web/stats/locales/README.md says which keys are translated).
 */
import { createContext, type ReactNode, useContext, useEffect, useId, useMemo, useState } from 'react'
import { IntlProvider, useIntl } from 'react-intl'
import { LOCALES, type LocaleCode, type LocaleInfo, SOURCE_LOCALE } from '../shared/locale-list.ts'

type Messages = Record<string, string>

const files = import.meta.glob<Record<string, unknown>>('./locales/*.json', {
  eager: true,
  import: 'default',
})

function messagesOf(file: Record<string, unknown> | undefined): Messages {
  const out: Messages = {}
  for (const [key, value] of Object.entries(file ?? {}))
    if (!key.startsWith('_') && typeof value === 'string') out[key] = value
  return out
}

const english = messagesOf(files['./locales/en.json'])

export function statsMessages(code: LocaleCode): Messages {
  return { ...english, ...messagesOf(files[`./locales/${code}.json`]) }
}

function isLocaleCode(value: string): value is LocaleCode {
  return LOCALES.some((l) => l.code === value)
}

function info(code: LocaleCode): LocaleInfo {
  return LOCALES.find((l) => l.code === code) ?? LOCALES[0]
}

/** A browser language tag to one of ours (the reporter pages' rule: Chinese by script). */
function matchTag(tag: string): LocaleCode | undefined {
  const lower = tag.toLowerCase().replaceAll('_', '-')
  const primary = lower.split('-')[0] ?? ''
  if (primary === 'zh') return /-hant\b|-(tw|hk|mo)\b/.test(lower) ? 'zh-Hant' : 'zh-Hans'
  if (primary === 'uig') return 'ug'
  if (primary === 'tib' || primary === 'bod') return 'bo'
  return LOCALES.find((l) => l.code === primary)?.code
}

export function startLocale(): LocaleCode {
  const match = /(?:^#|&)lang=([A-Za-z-]{2,10})/.exec(location.hash)
  if (match?.[1] && isLocaleCode(match[1])) return match[1]
  for (const tag of navigator.languages ?? [navigator.language]) {
    const found = matchTag(tag)
    if (found) return found
  }
  return SOURCE_LOCALE
}

const LocaleContext = createContext<{ locale: LocaleCode; setLocale(code: LocaleCode): void } | null>(null)

export function StatsI18n({ children }: { children: ReactNode }) {
  const [locale, setLocale] = useState<LocaleCode>(startLocale)
  const messages = useMemo(() => statsMessages(locale), [locale])
  useEffect(() => {
    const { code, dir } = info(locale)
    document.documentElement.lang = code
    document.documentElement.dir = dir
    document.title = messages['stats.title'] ?? document.title
  }, [locale, messages])
  const state = useMemo(() => ({ locale, setLocale }), [locale])
  return (
    <LocaleContext.Provider value={state}>
      <IntlProvider locale={locale} defaultLocale="en" messages={messages} onError={() => {}}>
        {children}
      </IntlProvider>
    </LocaleContext.Provider>
  )
}

/** The reading direction of the chosen language (charts mirror themselves for RTL). */
export function useDirection(): 'ltr' | 'rtl' {
  const state = useContext(LocaleContext)
  return state === null ? 'ltr' : info(state.locale).dir
}

export function StatsLanguagePicker() {
  const state = useContext(LocaleContext)
  const intl = useIntl()
  const id = useId()
  if (state === null) return null
  return (
    <div className="lang-picker">
      <label htmlFor={id}>{intl.formatMessage({ id: 'stats.language' })}</label>
      <select
        id={id}
        value={state.locale}
        onChange={(e) => {
          if (isLocaleCode(e.target.value)) state.setLocale(e.target.value)
        }}
      >
        {LOCALES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code} dir={l.dir}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  )
}
