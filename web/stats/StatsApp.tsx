/**
 * @module web/stats/StatsApp
 * The public /stats page (issue 6): the latest published releases as charts and tables, with
 * downloads (the signed JSON as published, and a tidy CSV derived from it in the browser),
 * methodology, citation text, and an in-page signature check.
 *
 * The check runs crypto/release.ts `verifyRelease` with the pure-JavaScript backend (@noble;
 * public pages never load libsodium or console code — web/build/bundle-boundary.ts). Trust: if
 * the build pins ORG_KEY_FINGERPRINT, the release must chain to that key; otherwise the page can
 * only show the safety code of the key the file names and ask readers to compare it with the one
 * the organisation publishes elsewhere (the server could otherwise substitute both file and key).
 */
import { useEffect, useMemo, useState } from 'react'
import { FormattedMessage, useIntl } from 'react-intl'
import { fromBase64 } from '../../crypto/bytes.ts'
import { CryptoError } from '../../crypto/errors.ts'
import { fingerprint, safetyCode } from '../../crypto/fingerprint.ts'
import { nobleBackend } from '../../crypto/noble.ts'
import { type ReleaseBody, type ReleaseTable, releaseCsv, verifyRelease } from '../../crypto/release.ts'
import { BriefLinks, BriefPage, useBriefRoute } from '../brief/BriefPage.tsx'
import { type Bar, BarChart } from './charts.tsx'
import { StatsLanguagePicker, useDirection } from './i18n.tsx'
import { fieldLabel, valueLabel } from './labels.ts'

interface Listed {
  id: string
  publishedAt: string | null
  file: unknown
}

type Check =
  | { status: 'pinned'; release: ReleaseBody; signer: string }
  | { status: 'unpinned'; release: ReleaseBody; signer: string; code: string }
  | { status: 'failed'; reason: string }

/** The pinned organisation fingerprint, when the build has one (web/vite.config.ts). */
const PINNED: string | undefined = import.meta.env.VITE_ORG_KEY_FINGERPRINT

