/**
 * @module web/console/stats/open.worker
 * Opens one share of the coding envelopes for the release builder (web/console/stats/parallel.ts),
 * so 100,000 codings use every core of the analyst's machine (issue 8 #4). It receives the
 * statistics key and the already verified author keys, answers once, and its key copy is wiped;
 * the main thread terminates it right after.
 */
import '../../shared/zod-setup.ts'
import type { CodingV1 } from '../../../api/contract/coding.ts'
import { loadSodiumSumo } from '../../../crypto/sodium.ts'
import { type CodingEnvelope, openWithSigners } from './build.ts'

export interface OpenShareRequest {
  readonly codings: readonly CodingEnvelope[]
  readonly signers: readonly (readonly [string, Uint8Array])[]
  readonly statsSecretKey: Uint8Array
}

export type OpenShareResponse =
  | { readonly ok: true; readonly codings: CodingV1[]; readonly failed: number }
  | { readonly ok: false; readonly error: string }

const scope = globalThis as unknown as {
  addEventListener(type: 'message', listener: (event: MessageEvent<OpenShareRequest>) => void): void
  postMessage(message: OpenShareResponse): void
}

scope.addEventListener('message', (event) => {
  const request = event.data
  loadSodiumSumo()
    .then((backend) => {
      try {
        const opened = openWithSigners(
          backend,
          request.codings,
          new Map(request.signers),
          request.statsSecretKey,
        )
        scope.postMessage({ ok: true, codings: opened.codings, failed: opened.failed })
      } finally {
        backend.wipe(request.statsSecretKey)
      }
    })
    .catch((error: unknown) => {
      request.statsSecretKey.fill(0)
      scope.postMessage({ ok: false, error: error instanceof Error ? error.name : 'worker_failed' })
    })
})
