/**
 * @module web/console/case/Related
 * Related cases (DESIGN §8 "link or merge related cases"): the side panel lists linked cases and
 * cases merged into this one, each opening on click; a picker links another case of the same
 * desk or merges this one into it; and a banner marks a case that was merged elsewhere.
 *
 * The server knows only ids, dates and statuses. Excerpts come from the cases' report envelopes,
 * opened by this session's worker with the desk keys, and the picker's search runs over them
 * here, so nothing typed into it leaves the browser.
 */
import { useEffect, useMemo, useState } from 'react'
import type { CaseRelationsResponse, CaseSummary, RelatedCase } from '../../../api/contract/staff.ts'
import { ApiError, api } from '../api.ts'
import type { OpenedSummary } from '../crypto.worker.ts'
import { Alert, type Session, useT } from '../ui.tsx'
import { type Act, shortId } from './types.ts'

type Openable = Pick<
  CaseSummary,
  'id' | 'deskId' | 'lookupId' | 'report' | 'reporterPublicKey' | 'reporterSigningKey'
>

/** Excerpts of the given cases, decrypted by the session's worker (memory only). */
function useExcerpts(session: Session, cases: readonly Openable[]): Map<string, string> {
  const [excerpts, setExcerpts] = useState(new Map<string, string>())
  const key = cases.map((c) => c.id).join(',')
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the list's identity
  useEffect(() => {
    let cancelled = false
    if (cases.length === 0) return
    session.worker
      .open(cases.map((c) => ({ ...c })))
      .then((opened: OpenedSummary[]) => {
        if (cancelled) return
        setExcerpts(new Map(opened.flatMap((o) => (o.ok ? [[o.id, o.excerpt] as [string, string]] : []))))
      })
      .catch(() => {})
    return () => {
      cancelled = true
    }
  }, [session.worker, key])
  return excerpts
}

function CaseButton({
  related,
  excerpt,
  onOpen,
}: {
  related: Pick<RelatedCase, 'id' | 'receivedOn' | 'status'>
  excerpt: string | undefined
  onOpen: (id: string) => void
}) {
  const t = useT()
  return (
    <button type="button" className="related-case" onClick={() => onOpen(related.id)}>
      <span className="related-excerpt" dir="auto">
        {excerpt ?? `${shortId(related.id)} ${t('related.unreadable')}`}
      </span>
      <small>{t('related.meta', { date: related.receivedOn, status: t(`status.${related.status}`) })}</small>
    </button>
  )
}

/** Turns the server's 409 on a merge into a message about merging, not the generic one. */
async function mergeRequest(send: () => Promise<unknown>): Promise<unknown> {
  try {
    return await send()
  } catch (error) {
    if (error instanceof ApiError && error.code === 'conflict') throw new Error('merge_conflict')
    throw error
  }
}

export function MergedBanner({
  session,
  caseId,
  relations,
  act,
  busy,
  onOpenCase,
}: {
  session: Session
  caseId: string
  relations: CaseRelationsResponse
  act: Act
  busy: boolean
  onOpenCase: (id: string) => void
}) {
  const t = useT()
  const target = relations.mergedInto
  if (target === null) return null
  return (
    <div className="alert alert-info merged-banner" role="status" data-testid="merged-banner">
      <p>{t('related.mergedBanner', { date: target.receivedOn })}</p>
      <div className="actions">
        <button type="button" onClick={() => onOpenCase(target.id)}>
          {t('related.openMerged')}
        </button>
        {session.me.user.role === 'admin' && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              act('case.unmerge', (audit) => api.unmergeCase(caseId, { audit }), 'related.unmergedDone')
            }
          >
            {t('related.unmerge')}
          </button>
        )}
      </div>
    </div>
  )
}

export function RelatedCases({
  session,
  caseId,
  deskId,
  relations,
  act,
  busy,
  onOpenCase,
}: {
  session: Session
  caseId: string
  deskId: string
  relations: CaseRelationsResponse
  act: Act
  busy: boolean
  onOpenCase: (id: string) => void
}) {
  const t = useT()
  const shown = useMemo(() => [...relations.links, ...relations.mergedFrom], [relations])
  const excerpts = useExcerpts(session, shown)
  const [picking, setPicking] = useState(false)
  return (
    <section className="related" aria-labelledby={`related-${caseId}`} data-testid="related">
      <h3 id={`related-${caseId}`}>{t('related.title')}</h3>
      {relations.links.length === 0 && <p className="muted">{t('related.none')}</p>}
      <ul className="related-list">
        {relations.links.map((link) => (
          <li key={link.id} data-testid="linked-case">
            <CaseButton related={link} excerpt={excerpts.get(link.id)} onOpen={onOpenCase} />
            <button
              type="button"
              className="small"
              disabled={busy}
              aria-label={t('related.unlinkLabel', { date: link.receivedOn })}
              onClick={() =>
                act(
                  'case.unlink',
                  (audit) => api.linkCase(caseId, { otherId: link.id, on: false, audit }),
                  'related.unlinkedDone',
                )
              }
            >
              {t('related.unlink')}
            </button>
          </li>
        ))}
      </ul>
      {relations.mergedFrom.length > 0 && (
        <>
          <h4>{t('related.mergedFrom')}</h4>
          <ul className="related-list">
            {relations.mergedFrom.map((m) => (
              <li key={m.id} data-testid="merged-from">
                <CaseButton related={m} excerpt={excerpts.get(m.id)} onOpen={onOpenCase} />
              </li>
            ))}
          </ul>
        </>
      )}
      <details className="related-add" onToggle={(e) => setPicking(e.currentTarget.open)}>
        <summary>{t('related.add')}</summary>
        {picking && (
          <CasePicker
            session={session}
            caseId={caseId}
            deskId={deskId}
            relations={relations}
            act={act}
            busy={busy}
          />
        )}
      </details>
    </section>
  )
}

