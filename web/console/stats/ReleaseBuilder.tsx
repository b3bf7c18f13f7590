/**
 * @module web/console/stats/ReleaseBuilder
 * The analyst's release builder (DESIGN §9, issue 6), mounted by the console for analysts and
 * admins: open codings with the statistics key in this browser → choose period, tables, ε, k and
 * the per-person cap → preview (crypto/release.ts: bound, aggregate, noise, THEN threshold) →
 * sign through organisation → analyst → release → publish. The ε ledger comes from the server
 * and is checked here before signing (and again by the server before storing).
 *
 * Strings: web/console/stats/locales-en.json (English, console-only for now).
 */
import { type FormEvent, useState } from 'react'
import type { CodingV1 } from '../../../api/contract/coding.ts'
import { CryptoError } from '../../../crypto/errors.ts'
import { cryptoRandomSource } from '../../../crypto/laplace.ts'
import {
  buildRelease,
  checkBudget,
  DEFAULT_THRESHOLD,
  formatRational,
  parseRational,
  type ReleaseBody,
  signRelease,
} from '../../../crypto/release.ts'
import type { Session } from '../ui.tsx'
import {
  type CodingsResponse,
  inPeriod,
  openCodings,
  TABLE_PRESETS,
  type TablePreset,
  tableSpecs,
  toUnit,
} from './build.ts'
import messages from './locales-en.json'

type Key = keyof typeof messages

/** The builder's strings (English), with `{name}` placeholders filled in. */
export function builderText(id: Key, values: Record<string, string | number> = {}): string {
  return messages[id].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''))
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
    redirect: 'error',
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = (await response.json()) as T & { error?: { code?: string } }
  if (!response.ok) throw new Error(json.error?.code ?? String(response.status))
  return json
}

