/**
 * @module web/console/CaseView
 * One case (DESIGN §8): the decrypted report rendered as text (never HTML), the thread with the
 * reporter and internal notes (each verified, refused items shown as such), triage controls
 * (status workflow, priority, assignee, spam, labels), related cases (links, merges), the
 * retention date, reply templates, the coding for statistics, and forms for a reply or a note.
 * Every change is an audited request signed here (`act`); the panels live in ./case/.
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react'
import type { CaseDetailResponse, CaseRelationsResponse } from '../../api/contract/staff.ts'
import { api, audited } from './api.ts'
import './case/case.css'
import { CodingPanel } from './case/CodingPanel.tsx'
import { Labels } from './case/Labels.tsx'
import { MergedBanner, RelatedCases } from './case/Related.tsx'
import { TemplatePicker } from './case/TemplatePicker.tsx'
import type { Act } from './case/types.ts'
import { codingFromAnswers } from './coding/prefill.ts'
import { Evidence } from './Evidence.tsx'
import { manifestOf } from './evidence.ts'
import { signAudit } from './keys.ts'
import messages from './locales/en.json'
import { Select } from './Queue.tsx'
import { Referral } from './Referral.tsx'
import { cleanFileName, type OpenedCase, openCase, sealStaffItem } from './thread.ts'
import { Alert, errorText, type Session, useT } from './ui.tsx'

const STATUSES = ['new', 'triaged', 'in_progress', 'referred', 'closed'] as const
const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const

export function CaseView({
  session,
  caseId,
  onBack,
  onOpenCase,
}: {
  session: Session
  caseId: string
  onBack: () => void
  /** Opens another case (a linked or merged one) in place of this one. */
  onOpenCase: (id: string) => void
}) {
  const t = useT()
  const { backend, ring } = session
  const [detail, setDetail] = useState<CaseDetailResponse | undefined>()
  const [opened, setOpened] = useState<OpenedCase | undefined>()
  const [relations, setRelations] = useState<CaseRelationsResponse | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [notice, setNotice] = useState<string | undefined>()
  const [reply, setReply] = useState('')
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)

  const load = useCallback(async () => {
    try {
      const [d, r] = await Promise.all([api.caseDetail(caseId), api.caseRelations(caseId)])
      const o = openCase(backend, ring, d)
      setDetail(d)
      setOpened(o)
      setRelations(r)
      const last = d.items.at(-1)?.seq ?? 0
      await api.markRead(caseId, last)
    } catch (e) {
      setError(errorText(t, e))
    }
  }, [backend, ring, caseId, t])

  useEffect(() => {
    void load()
  }, [load])

  const act: Act = async (action, send, done) => {
    setBusy(true)
    setError(undefined)
    setNotice(undefined)
    try {
      await audited(
        (head) =>
          signAudit(backend, {
            signingSeed: ring.signingSeed,
            actor: ring.userId,
            action,
            target: caseId,
            head,
            now: new Date(),
          }),
        send,
      )
      setNotice(t(done))
      await load()
    } catch (e) {
      setError(errorText(t, e))
    } finally {
      setBusy(false)
    }
  }

  const triage = (field: 'status' | 'priority' | 'assigneeId' | 'spam', value: string | boolean | null) =>
    act(
      `case.${field === 'assigneeId' ? 'assignee' : field}`,
      (audit) => api.triage(caseId, { [field]: value, audit }),
      'case.saved',
    )

  const post = (kind: 3 | 4, text: string, clear: () => void) => async (event: FormEvent) => {
    event.preventDefault()
    if (detail === undefined || opened === undefined || !opened.ok || text.trim() === '') return
    const seq = (detail.items.at(-1)?.seq ?? 0) + 1
    const envelope = sealStaffItem(backend, ring, {
      kind,
      lookupId: detail.case.lookupId,
      seq,
      text: text.trim(),
      reporterPublicKey: opened.report.reporterPublicKey,
      deskPublicKey: opened.deskPublicKey,
    })
    await act(
      kind === 3 ? 'case.reply' : 'case.note',
      (audit) => api.postItem(caseId, { kind, seq, envelope, audit }),
      kind === 3 ? 'case.replySent' : 'case.noteSaved',
    )
    clear()
  }

  if (error && detail === undefined)
    return (
      <section>
        <button type="button" onClick={onBack}>
          {t('case.back')}
        </button>
        <Alert kind="error">{error}</Alert>
      </section>
    )
  if (detail === undefined || opened === undefined) return <p className="muted">{t('case.loading')}</p>
  const c = detail.case
  const answers = opened.ok ? opened.parsed?.answers : undefined
  return (
    <section className="case">
      <button type="button" onClick={onBack}>
        {t('case.back')}
      </button>
      <h1>{t('case.title', { date: c.receivedOn })}</h1>
      {error && <Alert kind="error">{error}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      {relations && (
        <MergedBanner
          session={session}
          caseId={caseId}
          relations={relations}
          act={act}
          busy={busy}
          onOpenCase={onOpenCase}
        />
      )}
      <div className="case-grid">
        <div className="case-main">
          {!opened.ok && <Alert kind="error">{t(`case.refused.${opened.error}`)}</Alert>}
          {opened.ok && (
            <article className="card report" data-testid="report">
              <h2>{t('case.report')}</h2>
              {answers && (
                <dl className="facts">
                  <dt>{t('case.language')}</dt>
                  <dd>{opened.parsed?.language}</dd>
                  <dt>{t('case.subject')}</dt>
                  <dd>{answers.subject ? label(t, 'subject', answers.subject) : '—'}</dd>
                  <dt>{t('case.tactics')}</dt>
                  <dd>{answers.tactics.map((tactic) => label(t, 'tactic', tactic)).join(', ') || '—'}</dd>
                  <dt>{t('case.when')}</dt>
                  <dd>{answers.when ? whenText(answers.when) : '—'}</dd>
                  <dt>{t('case.where')}</dt>
                  <dd>
                    {answers.hostCountry ?? '—'} / {answers.originState ?? '—'}
                  </dd>
                  <dt>{t('case.community')}</dt>
                  <dd>{answers.community ? label(t, 'community', answers.community) : '—'}</dd>
                  <dt>{t('case.urgent')}</dt>
                  <dd>{answers.urgent ? t('case.yes') : t('case.no')}</dd>
                  <dt>{t('case.consent')}</dt>
                  <dd>{answers.statisticsConsent ? t('case.yes') : t('case.no')}</dd>
                </dl>
              )}
              <p className="narrative" dir="auto" data-testid="narrative">
                {answers
                  ? answers.narrative
                  : String(opened.report.report.narrative ?? JSON.stringify(opened.report.report))}
              </p>
            </article>
          )}
          {opened.ok && (
            <section className="thread" aria-label={t('case.thread')}>
              <h2>{t('case.thread')}</h2>
              {opened.entries.length === 0 && <p className="muted">{t('case.noItems')}</p>}
              <ol>
                {opened.entries.map((entry) => (
                  <li
                    key={entry.seq}
                    className={`item kind-${entry.kind}${entry.ok ? '' : ' refused'}`}
                    data-testid={`item-${entry.seq}`}
                  >
                    <div className="item-head">
                      <strong>{t(`kind.${entry.kind}`)}</strong>
                      {entry.ok && (
                        <span>{entry.author === 'reporter' ? t('case.reporter') : entry.authorName}</span>
                      )}
                      <span className="muted">{entry.createdOn}</span>
                    </div>
                    {entry.ok && entry.kind === 5 ? (
                      // The coding's fields are in the coding panel; here only that it happened.
                      <p className="muted">{t('codingPanel.thread')}</p>
                    ) : entry.ok ? (
                      <ItemBody session={session} caseId={caseId} kind={entry.kind} body={entry.body} />
                    ) : (
                      <p>{t('case.itemRefused', { code: entry.error })}</p>
                    )}
                  </li>
                ))}
              </ol>
            </section>
          )}
          {opened.ok && (
            <Referral session={session} caseId={caseId} receivedOn={c.receivedOn} opened={opened} />
          )}
          {opened.ok && (
            <div className="compose">
              <div className="card">
                {/* Outside the reply form: Enter in the picker must never send the reply. */}
                <TemplatePicker
                  reportLanguage={opened.parsed?.language}
                  disabled={busy}
                  onInsert={(text) =>
                    setReply((current) => (current.trim() === '' ? text : `${current}\n\n${text}`))
                  }
                />
                <form onSubmit={post(3, reply, () => setReply(''))} className="reply-form">
                  <label>
                    {t('case.replyLabel')}
                    <textarea rows={4} value={reply} onChange={(e) => setReply(e.target.value)} dir="auto" />
                  </label>
                  <small>{t('case.replyHint')}</small>
                  <button type="submit" className="primary" disabled={busy || reply.trim() === ''}>
                    {t('case.sendReply')}
                  </button>
                </form>
              </div>
              <form onSubmit={post(4, note, () => setNote(''))} className="card note-form">
                <label>
                  {t('case.noteLabel')}
                  <textarea rows={3} value={note} onChange={(e) => setNote(e.target.value)} dir="auto" />
                </label>
                <button type="submit" disabled={busy || note.trim() === ''}>
                  {t('case.saveNote')}
                </button>
              </form>
            </div>
          )}
          {opened.ok && (
            <CodingPanel
              session={session}
              caseId={caseId}
              detail={detail}
              entries={opened.entries}
              deskPublicKey={opened.deskPublicKey}
              consent={answers?.statisticsConsent}
              suggested={answers === undefined ? undefined : codingFromAnswers(answers)}
              act={act}
              busy={busy}
            />
          )}
        </div>
        <aside className="card case-side">
          <Select
            label={t('case.status')}
            value={c.status}
            onChange={(v) => triage('status', v)}
            options={STATUSES.map((s) => [s, t(`status.${s}`)] as [string, string])}
          />
          <Select
            label={t('case.priority')}
            value={c.priority}
            onChange={(v) => triage('priority', v)}
            options={PRIORITIES.map((p) => [p, t(`priority.${p}`)] as [string, string])}
          />
          <Select
            label={t('case.assignee')}
            value={c.assigneeId ?? ''}
            onChange={(v) => triage('assigneeId', v === '' ? null : v)}
            options={[
              ['', t('queue.unassigned')],
              ...detail.staff.map((s) => [s.id, s.username] as [string, string]),
            ]}
          />
          <label className="check">
            <input
              type="checkbox"
              checked={c.spam}
              disabled={busy}
              onChange={(e) => triage('spam', e.target.checked)}
            />
            {t('case.spam')}
          </label>
          <Labels caseId={caseId} labels={detail.labels} selected={c.labels} act={act} busy={busy} />
          <p className="muted">{t('case.received', { date: c.receivedOn })}</p>
          {relations && (
            <p className="muted" data-testid="retention">
              {relations.retentionOn === null
                ? t('case.retentionNone')
                : t('case.retention', { date: relations.retentionOn })}
            </p>
          )}
          {relations && (
            <RelatedCases
              session={session}
              caseId={caseId}
              deskId={c.deskId}
              relations={relations}
              act={act}
              busy={busy}
              onOpenCase={onOpenCase}
            />
          )}
        </aside>
      </div>
    </section>
  )
}

