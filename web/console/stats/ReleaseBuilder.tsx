/**
 * @module web/console/stats/ReleaseBuilder
 * The analyst's release builder (DESIGN §9, issue 6), mounted by the console for analysts and
 * admins: open codings with the statistics key in this browser (on every core:
 * web/console/stats/parallel.ts) → choose period, tables, ε, k and the per-person cap → preview
 * (crypto/release.ts: bound, aggregate, noise, THEN threshold) → sign through organisation →
 * analyst → release → publish, with a browser-signed audit entry (`release.publish`) that the
 * server stores in the same transaction. The ε ledger comes from the server and is checked here
 * before signing (and again by the server before storing).
 *
 * Strings: web/console/stats/locales-en.json (builder) and web/stats/locales/en.json (coding
 * labels, shared with /stats), layered over the console's messages by a nested IntlProvider so
 * everything goes through `useT()`.
 */
import './builder.css'
import { type FormEvent, useEffect, useMemo, useState } from 'react'
import { IntlProvider, useIntl } from 'react-intl'
import { z } from 'zod'
import type { CodingV1 } from '../../../api/contract/coding.ts'
import { CryptoError } from '../../../crypto/errors.ts'
import { cryptoRandomSource } from '../../../crypto/laplace.ts'
import {
  buildRelease,
  checkBudget,
  DEFAULT_THRESHOLD,
  forbiddenCrossing,
  formatRational,
  parseRational,
  type ReleaseBody,
  type ReleaseTable,
  signRelease,
} from '../../../crypto/release.ts'
import { valueLabel } from '../../stats/labels.ts'
import codingMessages from '../../stats/locales/en.json'
import { audited, call } from '../api.ts'
import { randomUuid, signAudit } from '../keys.ts'
import { Alert, errorText, type Session, useT } from '../ui.tsx'
import {
  codingsResponseSchema,
  inPeriod,
  type LedgerResponse,
  ledgerResponseSchema,
  TABLE_PRESETS,
  type TablePreset,
  tableSpecs,
  toUnit,
} from './build.ts'
import messages from './locales-en.json'
import { openCodingsParallel } from './parallel.ts'

type Key = keyof typeof messages

/** The navigation label, read by Shell.tsx outside the builder's own message layer. */
export function builderText(id: Key): string {
  return messages[id]
}

const EPSILON_CHOICES = ['1/10', '1/4', '1/2', '1/1'] as const

/** "2" for 2/1, else "n/d": how ε reads to a person. */
function readable(text: string): string {
  return text.endsWith('/1') ? text.slice(0, -2) : text
}

/** The builder inside its own message layer (console messages + coding labels + builder). */
export function ReleaseBuilder({ session }: { session: Session }) {
  const intl = useIntl()
  const layered = useMemo(() => ({ ...intl.messages, ...codingMessages, ...messages }), [intl.messages])
  return (
    <IntlProvider locale={intl.locale} defaultLocale="en" messages={layered}>
      <Builder session={session} />
    </IntlProvider>
  )
}

