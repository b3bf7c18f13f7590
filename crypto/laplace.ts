/**
 * @module crypto/laplace
 * Exact discrete Laplace (two-sided geometric) noise for statistics releases (DESIGN §5
 * "Statistics noise", §9; SPEC.md §14).
 *
 * Why exact: floating-point Laplace samplers leak the true value through the pattern of doubles
 * they can and cannot produce (Mironov, "On significance of the least significant bits for
 * differential privacy", CCS 2012). This sampler follows Canonne, Kamath and Steinke, "The
 * Discrete Gaussian for Differential Privacy" (NeurIPS 2020), Algorithms 1 and 2: every step is a
 * uniform integer drawn by rejection from random bytes and an integer comparison. There is no
 * floating point anywhere in this file (and crypto/ may not touch `Math`: a lint rule).
 *
 * Output: an integer Z with P(Z = z) = (1 − q)/(1 + q) · q^|z|, q = exp(−1/scale), scale a
 * positive rational. For a count of sensitivity Δ released with privacy ε, scale = Δ/ε.
 *
 * Randomness comes from an injected byte source so that tests and other implementations can
 * reproduce outputs from a fixed stream; SPEC.md §14 states exactly which bytes each step reads.
 * Note: the running time depends on the output (as in any rejection sampler); releases are built
 * offline in the analyst's browser, where that timing is not observable by an attacker.
 */
import type { CryptoBackend } from './backend.ts'
import { u16, u64 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { H } from './hash.ts'

/** A source of uniformly random bytes. Each call returns the next `n` bytes of the stream. */
export interface RandomSource {
  nextBytes(n: number): Uint8Array
}

/** A positive rational, e.g. ε = 1/2 is `{ num: 1n, den: 2n }`. */
export interface Rational {
  num: bigint
  den: bigint
}

/** Bytes fetched from the CSPRNG per refill; the pool is wiped as it is used. */
const POOL_BYTES = 1024

/** The CSPRNG (`backend.randomBytes`) as a RandomSource, for real releases. */
export function cryptoRandomSource(backend: CryptoBackend): RandomSource {
  let pool: Uint8Array = new Uint8Array(0)
  let offset = 0
  return {
    nextBytes(n) {
      checkByteCount(n)
      const out = new Uint8Array(n)
      let filled = 0
      while (filled < n) {
        if (offset === pool.length) {
          backend.wipe(pool)
          pool = backend.randomBytes(POOL_BYTES)
          offset = 0
        }
        const take = smaller(n - filled, pool.length - offset)
        out.set(pool.subarray(offset, offset + take), filled)
        // Used bytes decided noise values; do not leave them lying in memory.
        pool.fill(0, offset, offset + take)
        offset += take
        filled += take
      }
      return out
    },
  }
}

/** BLAKE2b output per block of the test stream. */
const STREAM_BLOCK_BYTES = 64

/**
 * TEST ONLY — never for a real release. A deterministic stream: block i (from 0) is
 * `H("tnr/v1/test-stream", u16(len(seed)), seed, u64(i))` with 64-byte output, and the stream is
 * the blocks concatenated; `nextBytes` hands out consecutive bytes of it regardless of how the
 * requests are sized. Anyone holding the seed knows every noise value, hence the true counts.
 */
export function streamRandomSource(seed: Uint8Array, backend: CryptoBackend): RandomSource {
  const seedPrefix = [u16(seed.length), Uint8Array.from(seed)]
  let counter = 0n
  let block: Uint8Array = new Uint8Array(0)
  let offset = 0
  return {
    nextBytes(n) {
      checkByteCount(n)
      const out = new Uint8Array(n)
      let filled = 0
      while (filled < n) {
        if (offset === block.length) {
          block = H(backend, 'tnr/v1/test-stream', [...seedPrefix, u64(counter)], STREAM_BLOCK_BYTES)
          counter += 1n
          offset = 0
        }
        const take = smaller(n - filled, block.length - offset)
        out.set(block.subarray(offset, offset + take), filled)
        offset += take
        filled += take
      }
      return out
    },
  }
}

/** `Math.min` without `Math` (crypto/ may not use the global; see the module comment). */
function smaller(a: number, b: number): number {
  if (a < b) return a
  return b
}

function checkByteCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new CryptoError('bad_argument', 'byte count must be a safe integer')
}

function bitLength(n: bigint): number {
  let bits = 0
  let v = n
  while (v > 0n) {
    v >>= 1n
    bits += 1
  }
  return bits
}

/**
 * Uniform integer in [0, n), n ≥ 1, by rejection (no modulo bias). n = 1 reads nothing. Otherwise,
 * with k = bitLength(n − 1) and b = ⌈k/8⌉: read b bytes, take them as a big-endian integer, keep
 * its low k bits, and accept if below n; else read again.
 */
