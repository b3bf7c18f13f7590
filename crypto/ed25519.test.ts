/**
 * @module crypto/ed25519.test
 * The shared Ed25519 checks of SPEC.md §8: against noble's point arithmetic as a reference
 * (allowed in tests, never in shared code), and the verify function on both backends.
 */
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { fromHex, utf8 } from './bytes.ts'
import { isValidEd25519PublicKey, signEd25519, verifyEd25519 } from './ed25519.ts'
import { CryptoError } from './errors.ts'
import { nobleBackend } from './noble.ts'
import { loadSodium } from './sodium.ts'

const Point = ed25519.Point
const L = Point.Fn.ORDER

/** The reference answer: strict decoding, then noble's own subgroup predicates. */
function referenceIsValid(bytes: Uint8Array): boolean {
  try {
    const point = Point.fromBytes(bytes, false)
    return !point.isSmallOrder() && point.isTorsionFree()
  } catch {
    return false
  }
}

let backends: CryptoBackend[] = []
beforeAll(async () => {
  backends = [await loadSodium(), nobleBackend]
})

describe('the shared public-key check', () => {
  it('agrees with the reference on random 32-byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        expect(isValidEd25519PublicKey(bytes)).toBe(referenceIsValid(bytes))
      }),
      { numRuns: 30 },
    )
  })

  it('accepts a prime-order point and refuses it once any torsion point is added', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: L - 1n }), fc.integer({ min: 0, max: 7 }), (k, t) => {
        const torsion = Point.fromHex(ED25519_TORSION_SUBGROUP[t] ?? '')
        const bytes = Point.BASE.multiply(k).add(torsion).toBytes()
        expect(isValidEd25519PublicKey(bytes)).toBe(t === 0)
      }),
      { numRuns: 24 },
    )
  })

  it('refuses all eight small-order points', () => {
    for (const hex of ED25519_TORSION_SUBGROUP) expect(isValidEd25519PublicKey(fromHex(hex))).toBe(false)
  })

  it('refuses a non-canonical y (y + p) and the negative-zero x encoding', () => {
    const base = Point.BASE.toBytes()
    // (0, -1) with the sign bit set: x = 0 has no negative spelling.
    const negZero = fromHex(ED25519_TORSION_SUBGROUP[4] ?? '')
    negZero[31] = (negZero[31] ?? 0) | 0x80
    expect(isValidEd25519PublicKey(negZero)).toBe(false)
    // y = 2^255 − 19 + 2 reduces to y = 2; whatever point that is, the spelling is refused.
    const big = new Uint8Array(32).fill(0xff)
    big[0] = 0xed + 2
    big[31] = 0x7f
    expect(isValidEd25519PublicKey(big)).toBe(false)
    expect(isValidEd25519PublicKey(base)).toBe(true)
  })
})

describe('verifyEd25519', () => {
  it('accepts a signature from either backend on both backends', () => {
    const seed = new Uint8Array(32).fill(3)
    const message = utf8('the same bytes everywhere')
    for (const signer of backends) {
      const signature = signEd25519(signer, seed, message)
      const publicKey = signer.ed25519PublicKey(seed)
      for (const verifier of backends)
        expect(verifyEd25519(verifier, signature, message, publicKey)).toBe(true)
    }
  })

  it('refuses a flipped bit anywhere in the signature, message or key on both backends', () => {
    const seed = new Uint8Array(32).fill(9)
    const message = utf8('flip me')
    const backend = backends[0] as CryptoBackend
    const signature = signEd25519(backend, seed, message)
    const publicKey = backend.ed25519PublicKey(seed)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: (64 + 7 + 32) * 8 - 1 }), (bit) => {
        const all = new Uint8Array([...signature, ...message, ...publicKey])
        all[bit >> 3] = (all[bit >> 3] ?? 0) ^ (1 << (bit & 7))
        for (const verifier of backends) {
          expect(verifyEd25519(verifier, all.subarray(0, 64), all.subarray(64, 71), all.subarray(71))).toBe(
            false,
          )
        }
      }),
      { numRuns: 40 },
    )
  })

  it('refuses S + L, which the group law alone would accept', () => {
    const seed = new Uint8Array(32).fill(5)
    const message = utf8('malleable?')
    const backend = backends[0] as CryptoBackend
    const signature = signEd25519(backend, seed, message)
    let s = 0n
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i] ?? 0)
    s += L
    const mauled = signature.slice()
    for (let i = 32; i < 64; i++) {
      mauled[i] = Number(s & 0xffn)
      s >>= 8n
    }
    for (const verifier of backends) {
      expect(verifyEd25519(verifier, mauled, message, backend.ed25519PublicKey(seed))).toBe(false)
    }
  })

  it('throws bad_length for a short signature or key rather than returning false', () => {
    const backend = backends[0] as CryptoBackend
    const key = backend.ed25519PublicKey(new Uint8Array(32))
    expect(() => verifyEd25519(backend, new Uint8Array(63), new Uint8Array(0), key)).toThrow(CryptoError)
    expect(() => verifyEd25519(backend, new Uint8Array(64), new Uint8Array(0), key.subarray(1))).toThrow(
      expect.objectContaining({ code: 'bad_length' }),
    )
    expect(() => signEd25519(backend, new Uint8Array(31), new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'bad_length' }),
    )
  })
})

interface SignatureVector {
  comment: string
  publicKey: string
  message: string
  signature: string
  valid: boolean
  rawLibsodium: boolean
  rawNoble: boolean
}

describe('signature.json', async () => {
  const { default: vectors } = (await import('./vectors/signature.json', { with: { type: 'json' } })) as {
    default: SignatureVector[]
  }

  it('has the cases SPEC.md §8 requires', () => {
    for (const needle of [
      'canonical signature',
      'S ≥ L',
      'non-canonical A',
      'non-canonical R',
      'small-order A',
      'small-order R',
      'mixed-order A',
      'mixed-order R',
      'different message',
    ]) {
      expect(vectors.some((v) => v.comment.includes(needle))).toBe(true)
    }
  })

  it.each(vectors)('$comment → valid: $valid on both backends', (vector) => {
    for (const backend of backends) {
      expect(
        verifyEd25519(backend, fromHex(vector.signature), fromHex(vector.message), fromHex(vector.publicKey)),
      ).toBe(vector.valid)
    }
  })

  it('includes a mixed-order key both libraries accept on their own, so the shared checks are what refuse it', () => {
    const [sodium, noble] = backends as [CryptoBackend, CryptoBackend]
    const both = vectors.filter((v) => !v.valid && v.rawLibsodium && v.rawNoble)
    expect(both.length).toBeGreaterThan(0)
    for (const v of both) {
      const args = [fromHex(v.signature), fromHex(v.message), fromHex(v.publicKey)] as const
      expect(sodium.ed25519VerifyRaw(...args)).toBe(true)
      expect(noble.ed25519VerifyRaw(...args)).toBe(true)
    }
  })
})
