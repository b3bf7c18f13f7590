/**
 * @module web/console/Queue
 * The case queue of the user's desks (DESIGN §8): server-side filters on what the server holds
 * (status, priority, assignee, received month, spam, desk), sort and paging; the page's reports
 * are decrypted in the worker, so the language filter and the excerpts work on plaintext that
 * stays in memory. Unread markers compare the case's last item with what this user has seen.
 */
import { useEffect, useMemo, useState } from 'react'
import type { QueueResponse } from '../../api/contract/staff.ts'
import { api } from './api.ts'
import type { OpenedSummary } from './crypto.worker.ts'
import { Alert, errorText, type Session, useT } from './ui.tsx'

const STATUSES = ['new', 'triaged', 'in_progress', 'referred', 'closed'] as const
const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const

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
}

export function Queue({ session, onOpen }: { session: Session; onOpen: (id: string) => void }) {
  const t = useT()
  const [filters, setFilters] = useState<Filters>(INITIAL)
  const [page, setPage] = useState(0)
  const [data, setData] = useState<QueueResponse | undefined>()
  const [opened, setOpened] = useState<Map<string, OpenedSummary>>(new Map())
  const [error, setError] = useState<string | undefined>()
  const [loading, setLoading] = useState(true)

  useEffect(() => {
    let cancelled = false
    setLoading(true)
    setError(undefined)
    api
      .queue({
        status: filters.status || undefined,
        priority: filters.priority || undefined,
        assignee: filters.assignee || undefined,
        month: filters.month || undefined,
        spam: filters.spam,
        sort: filters.sort,
        desk: filters.desk || undefined,
        label: filters.label || undefined,
        page: String(page),
      })
      .then(async (response) => {
        const summaries = await session.worker.open(response.cases)
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
  }, [
    filters.status,
    filters.priority,
    filters.assignee,
    filters.month,
    filters.spam,
    filters.sort,
    filters.desk,
    filters.label,
    page,
    session,
    t,
  ])

  const set = (key: keyof Filters) => (value: string) => {
    setFilters((f) => ({ ...f, [key]: value }))
    if (key !== 'language') setPage(0)
  }
  const languages = useMemo(
    () => [...new Set([...opened.values()].flatMap((o) => (o.ok && o.language ? [o.language] : [])))].sort(),
    [opened],
  )
  const staffName = (id: string | null) =>
    data?.staff.find((s) => s.id === id)?.username ?? t('queue.unassigned')
  const rows = (data?.cases ?? []).filter((c) => {
    if (filters.language === '') return true
    const o = opened.get(c.id)
    return o?.ok === true && o.language === filters.language
  })
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1

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
          options={[['', t('queue.any')], ...languages.map((l) => [l, l] as [string, string])]}
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
      {loading && <p className="muted">{t('queue.loading')}</p>}
      {!loading && rows.length === 0 && <p className="empty">{t('queue.empty')}</p>}
      <ul className="case-list">
        {rows.map((c) => {
          const o = opened.get(c.id)
          const unread = c.lastSeq > c.seenSeq
          return (
            <li key={c.id}>
              <button
                type="button"
                className={`case-row${unread ? ' unread' : ''}`}
                onClick={() => onOpen(c.id)}
              >
                <span className="case-meta">
                  {unread && <span className="dot" role="img" aria-label={t('queue.unread')} />}
                  <span className={`badge priority-${c.priority}`}>{t(`priority.${c.priority}`)}</span>
                  <span className="badge">{t(`status.${c.status}`)}</span>
                  {o?.ok && o.urgent && <span className="badge urgent">{t('queue.urgent')}</span>}
                  {c.spam && <span className="badge">{t('queue.spamBadge')}</span>}
                  {c.labels.map((id) => (
                    <span key={id} className="badge label">
                      {data?.labels.find((l) => l.id === id)?.name ?? ''}
                    </span>
                  ))}
                  <span className="muted">{c.receivedOn}</span>
                  {o?.ok && o.language && <span className="muted">{o.language}</span>}
                  <span className="muted">{staffName(c.assigneeId)}</span>
                </span>
                <span className="excerpt" dir="auto">
                  {o === undefined
                    ? '…'
                    : o.ok
                      ? o.excerpt || t('queue.noNarrative')
                      : t(`queue.refused.${o.error === 'key_mismatch' ? 'keys' : 'other'}`)}
                </span>
              </button>
            </li>
          )
        })}
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
