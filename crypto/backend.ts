/**
 * @module crypto/backend
 * The small interface both backends implement (SPEC.md §backends). Shared code in crypto/ only
 * ever calls these methods; it never imports libsodium or @noble directly, so the reporter bundle
 * never contains libsodium and the console never depends on noble's timing.
 *
 * Only primitives that both libraries produce byte-for-byte are here: BLAKE2b with a digest-length
 * parameter, X25519, Ed25519 (seed form), XChaCha20-Poly1305-IETF.
 */

export const X25519_PUBLIC_KEY_BYTES = 32
export const X25519_SECRET_KEY_BYTES = 32
export const ED25519_PUBLIC_KEY_BYTES = 32
/** We store Ed25519 secret keys as the 32-byte seed, never libsodium's 64-byte form (SPEC.md). */
export const ED25519_SEED_BYTES = 32
export const ED25519_SIGNATURE_BYTES = 64
export const AEAD_KEY_BYTES = 32
export const AEAD_NONCE_BYTES = 24
export const AEAD_TAG_BYTES = 16

export interface CryptoBackend {
  readonly name: 'libsodium' | 'noble'
  /** CSPRNG bytes. */
  randomBytes(length: number): Uint8Array
  /** Unkeyed BLAKE2b with its digest-length parameter set to `outLength` (16–64). */
  blake2b(input: Uint8Array, outLength: number): Uint8Array
  x25519PublicKey(secretKey: Uint8Array): Uint8Array
  /** Raw X25519. Throws CryptoError('weak_key') when the shared point is all zero. */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array
  ed25519PublicKey(seed: Uint8Array): Uint8Array
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array
  /**
   * The library's own verification. Never call it directly: crypto/ed25519.ts runs the shared
   * canonicity and subgroup checks first so both backends accept exactly the same signatures.
   */
  ed25519VerifyRaw(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
  /**
   * Optional native form of crypto/ed25519.ts's point check (canonical encoding, not of small
   * order, in the prime-order subgroup), offered where the library has one (libsodium "sumo":
   * `crypto_core_ed25519_is_valid_point`). About fifteen times faster than the shared BigInt
   * check; crypto/ed25519-native.test.ts shows both agree on every vector and on random,
   * small-order and mixed-order points.
   */
  ed25519IsPrimeOrderPoint?(point: Uint8Array): boolean
  /** XChaCha20-Poly1305-IETF; returns ciphertext ‖ 16-byte tag. */
  aeadEncrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** Throws CryptoError('decrypt_failed') on a bad tag. */
  aeadDecrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array
  /** Constant-time comparison for secrets and MACs; false on length mismatch. */
  equal(a: Uint8Array, b: Uint8Array): boolean
  /** Best-effort zeroing of a secret buffer once it is no longer needed. */
  wipe(buffer: Uint8Array): void
}

/** Argon2id v1.3, only in the libsodium "sumo" backend (console and tools, never reporter pages). */
export interface Argon2Backend {
  argon2id(
    password: Uint8Array,
    salt: Uint8Array,
    opsLimit: number,
    memLimitBytes: number,
    outLength: number,
  ): Uint8Array
}
