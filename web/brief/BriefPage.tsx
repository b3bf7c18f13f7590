/**
 * @module web/brief/BriefPage
 * The one-page advocacy brief (issue 9), opened from /stats as `/stats#brief=<scope>` (a
 * fragment: the server never learns which country or region a reader looks at). Built in the
 * browser from the latest published statistics release — verified against the organisation key
 * exactly as /stats does (pinned ORG_KEY_FINGERPRINT, else the release's own key with its safety
 * code shown) — and from the context dataset with the organisation-signed updates verified under
 * that same key (web/shared/context/use-context-data.ts). No release that fails its check ever
 * becomes a brief.
 *
 * Contents: counts for the scope with 95% intervals, counts by tactic group, the trend by year,
 * the communities affected where the release publishes them (web/brief/model.ts: never
 * un-suppressed), extradition treaties and case law with sources and check dates
 * (web/shared/context/brief.ts), the methodology footnote and the citation. Print CSS makes it
 * one A4 page (web/brief/brief.css); the reader saves it as PDF from the print dialog. In any of
 * the 13 interface languages (web/brief/locales/); legal facts stay in English, as in their
 * sources, and the page says so.
 */
import './brief.css'
import { useEffect, useMemo, useState } from 'react'
import { createIntl, type IntlShape } from 'react-intl'
import type { ContextData, FactSource } from '../../api/contract/context.ts'
import { fromBase64 } from '../../crypto/bytes.ts'
import { fingerprint, safetyCode } from '../../crypto/fingerprint.ts'
import { nobleBackend } from '../../crypto/noble.ts'
import { type ReleaseBody, verifyRelease } from '../../crypto/release.ts'
import { type BriefContext, briefContext } from '../shared/context/brief.ts'
import { useContextData } from '../shared/context/use-context-data.ts'
import { countryName } from '../shared/countries.ts'
import { LOCALES, type LocaleCode } from '../shared/locale-list.ts'
import { type BriefFigures, briefFigures, type Figure, type Scope } from './model.ts'

const PINNED: string | undefined = import.meta.env.VITE_ORG_KEY_FINGERPRINT

type LocaleFile = Record<string, string>
// Eager: every language is in the bundle, so the choice is never a request.
const files = import.meta.glob<LocaleFile>('./locales/*.json', { eager: true, import: 'default' })
const english = files['./locales/en.json'] ?? {}

function intlFor(locale: LocaleCode): IntlShape {
  const messages = { ...english, ...(files[`./locales/${locale}.json`] ?? {}) }
  return createIntl({ locale, defaultLocale: 'en', messages, onError: () => {} })
}

export interface BriefRoute {
  readonly scope: Scope
  readonly locale: LocaleCode
}

const SCOPE = /^(eu|council_of_europe|[A-Z]{2})$/

/** Reads `#brief=<eu|council_of_europe|XX>[&lang=<code>]`; null when the fragment is not a brief. */
export function parseBriefRoute(hash: string): BriefRoute | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  const scope = params.get('brief')
  if (scope === null || !SCOPE.test(scope)) return null
  const lang = params.get('lang')
  const locale = LOCALES.find((l) => l.code === lang)?.code ?? 'en'
  return {
    scope:
      scope === 'eu' || scope === 'council_of_europe' ? { kind: scope } : { kind: 'country', code: scope },
    locale,
  }
}

export function briefHash(route: BriefRoute): string {
  const scope = route.scope.kind === 'country' ? route.scope.code : route.scope.kind
  return `#brief=${scope}${route.locale === 'en' ? '' : `&lang=${route.locale}`}`
}

/** The brief route of the current fragment, following changes. */
export function useBriefRoute(): BriefRoute | null {
  const [route, setRoute] = useState(() => parseBriefRoute(location.hash))
  useEffect(() => {
    const follow = () => setRoute(parseBriefRoute(location.hash))
    window.addEventListener('hashchange', follow)
    return () => window.removeEventListener('hashchange', follow)
  }, [])
  return route
}