function CasePicker({
  session,
  caseId,
  deskId,
  relations,
  act,
  busy,
}: {
  session: Session
  caseId: string
  deskId: string
  relations: CaseRelationsResponse
  act: Act
  busy: boolean
}) {
  const t = useT()
  const [pages, setPages] = useState<{ cases: CaseSummary[]; more: boolean }>({ cases: [], more: false })
  const [page, setPage] = useState(0)
  const [opened, setOpened] = useState(new Map<string, OpenedSummary>())
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<string | undefined>()
  const [search, setSearch] = useState('')
  const [chosen, setChosen] = useState<string | undefined>()
  const [confirmMerge, setConfirmMerge] = useState(false)

  useEffect(() => {
    let cancelled = false
    setLoading(true)
    api
      .queue({ desk: deskId, spam: 'include', page: String(page) })
      .then(async (response) => {
        const summaries = await session.worker.open(response.cases)
        if (cancelled) return
        setPages((p) => ({
          cases: [...p.cases, ...response.cases],
          more: (response.page + 1) * response.pageSize < response.total,
        }))
        setOpened((o) => new Map([...o, ...summaries.map((s) => [s.id, s] as [string, OpenedSummary])]))
        setLoading(false)
      })
      .catch(() => {
        if (cancelled) return
        setError(t('error.unknown'))
        setLoading(false)
      })
    return () => {
      cancelled = true
    }
  }, [session.worker, deskId, page, t])

  // Linked cases stay choosable: a case linked first may turn out to be a duplicate to merge into.
  const excluded = new Set([caseId, ...relations.mergedFrom.map((m) => m.id)])
  const linked = new Set(relations.links.map((l) => l.id))
  const needle = search.trim().toLocaleLowerCase()
  const candidates = pages.cases.filter((c) => {
    if (excluded.has(c.id)) return false
    if (needle === '') return true
    const summary = opened.get(c.id)
    const excerpt = summary?.ok === true ? summary.excerpt.toLocaleLowerCase() : ''
    return excerpt.includes(needle) || c.receivedOn.includes(needle) || shortId(c.id).includes(needle)
  })
  const canMerge = relations.mergedInto === null && relations.mergedFrom.length === 0

  return (
    <div className="case-picker">
      <label>
        {t('related.search')}
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} dir="auto" />
        <small>{t('related.searchHint')}</small>
      </label>
      {error && <Alert kind="error">{error}</Alert>}
      <fieldset className="candidates">
        <legend>{t('related.choose')}</legend>
        {candidates.map((c) => {
          const summary = opened.get(c.id)
          return (
            <label key={c.id} className="check candidate">
              <input
                type="radio"
                name={`candidate-${caseId}`}
                value={c.id}
                checked={chosen === c.id}
                onChange={() => setChosen(c.id)}
              />
              <span>
                <span className="related-excerpt" dir="auto">
                  {summary?.ok ? summary.excerpt : `${shortId(c.id)} ${t('related.unreadable')}`}
                </span>
                <small>{t('related.meta', { date: c.receivedOn, status: t(`status.${c.status}`) })}</small>
              </span>
            </label>
          )
        })}
        {loading && <p className="muted">{t('related.loading')}</p>}
        {!loading && candidates.length === 0 && <p className="muted">{t('related.noCandidates')}</p>}
        {!loading && pages.more && (
          <button type="button" className="small" onClick={() => setPage((p) => p + 1)}>
            {t('related.loadMore')}
          </button>
        )}
      </fieldset>
      <button
        type="button"
        disabled={busy || chosen === undefined || linked.has(chosen)}
        onClick={() =>
          chosen &&
          act(
            'case.link',
            (audit) => api.linkCase(caseId, { otherId: chosen, on: true, audit }),
            'related.linkedDone',
          )
        }
      >
        {t('related.link')}
      </button>
      <div className="merge-box">
        <strong>{t('related.mergeTitle')}</strong>
        {canMerge ? (
          <>
            <small>{t('related.mergeExplain')}</small>
            <label className="check">
              <input
                type="checkbox"
                checked={confirmMerge}
                onChange={(e) => setConfirmMerge(e.target.checked)}
              />
              {t('related.mergeConfirm')}
            </label>
            <button
              type="button"
              disabled={busy || chosen === undefined || !confirmMerge}
              onClick={() =>
                chosen &&
                act(
                  'case.merge',
                  (audit) => mergeRequest(() => api.mergeCase(caseId, { into: chosen, audit })),
                  'related.mergedDone',
                )
              }
            >
              {t('related.merge')}
            </button>
          </>
        ) : (
          <small>{t('related.cannotMerge')}</small>
        )}
      </div>
    </div>
  )
}
