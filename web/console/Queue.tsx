/**
 * @module web/console/Queue
 * The case queue of the user's desks (DESIGN §8). Two sources for the rows:
 * - the server's pages (status, priority, assignee, received month, spam, desk, label; sort and
 *   paging), whose reports the worker decrypts for the excerpts and flags;
 * - the worker's in-memory index of every case matching those server-side filters, built in the
 *   background (web/console/crypto.worker.ts), once a search text, a language or a triage flag
 *   is chosen: those filter on plaintext, so only the browser can apply them, over all cases and
 *   not just the page shown. Nothing of the search leaves the worker.
 * Unread markers compare the case's last item with what this user has seen. Rows can be
 * selected and closed together, each with its own browser-signed audit entry.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { CaseSummary, QueueResponse } from '../../api/contract/staff.ts'
import { TRIAGE_FLAGS } from '../shared/context/flags.ts'
import { api } from './api.ts'
import type { IndexProgress, OpenedSummary, SearchResult } from './crypto.worker.ts'
import { BulkClose } from './queue/BulkClose.tsx'
import { CaseRow, languageName, type Row } from './queue/CaseRow.tsx'
import { useFlagContext } from './queue/context.ts'
import { Alert, errorText, type Session, useT } from './ui.tsx'

const STATUSES = ['new', 'triaged', 'in_progress', 'referred', 'closed'] as const
const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const
const PAGE_SIZE = 50

type Filters = {
  label: string
  status: string
  priority: string
  assignee: string
  month: string
  spam: string
  sort: string
  desk: string
  language: string
  flag: string
  text: string
}

const INITIAL: Filters = {
  label: '',
  status: 'new',
  priority: '',
  assignee: '',
  month: '',
  spam: 'exclude',
  sort: 'received_desc',
  desk: '',
  language: '',
  flag: '',
  text: '',
}

/** Filters the worker applies to its index (plaintext); the rest are the server's. */
const LOCAL: readonly (keyof Filters)[] = ['language', 'flag', 'text']

