/**
 * @module crypto/kdf
 * Staff passphrases and wrapped private keys (DESIGN §5 "Staff passphrase", §5a "Staff keys";
 * SPEC.md §12).
 *
 * Argon2id v1.3 (parallelism 1, 32-byte output) turns the passphrase into `m`, from which two
 * independent keys are derived: `wrapKey`, which never leaves the browser and wraps the user's
 * private keys, and `authKey`, which is sent at login. The server stores only
 * `H("tnr/v1/auth-hash", authKey)`; it runs no Argon2id itself (a login flood could otherwise
 * exhaust its memory, and whoever holds the database can test guesses against the wrapped keys
 * anyway).
 *
 * The parameters come from the server with the user's record, so a hostile server could offer
 * weak ones to make a captured `authKey` cheap to brute-force: `checkKdfParams` refuses anything
 * below the floor (3 passes, 64 MiB) before the passphrase is touched, and anything above the
 * ceiling (10 passes, 1 GiB), which would only freeze or crash the browser.
 */
import type { Argon2Backend, CryptoBackend } from './backend.ts'
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES, X25519_SECRET_KEY_BYTES } from './backend.ts'
import { concat, fromBase64, toBase64, u8, utf8, uuidBytes } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { H } from './hash.ts'

/** The one algorithm of KDF version 1: Argon2id v1.3 (0x13), parallelism 1. */
export const KDF_ALG = 'argon2id13'
export const KDF_SALT_BYTES = 16
export const KDF_OUTPUT_BYTES = 32
const MIB = 1024 * 1024
export const KDF_MIN_OPS = 3
export const KDF_MAX_OPS = 10
export const KDF_MIN_MEM_BYTES = 64 * MIB
export const KDF_MAX_MEM_BYTES = 1024 * MIB
/**
 * Defaults for new passphrases: ≈0.5 s in libsodium's WebAssembly build on one server core (what a
 * laptop browser runs), inside DESIGN's 0.5–1 s target. Raising them later only needs new params
 * stored with the user at their next passphrase change; the params travel with every record.
 */
export const KDF_DEFAULT_OPS = 3
export const KDF_DEFAULT_MEM_BYTES = 128 * MIB

/** Size of a wrapped private key: nonce ‖ ciphertext ‖ tag. */
export const WRAPPED_KEY_BYTES = AEAD_NONCE_BYTES + X25519_SECRET_KEY_BYTES + AEAD_TAG_BYTES

export interface KdfParams {
  alg: typeof KDF_ALG
  opsLimit: number
  /** A multiple of 1024: Argon2's memory parameter is this divided by 1024 (KiB). */
  memLimitBytes: number
  /** 16 random bytes, one salt per user and per passphrase. */
  salt: Uint8Array
}

/** KdfParams as stored and sent in JSON (salt as standard base64). */
export interface KdfParamsJson {
  alg: string
  opsLimit: number
  memLimitBytes: number
  salt: string
}

export interface StaffKeys {
  /** Wraps the user's private keys; never leaves the browser. */
  wrapKey: Uint8Array
  /** Sent at login; the server keeps only `authKeyHash(authKey)`. */
  authKey: Uint8Array
}

/** What a wrapped key is for (bound into its associated data). */
export const WRAP_PURPOSE = { identity: 1, signing: 2, grantCache: 3 } as const
export type WrapPurpose = (typeof WRAP_PURPOSE)[keyof typeof WRAP_PURPOSE]

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
}

/** Refuses (CryptoError('bad_kdf_params')) anything but argon2id13 within the floor and ceiling. */
export function checkKdfParams(params: KdfParams): void {
  if (params.alg !== KDF_ALG) throw new CryptoError('bad_kdf_params', 'unknown KDF algorithm')
  if (!isIntegerIn(params.opsLimit, KDF_MIN_OPS, KDF_MAX_OPS)) {
    throw new CryptoError('bad_kdf_params', `passes must be ${KDF_MIN_OPS}–${KDF_MAX_OPS}`)
  }
  if (
    !isIntegerIn(params.memLimitBytes, KDF_MIN_MEM_BYTES, KDF_MAX_MEM_BYTES) ||
    params.memLimitBytes % 1024 !== 0
  ) {
    throw new CryptoError('bad_kdf_params', 'memory must be a whole number of KiB from 64 MiB to 1 GiB')
  }
  if (!(params.salt instanceof Uint8Array) || params.salt.length !== KDF_SALT_BYTES) {
    throw new CryptoError('bad_kdf_params', `salt must be ${KDF_SALT_BYTES} bytes`)
  }
}

/** Fresh parameters (new random salt) for a new or changed passphrase. */
export function newKdfParams(backend: CryptoBackend): KdfParams {
  return {
    alg: KDF_ALG,
    opsLimit: KDF_DEFAULT_OPS,
    memLimitBytes: KDF_DEFAULT_MEM_BYTES,
    salt: backend.randomBytes(KDF_SALT_BYTES),
  }
}

