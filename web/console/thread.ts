/**
 * @module web/console/thread
 * Opening a case in the browser (DESIGN §5, §5a): the report with the desk key, refusing a case
 * whose server-stored reporter keys differ from those inside the report; then every item, each
 * verified under its author's key — the reporter's key from the report, or a staff signing key
 * from an organisation-certified `user-key` statement — with `seq` equal to its position. What
 * fails is shown as refused, never as content. Also sealing replies and notes.
 */
import type { CaseDetailResponse } from '../../api/contract/staff.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { CryptoError } from '../../crypto/errors.ts'
import { openItem, REPORTER_AUTHOR, sealItem } from '../../crypto/items.ts'
import { type OpenedReport, openReport } from '../../crypto/report.ts'
import { type ReportPlaintext, reportPlaintextSchema } from '../shared/report-schema.ts'
import { type KeyRing, rememberSigner } from './keys.ts'

export type ThreadEntry =
  | {
      seq: number
      kind: number
      ok: true
      author: string
      authorName: string
      body: Record<string, unknown>
      createdOn: string
    }
  | { seq: number; kind: number; ok: false; error: string; createdOn: string }

export type OpenedCase =
  | { ok: false; error: string }
  | {
      ok: true
      report: OpenedReport
      parsed: ReportPlaintext | undefined
      entries: ThreadEntry[]
      deskPublicKey: Uint8Array
    }

function deskSecrets(ring: KeyRing, deskId: string): [number, Uint8Array][] {
  return [...(ring.desks.get(deskId) ?? new Map<number, Uint8Array>())].sort((a, b) => b[0] - a[0])
}

export function openCase(backend: CryptoBackend, ring: KeyRing, detail: CaseDetailResponse): OpenedCase {
  const secrets = deskSecrets(ring, detail.case.deskId)
  const current = secrets[0]
  if (current === undefined) return { ok: false, error: 'no_key' }
  const first = detail.items[0]
  if (first === undefined || first.seq !== 0 || first.kind !== 1) return { ok: false, error: 'no_report' }
  let report: OpenedReport | undefined
  let deskSecret: Uint8Array | undefined
  for (const [, secretKey] of secrets) {
    try {
      report = openReport(backend, fromBase64(first.envelope), { lookupId: detail.case.lookupId, secretKey })
      deskSecret = secretKey
      break
    } catch {
      // try older versions
    }
  }
  if (report === undefined || deskSecret === undefined) return { ok: false, error: 'decrypt_failed' }
  if (
    !backend.equal(report.reporterPublicKey, fromBase64(detail.case.reporterPublicKey, 32)) ||
    !backend.equal(report.reporterSigningKey, fromBase64(detail.case.reporterSigningKey, 32))
  )
    return { ok: false, error: 'reporter_keys_differ' }
  for (const signer of detail.signers) rememberSigner(backend, ring, signer, new Date())
  const parsed = reportPlaintextSchema.safeParse(report.report)
  const entries: ThreadEntry[] = detail.items.slice(1).map((item, index) => {
    const expectedSeq = index + 1
    if (item.kind === 1 || item.kind === 6)
      return { seq: item.seq, kind: item.kind, ok: false, error: 'bad_kind', createdOn: item.createdOn }
    const reportKeys = report as OpenedReport
    let lastError = 'decrypt_failed'
    for (const [, secretKey] of secrets) {
      try {
        const opened = openItem(backend, fromBase64(item.envelope), {
          kind: item.kind as 2 | 3 | 4 | 5 | 7,
          context: detail.case.lookupId,
          secretKey,
          expectedSeq,
          signingKeyFor: (author) =>
            author === REPORTER_AUTHOR
              ? reportKeys.reporterSigningKey
              : ring.certified.get(author)?.signingKey,
        })
        const authorName =
          opened.author === REPORTER_AUTHOR
            ? REPORTER_AUTHOR
            : (ring.certified.get(opened.author)?.username ?? '')
        return {
          seq: item.seq,
          kind: item.kind,
          ok: true,
          author: opened.author,
          authorName,
          body: opened.body,
          createdOn: item.createdOn,
        }
      } catch (error) {
        lastError = error instanceof CryptoError ? error.code : 'decrypt_failed'
        if (lastError !== 'no_slot_for_key') break
      }
    }
    return { seq: item.seq, kind: item.kind, ok: false, error: lastError, createdOn: item.createdOn }
  })
  return {
    ok: true,
    report,
    parsed: parsed.success ? parsed.data : undefined,
    entries,
    deskPublicKey: backend.x25519PublicKey(current[1]),
  }
}

/** A reply (kind 3, to the reporter and the desk) or a note (kind 4, the desk only), signed. */
export function sealStaffItem(
  backend: CryptoBackend,
  ring: KeyRing,
  input: {
    kind: 3 | 4
    lookupId: string
    seq: number
    text: string
    reporterPublicKey: Uint8Array
    deskPublicKey: Uint8Array
  },
): string {
  const recipients = input.kind === 3 ? [input.reporterPublicKey, input.deskPublicKey] : [input.deskPublicKey]
  return toBase64(
    sealItem(backend, {
      kind: input.kind,
      context: input.lookupId,
      recipients,
      body: { seq: input.seq, writtenOn: new Date().toISOString().slice(0, 10), text: input.text },
      author: ring.userId,
      signingSeed: ring.signingSeed,
    }),
  )
}

/**
 * File names from reporters are hostile (DESIGN §8): bidi overrides and controls removed, length
 * capped, so "exe.pdf" cannot masquerade as "fdp.exe".
 */
export function cleanFileName(name: string): string {
  const cleaned = name.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '').trim()
  return cleaned.length > 120 ? `${cleaned.slice(0, 117)}…` : cleaned
}