function Builder({ session }: { session: Session }) {
  const t = useT()
  const intl = useIntl()
  const { ring, me, backend } = session
  const thisYear = new Date().getUTCFullYear()
  const [codings, setCodings] = useState<{ all: CodingV1[]; failed: number } | undefined>()
  const [ledger, setLedger] = useState<LedgerResponse | undefined>()
  const [busy, setBusy] = useState(false)
  const [from, setFrom] = useState(`${thisYear - 1}-01`)
  const [to, setTo] = useState(`${thisYear - 1}-12`)
  const [presets, setPresets] = useState<TablePreset[]>(['year', 'community-by-tactic-group', 'host-country'])
  const [mode, setMode] = useState<'dp' | 'suppression'>('dp')
  const [epsilon, setEpsilon] = useState<string>('1/2')
  const [threshold, setThreshold] = useState(DEFAULT_THRESHOLD)
  const [cap, setCap] = useState(1)
  const [methodology, setMethodology] = useState(() => messages['builder.defaultMethodology'])
  const [citation, setCitation] = useState('')
  const [preview, setPreview] = useState<ReleaseBody | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [published, setPublished] = useState(false)

  const period = { from, to }
  const selected = useMemo(
    () => (codings === undefined ? undefined : inPeriod(codings.all, { from, to })),
    [codings, from, to],
  )
  const spent = useMemo(() => {
    if (ledger === undefined) return undefined
    try {
      return checkBudget(
        ledger.entries,
        { period: { from, to }, epsilon: null },
        parseRational(ledger.budget),
      ).spent
    } catch {
      return undefined
    }
  }, [ledger, from, to])
  // Any change of choice invalidates the preview (what is signed is exactly what was shown) and
  // the message about the previous choice.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the listed choices are the trigger
  useEffect(() => {
    setPreview(undefined)
    setError(undefined)
  }, [from, to, presets, mode, epsilon, threshold, cap, methodology, citation])

  if (ring.statsSecretKey === undefined) return <Alert kind="warning">{t('builder.noKey')}</Alert>
  const statsSecretKey = ring.statsSecretKey
  const userKey = me.userKey
  if (userKey === null) return <Alert kind="warning">{t('builder.notCertified')}</Alert>

  const fail = (e: unknown) => {
    if (e instanceof CryptoError && e.code === 'bad_argument' && e.message.startsWith('never published'))
      setError(t('builder.neverCrossed'))
    else if (e instanceof CryptoError && e.message === 'privacy budget exceeded')
      setError(t('builder.overBudget'))
    else setError(errorText(t, e))
  }

  const load = async () => {
    setBusy(true)
    setError(undefined)
    try {
      const [response, ledgerNow] = await Promise.all([
        call('GET', '/api/releases/codings', codingsResponseSchema),
        call('GET', '/api/releases/ledger', ledgerResponseSchema),
      ])
      const opened = await openCodingsParallel(backend, response, {
        statsSecretKey,
        orgSigningKey: ring.orgSigningKey,
        orgId: ring.orgId,
        now: new Date(),
      })
      setCodings({ all: opened.codings, failed: opened.failed })
      setLedger(ledgerNow)
    } catch (e) {
      fail(e)
    } finally {
      setBusy(false)
    }
  }

  const build = (event: FormEvent) => {
    event.preventDefault()
    if (selected === undefined || ledger === undefined) return
    setError(undefined)
    setPublished(false)
    try {
      const eps = mode === 'dp' ? parseRational(epsilon) : null
      checkBudget(ledger.entries, { period, epsilon: eps }, parseRational(ledger.budget))
      const specs = tableSpecs(presets, selected.kept, period)
      if (forbiddenCrossing(specs) !== undefined) {
        setError(t('builder.neverCrossed'))
        return
      }
      const units = selected.kept.map(toUnit)
      const body = buildRelease(
        units,
        {
          orgId: ring.orgId,
          orgName: me.org.name,
          releaseId: randomUuid(backend),
          version: 1,
          createdAt: new Date(),
          period,
          codingScheme: { name: 'tnr-coding', version: 1 },
          tables: specs,
          epsilon: eps,
          threshold,
          contributionCap: cap,
          linkedByPerson: units.some((u) => u.personKey !== ''),
          methodology,
          citation: citation || t('builder.defaultCitation', { org: me.org.name, year: thisYear, from, to }),
          licence: 'CC BY 4.0',
          changelog: [{ version: 1, note: 'First release.' }],
        },
        eps === null ? null : cryptoRandomSource(backend),
      )
      setPreview(body)
    } catch (e) {
      fail(e)
    }
  }

  const publish = async () => {
    if (preview === undefined) return
    setBusy(true)
    setError(undefined)
    try {
      const file = signRelease(backend, preview, {
        signingSeed: ring.signingSeed,
        userKey,
        orgSigningKey: ring.orgSigningKey,
      })
      await audited(
        (head) =>
          signAudit(backend, {
            signingSeed: ring.signingSeed,
            actor: ring.userId,
            action: 'release.publish',
            target: preview.releaseId,
            head,
            now: new Date(),
          }),
        (audit) => call('POST', '/api/releases', z.unknown(), { file, audit }),
      )
      const ledgerNow = await call('GET', '/api/releases/ledger', ledgerResponseSchema)
      setLedger(ledgerNow)
      setPreview(undefined)
      setPublished(true)
    } catch (e) {
      fail(e)
    } finally {
      setBusy(false)
    }
  }

  const monthOk = (m: string) => /^\d{4}-(0[1-9]|1[0-2])$/.test(m)
  const periodOk = monthOk(from) && monthOk(to) && from <= to

  return (
    <section className="release-builder" aria-labelledby="builder-title">
      <h1 id="builder-title">{t('builder.title')}</h1>
      <p className="muted">{t('builder.intro')}</p>
      {error !== undefined && <Alert kind="error">{error}</Alert>}
      {published && (
        <Alert kind="success">
          {t('builder.published')}{' '}
          <a href="/stats" target="_blank" rel="noreferrer">
            {t('builder.viewPublic')}
          </a>
        </Alert>
      )}

      <div className="card">
        <h2>{t('builder.step.open')}</h2>
        {codings === undefined ? (
          <>
            <p>{t('builder.openExplain')}</p>
            <button type="button" className="primary" onClick={load} disabled={busy}>
              {busy ? t('builder.loading') : t('builder.load')}
            </button>
          </>
        ) : (
          <dl className="builder-facts" data-testid="opened">
            <div>
              <dt>{t('builder.fact.opened')}</dt>
              <dd>{intl.formatNumber(codings.all.length)}</dd>
            </div>
            <div>
              <dt>{t('builder.fact.failed')}</dt>
              <dd>{intl.formatNumber(codings.failed)}</dd>
            </div>
            <div>
              <dt>{t('builder.fact.undated')}</dt>
              <dd>{intl.formatNumber(selected?.undated ?? 0)}</dd>
            </div>
          </dl>
        )}
        {codings !== undefined && codings.failed > 0 && (
          <Alert kind="warning">{t('builder.failedNote', { count: codings.failed })}</Alert>
        )}
      </div>

      {codings !== undefined && (
        <form className="builder-form" onSubmit={build}>
          <div className="card">
            <h2>{t('builder.step.period')}</h2>
            <div className="builder-row">
              <label>
                {t('builder.from')}
                <input
                  type="month"
                  name="from"
                  value={from}
                  onChange={(e) => setFrom(e.target.value)}
                  pattern="\d{4}-\d{2}"
                  required
                />
              </label>
              <label>
                {t('builder.to')}
                <input
                  type="month"
                  name="to"
                  value={to}
                  onChange={(e) => setTo(e.target.value)}
                  pattern="\d{4}-\d{2}"
                  required
                />
              </label>
            </div>
            <p data-testid="in-period">
              {t('builder.inPeriod', { count: intl.formatNumber(selected?.kept.length ?? 0) })}
              {spent !== undefined && ledger !== undefined && (
                <>
                  {' '}
                  {t('builder.budget', {
                    spent: readable(formatRational(spent)),
                    budget: readable(ledger.budget),
                  })}
                </>
              )}
            </p>
            <fieldset className="builder-tables">
              <legend>{t('builder.tables')}</legend>
              {TABLE_PRESETS.map((p) => (
                <label key={p} className="check">
                  <input
                    type="checkbox"
                    name="table"
                    value={p}
                    checked={presets.includes(p)}
                    onChange={(e) =>
                      setPresets(
                        e.target.checked
                          ? TABLE_PRESETS.filter((x) => x === p || presets.includes(x))
                          : presets.filter((x) => x !== p),
                      )
                    }
                  />
                  {t(`builder.table.${p}`)}
                </label>
              ))}
            </fieldset>
            <small>{t('builder.neverCrossedHint')}</small>
          </div>

          <div className="card">
            <h2>{t('builder.step.protection')}</h2>
            <fieldset>
              <legend>{t('builder.mode')}</legend>
              <label className="check">
                <input type="radio" name="mode" checked={mode === 'dp'} onChange={() => setMode('dp')} />
                {t('builder.mode.dp')}
              </label>
              <label className="check">
                <input
                  type="radio"
                  name="mode"
                  checked={mode === 'suppression'}
                  onChange={() => setMode('suppression')}
                />
                {t('builder.mode.suppression')}
              </label>
            </fieldset>
            <div className="builder-row">
              {mode === 'dp' && (
                <label>
                  {t('builder.epsilon')}
                  <select name="epsilon" value={epsilon} onChange={(e) => setEpsilon(e.target.value)}>
                    {EPSILON_CHOICES.map((e) => (
                      <option key={e} value={e}>
                        {readable(e)}
                      </option>
                    ))}
                  </select>
                  <small>{t('builder.epsilonHint')}</small>
                </label>
              )}
              <label>
                {t('builder.threshold')}
                <input
                  type="number"
                  name="threshold"
                  min={1}
                  max={1000}
                  value={threshold}
                  onChange={(e) => setThreshold(Number(e.target.value))}
                />
                <small>{t('builder.thresholdHint')}</small>
              </label>
              <label>
                {t('builder.cap')}
                <input
                  type="number"
                  name="cap"
                  min={1}
                  max={100}
                  value={cap}
                  onChange={(e) => setCap(Number(e.target.value))}
                />
                <small>{t('builder.capHint')}</small>
              </label>
            </div>
          </div>

          <div className="card">
            <h2>{t('builder.step.text')}</h2>
            <label>
              {t('builder.methodology')}
              <textarea value={methodology} onChange={(e) => setMethodology(e.target.value)} rows={6} />
            </label>
            <label>
              {t('builder.citation')}
              <input
                value={citation}
                placeholder={t('builder.defaultCitation', { org: me.org.name, year: thisYear, from, to })}
                onChange={(e) => setCitation(e.target.value)}
              />
            </label>
            <button type="submit" className="primary" disabled={presets.length === 0 || !periodOk || busy}>
              {t('builder.preview')}
            </button>
          </div>
        </form>
      )}

      {preview !== undefined && (
        <section className="card builder-preview" data-testid="preview" aria-labelledby="preview-title">
          <h2 id="preview-title">{t('builder.step.preview')}</h2>
          <p>{t('builder.previewNote')}</p>
          <p className="muted">
            {preview.privacy.epsilon === null
              ? t('builder.previewSuppression', { k: preview.privacy.threshold })
              : t('builder.previewDp', {
                  epsilon: readable(preview.privacy.epsilon),
                  k: preview.privacy.threshold,
                })}
          </p>
          {preview.tables.map((table) => (
            <PreviewTable key={table.id} table={table} />
          ))}
          <div className="actions">
            <button type="button" className="primary" onClick={publish} disabled={busy}>
              {busy ? t('builder.publishing') : t('builder.publish')}
            </button>
            <button type="button" onClick={() => setPreview(undefined)} disabled={busy}>
              {t('builder.discard')}
            </button>
          </div>
        </section>
      )}
    </section>
  )
}

