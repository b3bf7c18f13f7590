/**
 * @module web/shared/pow
 * Keeps one proof-of-work solution ready (DESIGN §5): asks for a challenge as soon as a form opens
 * and solves it in a Web Worker, so by the time the reporter presses "send" the work is usually
 * done. `take()` hands out the solution once; a spent or expired challenge (`409 pow_spent`,
 * `409 pow_expired`) calls `take()` again, which starts a fresh one. A reporter may spend longer
 * on the form than a challenge lives: a solution close to its expiry is dropped and solved again
 * rather than sent to certain refusal.
 *
 * If the browser cannot start a module worker, it solves on the main thread in slices (still no
 * eval, no WebAssembly) so the report can always be sent.
 */
import { fromBase64 } from '../../crypto/bytes.ts'
import { nobleBackend } from '../../crypto/noble.ts'
import { solvePowSlice } from '../../crypto/pow.ts'
import { api, type PowSolutionJson } from './api.ts'
import type { PowRequest, PowResponse } from './pow.worker.ts'

function solveOnMainThread(challenge: string, bits: number): Promise<string> {
  const bytes = fromBase64(challenge)
  return new Promise((resolve) => {
    let next = 0n
    const step = () => {
      const found = solvePowSlice(nobleBackend, bytes, bits, next, 1024)
      if (found !== undefined) return resolve(found)
      next += 1024n
      setTimeout(step, 0)
    }
    step()
  })
}

/** A solution this close to its challenge's expiry (by our clock) is solved again first. */
const EXPIRY_MARGIN_MS = 30_000

interface Prepared {
  readonly solution: PowSolutionJson
  /** The challenge's `expiresAt`, in ms since the epoch (NaN if unreadable). */
  readonly expiresAt: number
}

export class PowSolver {
  #worker: Worker | null = null
  #nextId = 1
  #pending: Promise<Prepared> | null = null
  #workerFailed = false
  #waiters = new Map<number, { challenge: string; bits: number; settle: (response: PowResponse) => void }>()

  /** Starts solving a fresh challenge now (idempotent while one is in flight). */
  prepare(): void {
    if (!this.#pending) {
      this.#pending = this.#solveFresh()
      // Keep an early failure (e.g. offline) from being an unhandled rejection; take() retries.
      this.#pending.catch(() => {
        this.#pending = null
      })
    }
  }

  /** A solution for one submission; the next call prepares a new one. */
  async take(): Promise<PowSolutionJson> {
    let prepared = await this.#takePending()
    // Solved long ago (the form took a while): solve once more rather than be refused. Only once,
    // so a device whose clock runs ahead still sends; the server then decides.
    if (!(prepared.expiresAt - Date.now() > EXPIRY_MARGIN_MS)) prepared = await this.#takePending()
    return prepared.solution
  }

  #takePending(): Promise<Prepared> {
    this.prepare()
    const pending = this.#pending as Promise<Prepared>
    this.#pending = null
    return pending
  }

  dispose(): void {
    this.#worker?.terminate()
    this.#worker = null
    this.#pending = null
  }

  async #solveFresh(): Promise<Prepared> {
    const { challenge, bits, expiresAt } = await api.powChallenge()
    const nonce = await this.#solve(challenge, bits)
    // Date.parse reads milliseconds at most: drop finer digits the contract allows.
    return {
      solution: { challenge, nonce },
      expiresAt: Date.parse(expiresAt.replace(/(\.\d{3})\d+Z$/, '$1Z')),
    }
  }

  #startWorker(): Worker | null {
    if (this.#worker || this.#workerFailed) return this.#worker
    try {
      const worker = new Worker(new URL('./pow.worker.ts', import.meta.url), { type: 'module' })
      worker.addEventListener('message', (event: MessageEvent<PowResponse>) => {
        const waiter = this.#waiters.get(event.data.id)
        if (waiter) {
          this.#waiters.delete(event.data.id)
          waiter.settle(event.data)
        }
      })
      // A worker that cannot load (blocked, unsupported) reports asynchronously: hand its
      // pending work to the main thread instead of waiting forever.
      worker.addEventListener('error', () => {
        this.#workerFailed = true
        this.#worker = null
        worker.terminate()
        for (const [id, waiter] of this.#waiters) {
          this.#waiters.delete(id)
          solveOnMainThread(waiter.challenge, waiter.bits).then(
            (nonce) => waiter.settle({ id, nonce }),
            () => waiter.settle({ id, error: 'bad_challenge' }),
          )
        }
      })
      this.#worker = worker
      return worker
    } catch {
      this.#workerFailed = true
      return null
    }
  }

  #solve(challenge: string, bits: number): Promise<string> {
    const worker = this.#startWorker()
    if (!worker) return solveOnMainThread(challenge, bits)
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#waiters.set(id, {
        challenge,
        bits,
        settle: (response) => {
          if ('nonce' in response) resolve(response.nonce)
          else reject(new Error(response.error))
        },
      })
      worker.postMessage({ id, challenge, bits } satisfies PowRequest)
    })
  }
}
