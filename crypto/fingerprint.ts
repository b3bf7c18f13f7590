/**
 * @module crypto/fingerprint
 * Key fingerprints and their human forms (SPEC.md §10, DESIGN §4, §5a):
 * - `fingerprint(K)` = hex of H("tnr/v1/fingerprint", K): what `ORG_KEY_FINGERPRINT`, invite
 *   links and `--trust` carry;
 * - the **safety code**: the organisation fingerprint's first 20 bytes as 32 Crockford base32
 *   symbols in 8 groups of 4, which communities compare with one published elsewhere;
 * - a user's **safety number**: fingerprint(identityKey ‖ signingKey) as 60 decimal digits in 12
 *   groups of 5, which an admin compares with the user out of band before certifying the keys.
 * These defend against a server that substitutes keys, so their derivation must be exact and
 * identical everywhere (vectors in crypto/vectors/fingerprint.json).
 */
import { type CryptoBackend, ED25519_PUBLIC_KEY_BYTES, X25519_PUBLIC_KEY_BYTES } from './backend.ts'
import { concat, fromHex, toHex } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { H } from './hash.ts'

export const FINGERPRINT_BYTES = 32
/** Crockford's base32 alphabet (no I, L, O, U). */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const SAFETY_CODE_BYTES = 20
const SAFETY_NUMBER_DIGITS = 60

export type Fingerprint = string & { readonly __brand: 'Fingerprint' }

/** hex of H("tnr/v1/fingerprint", K) for a 32-byte public key, or the 64-byte pair of a safety number. */
export function fingerprint(backend: CryptoBackend, key: Uint8Array): Fingerprint {
  if (key.length !== 32 && key.length !== 64)
    throw new CryptoError('bad_length', 'fingerprints cover 32 or 64 bytes')
  return toHex(H(backend, 'tnr/v1/fingerprint', [key], FINGERPRINT_BYTES)) as Fingerprint
}

/** Strict: exactly 64 lowercase hex characters (SPEC.md §1); anything else is refused. */
export function parseFingerprint(hex: string): Fingerprint {
  fromHex(hex, FINGERPRINT_BYTES)
  return hex as Fingerprint
}

/** Whether `key` has the pinned fingerprint (constant-time comparison of the digests). */
export function matchesFingerprint(backend: CryptoBackend, key: Uint8Array, pinned: Fingerprint): boolean {
  return backend.equal(
    fromHex(fingerprint(backend, key)),
    fromHex(parseFingerprint(pinned), FINGERPRINT_BYTES),
  )
}

/**
 * The first 20 bytes of fingerprint(orgSigningKey) read as one 160-bit big-endian string, cut
 * into 32 five-bit symbols from the most significant bit of byte 0, each written as its Crockford
 * symbol, in 8 groups of 4 joined by "-": e.g. `0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ`.
 */
export function safetyCode(backend: CryptoBackend, orgSigningKey: Uint8Array): string {
  if (orgSigningKey.length !== ED25519_PUBLIC_KEY_BYTES) throw new CryptoError('bad_length')
  const digest = fromHex(fingerprint(backend, orgSigningKey)).subarray(0, SAFETY_CODE_BYTES)
  let symbols = ''
  let buffer = 0
  let bits = 0
  for (const byte of digest) {
    buffer = ((buffer << 8) | byte) & 0xfff // never more than 12 live bits
    bits += 8
    while (bits >= 5) {
      bits -= 5
      symbols += CROCKFORD[(buffer >> bits) & 31]
    }
  }
  return groups(symbols, 4, '-')
}

/**
 * fingerprint(identityKey ‖ signingKey) read as a 256-bit big-endian unsigned integer N; the
 * safety number is N mod 10^60 written as exactly 60 decimal digits (leading zeros kept), in 12
 * groups of 5 joined by " ". (2^256 / 10^60 ≈ 1.2·10^17, so the bias is negligible; about 199
 * bits are compared.)
 */
export function safetyNumber(
  backend: CryptoBackend,
  identityKey: Uint8Array,
  signingKey: Uint8Array,
): string {
  if (identityKey.length !== X25519_PUBLIC_KEY_BYTES || signingKey.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new CryptoError('bad_length')
  }
  const n = BigInt(`0x${fingerprint(backend, concat(identityKey, signingKey))}`)
  const digits = (n % 10n ** BigInt(SAFETY_NUMBER_DIGITS)).toString().padStart(SAFETY_NUMBER_DIGITS, '0')
  return groups(digits, 5, ' ')
}

function groups(text: string, size: number, separator: string): string {
  const parts: string[] = []
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size))
  return parts.join(separator)
}
