/**
 * @module crypto/kdf.test
 * Staff passphrase KDF and wrapped keys (SPEC.md §12): known answers with real Argon2id at the
 * minimum parameters (≈0.3 s each), the parameter floor and ceiling, NFC, and wrapped keys bound to
 * their user and purpose on both backends (noble has no Argon2id, so only wrapping is crossed).
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Argon2Backend, CryptoBackend } from './backend.ts'
import { fromHex, toHex, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import {
  authKeyHash,
  checkKdfParams,
  decodeKdfParams,
  deriveStaffKeys,
  encodeKdfParams,
  KDF_MAX_MEM_BYTES,
  KDF_MIN_MEM_BYTES,
  type KdfParams,
  newKdfParams,
  unwrapPrivateKey,
  WRAPPED_KEY_BYTES,
  type WrapPurpose,
  wrapPrivateKey,
  wrappedKeyAd,
} from './kdf.ts'
import { nobleBackend } from './noble.ts'
import { loadSodiumSumo } from './sodium.ts'
import vectors from './vectors/kdf.json' with { type: 'json' }

let sumo: CryptoBackend & Argon2Backend
beforeAll(async () => {
  sumo = await loadSodiumSumo()
})

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (error) {
    if (error instanceof CryptoError) return error.code
    throw error
  }
  return undefined
}

function paramsOf(v: (typeof vectors)[number]): KdfParams {
  return { alg: 'argon2id13', opsLimit: v.opsLimit, memLimitBytes: v.memLimitBytes, salt: fromHex(v.salt) }
}

const MIB = 1024 * 1024
const USER = '0b7e6a52-3c1d-4f0a-9e2b-5d4c3b2a1f00'
const OTHER_USER = '0b7e6a52-3c1d-4f0a-9e2b-5d4c3b2a1f01'

describe('known answers (kdf.json)', () => {
  it.each(vectors.map((v) => [v.comment, v] as const))('derives and unwraps: %s', (_, v) => {
    const params = paramsOf(v)
    expect(toHex(utf8(v.passphrase.normalize('NFC')))).toBe(v.passphraseUtf8)
    expect(
      toHex(sumo.argon2id(fromHex(v.passphraseUtf8), params.salt, v.opsLimit, v.memLimitBytes, 32)),
    ).toBe(v.argon2Output)
    const keys = deriveStaffKeys(sumo, v.passphrase, params)
    expect(toHex(keys.wrapKey)).toBe(v.wrapKey)
    expect(toHex(keys.authKey)).toBe(v.authKey)
    for (const backend of [sumo, nobleBackend]) {
      expect(toHex(authKeyHash(backend, keys.authKey))).toBe(v.authHash)
      const wrapped = fromHex(v.wrapped)
      const purpose = v.purpose as WrapPurpose
      expect(toHex(unwrapPrivateKey(backend, keys.wrapKey, v.userId, purpose, wrapped))).toBe(v.secretKey)
      // The encryption side, byte for byte, with the vector's nonce.
      const nonce = wrapped.subarray(0, 24)
      const ad = wrappedKeyAd(backend, v.userId, purpose)
      const sealed = backend.aeadEncrypt(keys.wrapKey, nonce, ad, fromHex(v.secretKey))
      expect(toHex(nonce) + toHex(sealed)).toBe(v.wrapped)
    }
  })

  it('derives the same keys from a decomposed passphrase as from its NFC form', () => {
    const v = vectors.find((x) => x.passphrase !== x.passphrase.normalize('NFC'))
    if (v === undefined) throw new Error('kdf.json lacks a non-NFC passphrase')
    const keys = deriveStaffKeys(sumo, v.passphrase.normalize('NFC'), paramsOf(v))
    expect(toHex(keys.wrapKey)).toBe(v.wrapKey)
    expect(toHex(keys.authKey)).toBe(v.authKey)
  })
})

describe('KDF parameters', () => {
  const base: KdfParams = {
    alg: 'argon2id13',
    opsLimit: 3,
    memLimitBytes: 64 * MIB,
    salt: new Uint8Array(16),
  }

  it('accepts the floor and the ceiling', () => {
    expect(() => checkKdfParams(base)).not.toThrow()
    expect(() => checkKdfParams({ ...base, opsLimit: 10, memLimitBytes: KDF_MAX_MEM_BYTES })).not.toThrow()
  })

  it.each([
    ['2 passes', { opsLimit: 2 }],
    ['11 passes', { opsLimit: 11 }],
    ['a fractional pass count', { opsLimit: 3.5 }],
    ['less than 64 MiB', { memLimitBytes: KDF_MIN_MEM_BYTES - 1024 }],
    ['more than 1 GiB', { memLimitBytes: KDF_MAX_MEM_BYTES + 1024 }],
    ['memory that is not whole KiB', { memLimitBytes: 64 * MIB + 1 }],
    ['a 15-byte salt', { salt: new Uint8Array(15) }],
    ['a 17-byte salt', { salt: new Uint8Array(17) }],
    ['another algorithm', { alg: 'argon2i13' }],
  ])('refuses %s', (_, change) => {
    expect(codeOf(() => checkKdfParams({ ...base, ...change } as KdfParams))).toBe('bad_kdf_params')
  })

  it('refuses weak parameters before running Argon2id on the passphrase', () => {
    const backend = {
      ...sumo,
      argon2id(): Uint8Array {
        throw new Error('Argon2id must not run on refused parameters')
      },
    }
    expect(codeOf(() => deriveStaffKeys(backend, 'passphrase', { ...base, opsLimit: 1 }))).toBe(
      'bad_kdf_params',
    )
  })

  it('creates fresh defaults within the limits, each with its own salt', () => {
    const a = newKdfParams(sumo)
    const b = newKdfParams(sumo)
    expect(() => checkKdfParams(a)).not.toThrow()
    expect(toHex(a.salt)).not.toBe(toHex(b.salt))
  })

  it('round-trips through JSON and refuses a malformed salt', () => {
    const params = newKdfParams(sumo)
    const json = encodeKdfParams(params)
    expect(decodeKdfParams(JSON.parse(JSON.stringify(json)))).toEqual(params)
    expect(codeOf(() => decodeKdfParams({ ...json, salt: 'AAAA' }))).toBe('bad_kdf_params')
    expect(codeOf(() => decodeKdfParams({ ...json, salt: `${json.salt.slice(0, -2)}=` }))).toBe(
      'bad_kdf_params',
    )
    expect(codeOf(() => decodeKdfParams({ ...json, opsLimit: 1 }))).toBe('bad_kdf_params')
  })
})

describe('deriveStaffKeys', () => {
  it('wipes the passphrase bytes and the Argon2id output', () => {
    const seen: Uint8Array[] = []
    const backend: CryptoBackend & Argon2Backend = {
      ...sumo,
      argon2id(password, salt, ops, mem, outLength) {
        const m = sumo.argon2id(password, salt, ops, mem, outLength)
        seen.push(password, m)
        return m
      },
    }
    const keys = deriveStaffKeys(backend, 'correct horse battery staple', paramsOf(vectors[0]!))
    expect(toHex(keys.wrapKey)).toBe(vectors[0]!.wrapKey)
    expect(seen).toHaveLength(2)
    for (const buffer of seen) expect(buffer.every((b) => b === 0)).toBe(true)
  })

  it('refuses an empty passphrase', () => {
    expect(codeOf(() => deriveStaffKeys(sumo, '', paramsOf(vectors[0]!)))).toBe('bad_argument')
  })
})

describe('wrapped private keys', () => {
  const wrapKey = fromHex('11'.repeat(32))
  const secretKey = fromHex('22'.repeat(32))

  it('unwraps on either backend what the other wrapped', () => {
    for (const [a, b] of [
      [sumo, nobleBackend],
      [nobleBackend, sumo],
    ] as const) {
      const wrapped = wrapPrivateKey(a, wrapKey, USER, 2, secretKey)
      expect(wrapped.length).toBe(WRAPPED_KEY_BYTES)
      expect(toHex(unwrapPrivateKey(b, wrapKey, USER, 2, wrapped))).toBe(toHex(secretKey))
    }
  })

  it('uses a fresh nonce for every wrap', () => {
    const a = wrapPrivateKey(sumo, wrapKey, USER, 1, secretKey)
    const b = wrapPrivateKey(sumo, wrapKey, USER, 1, secretKey)
    expect(toHex(a.subarray(0, 24))).not.toBe(toHex(b.subarray(0, 24)))
  })

  it('refuses the wrong key, another user and another purpose', () => {
    const wrapped = wrapPrivateKey(sumo, wrapKey, USER, 1, secretKey)
    for (const backend of [sumo, nobleBackend]) {
      expect(codeOf(() => unwrapPrivateKey(backend, fromHex('12'.repeat(32)), USER, 1, wrapped))).toBe(
        'decrypt_failed',
      )
      expect(codeOf(() => unwrapPrivateKey(backend, wrapKey, OTHER_USER, 1, wrapped))).toBe('decrypt_failed')
      expect(codeOf(() => unwrapPrivateKey(backend, wrapKey, USER, 2, wrapped))).toBe('decrypt_failed')
      expect(codeOf(() => unwrapPrivateKey(backend, wrapKey, USER, 3, wrapped))).toBe('decrypt_failed')
    }
  })

  it('refuses any flipped bit', () => {
    const wrapped = wrapPrivateKey(sumo, wrapKey, USER, 3, secretKey)
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: WRAPPED_KEY_BYTES - 1 }),
        fc.integer({ min: 0, max: 7 }),
        (i, bit) => {
          const tampered = Uint8Array.from(wrapped)
          tampered[i] = tampered[i]! ^ (1 << bit)
          return codeOf(() => unwrapPrivateKey(nobleBackend, wrapKey, USER, 3, tampered)) === 'decrypt_failed'
        },
      ),
    )
  })

  it('refuses bad lengths, user ids and purposes', () => {
    const wrapped = wrapPrivateKey(sumo, wrapKey, USER, 1, secretKey)
    expect(codeOf(() => unwrapPrivateKey(sumo, wrapKey, USER, 1, wrapped.subarray(1)))).toBe('bad_length')
    expect(codeOf(() => wrapPrivateKey(sumo, wrapKey, USER, 1, new Uint8Array(64)))).toBe('bad_length')
    expect(codeOf(() => wrapPrivateKey(sumo, new Uint8Array(16), USER, 1, secretKey))).toBe('bad_length')
    expect(codeOf(() => wrapPrivateKey(sumo, wrapKey, USER.toUpperCase(), 1, secretKey))).toBe('bad_encoding')
    expect(codeOf(() => wrapPrivateKey(sumo, wrapKey, USER, 4 as WrapPurpose, secretKey))).toBe(
      'bad_argument',
    )
  })
})
