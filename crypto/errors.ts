/**
 * @module crypto/errors
 * The one error type thrown by crypto/. Callers map `code` to user-facing messages or HTTP
 * statuses; crypto/ itself knows nothing of HTTP (STYLE.md).
 */

export type CryptoErrorCode =
  | 'bad_length'
  | 'bad_encoding'
  | 'bad_magic'
  | 'bad_version'
  | 'bad_kind'
  | 'bad_count'
  | 'truncated'
  | 'duplicate_key_id'
  | 'no_slot_for_key'
  | 'weak_key'
  | 'decrypt_failed'
  | 'bad_padding'
  | 'bad_plaintext'
  | 'bad_signature'
  | 'bad_sequence'
  | 'bad_statement'
  | 'expired'
  | 'untrusted_key'
  | 'key_mismatch'
  | 'bad_stream'
  | 'bad_receipt'
  | 'receipt_has_u'
  | 'bad_check_symbol'
  | 'bad_kdf_params'
  | 'bad_pow'
  | 'bad_argument'
  | 'unsupported'

export class CryptoError extends Error {
  override readonly name = 'CryptoError'
  constructor(
    readonly code: CryptoErrorCode,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? code, options)
  }
}