export function uniformBelow(rng: RandomSource, n: bigint): bigint {
  if (n < 1n) throw new CryptoError('bad_argument', 'uniform range must be positive')
  if (n === 1n) return 0n
  const k = bitLength(n - 1n)
  const byteCount = (k + 7) >> 3
  const topBits = k - 8 * (byteCount - 1) // 1–8 bits kept of the first byte
  const topMask = (1 << topBits) - 1
  // Up to 6 bytes (48 bits) fit a double exactly: integer arithmetic on numbers, no BigInt churn.
  if (byteCount <= 6) {
    const limit = Number(n)
    for (;;) {
      const bytes = rng.nextBytes(byteCount)
      let x = bytes[0]! & topMask
      for (let i = 1; i < byteCount; i++) x = x * 256 + bytes[i]!
      if (x < limit) return BigInt(x)
    }
  }
  for (;;) {
    const bytes = rng.nextBytes(byteCount)
    let x = BigInt(bytes[0]! & topMask)
    for (let i = 1; i < byteCount; i++) x = (x << 8n) | BigInt(bytes[i]!)
    if (x < n) return x
  }
}

/**
 * Bernoulli(num/den), 0 ≤ num ≤ den: 0 if num = 0 and 1 if num = den (reading nothing); otherwise
 * 1 iff uniformBelow(den) < num. The fraction is used as given, not reduced.
 */
export function bernoulli(rng: RandomSource, num: bigint, den: bigint): boolean {
  if (den < 1n || num < 0n || num > den) throw new CryptoError('bad_argument', 'probability outside [0, 1]')
  if (num === 0n) return false
  if (num === den) return true
  return uniformBelow(rng, den) < num
}

/**
 * Bernoulli(exp(−num/den)), num ≥ 0, den ≥ 1 (CKS Algorithm 1).
 * γ = num/den ≤ 1: K = 1; while Bernoulli(num/(den·K)) is 1, K += 1; return 1 iff K is odd.
 * γ > 1: ⌊γ⌋ times Bernoulli(exp(−1)) (return 0 at the first 0), then Bernoulli(exp(−(γ − ⌊γ⌋))).
 */
export function bernoulliExp(rng: RandomSource, num: bigint, den: bigint): boolean {
  if (den < 1n || num < 0n) throw new CryptoError('bad_argument', 'bad exponent')
  if (num <= den) {
    let k = 1n
    while (bernoulli(rng, num, den * k)) k += 1n
    return (k & 1n) === 1n
  }
  const whole = num / den
  for (let i = 0n; i < whole; i++) {
    if (!bernoulliExp(rng, 1n, 1n)) return false
  }
  return bernoulliExp(rng, num % den, den)
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a
  let y = b
  while (y !== 0n) {
    const r = x % y
    x = y
    y = r
  }
  return x
}

function checkPositiveRational(value: Rational, what: string): void {
  if (typeof value.num !== 'bigint' || typeof value.den !== 'bigint' || value.num < 1n || value.den < 1n) {
    throw new CryptoError('bad_argument', `${what} must be a positive rational of bigints`)
  }
}

/**
 * One sample of the discrete Laplace distribution with the given scale (CKS Algorithm 2 with
 * t/s = scale in lowest terms): P(x) ∝ exp(−|x|/scale).
 */
export function sampleDiscreteLaplace(rng: RandomSource, scale: Rational): bigint {
  checkPositiveRational(scale, 'scale')
  const g = gcd(scale.num, scale.den)
  const t = scale.num / g
  const s = scale.den / g
  for (;;) {
    const u = uniformBelow(rng, t)
    if (!bernoulliExp(rng, u, t)) continue
    let v = 0n
    while (bernoulliExp(rng, 1n, 1n)) v += 1n
    const y = (u + t * v) / s
    const negative = bernoulli(rng, 1n, 2n)
    // A negative zero is rejected so that zero is not counted twice.
    if (negative && y === 0n) continue
    return negative ? -y : y
  }
}

/** scale = Δ/ε for privacy ε (a rational) and sensitivity Δ (a positive integer). */
export function laplaceScale(epsilon: Rational, sensitivity: bigint | number): Rational {
  checkPositiveRational(epsilon, 'epsilon')
  const delta = typeof sensitivity === 'bigint' ? sensitivity : toBigInt(sensitivity)
  if (delta < 1n) throw new CryptoError('bad_argument', 'sensitivity must be a positive integer')
  return { num: delta * epsilon.den, den: epsilon.num }
}

function toBigInt(n: number): bigint {
  if (!Number.isSafeInteger(n)) throw new CryptoError('bad_argument', 'expected a safe integer')
  return BigInt(n)
}

/**
 * Adds independent discrete Laplace noise of scale Δ/ε to every count, in order (one sample per
 * count, drawn one after another from `rng`). Noisy counts may be negative: clamping or
 * suppression is post-processing for the caller (DESIGN §9), after this step.
 */
export function addNoise(
  rng: RandomSource,
  counts: bigint[],
  epsilon: Rational,
  sensitivity: bigint | number,
): bigint[]
export function addNoise(
  rng: RandomSource,
  counts: number[],
  epsilon: Rational,
  sensitivity: bigint | number,
): number[]
export function addNoise(
  rng: RandomSource,
  counts: bigint[] | number[],
  epsilon: Rational,
  sensitivity: bigint | number,
): bigint[] | number[] {
  const scale = laplaceScale(epsilon, sensitivity)
  const exact = counts.map((c) => (typeof c === 'bigint' ? c : toBigInt(c)))
  const noisy = exact.map((c) => c + sampleDiscreteLaplace(rng, scale))
  if (counts.every((c) => typeof c === 'bigint')) return noisy
  return noisy.map((c) => {
    const n = Number(c)
    if (!Number.isSafeInteger(n)) throw new CryptoError('bad_argument', 'noisy count is not a safe integer')
    return n
  })
}
