/**
 * @module web/console/stats/parallel
 * Opens coding envelopes on every core (issue 8 #4): the author keys are verified once here, the
 * envelopes are cut into one contiguous share per worker (web/console/stats/open.worker.ts), and
 * the shares come back in order, so the result is exactly `openCodings` on one thread (which is
 * also the fallback where a worker cannot start). Each worker gets a copy of the statistics key,
 * wipes it when done and is terminated.
 */
import type { CodingV1 } from '../../../api/contract/coding.ts'
import type { CryptoBackend } from '../../../crypto/backend.ts'
import { type CodingsResponse, type Opened, openWithSigners, verifySigners } from './build.ts'
import type { OpenShareRequest, OpenShareResponse } from './open.worker.ts'

/** Below this many envelopes a worker's start-up (loading libsodium) costs more than it saves. */
const MIN_PER_WORKER = 2000
const MAX_WORKERS = 8

function runShare(request: OpenShareRequest): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./open.worker.ts', import.meta.url), { type: 'module' })
    worker.addEventListener('message', (event: MessageEvent<OpenShareResponse>) => {
      worker.terminate()
      const data = event.data
      if (data.ok) resolve({ codings: data.codings, failed: data.failed })
      else reject(new Error(data.error))
    })
    worker.addEventListener('error', (event) => {
      worker.terminate()
      event.preventDefault()
      reject(new Error('worker_failed'))
    })
    // Transferred, not copied: the only copy of the key outside the session is the worker's.
    worker.postMessage(request, [request.statsSecretKey.buffer])
  })
}

export async function openCodingsParallel(
  backend: CryptoBackend,
  response: CodingsResponse,
  keys: { statsSecretKey: Uint8Array; orgSigningKey: Uint8Array; orgId: string; now: Date },
  options: { workers?: number } = {},
): Promise<Opened & { workers: number }> {
  const signers = verifySigners(backend, response.signers, keys)
  const cores = typeof navigator === 'undefined' ? 1 : navigator.hardwareConcurrency || 1
  // An explicit count (tests) is used as given; otherwise one per core, if each gets enough work.
  const count =
    options.workers ??
    Math.max(1, Math.min(cores, MAX_WORKERS, Math.floor(response.codings.length / MIN_PER_WORKER)))
  if (count === 1 || typeof Worker === 'undefined')
    return { ...openWithSigners(backend, response.codings, signers, keys.statsSecretKey), workers: 0 }
  const size = Math.ceil(response.codings.length / count)
  const shares = Array.from({ length: count }, (_, i) => response.codings.slice(i * size, (i + 1) * size))
  const signerList = [...signers.entries()]
  let results: Opened[]
  try {
    results = await Promise.all(
      shares.map((codings) =>
        runShare({ codings, signers: signerList, statsSecretKey: Uint8Array.from(keys.statsSecretKey) }),
      ),
    )
  } catch {
    // A worker could not start (or died): do it all here rather than publish from a part.
    return { ...openWithSigners(backend, response.codings, signers, keys.statsSecretKey), workers: 0 }
  }
  const codings: CodingV1[] = []
  let failed = 0
  for (const r of results) {
    for (const c of r.codings) codings.push(c)
    failed += r.failed
  }
  return { codings, failed, workers: count }
}
