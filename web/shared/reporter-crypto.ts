/**
 * @module web/shared/reporter-crypto
 * The one place the reporter pages call crypto/: always with the pure-JavaScript @noble backend
 * (DESIGN §5: Tor Browser "Safer" mode has no WebAssembly; libsodium never enters this bundle).
 *
 * Trust (DESIGN §4): the organisation key comes from /api/intake/config, and if the build pinned
 * a fingerprint (ORG_KEY_FINGERPRINT) it must match; the directory must verify under that key
 * and be unexpired; only then do desk keys, the receipt key and staff certificates count.
 */
import type { IntakeConfig } from '../../api/contract/reporter.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { ENVELOPE_KINDS, keyId, parseEnvelope, proofHash } from '../../crypto/envelope.ts'
import { CryptoError } from '../../crypto/errors.ts'
import { matchesFingerprint, parseFingerprint, safetyCode } from '../../crypto/fingerprint.ts'
import { type ItemBody, openItem, REPORTER_AUTHOR, sealItem } from '../../crypto/items.ts'
import { nobleBackend } from '../../crypto/noble.ts'
import {
  deriveReceiptKeys,
  formatReceipt,
  generateReceiptCode,
  normaliseReceipt,
  parseReceipt,
  type ReceiptKeys,
} from '../../crypto/receipt.ts'
import { openReport, sealReport } from '../../crypto/report.ts'
import {
  type DeskKey,
  type SignedStatement,
  verifyDirectory,
  verifyStatement,
  verifyUserKeyChain,
} from '../../crypto/statements.ts'

export const backend = nobleBackend

export type TrustFailure = 'directory' | 'expired' | 'pin'

export class TrustError extends Error {
  override readonly name = 'TrustError'
  constructor(
    readonly reason: TrustFailure,
    options?: { cause?: unknown },
  ) {
    super(reason, options)
  }
}