export function checkRelease(file: unknown, pinned: string | undefined): Check {
  try {
    const chain = (file as { chain?: { orgSigningKey?: unknown } }).chain
    if (typeof chain?.orgSigningKey !== 'string') throw new CryptoError('bad_statement', 'no chain')
    const orgKey = fromBase64(chain.orgSigningKey, 32)
    const trusted = pinned ?? fingerprint(nobleBackend, orgKey)
    const verified = verifyRelease(nobleBackend, file, [trusted])
    if (pinned !== undefined)
      return { status: 'pinned', release: verified.release, signer: verified.signer.username }
    return {
      status: 'unpinned',
      release: verified.release,
      signer: verified.signer.username,
      code: safetyCode(nobleBackend, orgKey),
    }
  } catch (error) {
    return { status: 'failed', reason: error instanceof CryptoError ? error.code : 'invalid' }
  }
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

export function StatsApp() {
  const intl = useIntl()
  const [state, setState] = useState<
    { status: 'loading' } | { status: 'error' } | { status: 'ready'; list: Listed[] }
  >({
    status: 'loading',
  })
  const [selected, setSelected] = useState(0)
  useEffect(() => {
    let live = true
    fetch('/api/releases', { credentials: 'omit', headers: { accept: 'application/json' } })
      .then(async (response) => {
        if (!response.ok) throw new Error(String(response.status))
        const body = (await response.json()) as { releases?: Listed[] }
        if (live) setState({ status: 'ready', list: Array.isArray(body.releases) ? body.releases : [] })
      })
      .catch(() => {
        if (live) setState({ status: 'error' })
      })
    return () => {
      live = false
    }
  }, [])
  const current = state.status === 'ready' ? state.list[selected] : undefined
  const check = useMemo(
    () => (current === undefined ? undefined : checkRelease(current.file, PINNED)),
    [current],
  )
  // The advocacy brief (web/brief/): `#brief=<scope>` shows it instead of the release.
  const briefRoute = useBriefRoute()
  if (briefRoute !== null)
    return <BriefPage route={briefRoute} releases={state.status === 'ready' ? state.list : undefined} />

  return (
    <main className="stats">
      <header className="stats-header">
        <h1>{intl.formatMessage({ id: 'stats.title' })}</h1>
        <StatsLanguagePicker />
      </header>
      {state.status === 'loading' && <p>{intl.formatMessage({ id: 'stats.loading' })}</p>}
      {state.status === 'error' && <p role="alert">{intl.formatMessage({ id: 'stats.error' })}</p>}
      {state.status === 'ready' && state.list.length === 0 && (
        <p>{intl.formatMessage({ id: 'stats.none' })}</p>
      )}
      {state.status === 'ready' && state.list.length > 1 && (
        <label className="release-picker">
          {intl.formatMessage({ id: 'stats.release.choose' })}{' '}
          <select value={selected} onChange={(e) => setSelected(Number(e.target.value))}>
            {state.list.map((r, i) => (
              <option key={r.id} value={i}>
                {r.publishedAt === null ? r.id : dayName(intl, r.publishedAt)}
              </option>
            ))}
          </select>
        </label>
      )}
      {current !== undefined && check !== undefined && <ReleaseView listed={current} check={check} />}
    </main>
  )
}

function ReleaseView({ listed, check }: { listed: Listed; check: Check }) {
  const intl = useIntl()
  if (check.status === 'failed') {
    return (
      <section className="verify verify-failed" role="alert" data-testid="verify">
        <h2>{intl.formatMessage({ id: 'stats.verify.heading' })}</h2>
        <p>{intl.formatMessage({ id: 'stats.verify.failed' })}</p>
      </section>
    )
  }
  const release = check.release
  const k = release.privacy.threshold
  return (
    <article className="release">
      <p>{intl.formatMessage({ id: 'stats.intro' }, { org: release.orgName })}</p>
      <h2>
        {intl.formatMessage(
          { id: 'stats.release.heading' },
          {
            version: intl.formatNumber(release.version),
            from: monthName(intl, release.period.from),
            to: monthName(intl, release.period.to),
          },
        )}
      </h2>
      {listed.publishedAt !== null && (
        <p className="muted">
          {intl.formatMessage({ id: 'stats.release.published' }, { date: dayName(intl, listed.publishedAt) })}
        </p>
      )}
      <section className="verify verify-ok" data-testid="verify">
        <h3>{intl.formatMessage({ id: 'stats.verify.heading' })}</h3>
        <p>
          {check.status === 'pinned'
            ? intl.formatMessage({ id: 'stats.verify.pinned' })
            : intl.formatMessage(
                { id: 'stats.verify.unpinned' },
                // Isolated left to right: a code must read the same in Arabic-script pages.
                { code: `\u2066${check.code}\u2069` },
              )}
        </p>
        <p className="muted">{intl.formatMessage({ id: 'stats.verify.signer' }, { name: check.signer })}</p>
      </section>
      <p className="privacy">
        {release.privacy.mode === 'differential-privacy'
          ? intl.formatMessage(
              { id: 'stats.privacy.dp' },
              { epsilon: readableRational(release.privacy.epsilon ?? ''), k: intl.formatNumber(k) },
            )
          : intl.formatMessage({ id: 'stats.privacy.suppression' }, { k: intl.formatNumber(k) })}
      </p>
      {release.tables.map((table) => (
        <TableView key={table.id} table={table} threshold={k} />
      ))}
      <BriefLinks release={release} />
      <section>
        <h3>{intl.formatMessage({ id: 'stats.download.heading' })}</h3>
        <div className="downloads">
          <button
            type="button"
            onClick={() =>
              download(
                `release-${release.releaseId}.json`,
                'application/json',
                `${JSON.stringify(listed.file, null, 2)}\n`,
              )
            }
          >
            {intl.formatMessage({ id: 'stats.download.json' })}
          </button>
          <button
            type="button"
            onClick={() => download(`release-${release.releaseId}.csv`, 'text/csv', releaseCsv(release))}
          >
            {intl.formatMessage({ id: 'stats.download.csv' })}
          </button>
        </div>
      </section>
      <section>
        <h3>{intl.formatMessage({ id: 'stats.methodology.heading' })}</h3>
        {release.methodology.split(/\n{2,}/).map((p) => (
          <p key={p}>{p}</p>
        ))}
      </section>
      <section>
        <h3>{intl.formatMessage({ id: 'stats.citation.heading' })}</h3>
        <blockquote className="citation">{release.citation}</blockquote>
        <p className="muted">
          <FormattedMessage id="stats.licence" values={{ licence: release.licence }} />
        </p>
      </section>
    </article>
  )
}

type Entry = ReleaseTable['entries'][number]

/** "2024-01" as the reader's language names a month ("January 2024", "يناير 2024", …). */
function monthName(intl: ReturnType<typeof useIntl>, month: string): string {
  const [year, m] = month.split('-').map(Number)
  if (year === undefined || m === undefined || !Number.isInteger(year) || !Number.isInteger(m)) return month
  return intl.formatDate(Date.UTC(year, m - 1, 1), { year: 'numeric', month: 'long', timeZone: 'UTC' })
}

function dayName(intl: ReturnType<typeof useIntl>, at: string): string {
  const time = Date.parse(at)
  return Number.isFinite(time) ? intl.formatDate(time, { dateStyle: 'long', timeZone: 'UTC' }) : at
}

/** "1/1" reads "1"; other fractions stay as they are. */
function readableRational(text: string): string {
  return text.endsWith('/1') ? text.slice(0, -2) : text
}

/** The published value in the reader's numerals, or "< k" for a suppressed entry. */
function displayOf(intl: ReturnType<typeof useIntl>, e: Entry): string {
  if (e.value !== null) return intl.formatNumber(e.value)
  const k = Number(e.display.replace(/^<\s*/, ''))
  // Isolated left to right, so "< 10" never turns into "10 <" (or a mirrored sign) in RTL text.
  const text = intl.formatMessage(
    { id: 'stats.table.suppressed' },
    { k: Number.isSafeInteger(k) ? intl.formatNumber(k) : e.display },
  )
  return `\u2066${text}\u2069`
}

function intervalOf(intl: ReturnType<typeof useIntl>, e: Entry): string {
  if (e.lower === null || e.upper === null || e.lower === e.upper) return ''
  return `\u2066${intl.formatNumber(e.lower)}–${intl.formatNumber(e.upper)}\u2069`
}

function barsFor(
  intl: ReturnType<typeof useIntl>,
  field: string,
  entries: readonly Entry[],
  position: number,
): Bar[] {
  return entries.map((e) => ({
    label: valueLabel(intl, field, e.key[position] ?? null),
    value: e.value,
    lower: e.lower,
    upper: e.upper,
    display: displayOf(intl, e),
  }))
}

function TableView({ table, threshold }: { table: ReleaseTable; threshold: number }) {
  const intl = useIntl()
  const direction = useDirection()
  const [d0, d1] = table.dims
  if (d0 === undefined) return null
  const title0 = fieldLabel(intl, d0.field)
  const charts: { title: string; bars: Bar[] }[] = []
  if (d1 === undefined) {
    charts.push({
      title: title0,
      bars: barsFor(
        intl,
        d0.field,
        table.entries.filter((e) => e.key[0] !== null),
        0,
      ),
    })
  } else {
    const title1 = fieldLabel(intl, d1.field)
    charts.push({
      title: title0,
      bars: barsFor(
        intl,
        d0.field,
        table.entries.filter((e) => e.key[0] !== null && e.key[1] === null),
        0,
      ),
    })
    charts.push({
      title: title1,
      bars: barsFor(
        intl,
        d1.field,
        table.entries.filter((e) => e.key[0] === null && e.key[1] !== null),
        1,
      ),
    })
  }
  const title =
    d1 === undefined
      ? title0
      : intl.formatMessage({ id: 'stats.by' }, { a: title0, b: fieldLabel(intl, d1.field) })
  return (
    <section className="table-block" data-table={table.id}>
      <h3>{title}</h3>
      <div className="charts">
        {charts.map((c) => (
          <figure key={c.title}>
            {charts.length > 1 && <figcaption>{c.title}</figcaption>}
            <BarChart
              title={intl.formatMessage({ id: 'stats.chart.label' }, { title: c.title })}
              bars={c.bars}
              threshold={threshold}
              direction={direction}
            />
          </figure>
        ))}
      </div>
      <p className="muted">
        {intl.formatMessage({ id: 'stats.chart.suppressedNote' }, { k: intl.formatNumber(threshold) })}
      </p>
      <div className="table-scroll">
        <table>
          <caption>{intl.formatMessage({ id: 'stats.table.caption' }, { title })}</caption>
          <thead>
            <tr>
              {table.dims.map((d) => (
                <th key={d.field} scope="col">
                  {fieldLabel(intl, d.field)}
                </th>
              ))}
              <th scope="col">{intl.formatMessage({ id: 'stats.table.value' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'stats.table.interval' })}</th>
            </tr>
          </thead>
          <tbody>
            {table.entries.map((e) => (
              <tr key={JSON.stringify(e.key)} className={e.key.includes(null) ? 'margin-row' : undefined}>
                {table.dims.map((d, i) => (
                  <td key={d.field}>{valueLabel(intl, d.field, e.key[i] ?? null)}</td>
                ))}
                <td>{displayOf(intl, e)}</td>
                <td>{intervalOf(intl, e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