/** A readable label for a report code, or the code itself when the console has none for it. */
function label(t: ReturnType<typeof useT>, group: string, code: string): string {
  const id = `code.${group}.${code}`
  return Object.hasOwn(messages, id) ? t(id) : code
}

function whenText(when: { year: number | null; month: number | null; before: boolean }): string {
  const year = when.year === null ? '????' : String(when.year)
  const month = when.month === null ? '' : `-${String(when.month).padStart(2, '0')}`
  return `${when.before ? '< ' : ''}${year}${month}`
}

function ItemBody({
  session,
  caseId,
  kind,
  body,
}: {
  session: Session
  caseId: string
  kind: number
  body: Record<string, unknown>
}) {
  const t = useT()
  if (kind === 7) {
    const manifest = manifestOf(body)
    const name = typeof body.name === 'string' ? body.name : ''
    if (manifest === undefined)
      return <p>{t('case.attachment', { name: cleanFileName(name) || '—', size: 0 })}</p>
    return <Evidence session={session} caseId={caseId} manifest={manifest} name={name} />
  }
  if (body.type === 'contact' && typeof body.contact === 'string')
    return (
      <p dir="auto">
        {t('case.contact')}: {body.contact}
      </p>
    )
  return (
    <p className="narrative" dir="auto">
      {typeof body.text === 'string' ? body.text : ''}
    </p>
  )
}
