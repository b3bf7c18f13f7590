/**
 * @module crypto/fingerprint.test
 * Fingerprints, safety codes and safety numbers (SPEC.md §10): vectors on both backends, and the
 * exact bit and digit layout re-derived independently here.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { concat, fromHex } from './bytes.ts'
import { fingerprint, matchesFingerprint, parseFingerprint, safetyCode, safetyNumber } from './fingerprint.ts'
import { nobleBackend } from './noble.ts'
import { loadSodium } from './sodium.ts'
import vectors from './vectors/fingerprint.json' with { type: 'json' }

let backends: CryptoBackend[] = []
beforeAll(async () => {
  backends = [await loadSodium(), nobleBackend]
})

const keyVectors = vectors.filter((v) => 'key' in v) as {
  key: string
  fingerprint: string
  safetyCode: string
}[]
const userVectors = vectors.filter((v) => 'identityKey' in v) as {
  identityKey: string
  signingKey: string
  fingerprint: string
  safetyNumber: string
}[]

describe('fingerprint.json', () => {
  it.each(keyVectors)('fingerprint and safety code of $key', (v) => {
    for (const backend of backends) {
      expect(fingerprint(backend, fromHex(v.key))).toBe(v.fingerprint)
      expect(safetyCode(backend, fromHex(v.key))).toBe(v.safetyCode)
    }
  })

  it.each(userVectors)('safety number of $identityKey', (v) => {
    for (const backend of backends) {
      expect(fingerprint(backend, concat(fromHex(v.identityKey), fromHex(v.signingKey)))).toBe(v.fingerprint)
      expect(safetyNumber(backend, fromHex(v.identityKey), fromHex(v.signingKey))).toBe(v.safetyNumber)
    }
  })
})

describe('safety code', () => {
  it('is the first 160 bits of the fingerprint, five at a time from the top, in Crockford symbols', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        const backend = backends[0] as CryptoBackend
        const bits = [...fromHex(fingerprint(backend, key)).subarray(0, 20)]
          .map((b) => b.toString(2).padStart(8, '0'))
          .join('')
        const expected = (bits.match(/.{5}/g) ?? []).map(
          (b) => '0123456789ABCDEFGHJKMNPQRSTVWXYZ'[Number.parseInt(b, 2)],
        )
        const code = safetyCode(backend, key)
        expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/)
        expect(code.replaceAll('-', '')).toBe(expected.join(''))
      }),
      { numRuns: 50 },
    )
  })
})

describe('safety number', () => {
  it('is the fingerprint as an integer mod 10^60, in 12 groups of 5 digits', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (a, b) => {
          const backend = backends[0] as CryptoBackend
          const n = BigInt(`0x${fingerprint(backend, concat(a, b))}`) % 10n ** 60n
          const number = safetyNumber(backend, a, b)
          expect(number).toMatch(/^(\d{5} ){11}\d{5}$/)
          expect(BigInt(number.replaceAll(' ', ''))).toBe(n)
        },
      ),
      { numRuns: 50 },
    )
  })

  it('changes when the two keys are swapped', () => {
    const backend = backends[0] as CryptoBackend
    const a = new Uint8Array(32).fill(1)
    const b = new Uint8Array(32).fill(2)
    expect(safetyNumber(backend, a, b)).not.toBe(safetyNumber(backend, b, a))
  })
})

describe('parseFingerprint and matchesFingerprint', () => {
  it('accepts only 64 lowercase hex characters', () => {
    const good = 'ab'.repeat(32)
    expect(parseFingerprint(good)).toBe(good)
    for (const bad of ['AB'.repeat(32), 'ab'.repeat(31), `${good} `, `0x${good.slice(2)}`]) {
      expect(() => parseFingerprint(bad)).toThrow(expect.objectContaining({ name: 'CryptoError' }))
    }
  })

  it('matches the pinned key and no other', () => {
    const backend = backends[0] as CryptoBackend
    const key = backend.ed25519PublicKey(new Uint8Array(32).fill(8))
    const pinned = fingerprint(backend, key)
    expect(matchesFingerprint(backend, key, pinned)).toBe(true)
    expect(matchesFingerprint(backend, backend.ed25519PublicKey(new Uint8Array(32).fill(9)), pinned)).toBe(
      false,
    )
  })
})
