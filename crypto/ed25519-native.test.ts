/**
 * @module crypto/ed25519-native.test
 * The native point check (`ed25519IsPrimeOrderPoint`, libsodium sumo's
 * `crypto_core_ed25519_is_valid_point`) must be the very predicate of SPEC.md §8 that the shared
 * BigInt code implements: canonical encoding, not of small order, torsion-free. If it ever
 * disagreed, the console would accept signatures the reporter pages refuse (or the reverse).
 * Checked here against noble's point arithmetic as the reference (ed25519.test.ts checks the
 * BigInt code against the same reference), and through verifyEd25519 on every signature vector.
 */
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { fromHex } from './bytes.ts'
import { verifyEd25519 } from './ed25519.ts'
import { loadSodiumSumo } from './sodium.ts'

const Point = ed25519.Point
const L = Point.Fn.ORDER
const P = (1n << 255n) - 19n

function referenceIsValid(bytes: Uint8Array): boolean {
  try {
    const point = Point.fromBytes(bytes, false)
    return !point.isSmallOrder() && point.isTorsionFree()
  } catch {
    return false
  }
}

function littleEndian32(n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  let v = n
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}

let sumo: CryptoBackend
let native: (point: Uint8Array) => boolean
beforeAll(async () => {
  sumo = await loadSodiumSumo()
  const check = sumo.ed25519IsPrimeOrderPoint
  if (check === undefined) throw new Error('the sumo backend must offer the native point check')
  native = check
})

describe('the native prime-order point check', () => {
  it('agrees with the reference on random 32-byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        expect(native(bytes)).toBe(referenceIsValid(bytes))
      }),
      { numRuns: 500 },
    )
  })

  it('accepts a prime-order point and refuses it once any torsion point is added', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: L - 1n }), fc.integer({ min: 0, max: 7 }), (k, t) => {
        const torsion = Point.fromHex(ED25519_TORSION_SUBGROUP[t] ?? '')
        const bytes = Point.BASE.multiply(k).add(torsion).toBytes()
        expect(native(bytes)).toBe(t === 0)
      }),
      { numRuns: 300 },
    )
  })

  it('refuses every small-order point, with either sign bit', () => {
    for (const hex of ED25519_TORSION_SUBGROUP) {
      const bytes = fromHex(hex)
      expect(native(bytes)).toBe(false)
      bytes[31] = (bytes[31] ?? 0) ^ 0x80
      expect(native(bytes)).toBe(false)
    }
  })

  it('refuses every non-canonical y (p ≤ y < 2^255), with either sign bit', () => {
    for (let y = P; y < 1n << 255n; y++) {
      for (const sign of [0n, 1n]) {
        const bytes = littleEndian32(y | (sign << 255n))
        expect(native(bytes)).toBe(false)
        expect(referenceIsValid(bytes)).toBe(false)
      }
    }
  })

  it('refuses inputs of the wrong length', () => {
    expect(native(new Uint8Array(31))).toBe(false)
    expect(native(new Uint8Array(33))).toBe(false)
  })
})

interface SignatureVector {
  comment: string
  publicKey: string
  message: string
  signature: string
  valid: boolean
}

describe('signature.json through the native check', async () => {
  const { default: vectors } = (await import('./vectors/signature.json', { with: { type: 'json' } })) as {
    default: SignatureVector[]
  }
  it.each(vectors)('$comment → valid: $valid on the sumo backend', (vector) => {
    const publicKey = fromHex(vector.publicKey)
    const signature = fromHex(vector.signature)
    expect(native(publicKey)).toBe(referenceIsValid(publicKey))
    expect(native(signature.subarray(0, 32))).toBe(referenceIsValid(signature.subarray(0, 32)))
    expect(verifyEd25519(sumo, signature, fromHex(vector.message), publicKey)).toBe(vector.valid)
  })
})
