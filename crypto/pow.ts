/**
 * @module crypto/pow
 * Proof of work against submission floods (DESIGN §5 "Proof of work", §5a, SPEC.md §13).
 *
 * A solution to challenge bytes `c` at difficulty `bits` is a nonce with
 * `H("tnr/v1/pow", u16(len(c)), c, u64(nonce))` having at least `bits` leading zero bits, counted
 * from the most significant bit of the first byte. The nonce travels as a decimal string without
 * leading zeros, 0 ≤ nonce < 2^64; any other spelling is refused so one solution has exactly one
 * text form (the server spends challenges, and a second spelling must not look like a new one).
 *
 * The solver runs on the reporter's phone, possibly without a JIT (Tor Browser "Safer" mode), and
 * the difficulty cap is chosen so that it still finishes within 30 s there. So the hot loop
 * allocates nothing of its own: the hash input is built once and only its last 8 bytes (the
 * big-endian nonce) are incremented in place. `solvePowSlice` lets a Web Worker work in bounded
 * slices and yield between them (to report progress or be told to stop).
 */
import type { CryptoBackend } from './backend.ts'
import { concat, u16, u64, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { H, type Label } from './hash.ts'

/** The context string of the proof-of-work hash (SPEC.md §13). */
const POW_LABEL: Label = 'tnr/v1/pow'
/** Digest size: the default 32 bytes of `H`, so at most 256 leading zero bits. */
const POW_DIGEST_BYTES = 32
export const POW_MAX_BITS = POW_DIGEST_BYTES * 8
/** 2^64: nonces are u64. */
const NONCE_LIMIT = 1n << 64n
/** "18446744073709551615" — the longest valid nonce text; checked before BigInt parses anything. */
const NONCE_MAX_DIGITS = 20
const NONCE_PATTERN = /^(?:0|[1-9][0-9]*)$/

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 0 || bits > POW_MAX_BITS) {
    throw new CryptoError('bad_argument', `difficulty must be an integer from 0 to ${POW_MAX_BITS}`)
  }
}

function checkNonce(nonce: bigint): void {
  if (nonce < 0n || nonce >= NONCE_LIMIT) throw new CryptoError('bad_pow', 'nonce out of range')
}

/** `H("tnr/v1/pow", u16(len(c)), c, u64(nonce))`, 32 bytes. */
export function powDigest(backend: CryptoBackend, challenge: Uint8Array, nonce: bigint): Uint8Array {
  checkNonce(nonce)
  return H(backend, POW_LABEL, [u16(challenge.length), challenge, u64(nonce)], POW_DIGEST_BYTES)
}

/** Leading zero bits of `bytes`, from the most significant bit of the first byte. */
export function leadingZeroBits(bytes: Uint8Array): number {
  let count = 0
  for (const byte of bytes) {
    if (byte === 0) {
      count += 8
      continue
    }
    // Count within the first non-zero byte; `Math.clz32` is off limits in crypto/ (lint rule).
    let mask = 0x80
    while ((byte & mask) === 0) {
      count += 1
      mask >>= 1
    }
    return count
  }
  return count
}

/**
 * The canonical nonce text → bigint. Refuses leading zeros, signs, whitespace, exponents, hex,
 * the empty string and values ≥ 2^64, all with CryptoError('bad_pow').
 */
export function parseNonce(text: string): bigint {
  if (typeof text !== 'string' || text.length > NONCE_MAX_DIGITS || !NONCE_PATTERN.test(text)) {
    throw new CryptoError('bad_pow', 'nonce must be a decimal integer without leading zeros')
  }
  const nonce = BigInt(text)
  checkNonce(nonce)
  return nonce
}

/**
 * True iff `nonceText` solves `challenge` at `bits`. A malformed nonce text is a malformed request,
 * not a wrong answer: it throws CryptoError('bad_pow') (see `parseNonce`).
 */
