/**
 * @module web/shared/layout
 * The frame every reporter page shares: a header with the language picker and the quick-exit
 * button (always visible, sticky on phones), the page's main region, and links to the other
 * reporter pages. Links replace the history entry (quick-exit.ts) and carry the language in a
 * fragment, which is never sent to the server.
 */
import { type MouseEvent, type ReactNode, useEffect, useId } from 'react'
import { FormattedMessage, useIntl } from 'react-intl'
import { useLocale, withLocale } from './i18n.tsx'
import { isLocaleCode, LOCALES } from './locales.ts'
import { installEscapeExit, onWipe, quickExit, replaceNavigate } from './quick-exit.ts'

export type PageName = 'intake' | 'followup' | 'safety'

const PAGE_PATHS: Record<PageName, string> = { intake: '/', followup: '/followup', safety: '/safety' }

export function LanguagePicker() {
  const { locale, setLocale } = useLocale()
  const id = useId()
  return (
    <div className="lang-picker">
      <label htmlFor={id}>
        <GlobeIcon />
        <span className="visually-hidden">
          <FormattedMessage id="lang.choose" />
        </span>
      </label>
      <select
        id={id}
        value={locale}
        onChange={(e) => {
          if (isLocaleCode(e.target.value)) setLocale(e.target.value)
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

export function QuickExitButton() {
  const intl = useIntl()
  return (
    <button
      type="button"
      className="quick-exit"
      onClick={quickExit}
      title={intl.formatMessage({ id: 'exit.hint' })}
      aria-describedby="quick-exit-hint"
    >
      <span aria-hidden="true" className="quick-exit-icon">
        ✕
      </span>
      <FormattedMessage id="exit.button" />
    </button>
  )
}

/** A link to another reporter page that replaces the current history entry. */
export function PageLink({
  to,
  children,
  className,
}: {
  to: PageName
  children: ReactNode
  className?: string
}) {
  const { locale } = useLocale()
  const href = withLocale(PAGE_PATHS[to], locale)
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    replaceNavigate(href)
  }
  return (
    <a href={href} onClick={onClick} className={className}>
      {children}
    </a>
  )
}

export function PageShell({ page, children }: { page: PageName; children: ReactNode }) {
  const intl = useIntl()
  useEffect(() => installEscapeExit(), [])
  useEffect(() => {
    document.title = intl.formatMessage({ id: 'app.name' })
  }, [intl])

  // A fragment link would add a history entry; the skip link is a button that moves focus.
  const skip = () => document.getElementById('main')?.focus()

  return (
    <div className="page">
      <button type="button" className="skip-link" onClick={skip}>
        <FormattedMessage id="app.skipToContent" />
      </button>
      <header className="topbar">
        <div className="topbar-inner">
          <PageLink to="intake" className="brand">
            <ShieldIcon />
            <span>
              <FormattedMessage id="app.name" />
            </span>
          </PageLink>
          <div className="topbar-actions">
            <LanguagePicker />
            <QuickExitButton />
          </div>
        </div>
        <p id="quick-exit-hint" className="visually-hidden">
          <FormattedMessage id="exit.hint" />
        </p>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="footer">
        <nav aria-label={intl.formatMessage({ id: 'nav.main' })}>
          <ul>
            {page !== 'intake' && (
              <li>
                <PageLink to="intake">
                  <FormattedMessage id="nav.report" />
                </PageLink>
              </li>
            )}
            {page !== 'followup' && (
              <li>
                <PageLink to="followup">
                  <FormattedMessage id="nav.followup" />
                </PageLink>
              </li>
            )}
            {page !== 'safety' && (
              <li>
                <PageLink to="safety">
                  <FormattedMessage id="nav.safety" />
                </PageLink>
              </li>
            )}
          </ul>
        </nav>
        <p className="footer-exit">
          <FormattedMessage id="exit.hint" />
        </p>
      </footer>
    </div>
  )
}

/**
 * Warns before the tab is closed or reloaded while `active` (DESIGN §8: state is in memory only).
 * Quick exit removes the warning first, so leaving is never held up by a dialog.
 */
export function useLeaveWarning(active: boolean): void {
  useEffect(() => {
    if (!active) return
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault()
      // Older browsers need returnValue set; the text itself is never shown by modern ones.
      event.returnValue = ''
    }
    window.addEventListener('beforeunload', onBeforeUnload)
    const stop = onWipe(() => window.removeEventListener('beforeunload', onBeforeUnload))
    return () => {
      stop()
      window.removeEventListener('beforeunload', onBeforeUnload)
    }
  }, [active])
}

function GlobeIcon() {
  return (
    <svg aria-hidden="true" focusable="false" width="22" height="22" viewBox="0 0 24 24" className="icon">
      <circle cx="12" cy="12" r="9.5" fill="none" stroke="currentColor" strokeWidth="1.6" />
      <path
        d="M2.5 12h19M12 2.5c2.6 2.8 3.9 6 3.9 9.5s-1.3 6.7-3.9 9.5M12 2.5C9.4 5.3 8.1 8.5 8.1 12s1.3 6.7 3.9 9.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.6"
      />
    </svg>
  )
}

function ShieldIcon() {
  return (
    <svg
      aria-hidden="true"
      focusable="false"
      width="26"
      height="26"
      viewBox="0 0 24 24"
      className="icon brand-icon"
    >
      <path
        d="M12 2.5 4 5.5v6c0 5 3.4 8.8 8 10 4.6-1.2 8-5 8-10v-6l-8-3Z"
        fill="currentColor"
        fillOpacity="0.14"
        stroke="currentColor"
        strokeWidth="1.6"
        strokeLinejoin="round"
      />
      <path
        d="m8.5 12 2.4 2.4 4.6-4.8"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
      />
    </svg>
  )
}