export function Queue({ session, onOpen }: { session: Session; onOpen: (id: string) => void }) {
  const t = useT()
  const [filters, setFilters] = useState<Filters>(INITIAL)
  const [page, setPage] = useState(0)
  const [data, setData] = useState<QueueResponse | undefined>()
  const [opened, setOpened] = useState<Map<string, OpenedSummary>>(new Map())
  const [found, setFound] = useState<SearchResult | undefined>()
  const [progress, setProgress] = useState<IndexProgress | undefined>(session.worker.progress)
  const [error, setError] = useState<string | undefined>()
  const [loading, setLoading] = useState(true)
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set())
  const [reload, setReload] = useState(0)
  const local = filters.text.trim() !== '' || filters.language !== '' || filters.flag !== ''

  // What the server filters on, for the queue page and for the index.
  const server = useMemo(
    () => ({
      priority: filters.priority,
      assignee: filters.assignee,
      month: filters.month,
      spam: filters.spam,
      desk: filters.desk,
      label: filters.label,
    }),
    [filters.priority, filters.assignee, filters.month, filters.spam, filters.desk, filters.label],
  )

  useEffect(() => session.worker.onProgress(setProgress), [session])

  // Flags use the context data with the organisation-signed update merged once it verifies.
  const context = useFlagContext(session)
  const [contextApplied, setContextApplied] = useState(0)
  useEffect(() => {
    let live = true
    session.worker
      .setContext(context.data)
      .then(() => {
        if (!live) return
        setContextApplied((n) => n + 1)
        // The shown page's flags came from the bundled data: open it again with the update.
        if (context.updated) setReload((n) => n + 1)
      })
      .catch((e: unknown) => setError(errorText(t, e)))
    return () => {
      live = false
    }
  }, [session, context.data, context.updated, t])

  // The index: rebuilt when the server-side filters change, and once each time the queue opens
  // (statuses may have changed meanwhile); decrypted reports stay cached in the worker.
  const fresh = useRef(true)
  useEffect(() => {
    const query = Object.fromEntries(Object.entries(server).filter(([, v]) => v !== ''))
    session.worker.index(query, fresh.current).catch((e: unknown) => setError(errorText(t, e)))
    fresh.current = false
  }, [server, session, t])

  // The server's page: counts, staff and labels always; the rows unless the index answers.
  useEffect(() => {
    let cancelled = false
    setLoading(true)
    setError(undefined)
    void reload
    api
      .queue({
        ...server,
        status: filters.status || undefined,
        sort: filters.sort,
        page: local ? '0' : String(page),
      })
      .then(async (response) => {
        const summaries = local ? [] : await session.worker.open(response.cases)
        if (cancelled) return
        setData(response)
        setOpened(new Map(summaries.map((s) => [s.id, s])))
        setLoading(false)
      })
      .catch((e: unknown) => {
        if (cancelled) return
        setError(errorText(t, e))
        setLoading(false)
      })
    return () => {
      cancelled = true
    }
  }, [server, filters.status, filters.sort, local, page, session, t, reload])

  // The index's answer, again as it grows. Always asked: it lists the languages and flags found.
  const grown = `${progress?.generation ?? 0}:${progress?.indexed ?? 0}:${contextApplied}`
  useEffect(() => {
    let cancelled = false
    void grown
    session.worker
      .search(
        {
          status: filters.status,
          language: filters.language,
          flag: filters.flag,
          text: filters.text,
          sort: filters.sort,
        },
        local ? page : 0,
        local ? PAGE_SIZE : 0,
      )
      .then((result) => {
        if (!cancelled) setFound(result)
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(errorText(t, e))
      })
    return () => {
      cancelled = true
    }
  }, [
    session,
    filters.status,
    filters.language,
    filters.flag,
    filters.text,
    filters.sort,
    local,
    page,
    grown,
    t,
  ])

  const set = (key: keyof Filters) => (value: string) => {
    setFilters((f) => ({ ...f, [key]: value }))
    setPage(0)
    if (!LOCAL.includes(key)) setSelected(new Set())
  }

  const rows: Row[] = local
    ? (found?.rows ?? [])
    : (data?.cases ?? []).map((c: CaseSummary) => {
        const { report: _envelope, ...meta } = c
        return { ...meta, opened: opened.get(c.id) }
      })
  const total = local ? (found?.matches ?? 0) : (data?.total ?? 0)
  const pages = Math.max(1, Math.ceil(total / (data?.pageSize ?? PAGE_SIZE)))
  const staffName = (id: string | null) =>
    data?.staff.find((s) => s.id === id)?.username ?? t('queue.unassigned')
  const labelName = (id: string) => data?.labels.find((l) => l.id === id)?.name ?? ''
  const pageIds = rows.map((r) => r.id)
  const allOnPage = pageIds.length > 0 && pageIds.every((id) => selected.has(id))
  const toggle = (id: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s)
      if (on) next.add(id)
      else next.delete(id)
      return next
    })
  const toggleAll = (on: boolean) =>
    setSelected((s) => {
      const next = new Set(s)
      for (const id of pageIds) {
        if (on) next.add(id)
        else next.delete(id)
      }
      return next
    })
  const afterClose = useCallback(
    (closed: string[]) => {
      setSelected((s) => new Set([...s].filter((id) => !closed.includes(id))))
      void session.worker.setStatus(closed, 'closed').then(() => setReload((n) => n + 1))
    },
    [session],
  )
  const receivedOf = (id: string) => rows.find((r) => r.id === id)?.receivedOn ?? ''

  return (
    <section>
      <h1>{t('queue.title')}</h1>
      <div className="tabs" role="tablist" aria-label={t('queue.byStatus')}>
        {['', ...STATUSES].map((status) => (
          <button
            key={status || 'all'}
            type="button"
            role="tab"
            aria-selected={filters.status === status}
            onClick={() => set('status')(status)}
          >
            {status === '' ? t('queue.all') : t(`status.${status}`)}
            {status !== '' && <span className="count">{data?.counts[status] ?? 0}</span>}
          </button>
        ))}
      </div>
      <div className="queue-search">
        <label>
          {t('queue.search')}
          <input
            type="search"
            value={filters.text}
            placeholder={t('queue.searchPlaceholder')}
            onChange={(e) => set('text')(e.target.value)}
            dir="auto"
            autoComplete="off"
            spellCheck={false}
          />
        </label>
        <IndexLine progress={progress} />
      </div>
      <div className="filters">
        {session.me.desks.length > 1 && (
          <Select
            label={t('queue.desk')}
            value={filters.desk}
            onChange={set('desk')}
            options={[
              ['', t('queue.anyDesk')],
              ...session.me.desks.map((d) => [d.deskId, d.name] as [string, string]),
            ]}
          />
        )}
        <Select
          label={t('queue.priority')}
          value={filters.priority}
          onChange={set('priority')}
          options={[
            ['', t('queue.any')],
            ...PRIORITIES.map((p) => [p, t(`priority.${p}`)] as [string, string]),
          ]}
        />
        <Select
          label={t('queue.assignee')}
          value={filters.assignee}
          onChange={set('assignee')}
          options={[
            ['', t('queue.any')],
            ['none', t('queue.unassigned')],
            ...(data?.staff ?? []).map((s) => [s.id, s.username] as [string, string]),
          ]}
        />
        {(data?.labels.length ?? 0) > 0 && (
          <Select
            label={t('queue.label')}
            value={filters.label}
            onChange={set('label')}
            options={[
              ['', t('queue.any')],
              ...(data?.labels ?? []).map((l) => [l.id, l.name] as [string, string]),
            ]}
          />
        )}
        <label>
          {t('queue.month')}
          <input type="month" value={filters.month} onChange={(e) => set('month')(e.target.value)} />
        </label>
        <Select
          label={t('queue.language')}
          value={filters.language}
          onChange={set('language')}
          options={[
            ['', t('queue.any')],
            ...[...new Set([...(found?.languages ?? []), ...(filters.language ? [filters.language] : [])])]
              .sort()
              .map((l) => [l, languageName(l)] as [string, string]),
          ]}
        />
        <Select
          label={t('queue.flag')}
          value={filters.flag}
          onChange={set('flag')}
          options={[
            ['', t('queue.any')],
            ...TRIAGE_FLAGS.map(
              (f) =>
                [f, t('queue.flagOption', { flag: t(`flag.${f}`), count: found?.flagCounts[f] ?? 0 })] as [
                  string,
                  string,
                ],
            ),
          ]}
        />
        <Select
          label={t('queue.spam')}
          value={filters.spam}
          onChange={set('spam')}
          options={[
            ['exclude', t('queue.spamExclude')],
            ['include', t('queue.spamInclude')],
            ['only', t('queue.spamOnly')],
          ]}
        />
        <Select
          label={t('queue.sort')}
          value={filters.sort}
          onChange={set('sort')}
          options={[
            ['received_desc', t('queue.sortNewest')],
            ['received_asc', t('queue.sortOldest')],
            ['priority', t('queue.sortPriority')],
          ]}
        />
      </div>
      {error && <Alert kind="error">{error}</Alert>}
      <div className="queue-toolbar">
        <label className="check">
          <input
            type="checkbox"
            checked={allOnPage}
            disabled={pageIds.length === 0}
            onChange={(e) => toggleAll(e.target.checked)}
          />
          {t('queue.selectPage')}
        </label>
        {local && found && (
          <span className="muted" role="status">
            {t('queue.matches', { count: found.matches })}
          </span>
        )}
      </div>
      <BulkClose session={session} selected={[...selected]} receivedOf={receivedOf} onClosed={afterClose} />
      {loading && !local && <p className="muted">{t('queue.loading')}</p>}
      {!(loading && !local) && rows.length === 0 && <p className="empty">{t('queue.empty')}</p>}
      <ul className="case-list">
        {rows.map((c) => (
          <CaseRow
            key={c.id}
            row={c}
            selected={selected.has(c.id)}
            onSelect={(on) => toggle(c.id, on)}
            onOpen={() => onOpen(c.id)}
            staffName={staffName(c.assigneeId)}
            labelName={labelName}
          />
        ))}
      </ul>
      <div className="pager">
        <button type="button" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
          {t('queue.previous')}
        </button>
        <span>{t('queue.page', { page: page + 1, pages })}</span>
        <button type="button" disabled={page + 1 >= pages} onClick={() => setPage((p) => p + 1)}>
          {t('queue.next')}
        </button>
      </div>
    </section>
  )
}

/** "Indexed 3,200 of 10,000 cases for search" while the worker builds; a quiet line once done. */
function IndexLine({ progress }: { progress: IndexProgress | undefined }) {
  const t = useT()
  if (progress === undefined) return <p className="muted index-line">{t('queue.indexStarting')}</p>
  if (progress.error !== null)
    return (
      <p className="index-line warn" role="status">
        {t('queue.indexFailed', { indexed: progress.indexed, total: progress.total ?? 0 })}
      </p>
    )
  return (
    <p className="muted index-line" role="status" data-testid="index-progress">
      {progress.done
        ? t('queue.indexed', { total: progress.indexed })
        : t('queue.indexing', { indexed: progress.indexed, total: progress.total ?? 0 })}
    </p>
  )
}

export function Select(props: {
  label: string
  value: string
  onChange: (value: string) => void
  options: [string, string][]
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  )
}
