/**
 * @module web/console/crypto.worker
 * Decrypts the case queue off the main thread (DESIGN §8: "decrypts a compact per-desk index in
 * a Web Worker and keeps plaintext in memory only"). The main thread sends the desk secret keys
 * once after unlock; then either pages of report envelopes to open (the server-paged queue), or
 * a request to build the index: the worker pages through `GET /api/cases/index` itself, decrypts
 * every report and keeps a summary per case (language, subject, tactics, countries, triage flags
 * and a normalised text) for search and the language and flag filters. Nothing is stored: no
 * IndexedDB, no Cache API, no localStorage; what is searched for never leaves this worker.
 *
 * A case whose server-stored reporter keys differ from the keys inside the decrypted report is
 * refused (DESIGN §5a): the server could otherwise make replies go to a key it holds.
 */
/// <reference lib="webworker" />
import '../shared/zod-setup.ts'
import type { ContextData } from '../../api/contract/context.ts'
import { type CaseSummary, queueIndexResponse } from '../../api/contract/staff.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64 } from '../../crypto/bytes.ts'
import { CryptoError } from '../../crypto/errors.ts'
import { openReport } from '../../crypto/report.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { loadContextData } from '../shared/context/data.ts'
import { type FlagInput, type FlagReason, type TriageFlag, triageFlags } from '../shared/context/flags.ts'
import { reportPlaintextSchema } from '../shared/report-schema.ts'
import { matches, normaliseForSearch } from './queue/search.ts'

export type OpenRequestCase = Pick<
  CaseSummary,
  'id' | 'deskId' | 'lookupId' | 'report' | 'reporterPublicKey' | 'reporterSigningKey'
>

/** What the queue filters on locally: status (index only), language, flag and search text. */
export type IndexFilters = {
  status: string
  language: string
  flag: string
  text: string
  sort: string
}

export type WorkerRequest =
  | { id: number; op: 'keys'; desks: [deskId: string, version: number, secretKey: Uint8Array][] }
  | { id: number; op: 'open'; cases: OpenRequestCase[] }
  /** Build the index for these server-side filters (replacing any earlier one). */
  | { id: number; op: 'index'; query: Record<string, string> }
  | { id: number; op: 'search'; filters: IndexFilters; page: number; pageSize: number }
  /** The main thread changed these cases' status (bulk close): keep the index in step. */
  | { id: number; op: 'status'; ids: string[]; status: CaseSummary['status'] }
  /** The context dataset with the organisation-signed update merged (flags are computed from it). */
  | { id: number; op: 'context'; data: ContextData }

export type OpenedSummary =
  | {
      id: string
      ok: true
      language: string
      urgent: boolean
      subject: string | null
      tactics: string[]
      community: string | null
      hostCountry: string | null
      originState: string | null
      flags: [TriageFlag, FlagReason[]][]
      excerpt: string
    }
  | { id: string; ok: false; error: string }

export type IndexedRow = Omit<CaseSummary, 'report'> & { opened: OpenedSummary }

export type IndexProgress = {
  generation: number
  indexed: number
  total: number | null
  done: boolean
  error: string | null
}

export type SearchResult = {
  rows: IndexedRow[]
  matches: number
  languages: string[]
  flagCounts: Partial<Record<TriageFlag, number>>
  progress: IndexProgress
}

export type WorkerResponse =
  | { id: number; ok: true; opened?: OpenedSummary[]; search?: SearchResult }
  | { id: number; ok: false; error: string }
  /** Unsolicited (id 0): the index grew. */
  | { id: 0; ok: true; progress: IndexProgress }

let backend: Promise<CryptoBackend> | undefined
const deskKeys = new Map<string, Uint8Array[]>()
type Opened = { opened: OpenedSummary; text: string; input: FlagInput | null }
/** Decrypted summaries by case id: a report (seq 0) never changes, so they outlive a rebuild. */
const cache = new Map<string, Opened>()
/** Bundled until the main thread sends the verified, merged dataset. */
let context: ContextData = loadContextData()

function flagsOf(input: FlagInput): [TriageFlag, FlagReason[]][] {
  return [...triageFlags(input, context, new Date()).entries()].map(([flag, reasons]) => [flag, [...reasons]])
}