export function verifyPow(
  backend: CryptoBackend,
  challenge: Uint8Array,
  nonceText: string,
  bits: number,
): boolean {
  checkBits(bits)
  const nonce = parseNonce(nonceText)
  return leadingZeroBits(powDigest(backend, challenge, nonce)) >= bits
}

/** 2^bits: the expected number of hashes to find a solution (for documentation and progress UI). */
export function expectedHashes(bits: number): bigint {
  checkBits(bits)
  return 1n << BigInt(bits)
}

/** True iff `digest` starts with at least `bits` zero bits; stops at the first byte that decides. */
function meetsDifficulty(digest: Uint8Array, bits: number): boolean {
  let remaining = bits
  let i = 0
  while (remaining >= 8) {
    if (digest[i] !== 0) return false
    remaining -= 8
    i += 1
  }
  if (remaining === 0) return true
  // The top `remaining` bits of the next byte must be zero.
  return (digest[i] ?? 0xff) >> (8 - remaining) === 0
}

/**
 * Tries nonces `from`, `from + 1`, … (at most `count` of them, and never past 2^64 − 1) and returns
 * the first that solves the challenge as its canonical text, or undefined if none in the slice does.
 */
export function solvePowSlice(
  // Only the hash: the reporter pages' PoW worker ships BLAKE2b alone, not the whole backend.
  backend: Pick<CryptoBackend, 'blake2b'>,
  challenge: Uint8Array,
  bits: number,
  from: bigint,
  count: number,
): string | undefined {
  checkBits(bits)
  checkNonce(from)
  if (!Number.isSafeInteger(count) || count < 0)
    throw new CryptoError('bad_argument', 'count must be a safe integer')
  // The exact bytes `H` hashes: label ‖ 0x00 ‖ u16(len(c)) ‖ c ‖ u64(nonce); only the tail changes.
  const input = concat(utf8(POW_LABEL), Uint8Array.of(0), u16(challenge.length), challenge, u64(from))
  const tail = input.length - 8
  const available = NONCE_LIMIT - from
  const tries = BigInt(count) < available ? count : Number(available)
  for (let i = 0; i < tries; i++) {
    if (meetsDifficulty(backend.blake2b(input, POW_DIGEST_BYTES), bits)) return (from + BigInt(i)).toString()
    // Big-endian increment of the nonce in place, carrying towards the front.
    let j = input.length - 1
    while (j >= tail) {
      const next = (input[j]! + 1) & 0xff
      input[j] = next
      if (next !== 0) break
      j -= 1
    }
  }
  return undefined
}

export interface SolvePowOptions {
  /** First nonce to try (default 0). Parallel workers start at different offsets. */
  start?: bigint
  /** Nonces per slice between progress calls and stop checks (default 4096). */
  sliceSize?: number
  /** Called after each unsuccessful slice with the number of nonces tried so far. */
  onProgress?: (tried: bigint) => void
  /** Checked between slices; returning true abandons the search (the result is then undefined). */
  shouldStop?: () => boolean
}

/**
 * Searches from `start` until a solution is found and returns its nonce text; undefined only if
 * `shouldStop` asked to stop or the nonce space ran out. Synchronous: a Web Worker that must
 * react to messages should call `solvePowSlice` itself and yield between slices.
 */
export function solvePow(
  backend: CryptoBackend,
  challenge: Uint8Array,
  bits: number,
  options: SolvePowOptions = {},
): string | undefined {
  const sliceSize = options.sliceSize ?? 4096
  if (!Number.isSafeInteger(sliceSize) || sliceSize < 1)
    throw new CryptoError('bad_argument', 'bad slice size')
  let next = options.start ?? 0n
  checkNonce(next)
  let tried = 0n
  while (next < NONCE_LIMIT) {
    if (options.shouldStop?.()) return undefined
    const found = solvePowSlice(backend, challenge, bits, next, sliceSize)
    if (found !== undefined) return found
    next += BigInt(sliceSize)
    tried += BigInt(sliceSize)
    options.onProgress?.(tried)
  }
  return undefined
}
