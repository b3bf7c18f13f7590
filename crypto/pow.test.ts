/**
 * @module crypto/pow.test
 * Proof of work (SPEC.md §13): known answers on both backends, the one canonical nonce spelling,
 * and the allocation-free solver agreeing with the plain definition, including across byte carries.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { fromHex, toHex, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { nobleBackend } from './noble.ts'
import {
  expectedHashes,
  leadingZeroBits,
  parseNonce,
  powDigest,
  solvePow,
  solvePowSlice,
  verifyPow,
} from './pow.ts'
import { loadSodium } from './sodium.ts'
import vectors from './vectors/pow.json' with { type: 'json' }

let sodium: CryptoBackend
beforeAll(async () => {
  sodium = await loadSodium()
})

const U64_MAX = (1n << 64n) - 1n

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (error) {
    if (error instanceof CryptoError) return error.code
    throw error
  }
  return undefined
}

/** The first solution at or after `from`, by the plain definition. */
function bruteForce(backend: CryptoBackend, challenge: Uint8Array, bits: number, from: bigint): string {
  for (let n = from; ; n++) {
    if (leadingZeroBits(powDigest(backend, challenge, n)) >= bits) return n.toString()
  }
}

describe('known answers (pow.json)', () => {
  const valid = vectors.filter((v) => v.error === undefined)
  const malformed = vectors.filter((v) => v.error !== undefined)

  it.each(valid.map((v) => [v.nonce, v.bits, v] as const))(
    'nonce %s at %i bits matches on both backends',
    (_, __, v) => {
      for (const backend of [sodium, nobleBackend]) {
        const challenge = fromHex(v.challenge)
        expect(toHex(powDigest(backend, challenge, BigInt(v.nonce)))).toBe(v.digest)
        expect(leadingZeroBits(fromHex(v.digest))).toBe(v.leadingZeroBits)
        expect(verifyPow(backend, challenge, v.nonce, v.bits ?? 0)).toBe(v.valid)
      }
    },
  )

  it.each(malformed.map((v) => [JSON.stringify(v.nonce), v] as const))(
    'refuses the nonce text %s',
    (_, v) => {
      expect(codeOf(() => verifyPow(sodium, fromHex(v.challenge), v.nonce, 0))).toBe(v.error)
      expect(codeOf(() => parseNonce(v.nonce))).toBe('bad_pow')
    },
  )
})

describe('parseNonce', () => {
  it('accepts 0 and 2^64 − 1', () => {
    expect(parseNonce('0')).toBe(0n)
    expect(parseNonce(U64_MAX.toString())).toBe(U64_MAX)
  })

  it('round-trips every u64 through its decimal text', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), (n) => parseNonce(n.toString()) === n))
  })

  it('accepts a text only if it is the canonical spelling of its value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (text) => {
        const code = codeOf(() => parseNonce(text))
        return code === 'bad_pow' || (code === undefined && parseNonce(text).toString() === text)
      }),
    )
  })

  it('refuses a very long digit string without parsing it', () => {
    expect(codeOf(() => parseNonce('9'.repeat(100_000)))).toBe('bad_pow')
  })
})

describe('leadingZeroBits', () => {
  it.each([
    ['', 0],
    ['80', 0],
    ['0f', 4],
    ['01ff', 7],
    ['0001', 15],
    ['0000', 16],
  ])('counts %s as %i', (hex, bits) => {
    expect(leadingZeroBits(fromHex(hex))).toBe(bits)
  })
})

describe('solver', () => {
  const challenge = utf8('a challenge of some length')

  it.each([0n, 250n, 65_530n, 4_294_967_290n, (1n << 56n) - 3n])(
    'finds the same first solution as the plain definition from %s (nonce bytes carry in place)',
    (from) => {
      const expected = bruteForce(sodium, challenge, 6, from)
      expect(solvePowSlice(nobleBackend, challenge, 6, from, 10_000)).toBe(expected)
      expect(solvePowSlice(sodium, challenge, 6, from, 10_000)).toBe(expected)
    },
  )

  it('stops at the end of a slice and at 2^64 − 1 without wrapping around', () => {
    expect(solvePowSlice(sodium, challenge, 0, U64_MAX - 2n, 10)).toBe((U64_MAX - 2n).toString())
    expect(solvePowSlice(sodium, challenge, 64, U64_MAX - 2n, 10)).toBeUndefined()
    expect(solvePowSlice(sodium, challenge, 64, 0n, 0)).toBeUndefined()
  })

  it('solves a challenge so that the server accepts the answer', () => {
    const progress: bigint[] = []
    const nonce = solvePow(nobleBackend, challenge, 12, {
      start: 1000n,
      sliceSize: 256,
      onProgress: (n) => progress.push(n),
    })
    if (nonce === undefined) throw new Error('no solution')
    expect(BigInt(nonce)).toBeGreaterThanOrEqual(1000n)
    expect(verifyPow(sodium, challenge, nonce, 12)).toBe(true)
    expect(nonce).toBe(bruteForce(sodium, challenge, 12, 1000n))
    expect(progress).toEqual(progress.map((_, i) => BigInt(256 * (i + 1))))
  })

  it('gives up when asked to stop', () => {
    let calls = 0
    const nonce = solvePow(sodium, challenge, 200, { sliceSize: 16, shouldStop: () => ++calls > 3 })
    expect(nonce).toBeUndefined()
    expect(calls).toBe(4)
  })
})

describe('arguments', () => {
  it('refuses difficulties outside 0–256 and challenges longer than a u16', () => {
    expect(codeOf(() => verifyPow(sodium, new Uint8Array(1), '0', 257))).toBe('bad_argument')
    expect(codeOf(() => verifyPow(sodium, new Uint8Array(1), '0', -1))).toBe('bad_argument')
    expect(codeOf(() => verifyPow(sodium, new Uint8Array(1), '0', 1.5))).toBe('bad_argument')
    expect(codeOf(() => powDigest(sodium, new Uint8Array(65_536), 0n))).toBe('bad_argument')
    expect(codeOf(() => powDigest(sodium, new Uint8Array(1), 1n << 64n))).toBe('bad_pow')
  })

  it('reports the expected work as 2^bits', () => {
    expect(expectedHashes(0)).toBe(1n)
    expect(expectedHashes(20)).toBe(1_048_576n)
  })
})