function openOne(sodium: CryptoBackend, item: OpenRequestCase): Opened {
  const cached = cache.get(item.id)
  if (cached !== undefined) return cached
  const result = decrypt(sodium, item)
  if (result.opened.ok) cache.set(item.id, result)
  return result
}

function decrypt(sodium: CryptoBackend, item: OpenRequestCase): Opened {
  const refused = (error: string) => ({
    opened: { id: item.id, ok: false as const, error },
    text: '',
    input: null,
  })
  const keys = deskKeys.get(item.deskId) ?? []
  if (keys.length === 0) return refused('no_key')
  let lastError = 'decrypt_failed'
  for (const secretKey of keys) {
    try {
      const opened = openReport(sodium, fromBase64(item.report), { lookupId: item.lookupId, secretKey })
      if (
        !sodium.equal(opened.reporterPublicKey, fromBase64(item.reporterPublicKey, 32)) ||
        !sodium.equal(opened.reporterSigningKey, fromBase64(item.reporterSigningKey, 32))
      )
        return refused('key_mismatch')
      const parsed = reportPlaintextSchema.safeParse(opened.report)
      if (!parsed.success) {
        const narrative = typeof opened.report.narrative === 'string' ? opened.report.narrative : ''
        return {
          opened: {
            id: item.id,
            ok: true,
            language: '',
            urgent: false,
            subject: null,
            tactics: [],
            community: null,
            hostCountry: null,
            originState: null,
            flags: [],
            excerpt: narrative.slice(0, 140),
          },
          text: normaliseForSearch(narrative),
          input: null,
        }
      }
      const answers = parsed.data.answers
      const input: FlagInput = {
        hostCountry: answers.hostCountry,
        originState: answers.originState,
        tactics: answers.tactics,
        subject: answers.subject,
      }
      // Narrative and every answer, one field per line so a match never spans two fields.
      const searchable = [
        answers.narrative,
        answers.subject,
        answers.community,
        answers.hostCountry,
        answers.originState,
        ...answers.tactics,
      ]
        .filter((v): v is string => typeof v === 'string' && v !== '')
        .join('\n')
      return {
        opened: {
          id: item.id,
          ok: true,
          language: parsed.data.language,
          urgent: answers.urgent === true,
          subject: answers.subject,
          tactics: answers.tactics,
          community: answers.community,
          hostCountry: answers.hostCountry,
          originState: answers.originState,
          flags: flagsOf(input),
          excerpt: answers.narrative.slice(0, 140),
        },
        text: normaliseForSearch(searchable),
        input,
      }
    } catch (error) {
      lastError = error instanceof CryptoError ? error.code : 'decrypt_failed'
    }
  }
  return refused(lastError)
}

// --- the index ------------------------------------------------------------------------------

type Indexed = { meta: Omit<CaseSummary, 'report'>; opened: OpenedSummary; text: string }

let index: { generation: number; rows: Indexed[]; progress: IndexProgress } = {
  generation: 0,
  rows: [],
  progress: { generation: 0, indexed: 0, total: null, done: false, error: null },
}

function report(progress: IndexProgress): void {
  postMessage({ id: 0, ok: true, progress } satisfies WorkerResponse)
}

async function buildIndex(sodium: CryptoBackend, query: Record<string, string>): Promise<void> {
  const generation = index.generation + 1
  const mine = {
    generation,
    rows: [] as Indexed[],
    progress: {
      generation,
      indexed: 0,
      total: null as number | null,
      done: false,
      error: null as string | null,
    },
  }
  index = mine
  let after: string | null = null
  try {
    do {
      const params = new URLSearchParams(query)
      params.set('limit', '500')
      if (after !== null) params.set('after', after)
      const response = await fetch(`/api/cases/index?${params.toString()}`, {
        credentials: 'same-origin',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
        redirect: 'error',
      })
      if (index !== mine) return
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as { error?: { code?: string } }
        throw new Error(body.error?.code ?? 'http_error')
      }
      const page = queueIndexResponse.parse(await response.json())
      if (index !== mine) return
      if (page.total !== null) mine.progress.total = page.total
      for (const c of page.cases) {
        const { report: _envelope, ...meta } = c
        const { opened, text } = openOne(sodium, c)
        mine.rows.push({ meta, opened, text })
      }
      mine.progress.indexed = mine.rows.length
      after = page.next
      mine.progress.done = after === null
      report({ ...mine.progress })
    } while (after !== null)
  } catch (error) {
    if (index !== mine) return
    mine.progress.error = error instanceof Error ? error.message : 'index_failed'
    report({ ...mine.progress })
  }
}

