/**
 * @module web/console/worker-client
 * The main thread's side of web/console/crypto.worker.ts: one worker per unlocked session,
 * terminated on logout (which drops every key and plaintext it held).
 */
import type { OpenedSummary, WorkerRequest, WorkerResponse } from './crypto.worker.ts'

type OpenRequest = Extract<WorkerRequest, { op: 'open' }>['cases']
type Pending = { resolve: (response: WorkerResponse) => void }

export class CryptoWorker {
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  #nextId = 1

  constructor() {
    this.#worker = new Worker(new URL('./crypto.worker.ts', import.meta.url), { type: 'module' })
    this.#worker.addEventListener('message', (event: MessageEvent<WorkerResponse>) => {
      const pending = this.#pending.get(event.data.id)
      if (pending) {
        this.#pending.delete(event.data.id)
        pending.resolve(event.data)
      }
    })
  }

  #send(
    request:
      | Omit<Extract<WorkerRequest, { op: 'keys' }>, 'id'>
      | Omit<Extract<WorkerRequest, { op: 'open' }>, 'id'>,
  ): Promise<WorkerResponse> {
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
  }

  async open(cases: OpenRequest): Promise<OpenedSummary[]> {
    const response = await this.#send({ op: 'open', cases })
    if (!response.ok) throw new Error(response.error)
    return response.opened ?? []
  }

  terminate(): void {
    this.#worker.terminate()
    this.#pending.clear()
  }
}