export function encodeKdfParams(params: KdfParams): KdfParamsJson {
  checkKdfParams(params)
  return {
    alg: params.alg,
    opsLimit: params.opsLimit,
    memLimitBytes: params.memLimitBytes,
    salt: toBase64(params.salt),
  }
}

/** Parses and checks parameters received from the server; every failure is 'bad_kdf_params'. */
export function decodeKdfParams(json: KdfParamsJson): KdfParams {
  let salt: Uint8Array
  try {
    salt = fromBase64(json.salt, KDF_SALT_BYTES)
  } catch (cause) {
    throw new CryptoError('bad_kdf_params', 'salt must be 16 bytes of base64', { cause })
  }
  const params = {
    alg: json.alg,
    opsLimit: json.opsLimit,
    memLimitBytes: json.memLimitBytes,
    salt,
  } as KdfParams
  checkKdfParams(params)
  return params
}

/**
 * Passphrase → { wrapKey, authKey }. The passphrase is the UTF-8 of its NFC form, so the same
 * words typed on keyboards that compose differently (precomposed é vs e + U+0301) give the same keys.
 */
export function deriveStaffKeys(
  backend: CryptoBackend & Argon2Backend,
  passphrase: string,
  params: KdfParams,
): StaffKeys {
  checkKdfParams(params)
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new CryptoError('bad_argument', 'empty passphrase')
  }
  const password = utf8(passphrase.normalize('NFC'))
  let m: Uint8Array | undefined
  try {
    m = backend.argon2id(password, params.salt, params.opsLimit, params.memLimitBytes, KDF_OUTPUT_BYTES)
    if (m.length !== KDF_OUTPUT_BYTES) throw new CryptoError('bad_length', 'Argon2id output length')
    return {
      wrapKey: H(backend, 'tnr/v1/wrap-key', [m]),
      authKey: H(backend, 'tnr/v1/auth-key', [m]),
    }
  } finally {
    backend.wipe(password)
    if (m !== undefined) backend.wipe(m)
  }
}

/** What the server stores and compares (with `backend.equal`) at login: `H("tnr/v1/auth-hash", authKey)`. */
export function authKeyHash(backend: CryptoBackend, authKey: Uint8Array): Uint8Array {
  if (authKey.length !== AEAD_KEY_BYTES) throw new CryptoError('bad_length', 'authKey must be 32 bytes')
  return H(backend, 'tnr/v1/auth-hash', [authKey])
}

function checkPurpose(purpose: number): asserts purpose is WrapPurpose {
  if (purpose !== 1 && purpose !== 2 && purpose !== 3)
    throw new CryptoError('bad_argument', 'unknown key purpose')
}

/**
 * The associated data of a wrapped key: `H("tnr/v1/wrapped", uuid (16 raw bytes), u8(purpose))`.
 * It binds the ciphertext to its owner and purpose, so a server cannot hand one user's wrapped key
 * to another, or swap a user's identity and signing keys.
 */
export function wrappedKeyAd(backend: CryptoBackend, userId: string, purpose: WrapPurpose): Uint8Array {
  checkPurpose(purpose)
  return H(backend, 'tnr/v1/wrapped', [uuidBytes(userId), u8(purpose)])
}

/** `nonce (24, random) ‖ AEAD(wrapKey, nonce, wrappedKeyAd(userId, purpose), secretKey)`, 72 bytes. */
export function wrapPrivateKey(
  backend: CryptoBackend,
  wrapKey: Uint8Array,
  userId: string,
  purpose: WrapPurpose,
  secretKey: Uint8Array,
): Uint8Array {
  if (wrapKey.length !== AEAD_KEY_BYTES) throw new CryptoError('bad_length', 'wrapKey must be 32 bytes')
  if (secretKey.length !== X25519_SECRET_KEY_BYTES)
    throw new CryptoError('bad_length', 'secret keys are 32 bytes')
  const ad = wrappedKeyAd(backend, userId, purpose)
  const nonce = backend.randomBytes(AEAD_NONCE_BYTES)
  return concat(nonce, backend.aeadEncrypt(wrapKey, nonce, ad, secretKey))
}

/** Inverse of `wrapPrivateKey`; CryptoError('decrypt_failed') for a wrong key, user or purpose. */
export function unwrapPrivateKey(
  backend: CryptoBackend,
  wrapKey: Uint8Array,
  userId: string,
  purpose: WrapPurpose,
  wrapped: Uint8Array,
): Uint8Array {
  if (wrapKey.length !== AEAD_KEY_BYTES) throw new CryptoError('bad_length', 'wrapKey must be 32 bytes')
  if (wrapped.length !== WRAPPED_KEY_BYTES) throw new CryptoError('bad_length', 'wrapped keys are 72 bytes')
  const ad = wrappedKeyAd(backend, userId, purpose)
  const nonce = wrapped.subarray(0, AEAD_NONCE_BYTES)
  return backend.aeadDecrypt(wrapKey, nonce, ad, wrapped.subarray(AEAD_NONCE_BYTES))
}
