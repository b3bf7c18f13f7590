/**
 * @module web/console/admin/Context
 * The TNR risk context for admins (issue 9): every legal fact with its source and "last checked",
 * an edit form that requires a source URL and a check date, and local help contacts per host
 * country. A change is signed in this browser with the organisation key as a `context-update`
 * statement over the whole overlay (crypto/SPEC.md §17) and sent with the admin's browser-signed
 * audit entry (`context.update`). Reporter pages verify it against the pinned organisation key;
 * this page verifies it too and says loudly when the server serves an update that does not verify.
 */
import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useIntl } from 'react-intl'
import { z } from 'zod'
import { errorBody } from '../../../api/contract/common.ts'
import {
  type ContextData,
  type ContextOverlay,
  type ContextUpdateWire,
  EMPTY_OVERLAY,
  LEGAL_PATTERN_KINDS,
  type LocalContact,
  type MembershipBody,
  type OverlayContact,
  TREATY_STATUSES,
  type TreatyStatus,
} from '../../../api/contract/context.ts'
import { loadContextData } from '../../shared/context/data.ts'
import { expiresOn, isCurrent } from '../../shared/context/facts.ts'
import { mergeContext, readContextUpdate, signContextUpdate } from '../../shared/context/overlay.ts'
import { CONTEXT_ROUTE, fetchContextUpdate } from '../../shared/context/update.ts'
import { COUNTRY_CODES, countryName } from '../../shared/countries.ts'
import { ApiError, audited } from '../api.ts'
import { signAudit } from '../keys.ts'
import { Alert, errorText, type Session, useT } from '../ui.tsx'

type Loaded =
  | { status: 'loading' }
  | { status: 'failed'; code: string }
  | { status: 'refused'; code: string }
  | { status: 'ready'; overlay: ContextOverlay; seq: number; issuedAt: string | null; data: ContextData }

/** What the edit form is changing; `key` fields identify the fact in the overlay. */
type Editing =
  | { kind: 'membership'; host: string; body: MembershipBody }
  | { kind: 'treaty'; host: string; origin: string }
  | { kind: 'case'; id: string }
  | { kind: 'pattern'; origin: string; patternKind: string }
  | { kind: 'general'; id: string }
  | { kind: 'contact'; id: string | null; host: string }

interface SourceFields {
  title: string
  url: string
  citation: string
  checkedOn: string
}

const today = () => new Date().toISOString().slice(0, 10)
const isLegalKind = (kind: string) => (LEGAL_PATTERN_KINDS as ReadonlySet<string>).has(kind)