function uuid(session: Session): string {
  const b = session.backend.randomBytes(16)
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function ReleaseBuilder({ session }: { session: Session }) {
  const { ring, me, backend } = session
  const thisYear = new Date().getUTCFullYear()
  const [codings, setCodings] = useState<{ all: CodingV1[]; failed: number } | undefined>()
  const [busy, setBusy] = useState(false)
  const [from, setFrom] = useState(`${thisYear - 1}-01`)
  const [to, setTo] = useState(`${thisYear - 1}-12`)
  const [presets, setPresets] = useState<TablePreset[]>(['year', 'community-by-tactic-group', 'host-country'])
  const [mode, setMode] = useState<'dp' | 'suppression'>('dp')
  const [epsilon, setEpsilon] = useState('1/2')
  const [threshold, setThreshold] = useState(DEFAULT_THRESHOLD)
  const [cap, setCap] = useState(1)
  const [methodology, setMethodology] = useState(builderText('builder.defaultMethodology'))
  const [citation, setCitation] = useState('')
  const [preview, setPreview] = useState<ReleaseBody | undefined>()
  const [status, setStatus] = useState<string | undefined>()

  if (ring.statsSecretKey === undefined) return <p role="alert">{builderText('builder.noKey')}</p>
  const statsSecretKey = ring.statsSecretKey
  const userKey = me.userKey
  if (userKey === null) return <p role="alert">{builderText('builder.notCertified')}</p>

  const fail = (error: unknown) =>
    setStatus(
      builderText('builder.error', {
        reason:
          error instanceof CryptoError ? error.code : error instanceof Error ? error.message : 'unknown',
      }),
    )

  const load = async () => {
    setBusy(true)
    setStatus(undefined)
    try {
      const response = await request<CodingsResponse>('GET', '/api/releases/codings')
      const opened = openCodings(backend, response, {
        statsSecretKey,
        orgSigningKey: ring.orgSigningKey,
        orgId: ring.orgId,
        now: new Date(),
      })
      setCodings({ all: opened.codings, failed: opened.failed })
    } catch (error) {
      fail(error)
    } finally {
      setBusy(false)
    }
  }

  const period = { from, to }
  const selected = codings === undefined ? undefined : inPeriod(codings.all, period)

  const build = async (event: FormEvent) => {
    event.preventDefault()
    if (selected === undefined) return
    setStatus(undefined)
    try {
      const eps = mode === 'dp' ? parseRational(epsilon) : null
      const ledger = await request<{
        entries: {
          releaseId: string
          period: { from: string; to: string }
          tables: string[]
          epsilon: string | null
        }[]
        budget: string
      }>('GET', '/api/releases/ledger')
      const budget = parseRational(ledger.budget)
      const spent = checkBudget(ledger.entries, { period, epsilon: null }, budget).spent
      setStatus(builderText('builder.budget', { spent: formatRational(spent), budget: ledger.budget }))
      try {
        checkBudget(ledger.entries, { period, epsilon: eps }, budget)
      } catch {
        setStatus(builderText('builder.overBudget'))
        return
      }
      const units = selected.kept.map(toUnit)
      const body = buildRelease(
        units,
        {
          orgId: ring.orgId,
          orgName: me.org.name,
          releaseId: uuid(session),
          version: 1,
          createdAt: new Date(),
          period,
          codingScheme: { name: 'tnr-coding', version: 1 },
          tables: tableSpecs(presets, selected.kept, period),
          epsilon: eps,
          threshold,
          contributionCap: cap,
          linkedByPerson: units.some((u) => u.personKey !== ''),
          methodology,
          citation:
            citation ||
            builderText('builder.defaultCitation', { org: me.org.name, year: thisYear, from, to }),
          licence: 'CC BY 4.0',
          changelog: [{ version: 1, note: 'First release.' }],
        },
        eps === null ? null : cryptoRandomSource(backend),
      )
      setPreview(body)
    } catch (error) {
      fail(error)
    }
  }

  const publish = async () => {
    if (preview === undefined) return
    setBusy(true)
    try {
      const file = signRelease(backend, preview, {
        signingSeed: ring.signingSeed,
        userKey,
        orgSigningKey: ring.orgSigningKey,
      })
      await request('POST', '/api/releases', { file })
      setPreview(undefined)
      setStatus(builderText('builder.published'))
    } catch (error) {
      fail(error)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="release-builder">
      <h1>{builderText('builder.title')}</h1>
      <p>{builderText('builder.intro')}</p>
      {codings === undefined ? (
        <button type="button" onClick={load} disabled={busy}>
          {busy ? builderText('builder.loading') : builderText('builder.load')}
        </button>
      ) : (
        <p data-testid="opened">
          {builderText('builder.opened', {
            count: codings.all.length,
            failed: codings.failed,
            undated: selected?.undated ?? 0,
          })}
        </p>
      )}
      {codings !== undefined && (
        <form onSubmit={build}>
          <label>
            {builderText('builder.from')}{' '}
            <input value={from} onChange={(e) => setFrom(e.target.value)} pattern="\d{4}-\d{2}" required />
          </label>
          <label>
            {builderText('builder.to')}{' '}
            <input value={to} onChange={(e) => setTo(e.target.value)} pattern="\d{4}-\d{2}" required />
          </label>
          <p>{builderText('builder.inPeriod', { count: selected?.kept.length ?? 0 })}</p>
          <fieldset>
            <legend>{builderText('builder.tables')}</legend>
            {TABLE_PRESETS.map((p) => (
              <label key={p}>
                <input
                  type="checkbox"
                  checked={presets.includes(p)}
                  onChange={(e) =>
                    setPresets(e.target.checked ? [...presets, p] : presets.filter((x) => x !== p))
                  }
                />{' '}
                {builderText(`builder.table.${p}` as Key)}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>{builderText('builder.mode')}</legend>
            <label>
              <input type="radio" checked={mode === 'dp'} onChange={() => setMode('dp')} />{' '}
              {builderText('builder.mode.dp')}
            </label>
            <label>
              <input type="radio" checked={mode === 'suppression'} onChange={() => setMode('suppression')} />{' '}
              {builderText('builder.mode.suppression')}
            </label>
          </fieldset>
          {mode === 'dp' && (
            <label>
              {builderText('builder.epsilon')}{' '}
              <input value={epsilon} onChange={(e) => setEpsilon(e.target.value)} required />
            </label>
          )}
          <label>
            {builderText('builder.threshold')}{' '}
            <input
              type="number"
              min={1}
              max={1000}
              value={threshold}
              onChange={(e) => setThreshold(Number(e.target.value))}
            />
          </label>
          <label>
            {builderText('builder.cap')}{' '}
            <input
              type="number"
              min={1}
              max={100}
              value={cap}
              onChange={(e) => setCap(Number(e.target.value))}
            />
          </label>
          <label>
            {builderText('builder.methodology')}
            <textarea value={methodology} onChange={(e) => setMethodology(e.target.value)} rows={5} />
          </label>
          <label>
            {builderText('builder.citation')}{' '}
            <input value={citation} onChange={(e) => setCitation(e.target.value)} />
          </label>
          <button type="submit" disabled={presets.length === 0}>
            {builderText('builder.preview')}
          </button>
        </form>
      )}
      {status !== undefined && <p role="status">{status}</p>}
      {preview !== undefined && (
        <section data-testid="preview">
          <p>{builderText('builder.previewNote')}</p>
          {preview.tables.map((t) => (
            <table key={t.id}>
              <caption>{t.id}</caption>
              <tbody>
                {t.entries.map((e) => (
                  <tr key={JSON.stringify(e.key)}>
                    <td>{e.key.map((k) => k ?? '*').join(' × ')}</td>
                    <td>{e.display}</td>
                    <td>{e.lower === null ? '' : `${e.lower}–${e.upper}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
          <button type="button" onClick={publish} disabled={busy}>
            {builderText('builder.publish')}
          </button>
        </section>
      )}
    </section>
  )
}
