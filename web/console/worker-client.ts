/**
 * @module web/console/worker-client
 * The main thread's side of web/console/crypto.worker.ts: one worker per unlocked session,
 * terminated on logout (which drops every key and plaintext it held, the queue's index included).
 */
import type { ContextData } from '../../api/contract/context.ts'
import type {
  IndexFilters,
  IndexProgress,
  OpenedSummary,
  OpenRequestCase,
  SearchResult,
  WorkerRequest,
  WorkerResponse,
} from './crypto.worker.ts'

type Pending = { resolve: (response: WorkerResponse) => void }
type Body<R> = R extends WorkerRequest ? Omit<R, 'id'> : never

export class CryptoWorker {
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  readonly #progressListeners = new Set<(progress: IndexProgress) => void>()
  #nextId = 1
  #progress: IndexProgress | undefined
  #indexQuery: string | undefined

  constructor() {
    this.#worker = new Worker(new URL('./crypto.worker.ts', import.meta.url), { type: 'module' })
    this.#worker.addEventListener('message', (event: MessageEvent<WorkerResponse>) => {
      const data = event.data
      if (data.id === 0) {
        if ('progress' in data) {
          this.#progress = data.progress
          for (const listener of this.#progressListeners) listener(data.progress)
        }
        return
      }
      const pending = this.#pending.get(data.id)
      if (pending) {
        this.#pending.delete(data.id)
        pending.resolve(data)
      }
    })
  }

  #send(request: Body<WorkerRequest>): Promise<WorkerResponse> {
    const id = this.#nextId++
    return new Promise((resolve) => {
      this.#pending.set(id, { resolve })
      this.#worker.postMessage({ ...request, id } as WorkerRequest)
    })
  }

  async setKeys(desks: Map<string, Map<number, Uint8Array>>): Promise<void> {
    const list: [string, number, Uint8Array][] = []
    for (const [deskId, versions] of desks)
      for (const [version, key] of versions) list.push([deskId, version, key])
    const response = await this.#send({ op: 'keys', desks: list })
    if (!response.ok) throw new Error(response.error)
    // Cases that failed for want of a key may open now: the next index request rebuilds.
    this.#indexQuery = undefined
  }

  async open(cases: OpenRequestCase[]): Promise<OpenedSummary[]> {
    const response = await this.#send({ op: 'open', cases })
    if (!response.ok) throw new Error(response.error)
    return 'opened' in response ? (response.opened ?? []) : []
  }

  /**
   * Builds the index for these server-side filters in the background, unless it is already built
   * (or being built) for the same ones; `force` rebuilds anyway (metadata may have changed).
   */
  async index(query: Record<string, string>, force = false): Promise<void> {
    const key = JSON.stringify(Object.entries(query).sort())
    if (!force && key === this.#indexQuery) return
    this.#indexQuery = key
    const response = await this.#send({ op: 'index', query })
    if (!response.ok) throw new Error(response.error)
  }

  async search(filters: IndexFilters, page: number, pageSize: number): Promise<SearchResult> {
    const response = await this.#send({ op: 'search', filters, page, pageSize })
    if (!response.ok) throw new Error(response.error)
    if (!('search' in response) || response.search === undefined) throw new Error('worker_failed')
    return response.search
  }

  async setStatus(ids: string[], status: IndexStatus): Promise<void> {
    const response = await this.#send({ op: 'status', ids, status })
    if (!response.ok) throw new Error(response.error)
  }

  /** The context dataset the triage flags are computed from (bundled + verified signed update). */
  async setContext(data: ContextData): Promise<void> {
    const response = await this.#send({ op: 'context', data })
    if (!response.ok) throw new Error(response.error)
  }

  /** The latest progress of the index, and a subscription to its changes. */
  get progress(): IndexProgress | undefined {
    return this.#progress
  }
  onProgress(listener: (progress: IndexProgress) => void): () => void {
    this.#progressListeners.add(listener)
    return () => this.#progressListeners.delete(listener)
  }

  terminate(): void {
    this.#worker.terminate()
    this.#pending.clear()
    this.#progressListeners.clear()
  }
}

type IndexStatus = Extract<WorkerRequest, { op: 'status' }>['status']