async function postUpdate(body: unknown): Promise<void> {
  let response: Response
  try {
    response = await fetch(CONTEXT_ROUTE, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      redirect: 'error',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  } catch (cause) {
    throw new ApiError(0, 'network', { cause })
  }
  if (response.ok) return
  const parsed = errorBody.safeParse(await response.json().catch(() => null))
  throw new ApiError(response.status, parsed.success ? parsed.data.error.code : 'http_error')
}

export function ContextAdmin({ session }: { session: Session }) {
  const t = useT()
  const intl = useIntl()
  const { backend, ring } = session
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' })
  const [editing, setEditing] = useState<Editing | null>(null)
  const [notice, setNotice] = useState<string | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [contactHost, setContactHost] = useState('BE')
  const name = useCallback((code: string) => countryName(code, intl.locale), [intl.locale])

  const load = useCallback(async () => {
    let wire: ContextUpdateWire | null
    try {
      wire = await fetchContextUpdate()
    } catch {
      return setLoaded({ status: 'failed', code: 'network' })
    }
    if (wire === null)
      return setLoaded({
        status: 'ready',
        overlay: EMPTY_OVERLAY,
        seq: 0,
        issuedAt: null,
        data: loadContextData(),
      })
    try {
      const read = readContextUpdate(backend, wire, ring.orgSigningKey, ring.orgId)
      setLoaded({
        status: 'ready',
        overlay: read.overlay,
        seq: read.statement.seq,
        issuedAt: read.statement.issuedAt,
        data: mergeContext(loadContextData(), read.overlay),
      })
    } catch (e) {
      const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : 'bad_statement'
      setLoaded({ status: 'refused', code })
    }
  }, [backend, ring])
  useEffect(() => {
    void load()
  }, [load])

  const publish = async (next: ContextOverlay, done: string) => {
    if (loaded.status !== 'ready' || ring.orgSeed === undefined) return
    const orgSeed = ring.orgSeed
    setError(undefined)
    setNotice(undefined)
    try {
      const update = signContextUpdate(backend, {
        orgSeed,
        orgId: ring.orgId,
        seq: loaded.seq + 1,
        overlay: next,
        now: new Date(),
      })
      await audited(
        (head) =>
          signAudit(backend, {
            signingSeed: ring.signingSeed,
            actor: ring.userId,
            action: 'context.update',
            target: ring.orgId,
            head,
            now: new Date(),
          }),
        (audit) => postUpdate({ update, audit }),
      )
      setEditing(null)
      setNotice(done)
      await load()
    } catch (e) {
      if (e instanceof z.ZodError) {
        const issue = e.issues[0]
        setError(t('context.invalid', { field: issue?.path.join('.') ?? '', detail: issue?.message ?? '' }))
      } else setError(errorText(t, e))
    }
  }

  if (loaded.status === 'loading') return <p className="muted">{t('context.loading')}</p>
  if (loaded.status === 'failed') return <Alert kind="error">{t('context.loadFailed')}</Alert>
  if (loaded.status === 'refused')
    return (
      <div className="card" data-testid="context-admin">
        <h2>{t('context.title')}</h2>
        <Alert kind="error">{t('context.refused', { code: loaded.code })}</Alert>
      </div>
    )

  const { data, overlay } = loaded
  const now = new Date()
  const canEdit = ring.orgSeed !== undefined
  const checked = (day: string | undefined) =>
    day === undefined ? (
      <span className="badge urgent">{t('context.unknown')}</span>
    ) : isCurrent(day, now) ? (
      <span className="muted">{t('context.checked', { date: day })}</span>
    ) : (
      <span className="badge urgent">{t('context.stale', { date: day })}</span>
    )
  const edit = (target: Editing) => (
    <button type="button" disabled={!canEdit} onClick={() => setEditing(target)}>
      {t('context.edit')}
    </button>
  )
  const contacts = data.localContacts.filter(
    (c) => c.hostCountries.length === 0 || c.hostCountries.includes(contactHost),
  )

  return (
    <div className="card" data-testid="context-admin">
      <h2>{t('context.title')}</h2>
      <p className="muted">{t('context.why')}</p>
      <p data-testid="context-status">
        {loaded.issuedAt === null
          ? t('context.statusBundled', { date: data.reviewedOn })
          : t('context.statusUpdated', {
              date: data.reviewedOn,
              seq: loaded.seq,
              issued: loaded.issuedAt.slice(0, 10),
            })}
      </p>
      {!canEdit && <Alert kind="info">{t('context.noOrgKey')}</Alert>}
      {error && <Alert kind="error">{error}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      {editing !== null && (
        <EditForm
          key={JSON.stringify(editing)}
          editing={editing}
          data={data}
          overlay={overlay}
          name={name}
          onCancel={() => setEditing(null)}
          onSave={(next) => publish(next, t('context.saved'))}
        />
      )}

      <h3>{t('context.hosts')}</h3>
      <ul className="plain context-hosts" data-testid="context-hosts">
        {[...data.hosts]
          .sort((a, b) => name(a.code).localeCompare(name(b.code), intl.locale))
          .map((h) => {
            const days = [
              h.eu?.checkedOn,
              h.councilOfEurope?.checkedOn,
              ...h.extradition.map((x) => x.checkedOn),
            ]
            const oldest = days.filter((d): d is string => d !== undefined).sort()[0]
            return (
              <li key={h.code} data-testid={`context-host-${h.code}`}>
                <details>
                  <summary>
                    <strong>{name(h.code)}</strong> ·{' '}
                    {t('context.hostSummary', {
                      eu: h.eu === undefined ? 'unknown' : h.eu.member ? 'yes' : 'no',
                      coe:
                        h.councilOfEurope === undefined ? 'unknown' : h.councilOfEurope.member ? 'yes' : 'no',
                      treaties: h.extradition.length,
                    })}{' '}
                    · {checked(oldest)}
                  </summary>
                  <ul className="plain">
                    {(['eu', 'council_of_europe'] as const).map((body) => {
                      const m = body === 'eu' ? h.eu : h.councilOfEurope
                      return (
                        <li key={body}>
                          {t(`context.body.${body}`)}:{' '}
                          {m === undefined ? '' : t(m.member ? 'context.member' : 'context.notMember')}{' '}
                          {checked(m?.checkedOn)} {edit({ kind: 'membership', host: h.code, body })}
                        </li>
                      )
                    })}
                    {h.extradition.map((tr) => (
                      <li key={tr.origin}>
                        {t('context.treatyWith', { origin: name(tr.origin) })}:{' '}
                        {t(`context.status.${tr.status}`)} {checked(tr.checkedOn)}{' '}
                        {edit({ kind: 'treaty', host: h.code, origin: tr.origin })}
                      </li>
                    ))}
                    <li>
                      <button
                        type="button"
                        disabled={!canEdit}
                        onClick={() => setEditing({ kind: 'treaty', host: h.code, origin: '' })}
                      >
                        {t('context.addTreaty')}
                      </button>
                    </li>
                  </ul>
                </details>
              </li>
            )
          })}
      </ul>

      <h3>{t('context.caseLaw')}</h3>
      <ul className="plain">
        {data.caseLaw.map((c) => (
          <li key={c.id}>
            <strong>{c.name}</strong> — {c.court} {checked(c.checkedOn)} {edit({ kind: 'case', id: c.id })}
          </li>
        ))}
      </ul>

      <h3>{t('context.patterns')}</h3>
      <ul className="plain">
        {data.origins.flatMap((o) =>
          [...new Set(o.patterns.map((p) => p.kind))].map((kind) => {
            const newest = o.patterns
              .filter((p) => p.kind === kind)
              .map((p) => p.checkedOn)
              .sort()
              .at(-1)
            return (
              <li key={`${o.code}-${kind}`}>
                <strong>{name(o.code)}</strong> — {t(`context.kind.${kind}`)}{' '}
                {isLegalKind(kind) ? checked(newest) : null}{' '}
                {edit({ kind: 'pattern', origin: o.code, patternKind: kind })}
              </li>
            )
          }),
        )}
      </ul>

      <h3>{t('context.general')}</h3>
      <ul className="plain">
        {data.general.map((g) => (
          <li key={g.id}>
            <strong>{t(`context.generalFact.${g.id}`)}</strong> {checked(g.checkedOn)}{' '}
            {edit({ kind: 'general', id: g.id })}
          </li>
        ))}
      </ul>

      <h3>{t('context.contacts')}</h3>
      <p className="muted">{t('context.contactsWhy')}</p>
      <label>
        {t('context.contactHost')}
        <select
          value={contactHost}
          onChange={(e) => setContactHost(e.target.value)}
          data-testid="contact-host"
        >
          {[...COUNTRY_CODES]
            .sort((a, b) => name(a).localeCompare(name(b), intl.locale))
            .map((code) => (
              <option key={code} value={code}>
                {name(code)}
              </option>
            ))}
        </select>
      </label>
      {contacts.length === 0 ? (
        <p>{t('context.noContacts')}</p>
      ) : (
        <ul className="plain" data-testid="context-contacts">
          {contacts.map((c) => (
            <li key={c.id}>
              <strong>
                <bdi>{c.name}</bdi>
              </strong>{' '}
              · {t(`context.contactKind.${c.kind}`)} {checked(c.checkedOn)}{' '}
              {edit({ kind: 'contact', id: c.id, host: contactHost })}{' '}
              <button
                type="button"
                disabled={!canEdit || !overlay.contacts.some((o) => o.id === c.id)}
                onClick={() =>
                  publish(
                    { ...overlay, contacts: overlay.contacts.filter((o) => o.id !== c.id) },
                    t('context.contactRemoved', { name: c.name }),
                  )
                }
              >
                {t('context.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        disabled={!canEdit}
        onClick={() => setEditing({ kind: 'contact', id: null, host: contactHost })}
      >
        {t('context.addContact', { country: name(contactHost) })}
      </button>
      <p className="muted">{t('context.expiryRule', { example: expiresOn(today()) })}</p>
    </div>
  )
}

/** The form for one fact: its own fields, then the source URL and check date every change needs. */
function EditForm(props: {
  editing: Editing
  data: ContextData
  overlay: ContextOverlay
  name: (code: string) => string
  onCancel: () => void
  onSave: (next: ContextOverlay) => Promise<void>
}) {
  const t = useT()
  const { editing, data, overlay, name } = props
  const host = 'host' in editing ? data.hosts.find((h) => h.code === editing.host) : undefined
  const current = useMemo(() => initial(editing, data), [editing, data])
  const [fields, setFields] = useState<Record<string, string>>(current.fields)
  const [source, setSource] = useState<SourceFields>({
    title: '',
    url: '',
    citation: '',
    checkedOn: today(),
  })
  const [busy, setBusy] = useState(false)
  const formRef = useRef<HTMLFormElement>(null)
  // The form opens at the top of the card, far from the button that opened it: bring it into view.
  useEffect(() => {
    formRef.current?.scrollIntoView({ block: 'start' })
    formRef.current?.querySelector<HTMLElement>('input, select, textarea')?.focus({ preventScroll: true })
  }, [])
  const set = (key: string) => (value: string) => setFields((f) => ({ ...f, [key]: value }))

  const save = async (event: FormEvent) => {
    event.preventDefault()
    const changed = {
      source: {
        title: source.title.trim(),
        url: source.url.trim(),
        ...(source.citation.trim() === '' ? {} : { citation: source.citation.trim() }),
      },
      checkedOn: source.checkedOn,
    }
    const next = apply(editing, data, overlay, fields, changed)
    setBusy(true)
    try {
      await props.onSave(next)
    } finally {
      setBusy(false)
    }
  }

  const text = (key: string, label: string, options: { long?: number; required?: boolean } = {}) =>
    options.long !== undefined ? (
      <label>
        {label}
        <textarea
          rows={6}
          required={options.required}
          maxLength={options.long}
          value={fields[key] ?? ''}
          onChange={(e) => set(key)(e.target.value)}
        />
      </label>
    ) : (
      <label>
        {label}
        <input
          required={options.required}
          maxLength={200}
          value={fields[key] ?? ''}
          onChange={(e) => set(key)(e.target.value)}
        />
      </label>
    )

  return (
    <form className="card" onSubmit={save} data-testid="context-edit" ref={formRef}>
      <h3>{current.title(t, name)}</h3>
      {current.before !== undefined && (
        <p className="muted">{t('context.before', { value: current.before })}</p>
      )}
      {editing.kind === 'membership' && (
        <label className="check">
          <input
            type="checkbox"
            checked={fields.member === 'yes'}
            onChange={(e) => set('member')(e.target.checked ? 'yes' : 'no')}
          />
          {t('context.isMember', { country: name(editing.host), body: t(`context.body.${editing.body}`) })}
        </label>
      )}
      {editing.kind === 'treaty' && (
        <>
          {editing.origin === '' && (
            <label>
              {t('context.origin')}
              <select required value={fields.origin ?? ''} onChange={(e) => set('origin')(e.target.value)}>
                <option value="" />
                {COUNTRY_CODES.filter(
                  (c) => c !== editing.host && !host?.extradition.some((tr) => tr.origin === c),
                )
                  .map((c) => [c, name(c)] as const)
                  .sort((a, b) => a[1].localeCompare(b[1]))
                  .map(([c, n]) => (
                    <option key={c} value={c}>
                      {n}
                    </option>
                  ))}
              </select>
            </label>
          )}
          <label>
            {t('context.treatyStatus')}
            <select value={fields.status} onChange={(e) => set('status')(e.target.value)}>
              {TREATY_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`context.status.${s}`)}
                </option>
              ))}
            </select>
          </label>
          {text('note', t('context.note'))}
        </>
      )}
      {editing.kind === 'case' && text('holding', t('context.holding'), { long: 1000, required: true })}
      {(editing.kind === 'pattern' || editing.kind === 'general') &&
        text('summary', t('context.summary'), { long: 800, required: true })}
      {editing.kind === 'pattern' && isLegalKind(editing.patternKind) && (
        <label>
          {t('context.lawStatus')}
          <select value={fields.lawStatus} onChange={(e) => set('lawStatus')(e.target.value)}>
            <option value="adopted">{t('context.lawStatus.adopted')}</option>
            <option value="draft">{t('context.lawStatus.draft')}</option>
          </select>
        </label>
      )}
      {editing.kind === 'contact' && (
        <>
          {text('name', t('context.contactName'), { required: true })}
          <label>
            {t('context.contactKindLabel')}
            <select value={fields.kind} onChange={(e) => set('kind')(e.target.value)}>
              {(['hotline', 'organisation', 'legal_aid'] as const).map((k) => (
                <option key={k} value={k}>
                  {t(`context.contactKind.${k}`)}
                </option>
              ))}
            </select>
          </label>
          {text('phone', t('context.contactPhone'))}
          {text('url', t('context.contactUrl'))}
          {text('languages', t('context.contactLanguages'))}
        </>
      )}
      <fieldset>
        <legend>{t('context.source')}</legend>
        <label>
          {t('context.sourceTitle')}
          <input
            required
            maxLength={300}
            value={source.title}
            onChange={(e) => setSource((s) => ({ ...s, title: e.target.value }))}
          />
        </label>
        <label>
          {t('context.sourceUrl')}
          <input
            required
            type="url"
            pattern="https://.+"
            maxLength={500}
            placeholder="https://"
            value={source.url}
            onChange={(e) => setSource((s) => ({ ...s, url: e.target.value }))}
          />
        </label>
        <label>
          {t('context.sourceCitation')}
          <input
            maxLength={500}
            value={source.citation}
            onChange={(e) => setSource((s) => ({ ...s, citation: e.target.value }))}
          />
        </label>
        <label>
          {t('context.checkedOn')}
          <input
            required
            type="date"
            max={today()}
            value={source.checkedOn}
            onChange={(e) => setSource((s) => ({ ...s, checkedOn: e.target.value }))}
          />
          <small>{t('context.checkedOnWhy')}</small>
        </label>
      </fieldset>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {t('context.signAndSave')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t('context.cancel')}
        </button>
      </div>
    </form>
  )
}

interface Initial {
  fields: Record<string, string>
  before?: string
  title: (
    t: (id: string, v?: Record<string, string | number>) => string,
    name: (c: string) => string,
  ) => string
}

function initial(editing: Editing, data: ContextData): Initial {
  switch (editing.kind) {
    case 'membership': {
      const h = data.hosts.find((x) => x.code === editing.host)
      const m = editing.body === 'eu' ? h?.eu : h?.councilOfEurope
      return {
        fields: { member: m?.member === true ? 'yes' : 'no' },
        ...(m === undefined ? {} : { before: m.source.title }),
        title: (t, name) =>
          t('context.editMembership', {
            country: name(editing.host),
            body: t(`context.body.${editing.body}`),
          }),
      }
    }
    case 'treaty': {
      const tr = data.hosts
        .find((x) => x.code === editing.host)
        ?.extradition.find((x) => x.origin === editing.origin)
      return {
        fields: { origin: editing.origin, status: tr?.status ?? 'in_force', note: tr?.note ?? '' },
        ...(tr === undefined ? {} : { before: tr.source.title }),
        title: (t, name) =>
          editing.origin === ''
            ? t('context.addTreatyFor', { country: name(editing.host) })
            : t('context.editTreaty', { host: name(editing.host), origin: name(editing.origin) }),
      }
    }
    case 'case': {
      const c = data.caseLaw.find((x) => x.id === editing.id)
      return { fields: { holding: c?.holding ?? '' }, before: c?.source.title, title: () => c?.name ?? '' }
    }
    case 'pattern': {
      const ps = data.origins
        .find((o) => o.code === editing.origin)
        ?.patterns.filter((p) => p.kind === editing.patternKind)
      return {
        fields: {
          summary: (ps ?? []).map((p) => p.summary).join('\n\n'),
          lawStatus: ps?.[0]?.lawStatus ?? 'adopted',
        },
        before: ps?.map((p) => p.source.title).join('; '),
        title: (t, name) => `${name(editing.origin)} — ${t(`context.kind.${editing.patternKind}`)}`,
      }
    }
    case 'general': {
      const g = data.general.find((x) => x.id === editing.id)
      return {
        fields: { summary: g?.summary ?? '' },
        before: g?.source.title,
        title: (t) => t(`context.generalFact.${editing.id}`),
      }
    }
    case 'contact': {
      const c: LocalContact | undefined = data.localContacts.find((x) => x.id === editing.id)
      return {
        fields: {
          name: c?.name ?? '',
          kind: c?.kind ?? 'hotline',
          phone: c?.phone ?? '',
          url: c?.url ?? '',
          languages: c?.languages.join(', ') ?? '',
        },
        title: (t, name) =>
          c === undefined ? t('context.addContact', { country: name(editing.host) }) : c.name,
      }
    }
  }
}

/** A new contact id from its name: readable in the audit of the overlay, unique in it. */
function contactId(name: string, taken: ReadonlySet<string>): string {
  const stem =
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'contact'
  let id = stem
  for (let n = 2; taken.has(id); n++) id = `${stem}-${n}`
  return id
}

/** The overlay with the edited fact replaced (or added); the schema check happens when signing. */
function apply(
  editing: Editing,
  data: ContextData,
  overlay: ContextOverlay,
  fields: Record<string, string>,
  changed: { source: { title: string; url: string; citation?: string }; checkedOn: string },
): ContextOverlay {
  switch (editing.kind) {
    case 'membership':
      return {
        ...overlay,
        memberships: [
          ...overlay.memberships.filter((m) => !(m.host === editing.host && m.body === editing.body)),
          { host: editing.host, body: editing.body, member: fields.member === 'yes', ...changed },
        ],
      }
    case 'treaty': {
      const origin = editing.origin === '' ? (fields.origin ?? '') : editing.origin
      const note = (fields.note ?? '').trim()
      return {
        ...overlay,
        treaties: [
          ...overlay.treaties.filter((x) => !(x.host === editing.host && x.origin === origin)),
          {
            host: editing.host,
            origin,
            status: (fields.status ?? 'in_force') as TreatyStatus,
            ...(note === '' ? {} : { note }),
            ...changed,
          },
        ],
      }
    }
    case 'case': {
      const c = data.caseLaw.find((x) => x.id === editing.id)
      if (c === undefined) return overlay
      return {
        ...overlay,
        caseLaw: [
          ...overlay.caseLaw.filter((x) => x.id !== editing.id),
          { ...c, holding: (fields.holding ?? '').trim(), ...changed },
        ],
      }
    }
    case 'pattern': {
      const kind = editing.patternKind as ContextOverlay['patterns'][number]['kind']
      const legal = LEGAL_PATTERN_KINDS.has(kind)
      return {
        ...overlay,
        patterns: [
          ...overlay.patterns.filter((p) => !(p.origin === editing.origin && p.kind === kind)),
          {
            origin: editing.origin,
            kind,
            ...(legal
              ? { lawStatus: fields.lawStatus === 'draft' ? ('draft' as const) : ('adopted' as const) }
              : {}),
            summary: (fields.summary ?? '').trim(),
            ...changed,
          },
        ],
      }
    }
    case 'general': {
      const g = data.general.find((x) => x.id === editing.id)
      if (g === undefined) return overlay
      return {
        ...overlay,
        general: [
          ...overlay.general.filter((x) => x.id !== editing.id),
          { id: g.id, summary: (fields.summary ?? '').trim(), ...changed },
        ],
      }
    }
    case 'contact': {
      const existing = editing.id === null ? undefined : data.localContacts.find((c) => c.id === editing.id)
      const id = existing?.id ?? contactId(fields.name ?? '', new Set(data.localContacts.map((c) => c.id)))
      const phone = (fields.phone ?? '').trim()
      const url = (fields.url ?? '').trim()
      const contact: OverlayContact = {
        id,
        name: (fields.name ?? '').trim(),
        kind: (fields.kind ?? 'hotline') as OverlayContact['kind'],
        hostCountries: existing?.hostCountries ?? [editing.host],
        languages: (fields.languages ?? '')
          .split(/[\s,]+/)
          .map((l) => l.trim())
          .filter((l) => l !== ''),
        ...(phone === '' ? {} : { phone }),
        ...(url === '' ? {} : { url }),
        ...changed,
      }
      return { ...overlay, contacts: [...overlay.contacts.filter((c) => c.id !== id), contact] }
    }
  }
}