const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 }

function compare(sort: string): (a: Indexed, b: Indexed) => number {
  const byId = (a: Indexed, b: Indexed) => (a.meta.id < b.meta.id ? -1 : a.meta.id > b.meta.id ? 1 : 0)
  const newest = (a: Indexed, b: Indexed) =>
    a.meta.receivedOn < b.meta.receivedOn ? 1 : a.meta.receivedOn > b.meta.receivedOn ? -1 : byId(a, b)
  // The server's orders (api/storage/staff-cases.ts `queue`), so both modes list alike.
  if (sort === 'received_asc')
    return (a, b) =>
      a.meta.receivedOn < b.meta.receivedOn ? -1 : a.meta.receivedOn > b.meta.receivedOn ? 1 : byId(b, a)
  if (sort === 'priority')
    return (a, b) =>
      (PRIORITY_RANK[a.meta.priority] ?? 3) - (PRIORITY_RANK[b.meta.priority] ?? 3) || newest(a, b)
  return newest
}

function search(filters: IndexFilters, page: number, pageSize: number): SearchResult {
  const needle = normaliseForSearch(filters.text.trim())
  const languages = new Set<string>()
  const flagCounts: Partial<Record<TriageFlag, number>> = {}
  const matched: Indexed[] = []
  for (const row of index.rows) {
    if (filters.status !== '' && row.meta.status !== filters.status) continue
    const o = row.opened
    if (o.ok && o.language !== '') languages.add(o.language)
    if (filters.language !== '' && !(o.ok && o.language === filters.language)) continue
    if (!matches(row.text, needle)) continue
    if (o.ok) for (const [flag] of o.flags) flagCounts[flag] = (flagCounts[flag] ?? 0) + 1
    if (filters.flag !== '' && !(o.ok && o.flags.some(([flag]) => flag === filters.flag))) continue
    matched.push(row)
  }
  matched.sort(compare(filters.sort))
  return {
    rows: matched
      .slice(page * pageSize, (page + 1) * pageSize)
      .map((row) => ({ ...row.meta, opened: row.opened })),
    matches: matched.length,
    languages: [...languages].sort(),
    flagCounts,
    progress: { ...index.progress },
  }
}

addEventListener('message', async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data
  try {
    backend ??= loadSodium()
    const sodium = await backend
    switch (request.op) {
      case 'keys':
        deskKeys.clear()
        cache.clear()
        for (const [deskId, , secretKey] of request.desks) {
          const list = deskKeys.get(deskId) ?? []
          list.push(secretKey)
          deskKeys.set(deskId, list)
        }
        postMessage({ id: request.id, ok: true } satisfies WorkerResponse)
        return
      case 'open':
        postMessage({
          id: request.id,
          ok: true,
          opened: request.cases.map((c) => openOne(sodium, c).opened),
        } satisfies WorkerResponse)
        return
      case 'index':
        void buildIndex(sodium, request.query)
        postMessage({ id: request.id, ok: true } satisfies WorkerResponse)
        return
      case 'search':
        postMessage({
          id: request.id,
          ok: true,
          search: search(request.filters, request.page, request.pageSize),
        } satisfies WorkerResponse)
        return
      case 'context': {
        // Index rows share these summaries, so the queue shows the new flags at the next search.
        context = request.data
        for (const entry of cache.values())
          if (entry.opened.ok && entry.input !== null) entry.opened.flags = flagsOf(entry.input)
        postMessage({ id: request.id, ok: true } satisfies WorkerResponse)
        return
      }
      case 'status': {
        const ids = new Set(request.ids)
        for (const row of index.rows) if (ids.has(row.meta.id)) row.meta.status = request.status
        postMessage({ id: request.id, ok: true } satisfies WorkerResponse)
        return
      }
    }
  } catch {
    postMessage({ id: request.id, ok: false, error: 'worker_failed' } satisfies WorkerResponse)
  }
})
