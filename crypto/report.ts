/**
 * @module crypto/report
 * The report plaintext (envelope kind 1, SPEC.md §5): UTF-8 JSON that carries the reporter's
 * X25519 and Ed25519 public keys. A report is the only unsigned item (the reporter has nothing
 * certified yet); instead it brings the keys that make everything after it verifiable.
 *
 * Readers take the reporter's keys ONLY from the decrypted report (DESIGN §5a): the copies the
 * server stores for routing are untrusted, and a case whose stored keys differ from these is
 * refused by the caller. Replies are sealed only to `reporterPublicKey` from here.
 */
import { type CryptoBackend, ED25519_PUBLIC_KEY_BYTES, X25519_PUBLIC_KEY_BYTES } from './backend.ts'
import { fromBase64, fromUtf8, utf8 } from './bytes.ts'
import { ENVELOPE_KINDS, openEnvelope, sealEnvelope } from './envelope.ts'
import { CryptoError } from './errors.ts'

export type ReportPlaintext = Record<string, unknown> & {
  /** Base64 of the reporter's X25519 public key (32 bytes). */
  reporterPublicKey: string
  /** Base64 of the reporter's Ed25519 public key (32 bytes). */
  reporterSigningKey: string
}

export interface OpenedReport {
  report: Record<string, unknown>
  reporterPublicKey: Uint8Array
  reporterSigningKey: Uint8Array
}

const LOOKUP_ID_PATTERN = /^[0-9a-f]{32}$/

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function reporterKeys(report: Record<string, unknown>): {
  reporterPublicKey: Uint8Array
  reporterSigningKey: Uint8Array
} {
  const { reporterPublicKey, reporterSigningKey } = report
  if (typeof reporterPublicKey !== 'string' || typeof reporterSigningKey !== 'string') {
    throw new CryptoError('bad_plaintext', 'a report carries reporterPublicKey and reporterSigningKey')
  }
  try {
    return {
      reporterPublicKey: fromBase64(reporterPublicKey, X25519_PUBLIC_KEY_BYTES),
      reporterSigningKey: fromBase64(reporterSigningKey, ED25519_PUBLIC_KEY_BYTES),
    }
  } catch (cause) {
    throw new CryptoError('bad_plaintext', 'reporter keys must be base64 of 32 bytes', { cause })
  }
}

function checkLookupId(lookupId: string): void {
  if (!LOOKUP_ID_PATTERN.test(lookupId)) throw new CryptoError('bad_argument', 'lookupId is 32 lowercase hex')
}

export interface SealReportOptions {
  /** Desk public keys from a verified directory (X25519, 1–16). */
  recipients: readonly Uint8Array[]
  /** The case's lookup id (from the receipt): the envelope's context. */
  lookupId: string
  report: ReportPlaintext
}

/** Serialises the report as UTF-8 JSON and seals it as kind 1 with context = lookupId. */
export function sealReport(backend: CryptoBackend, options: SealReportOptions): Uint8Array {
  checkLookupId(options.lookupId)
  if (!isPlainObject(options.report)) throw new CryptoError('bad_argument', 'a report is a JSON object')
  // Checked on the way in too: a report without valid keys could never be answered.
  reporterKeys(options.report)
  return sealEnvelope(backend, {
    kind: ENVELOPE_KINDS.report,
    context: options.lookupId,
    recipients: options.recipients,
    plaintext: utf8(JSON.stringify(options.report)),
  })
}

export interface OpenReportOptions {
  lookupId: string
  /** The desk's X25519 secret key. */
  secretKey: Uint8Array
}

/**
 * Opens a kind-1 envelope for `lookupId`, parses the JSON (`bad_plaintext` for invalid UTF-8 or
 * JSON, or anything but an object) and extracts the reporter's keys (`bad_plaintext` unless both
 * are canonical base64 of 32 bytes). Validating the rest of the report is the caller's zod schema.
 */
export function openReport(
  backend: CryptoBackend,
  envelope: Uint8Array,
  options: OpenReportOptions,
): OpenedReport {
  checkLookupId(options.lookupId)
  const bytes = openEnvelope(backend, envelope, {
    kind: ENVELOPE_KINDS.report,
    context: options.lookupId,
    secretKey: options.secretKey,
  })
  let report: unknown
  try {
    report = JSON.parse(fromUtf8(bytes))
  } catch (cause) {
    throw new CryptoError('bad_plaintext', 'the report is not UTF-8 JSON', { cause })
  } finally {
    backend.wipe(bytes)
  }
  if (!isPlainObject(report)) throw new CryptoError('bad_plaintext', 'the report is not a JSON object')
  return { report, ...reporterKeys(report) }
}