/** The slot on /stats: links to the brief for the EU, the Council of Europe or one country. */
export function BriefLinks({ release }: { release: ReleaseBody }) {
  const intl = useMemo(() => intlFor('en'), [])
  const hosts = useMemo(() => {
    const codes = new Set<string>()
    for (const t of release.tables)
      t.dims.forEach((d) => {
        if (d.field === 'host_country') for (const c of d.categories) if (/^[A-Z]{2}$/.test(c)) codes.add(c)
      })
    return [...codes].sort((a, b) => countryName(a, 'en').localeCompare(countryName(b, 'en')))
  }, [release])
  const [country, setCountry] = useState('')
  return (
    <section className="brief-links" data-testid="brief-links">
      <h3>{intl.formatMessage({ id: 'brief.links.heading' })}</h3>
      <p className="muted">{intl.formatMessage({ id: 'brief.links.why' })}</p>
      <p>
        <a href={briefHash({ scope: { kind: 'eu' }, locale: 'en' })}>
          {intl.formatMessage({ id: 'brief.links.eu' })}
        </a>
        {' · '}
        <a href={briefHash({ scope: { kind: 'council_of_europe' }, locale: 'en' })}>
          {intl.formatMessage({ id: 'brief.links.council_of_europe' })}
        </a>
      </p>
      {hosts.length > 0 && (
        <label>
          {intl.formatMessage({ id: 'brief.links.country' })}{' '}
          <select
            value={country}
            onChange={(e) => {
              setCountry(e.target.value)
              if (e.target.value !== '')
                location.hash = briefHash({ scope: { kind: 'country', code: e.target.value }, locale: 'en' })
            }}
          >
            <option value="" />
            {hosts.map((c) => (
              <option key={c} value={c}>
                {countryName(c, 'en')}
              </option>
            ))}
          </select>
        </label>
      )}
    </section>
  )
}

interface Listed {
  readonly id: string
  readonly publishedAt: string | null
  readonly file: unknown
}

type Verified =
  | { status: 'ok'; release: ReleaseBody; orgKey: Uint8Array; code: string; pinned: boolean }
  | { status: 'failed' }

function verify(file: unknown): Verified {
  try {
    const chain = (file as { chain?: { orgSigningKey?: unknown } }).chain
    if (typeof chain?.orgSigningKey !== 'string') return { status: 'failed' }
    const orgKey = fromBase64(chain.orgSigningKey, 32)
    const verified = verifyRelease(nobleBackend, file, [PINNED ?? fingerprint(nobleBackend, orgKey)])
    return {
      status: 'ok',
      release: verified.release,
      orgKey,
      code: safetyCode(nobleBackend, orgKey),
      pinned: PINNED !== undefined,
    }
  } catch {
    return { status: 'failed' }
  }
}

