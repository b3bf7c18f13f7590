/**
 * @module crypto/hash
 * The labelled hash `H` of SPEC.md §notation: BLAKE2b (digest-length parameter = output size,
 * never a truncated longer digest), unkeyed, over ASCII(label) ‖ 0x00 ‖ inputs. Callers add the
 * u16 length prefix of a variable-length input that another input follows (SPEC.md).
 */
import type { CryptoBackend } from './backend.ts'
import { concat, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'

/** Every label used anywhere; a new derivation gets a new label here, never a reused one. */
export type Label =
  | 'tnr/v1/fingerprint'
  | 'tnr/v1/key-id'
  | 'tnr/v1/slot-key'
  | 'tnr/v1/payload'
  | 'tnr/v1/envelope'
  | 'tnr/v1/proof'
  | 'tnr/v1/receipt'
  | 'tnr/v1/receipt-check'
  | 'tnr/v1/lookup'
  | 'tnr/v1/auth-token'
  | 'tnr/v1/auth-hash'
  | 'tnr/v1/reporter-key'
  | 'tnr/v1/reporter-sign'
  | 'tnr/v1/wrap-key'
  | 'tnr/v1/auth-key'
  | 'tnr/v1/wrapped'
  | 'tnr/v1/sig/item'
  | 'tnr/v1/sig/audit'
  | 'tnr/v1/audit-entry'
  | 'tnr/v1/pow'
  | 'tnr/v1/secret-id'
  | 'tnr/v1/rate-limit'
  | 'tnr/v1/pow-hmac'
  /** MAC over a proof-of-work challenge body, keyed by the pow-hmac subkey (docs/api.md). */
  | 'tnr/v1/pow-challenge'
  /** MAC of a client address or lookup id for in-memory rate-limit keys (api/rate-limit.ts). */
  | 'tnr/v1/rate-limit-key'
  | 'tnr/v1/fake-salt'
  | 'tnr/v1/totp-key'
  | 'tnr/v1/session'
  | 'tnr/v1/setup-token'
  /** Seed of the server's Ed25519 receipt signing key, derived from the server secret (api/secrets.ts). */
  | 'tnr/v1/receipt-seed'
  /** Staff session cookie token → stored hash (api/session.ts). */
  | 'tnr/v1/session-token'
  /** Invite link token → stored hash (api/routes/admin.ts). */
  | 'tnr/v1/invite-token'
  /** Per-account login throttle key: MAC of the username under the session subkey (api/routes/auth.ts). */
  | 'tnr/v1/login-throttle'
  /** Associated data of a TOTP secret encrypted at rest under the totp-key subkey. */
  | 'tnr/v1/totp-at-rest'
  /** Recovery kit (SPEC.md §16): check bytes of the recovery secret, and its X25519 key. */
  | 'tnr/v1/recovery-check'
  | 'tnr/v1/recovery-key'
  /** Test-only deterministic byte stream for the noise sampler (crypto/laplace.ts). */
  | 'tnr/v1/test-stream'
  /** Hash of a statistics release body, JCS form, signed via the release statement (crypto/release.ts). */
  | 'tnr/v1/release-data'
  /** Hash of a context overlay, JCS form, signed via the context-update statement (crypto/statements.ts). */
  | 'tnr/v1/context-data'
  /** In-memory only, never stored or sent: checks a cached recipient public key (crypto/envelope.ts). */
  | 'tnr/v1/local/public-key-cache'
  | `tnr/v1/sig/${string}`

export function H(
  backend: CryptoBackend,
  label: Label,
  parts: Uint8Array[] = [],
  outLength = 32,
): Uint8Array {
  if (!/^[\x20-\x7e]+$/.test(label)) throw new CryptoError('bad_argument', 'labels are printable ASCII')
  return backend.blake2b(concat(utf8(label), Uint8Array.of(0), ...parts), outLength)
}
