/**
 * @module web/shared/pow.worker
 * Solves proof-of-work challenges (DESIGN §5 "Proof of work") off the main thread, so the form
 * stays responsive on a phone without a JIT. Works in slices and yields between them, so several
 * challenges (a fresh one after `409 pow_spent`) can be in progress at once.
 */
/// <reference lib="webworker" />
import { fromBase64 } from '../../crypto/bytes.ts'
// The hash alone, not the whole backend: the worker file then carries no curve or cipher code.
import { nobleHash } from '../../crypto/noble.ts'
import { solvePowSlice } from '../../crypto/pow.ts'

export type PowRequest = { id: number; challenge: string; bits: number }
export type PowResponse = { id: number; nonce: string } | { id: number; error: string }

const SLICE = 2048

function solve(request: PowRequest): void {
  let challenge: Uint8Array
  try {
    challenge = fromBase64(request.challenge)
  } catch {
    postMessage({ id: request.id, error: 'bad_challenge' } satisfies PowResponse)
    return
  }
  let next = 0n
  const step = () => {
    const found = solvePowSlice(nobleHash, challenge, request.bits, next, SLICE)
    if (found !== undefined) {
      postMessage({ id: request.id, nonce: found } satisfies PowResponse)
      return
    }
    next += BigInt(SLICE)
    // Yield to the event loop so other requests interleave and messages are received.
    setTimeout(step, 0)
  }
  step()
}

addEventListener('message', (event: MessageEvent<PowRequest>) => {
  solve(event.data)
})
