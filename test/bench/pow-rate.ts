/**
 * @module test/bench/pow-rate
 * Child process of the crypto benchmark: measures the proof-of-work hash rate of the @noble
 * backend (the reporter pages' solver, crypto/pow.ts `solvePowSlice`) and prints it as JSON.
 * Run twice — normally and under `node --jitless` — because Tor Browser's "Safer" mode disables
 * the JIT and the difficulty cap (api/storage/limits.ts) is set for that case.
 *
 * The rate is measured over a fixed slice of nonces at an unreachable difficulty, so every
 * nonce is hashed; the time to solve `b` bits is then geometric with mean 2^b / rate, which is
 * steadier than timing a handful of random solves.
 */
import { performance } from 'node:perf_hooks'
import { nobleBackend } from '../../crypto/noble.ts'
import { solvePowSlice } from '../../crypto/pow.ts'

const challenge = nobleBackend.randomBytes(64)
const minMs = Number(process.argv[2] ?? '1500')
// Warm-up (lets the JIT, where there is one, compile the hot loop).
solvePowSlice(nobleBackend, challenge, 256, 0n, 2000)
let tried = 0
let next = 1_000_000n
const start = performance.now()
let elapsed = 0
while (elapsed < minMs) {
  solvePowSlice(nobleBackend, challenge, 256, next, 1000)
  next += 1000n
  tried += 1000
  elapsed = performance.now() - start
}
// Also a few real solves at 8 bits, as a check that the rate predicts actual solve times.
const solves: number[] = []
for (let i = 0; i < 5; i++) {
  const c = nobleBackend.randomBytes(64)
  const t0 = performance.now()
  let from = 0n
  while (solvePowSlice(nobleBackend, c, 8, from, 4096) === undefined) from += 4096n
  solves.push(performance.now() - t0)
}
process.stdout.write(`${JSON.stringify({ hashesPerSecond: (tried * 1000) / elapsed, solves8Ms: solves })}\n`)