/** The brief of the latest published release (the first of `releases`, newest first). */
export function BriefPage({
  route,
  releases,
}: {
  route: BriefRoute
  releases: readonly Listed[] | undefined
}) {
  const intl = useMemo(() => intlFor(route.locale), [route.locale])
  const dir = LOCALES.find((l) => l.code === route.locale)?.dir ?? 'ltr'
  useEffect(() => {
    const html = document.documentElement
    const before = { lang: html.lang, dir: html.dir }
    html.lang = route.locale
    html.dir = dir
    return () => {
      html.lang = before.lang
      html.dir = before.dir
    }
  }, [route.locale, dir])
  const latest = releases?.[0]
  const checked = useMemo(() => (latest === undefined ? undefined : verify(latest.file)), [latest])
  const trust =
    checked?.status === 'ok' ? { orgSigningKey: checked.orgKey, orgId: checked.release.orgId } : null
  const context = useContextData(nobleBackend, trust)
  const t = (id: string, values?: Record<string, string | number>) => intl.formatMessage({ id }, values)

  const controls = (
    <nav className="brief-controls" aria-label={t('brief.controls')}>
      <a href="/stats">{t('brief.back')}</a>
      <label>
        {t('brief.language')}{' '}
        <select
          value={route.locale}
          onChange={(e) => {
            const locale = LOCALES.find((l) => l.code === e.target.value)?.code ?? 'en'
            location.hash = briefHash({ ...route, locale })
          }}
        >
          {LOCALES.map((l) => (
            <option key={l.code} value={l.code} lang={l.code}>
              {l.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={() => window.print()} disabled={checked?.status !== 'ok'}>
        {t('brief.print')}
      </button>
    </nav>
  )

  if (releases === undefined) return <p className="brief-status">{t('brief.loading')}</p>
  if (latest === undefined || checked === undefined)
    return (
      <main className="brief-screen">
        {controls}
        <p>{t('brief.noRelease')}</p>
      </main>
    )
  if (checked.status === 'failed')
    return (
      <main className="brief-screen">
        {controls}
        <p role="alert" className="brief-failed">
          {t('brief.unverified')}
        </p>
      </main>
    )
  return (
    <main className="brief-screen">
      {controls}
      <Brief
        intl={intl}
        scope={route.scope}
        release={checked.release}
        data={context.data}
        publishedAt={latest.publishedAt}
        verification={
          checked.pinned ? t('brief.verified.pinned') : t('brief.verified.code', { code: checked.code })
        }
      />
    </main>
  )
}

function Brief(props: {
  intl: IntlShape
  scope: Scope
  release: ReleaseBody
  data: ContextData
  publishedAt: string | null
  verification: string
}) {
  const { intl, scope, release, data } = props
  const t = (id: string, values?: Record<string, string | number>) => intl.formatMessage({ id }, values)
  const country = (code: string) => countryName(code, intl.locale)
  const scopeName = scope.kind === 'country' ? country(scope.code) : t(`brief.scope.${scope.kind}`)
  const today = new Date().toISOString().slice(0, 10)
  const facts: BriefContext = useMemo(
    () =>
      briefContext(
        data,
        scope.kind === 'country' ? { kind: 'country', code: scope.code } : scope,
        new Date(today),
      ),
    [data, scope, today],
  )
  const members = useMemo(() => (scope.kind === 'country' ? [scope.code] : facts.members), [scope, facts])
  const figures: BriefFigures = useMemo(() => briefFigures(release, members), [release, members])
  const k = figures.threshold

  // Sources are numbered once and cited as [n]: one document behind ten treaties is listed once.
  const sources: (FactSource & { key: string })[] = []
  const source = (s: FactSource): number => {
    const key = `${s.title}|${s.url ?? ''}|${s.citation ?? ''}`
    let at = sources.findIndex((x) => x.key === key)
    if (at === -1) at = sources.push({ ...s, key }) - 1
    return at + 1
  }
  // Treaties grouped by partner and status: "in force with China: Belgium, Bulgaria, …".
  const treatyGroups: {
    origin: string
    status: string
    hosts: string[]
    sources: number[]
    checkedOn: string
  }[] = []
  for (const x of facts.treaties) {
    let group = treatyGroups.find((g) => g.origin === x.treaty.origin && g.status === x.treaty.status)
    if (group === undefined) {
      group = {
        origin: x.treaty.origin,
        status: x.treaty.status,
        hosts: [],
        sources: [],
        checkedOn: x.treaty.checkedOn,
      }
      treatyGroups.push(group)
    }
    group.hosts.push(x.host)
    const n = source(x.treaty.source)
    if (!group.sources.includes(n)) group.sources.push(n)
    // The oldest check date of the group: the claim is only as fresh as its stalest part.
    if (x.treaty.checkedOn < group.checkedOn) group.checkedOn = x.treaty.checkedOn
  }

  const number = (n: number) => intl.formatNumber(n)
  const figure = (f: Figure) =>
    f.value === null ? (
      <span className="brief-suppressed">{t('brief.notPublished', { k })}</span>
    ) : (
      <>
        <strong>{number(f.value)}</strong>
        {f.lower !== null && f.upper !== null && f.lower !== f.upper && (
          <span className="brief-interval">
            {' '}
            ({t('brief.interval', { lower: number(f.lower), upper: number(f.upper) })})
          </span>
        )}
      </>
    )
  /** A table row's count and interval cells. */
  const cells = (f: Figure) =>
    f.value === null ? (
      <td colSpan={2} className="brief-suppressed">
        {t('brief.notPublished', { k })}
      </td>
    ) : (
      <>
        <td className="brief-num">{number(f.value)}</td>
        <td className="brief-interval">
          {f.lower !== null &&
            f.upper !== null &&
            f.lower !== f.upper &&
            `${number(f.lower)}–${number(f.upper)}`}
        </td>
      </>
    )
  const head = (label: string) => (
    <thead>
      <tr>
        <th scope="col">{label}</th>
        <th scope="col" className="brief-num">
          {t('brief.count.column')}
        </th>
        <th scope="col">{t('brief.interval.column')}</th>
      </tr>
    </thead>
  )
  const notScoped = <p className="brief-note">{t('brief.notScoped', { scope: scopeName })}</p>

  return (
    <article className="brief" data-testid="brief">
      <header>
        <h1>{t('brief.title', { scope: scopeName })}</h1>
        <p className="brief-sub">
          {t('brief.subtitle', {
            org: release.orgName,
            version: release.version,
            from: release.period.from,
            to: release.period.to,
          })}
          {props.publishedAt !== null &&
            ` · ${t('brief.published', { date: props.publishedAt.slice(0, 10) })}`}
        </p>
      </header>

      <div className="brief-grid">
        <section>
          <h2>{t('brief.count.heading')}</h2>
          {figures.scopeCount === null || figures.scopeCount.listed.length === 0 ? (
            <p>{t('brief.count.notListed', { scope: scopeName })}</p>
          ) : (
            <>
              <p data-testid="brief-scope-count">
                {t('brief.count.scope', { scope: scopeName })} {figure(figures.scopeCount.figure)}
              </p>
              {scope.kind !== 'country' && (
                <p className="brief-note">
                  {t('brief.count.listed', {
                    n: figures.scopeCount.listed.length,
                    countries: figures.scopeCount.listed.map(country).join(', '),
                  })}
                </p>
              )}
            </>
          )}
          {figures.total !== null && (
            <p>
              {t('brief.count.total')} {figure(figures.total)}
            </p>
          )}

          {[figures.tactics, figures.trend, figures.communities].some((b) => b !== null && !b.scoped) &&
            notScoped}
          <h2>{t('brief.tactics.heading')}</h2>
          {figures.tactics === null ? (
            <p>{t('brief.none')}</p>
          ) : (
            <>
              <table className="brief-table" data-testid="brief-tactics">
                {head(t('brief.tactics.column'))}
                <tbody>
                  {figures.tactics.rows.map((r) => (
                    <tr key={r.category}>
                      <th scope="row">{t(`brief.group.${r.category}`)}</th>
                      {cells(r.figure)}
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="brief-note">{t('brief.tactics.note')}</p>
            </>
          )}

          <h2>{t('brief.trend.heading')}</h2>
          {figures.trend === null ? (
            <p>{t('brief.none')}</p>
          ) : (
            <table className="brief-table" data-testid="brief-trend">
              {head(t('brief.trend.column'))}
              <tbody>
                {figures.trend.rows.map((r) => (
                  <tr key={r.category}>
                    <th scope="row">{r.category}</th>
                    {cells(r.figure)}
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          <h2>{t('brief.communities.heading')}</h2>
          {figures.communities === null ? (
            <p>{t('brief.communities.none')}</p>
          ) : (
            <>
              <p data-testid="brief-communities">
                {figures.communities.rows.length === 0
                  ? t('brief.communities.empty', { k })
                  : figures.communities.rows.map((r, i) => (
                      <span key={r.category}>
                        {i > 0 && ' · '}
                        {t(`brief.community.${r.category}`)} {figure(r.figure)}
                      </span>
                    ))}
              </p>
              <p className="brief-note">{t('brief.communities.note', { k })}</p>
            </>
          )}
        </section>

        <section data-testid="brief-facts">
          <h2>{t('brief.facts.heading')}</h2>
          {treatyGroups.length === 0 ? (
            <p>{t('brief.facts.noTreaty', { scope: scopeName })}</p>
          ) : (
            <ul className="brief-facts">
              {treatyGroups.map((g) => (
                <li key={`${g.origin}-${g.status}`}>
                  {t('brief.facts.treaties', {
                    origin: country(g.origin),
                    status: t(`brief.status.${g.status}`),
                    hosts: g.hosts.map(country).join(', '),
                  })}{' '}
                  <span className="brief-source">
                    {g.sources.map((n) => `[${n}]`).join('')} {t('brief.checked', { date: g.checkedOn })}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {facts.caseLaw.length > 0 && (
            <>
              <h3>{t('brief.facts.caseLaw')}</h3>
              <ul className="brief-facts">
                {facts.caseLaw.map((c) => (
                  <li key={c.id}>
                    {/* English names and sources in their own direction, so RTL pages keep them intact. */}
                    <bdi lang="en">
                      <strong>{c.name}</strong> ({c.court}
                      {c.decided !== undefined && `, ${c.decided}`})
                    </bdi>
                    :{' '}
                    {t(`brief.outcome.${c.outcome}`, {
                      state: country(c.decidingState),
                      origin: country(c.requestingState),
                    })}
                    {/* The Strasbourg judgment is the one that guides every member state: quote it. */}
                    {c.persuasiveIn === 'council_of_europe' && (
                      <>
                        {' '}
                        <bdi lang="en">{c.holding}</bdi>
                      </>
                    )}{' '}
                    <span className="brief-source">
                      [{source(c.source)}] {t('brief.checked', { date: c.checkedOn })}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
          {facts.staleTreaties.length > 0 && (
            <p className="brief-note">{t('brief.facts.stale', { n: facts.staleTreaties.length })}</p>
          )}
          <h3>{t('brief.sources')}</h3>
          <ol className="brief-sources" lang="en" dir="ltr">
            {sources.map((s) => (
              <li key={s.key}>
                {s.title}
                {s.url !== undefined && `, ${s.url}`}
                {s.citation !== undefined && ` (${s.citation})`}
              </li>
            ))}
          </ol>
          {intl.locale !== 'en' && <p className="brief-note">{t('brief.facts.english')}</p>}
        </section>
      </div>

      <footer>
        <p className="brief-method">
          <strong>{t('brief.method.heading')}</strong>{' '}
          {release.privacy.mode === 'differential-privacy'
            ? t('brief.method.dp', { epsilon: release.privacy.epsilon ?? '', k })
            : t('brief.method.suppression', { k })}{' '}
          {t('brief.method.more', { url: `${location.origin}/stats` })} {props.verification}
        </p>
        <p className="brief-cite">
          <strong>{t('brief.cite.heading')}</strong> <bdi>{release.citation}</bdi>
        </p>
      </footer>
    </article>
  )
}