export interface Trust {
  readonly orgId: string
  readonly orgSigningKey: Uint8Array
  /** Shown on the intake page for comparison with the published one. */
  readonly safetyCode: string
  /** True when the build pinned the organisation fingerprint and it matched. */
  readonly pinned: boolean
  /** Current key per desk (highest version), in directory order. */
  readonly desks: readonly DeskKey[]
  /** Every desk key version listed, by hex key id: maps an envelope's slots back to its desk. */
  readonly deskByKeyId: ReadonlyMap<string, string>
  readonly receiptKey: Uint8Array | null
  readonly limits: IntakeConfig['limits']
  /** Days the organisation's backups keep erased data, when the server says. */
  readonly backupDays: number | undefined
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Verifies the intake configuration; throws TrustError with the reason the page shows. */
export function establishTrust(
  config: IntakeConfig & { backupDays?: number },
  now: Date,
  pinnedFingerprint: string | undefined,
): Trust {
  let orgSigningKey: Uint8Array
  try {
    orgSigningKey = fromBase64(config.orgSigningKey, 32)
  } catch (cause) {
    throw new TrustError('directory', { cause })
  }
  const pinned = pinnedFingerprint !== undefined && pinnedFingerprint !== ''
  if (pinned) {
    let ok = false
    try {
      ok = matchesFingerprint(backend, orgSigningKey, parseFingerprint(pinnedFingerprint))
    } catch (cause) {
      throw new TrustError('pin', { cause })
    }
    if (!ok) throw new TrustError('pin')
  }
  let verified: ReturnType<typeof verifyDirectory>
  try {
    verified = verifyDirectory(backend, config.directory, orgSigningKey, now)
  } catch (cause) {
    if (cause instanceof CryptoError && cause.code === 'expired') throw new TrustError('expired', { cause })
    throw new TrustError('directory', { cause })
  }
  const desks = [...verified.currentKeys.values()]
  if (desks.length === 0) throw new TrustError('directory')
  const deskByKeyId = new Map<string, string>()
  for (const entry of verified.directory.desks) {
    deskByKeyId.set(hex(keyId(backend, fromBase64(entry.publicKey, 32))), entry.deskId)
  }
  let receiptKey: Uint8Array | null = null
  try {
    const statement = verifyStatement(backend, config.receiptKey, orgSigningKey, 'receipt-key')
    if (statement.orgId === verified.directory.orgId) receiptKey = fromBase64(statement.publicKey, 32)
  } catch {
    // Without a verified receipt key the proof of receipt is shown as unverifiable; intake still works.
  }
  return {
    orgId: verified.directory.orgId,
    orgSigningKey,
    safetyCode: safetyCode(backend, orgSigningKey),
    pinned,
    desks,
    deskByKeyId,
    receiptKey,
    limits: config.limits,
    backupDays: config.backupDays,
  }
}

export interface NewReceipt {
  /** 20 symbols, no check symbol. */
  readonly code: string
  /** As shown: with its check symbol, in groups. */
  readonly display: string
  readonly keys: ReceiptKeys
}

export function newReceipt(): NewReceipt {
  const code = generateReceiptCode(backend)
  return { code, display: formatReceipt(backend, code), keys: deriveReceiptKeys(backend, code) }
}

export function receiptKeysFromInput(input: string): ReceiptKeys {
  return deriveReceiptKeys(backend, parseReceipt(backend, input))
}

export { normaliseReceipt }

export function sealReportEnvelope(options: {
  recipients: readonly Uint8Array[]
  lookupId: string
  report: Record<string, unknown> & { reporterPublicKey: string; reporterSigningKey: string }
}): Uint8Array {
  return sealReport(backend, options)
}

export function sealReporterItem(options: {
  kind: 2 | 7
  lookupId: string
  recipients: readonly Uint8Array[]
  body: ItemBody
  signingSeed: Uint8Array
}): Uint8Array {
  return sealItem(backend, {
    kind: options.kind,
    context: options.lookupId,
    recipients: options.recipients,
    body: options.body,
    author: REPORTER_AUTHOR,
    signingSeed: options.signingSeed,
  })
}

export function reporterPublicKeys(keys: ReceiptKeys): {
  reporterPublicKey: string
  reporterSigningKey: string
} {
  return {
    reporterPublicKey: toBase64(keys.reporterPublicKey),
    reporterSigningKey: toBase64(keys.reporterSigningKey),
  }
}

/** The desk a case's report was sealed to, from the report envelope's slot key ids. */
export function deskOfReport(trust: Trust, reportEnvelope: Uint8Array): DeskKey | undefined {
  const parsed = parseEnvelope(reportEnvelope)
  if (parsed.kind !== ENVELOPE_KINDS.report) return undefined
  for (const slot of parsed.slots) {
    const deskId = trust.deskByKeyId.get(hex(slot.keyId))
    if (deskId) return trust.desks.find((d) => d.deskId === deskId)
  }
  return undefined
}

/** Whether the envelope has a slot for the reporter's own key (the read-back choice). */
export function hasSlotFor(envelope: Uint8Array, publicKey: Uint8Array): boolean {
  const id = hex(keyId(backend, publicKey))
  return parseEnvelope(envelope).slots.some((slot) => hex(slot.keyId) === id)
}

export function openOwnReport(envelope: Uint8Array, keys: ReceiptKeys): Record<string, unknown> {
  const opened = openReport(backend, envelope, { lookupId: keys.lookupId, secretKey: keys.reporterSecretKey })
  // The keys inside must be the ones this receipt derives: otherwise it is not our report.
  if (
    !backend.equal(opened.reporterPublicKey, keys.reporterPublicKey) ||
    !backend.equal(opened.reporterSigningKey, keys.reporterSigningKey)
  ) {
    throw new CryptoError('key_mismatch', 'the report carries other keys')
  }
  return opened.report
}

export interface ThreadEntry {
  readonly seq: number
  readonly kind: number
  readonly state: 'ok' | 'sealed' | 'invalid'
  readonly author?: string
  /** For verified replies: the caseworker's certified username. */
  readonly authorName?: string
  readonly body?: Record<string, unknown>
}

/**
 * Opens the case's items for the reporter (DESIGN §5, §8): replies (kind 3) count only when their
 * signature verifies under a staff signing key certified by the organisation key; reporter items
 * (2, 7) only under the reporter's key derived from the receipt. Items not sealed to the reporter
 * (the desk-only contact item, or everything when read-back was declined) are "sealed"; anything
 * that fails to open or verify is "invalid" and its content is never shown.
 */
export function openThread(
  trust: Trust,
  keys: ReceiptKeys,
  items: readonly { seq: number; kind: number; envelope: string }[],
  signers: readonly SignedStatement[],
  now: Date,
): ThreadEntry[] {
  const staff = new Map<string, { signingKey: Uint8Array; username: string }>()
  for (const signed of signers) {
    try {
      const user = verifyUserKeyChain(backend, {
        orgSigningKey: trust.orgSigningKey,
        userKey: signed,
        now,
        orgId: trust.orgId,
      })
      staff.set(user.statement.userId, { signingKey: user.signingKey, username: user.statement.username })
    } catch {
      // An uncertified signer simply certifies nothing: replies "signed" by it show as invalid.
    }
  }
  const out: ThreadEntry[] = []
  for (const item of items) {
    let envelope: Uint8Array
    try {
      envelope = fromBase64(item.envelope)
    } catch {
      out.push({ seq: item.seq, kind: item.kind, state: 'invalid' })
      continue
    }
    if (item.kind === ENVELOPE_KINDS.report) continue // the report is handled by openOwnReport
    if (item.kind !== 2 && item.kind !== 3 && item.kind !== 7) continue // staff-internal kinds never reach reporters
    let sealedToMe = false
    try {
      sealedToMe = hasSlotFor(envelope, keys.reporterPublicKey)
    } catch {
      out.push({ seq: item.seq, kind: item.kind, state: 'invalid' })
      continue
    }
    if (!sealedToMe) {
      // A reply must always be sealed to the reporter; one that is not is not a real reply to us.
      out.push({ seq: item.seq, kind: item.kind, state: item.kind === 3 ? 'invalid' : 'sealed' })
      continue
    }
    try {
      const opened = openItem(backend, envelope, {
        kind: item.kind,
        context: keys.lookupId,
        secretKey: keys.reporterSecretKey,
        expectedSeq: item.seq,
        signingKeyFor: (author) =>
          author === REPORTER_AUTHOR
            ? keys.reporterSigningKey
            : item.kind === 3
              ? staff.get(author)?.signingKey
              : undefined,
      })
      out.push({
        seq: item.seq,
        kind: item.kind,
        state: 'ok',
        author: opened.author,
        authorName: staff.get(opened.author)?.username,
        body: opened.body,
      })
    } catch {
      out.push({ seq: item.seq, kind: item.kind, state: 'invalid' })
    }
  }
  return out
}

export type ProofCheck = { valid: true; receivedOn: string; hash: string } | { valid: false }

/** Verifies the receipt-proof statement with the org-certified receipt key (and the report hash). */
export function checkProof(
  trust: Trust,
  proof: SignedStatement,
  lookupId: string,
  reportEnvelope?: Uint8Array,
): ProofCheck {
  if (!trust.receiptKey) return { valid: false }
  try {
    const statement = verifyStatement(backend, proof, trust.receiptKey, 'receipt-proof')
    if (statement.orgId !== trust.orgId || statement.lookupId !== lookupId) return { valid: false }
    if (reportEnvelope && proofHash(backend, reportEnvelope) !== statement.hash) return { valid: false }
    return { valid: true, receivedOn: statement.receivedOn, hash: statement.hash }
  } catch {
    return { valid: false }
  }
}

export function wipeReceiptKeys(keys: ReceiptKeys | null | undefined): void {
  if (!keys) return
  backend.wipe(keys.reporterSecretKey)
  backend.wipe(keys.reporterSigningSeed)
}