type Entry = ReleaseTable['entries'][number]

/** The field's label, or its code when no label exists (another scheme's field). */
function useFieldLabel(): (field: string) => string {
  const t = useT()
  const intl = useIntl()
  return (field) =>
    intl.messages[`coding.field.${field}`] === undefined ? field : t(`coding.field.${field}`)
}

function Cell({ entry }: { entry: Entry | undefined }) {
  if (entry === undefined) return <td />
  return (
    <td className={entry.suppressed ? 'suppressed' : undefined}>
      {entry.display}
      {entry.lower !== null && entry.lower !== entry.upper && (
        <small className="interval">
          {entry.lower}–{entry.upper}
        </small>
      )}
    </td>
  )
}

/**
 * One table of the preview: a list for one dimension, a grid (rows × columns, margins last) for
 * two, so an analyst reads a cross table as one.
 */
function PreviewTable({ table }: { table: ReleaseTable }) {
  const t = useT()
  const intl = useIntl()
  const fieldLabel = useFieldLabel()
  const [rows, columns] = table.dims
  if (rows === undefined) return null
  const byKey = new Map(table.entries.map((e) => [JSON.stringify(e.key), e]))
  const label = (field: string, value: string | null) => valueLabel(intl, field, value)
  if (columns === undefined) {
    return (
      <div className="table-scroll">
        <table className="builder-table">
          <caption>{t(`builder.table.${table.id}`)}</caption>
          <thead>
            <tr>
              <th scope="col">{fieldLabel(rows.field)}</th>
              <th scope="col">{t('builder.col.value')}</th>
            </tr>
          </thead>
          <tbody>
            {[...rows.categories, null].map((a) => (
              <tr key={a ?? '*'} className={a === null ? 'margin-row' : undefined}>
                <th scope="row">{label(rows.field, a)}</th>
                <Cell entry={byKey.get(JSON.stringify([a]))} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )
  }
  return (
    <div className="table-scroll">
      <table className="builder-table crosstab">
        <caption>{t(`builder.table.${table.id}`)}</caption>
        <thead>
          <tr>
            <th scope="col">
              {fieldLabel(rows.field)} \ {fieldLabel(columns.field)}
            </th>
            {[...columns.categories, null].map((b) => (
              <th key={b ?? '*'} scope="col">
                {label(columns.field, b)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[...rows.categories, null].map((a) => (
            <tr key={a ?? '*'} className={a === null ? 'margin-row' : undefined}>
              <th scope="row">{label(rows.field, a)}</th>
              {[...columns.categories, null].map((b) => (
                <Cell key={b ?? '*'} entry={byKey.get(JSON.stringify([a, b]))} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
