/**
 * @module crypto/sodium
 * The libsodium backend: console, server, CLI tools and tests. The only file in the project that
 * imports libsodium (STYLE.md). `loadSodium()` uses the standard build; `loadSodiumSumo()` adds
 * Argon2id for staff passphrases (console only).
 */
import sodiumStandard from 'libsodium-wrappers'
import sodiumSumo from 'libsodium-wrappers-sumo'
import { type Argon2Backend, type CryptoBackend, ED25519_SEED_BYTES } from './backend.ts'
import { CryptoError } from './errors.ts'

type Sodium = typeof sodiumStandard

function makeBackend(sodium: Sodium): CryptoBackend {
  return {
    name: 'libsodium',
    // Not `sodium.randombytes_buf`: libsodium-wrappers 0.8.4 fetches randomness from JavaScript
    // four bytes per call, which made 32 bytes cost ≈1.5 ms in Node and dominated every seal
    // (test/bench, issue 8). WebCrypto's CSPRNG is what libsodium itself calls in browsers; it
    // fills at most 65,536 bytes per call.
    randomBytes(length) {
      const out = new Uint8Array(length)
      for (let i = 0; i < length; i += 65_536) {
        const end = i + 65_536 < length ? i + 65_536 : length
        globalThis.crypto.getRandomValues(out.subarray(i, end))
      }
      return out
    },
    blake2b: (input, outLength) => sodium.crypto_generichash(outLength, input, null),
    x25519PublicKey: (secretKey) => sodium.crypto_scalarmult_base(secretKey),
    x25519(secretKey, publicKey) {
      try {
        return sodium.crypto_scalarmult(secretKey, publicKey)
      } catch (cause) {
        // libsodium refuses an all-zero result (a small-order public key).
        throw new CryptoError('weak_key', 'X25519 produced an all-zero shared secret', { cause })
      }
    },
    ed25519PublicKey(seed) {
      if (seed.length !== ED25519_SEED_BYTES) throw new CryptoError('bad_length')
      const pair = sodium.crypto_sign_seed_keypair(seed)
      sodium.memzero(pair.privateKey)
      return pair.publicKey
    },
    ed25519Sign(seed, message) {
      if (seed.length !== ED25519_SEED_BYTES) throw new CryptoError('bad_length')
      const pair = sodium.crypto_sign_seed_keypair(seed)
      try {
        return sodium.crypto_sign_detached(message, pair.privateKey)
      } finally {
        sodium.memzero(pair.privateKey)
      }
    },
    ed25519VerifyRaw(signature, message, publicKey) {
      try {
        return sodium.crypto_sign_verify_detached(signature, message, publicKey)
      } catch {
        return false
      }
    },
    aeadEncrypt: (key, nonce, ad, plaintext) =>
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key),
    aeadDecrypt(key, nonce, ad, ciphertext) {
      try {
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key)
      } catch (cause) {
        throw new CryptoError('decrypt_failed', undefined, { cause })
      }
    },
    equal: (a, b) => a.length === b.length && sodium.memcmp(a, b),
    wipe: (buffer) => sodium.memzero(buffer),
  }
}

let standard: Promise<CryptoBackend> | undefined
let sumo: Promise<CryptoBackend & Argon2Backend> | undefined

export function loadSodium(): Promise<CryptoBackend> {
  standard ??= sodiumStandard.ready.then(() => makeBackend(sodiumStandard))
  return standard
}

export function loadSodiumSumo(): Promise<CryptoBackend & Argon2Backend> {
  sumo ??= sodiumSumo.ready.then(() => ({
    ...makeBackend(sodiumSumo as unknown as Sodium),
    // Only the sumo build exports it (the standard build's wrapper names it, its wasm lacks it).
    ed25519IsPrimeOrderPoint: (point: Uint8Array) =>
      point.length === 32 && sodiumSumo.crypto_core_ed25519_is_valid_point(point),
    argon2id(password, salt, opsLimit, memLimitBytes, outLength) {
      return sodiumSumo.crypto_pwhash(
        outLength,
        password,
        salt,
        opsLimit,
        memLimitBytes,
        sodiumSumo.crypto_pwhash_ALG_ARGON2ID13,
      )
    },
  }))
  return sumo
}
