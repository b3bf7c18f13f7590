/**
 * @module web/shared/case-session
 * What a reporter can do to their case once it exists (intake after submission, follow-up after
 * entering the receipt): post a message, post the desk-only contact item, upload evidence files
 * with their kind-7 manifest. Every write is signed with the reporter's receipt-derived key and
 * carries a proof of work, solved again and resent on `409 pow_spent` or `409 pow_expired`
 * (DESIGN §5, §7).
 *
 * Sequence numbers: each item's signed body carries its position in the case (`seq`), which the
 * server cannot check inside the ciphertext. The session tracks the next position from the
 * thread it read and the server's answers, and sends it beside the envelope (the optional `seq`
 * of POST /api/followup/messages): the server then stores the item only at that position, so a
 * reader never sees an item whose signed `seq` disagrees with where it sits. If someone wrote
 * meanwhile (a second tab, a caseworker's reply), the server answers `409 seq_mismatch` before
 * spending the proof of work: the session re-reads the thread, re-seals for the right position
 * and resends with the same solution.
 */
import { toBase64 } from '../../crypto/bytes.ts'
import type { ReceiptKeys } from '../../crypto/receipt.ts'
import type { DeskKey } from '../../crypto/statements.ts'
import { createStreamEncryptor, type StreamEncryptor } from '../../crypto/stream.ts'
import { ApiError, api, type Credentials } from './api.ts'
import { stripMetadata } from './metadata.ts'
import type { PowSolver } from './pow.ts'
import { type ManifestBody, todayUtc } from './report-schema.ts'
import { backend, sealReporterItem, wipeReceiptKeys } from './reporter-crypto.ts'

const POW_ATTEMPTS = 4
const CHUNK_ATTEMPTS = 3
/** Re-seals after `seq_mismatch`; more than a few in a row means something else is wrong. */
const SEQ_ATTEMPTS = 4

/** Answers that mean "this challenge cannot be used any more: solve a fresh one, resend". */
const POW_RETRY_CODES: ReadonlySet<string> = new Set(['pow_spent', 'pow_expired'])

export function isPowRetry(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409 && POW_RETRY_CODES.has(error.code)
}

export function isSeqMismatch(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409 && error.code === 'seq_mismatch'
}

/**
 * Sends a signed item with proof of work, solving afresh when the server says the challenge was
 * spent or has expired (a phone that slept through the challenge's lifetime), and resending the
 * very same submission.
 */
export async function withPow<T>(
  pow: PowSolver,
  send: (solution: { challenge: string; nonce: string }) => Promise<T>,
): Promise<T> {
  let lastError: unknown
  for (let attempt = 0; attempt < POW_ATTEMPTS; attempt++) {
    const solution = await pow.take()
    try {
      const result = await send(solution)
      pow.prepare() // have the next one ready
      return result
    } catch (error) {
      lastError = error
      if (isPowRetry(error)) continue
      pow.prepare()
      throw error
    }
  }
  throw lastError
}

export type UploadPhase = 'waiting' | 'stripping' | 'uploading' | 'done' | 'failed'

export interface EvidenceFile {
  readonly id: number
  readonly file: File
  /** Whether the container can be cleaned (JPEG, PNG, WebP by magic bytes). */
  readonly cleanable: boolean
}

export interface UploadProgress {
  phase: UploadPhase
  /** 0..1 */
  fraction: number
  metadataStripped?: boolean
}

interface Sealed {
  seq: number
  /** base64 */
  envelope: string
}

interface Upload {
  encryptor: StreamEncryptor
  attachmentId: string | null
  metadataStripped: boolean
  type: string
}

export class CaseSession {
  readonly #keys: ReceiptKeys
  readonly #desk: DeskKey
  readonly #readBack: boolean
  readonly #pow: PowSolver
  #nextSeq: number
  /** The last item whose answer never arrived (network failure), kept to resend unchanged. */
  #unanswered: { key: string; sealed: Sealed } | null = null
  readonly #uploads = new Map<number, Upload>()

  constructor(options: {
    keys: ReceiptKeys
    desk: DeskKey
    readBack: boolean
    nextSeq: number
    pow: PowSolver
  }) {
    this.#keys = options.keys
    this.#desk = options.desk
    this.#readBack = options.readBack
    this.#pow = options.pow
    this.#nextSeq = options.nextSeq
  }

  get credentials(): Credentials {
    return { lookupId: this.#keys.lookupId, authToken: this.#keys.authToken }
  }

  get readBack(): boolean {
    return this.#readBack
  }

  /** The desk's current key, plus the reporter's own when they chose to read their items back. */
  #recipients(includeReporter: boolean): Uint8Array[] {
    return includeReporter ? [this.#desk.publicKey, this.#keys.reporterPublicKey] : [this.#desk.publicKey]
  }

  async #post(kind: 2 | 7, body: Record<string, unknown>, includeReporter: boolean): Promise<number> {
    const seal = (seq: number): Sealed => ({
      seq,
      envelope: toBase64(
        sealReporterItem({
          kind,
          lookupId: this.#keys.lookupId,
          recipients: this.#recipients(includeReporter),
          body: { ...body, seq, writtenOn: todayUtc() },
          signingSeed: this.#keys.reporterSigningSeed,
        }),
      ),
    })
    // The same item again after the connection dropped: resend the very envelope, so that if the
    // server did store it, the re-read below finds it instead of storing a second copy.
    const key = JSON.stringify([kind, body, includeReporter])
    let sealed = this.#unanswered?.key === key ? this.#unanswered.sealed : seal(this.#nextSeq)
    try {
      // The server checks `seq` before it spends the challenge, so one solution serves every
      // re-sealed attempt; withPow solves again only for a spent or expired challenge.
      const result = await withPow(this.#pow, async (pow) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await api.postMessage({
              ...this.credentials,
              envelope: sealed.envelope,
              pow,
              seq: sealed.seq,
            })
          } catch (error) {
            if (!isSeqMismatch(error) || attempt >= SEQ_ATTEMPTS) throw error
            const thread = await api.followup(this.credentials)
            const stored = thread.items.find((item) => item.envelope === sealed.envelope)
            if (stored) return { seq: stored.seq }
            sealed = seal(thread.items.reduce((max, item) => Math.max(max, item.seq), -1) + 1)
          }
        }
      })
      this.#unanswered = null
      this.#nextSeq = result.seq + 1
      return result.seq
    } catch (error) {
      this.#unanswered = error instanceof ApiError && error.status === 0 ? { key, sealed } : null
      throw error
    }
  }

  postMessage(text: string): Promise<number> {
    return this.#post(2, { type: 'message', text }, this.#readBack)
  }

  /** Contact details: sealed to the desk only, never readable with the receipt (DESIGN §8). */
  postContact(contact: string): Promise<number> {
    return this.#post(2, { type: 'contact', contact }, false)
  }

  /**
   * Cleans (when possible), encrypts chunk by chunk and uploads one file, then posts its manifest.
   * Calling it again after a failure resumes the same encrypted upload where the server stopped.
   */
  async uploadFile(evidence: EvidenceFile, onProgress: (progress: UploadProgress) => void): Promise<void> {
    let upload = this.#uploads.get(evidence.id)
    if (!upload) {
      onProgress({ phase: 'stripping', fraction: 0 })
      const original = new Uint8Array(await evidence.file.arrayBuffer())
      const stripped = evidence.cleanable ? stripMetadata(original) : null
      const bytes = stripped ? stripped.bytes : original
      upload = {
        encryptor: createStreamEncryptor(backend, bytes),
        attachmentId: null,
        metadataStripped: stripped !== null,
        type: evidence.file.type,
      }
      this.#uploads.set(evidence.id, upload)
    }
    const { encryptor } = upload
    const metadataStripped = upload.metadataStripped
    onProgress({ phase: 'uploading', fraction: 0, metadataStripped })
    if (!upload.attachmentId) {
      const created = await api.createAttachment({
        ...this.credentials,
        header: toBase64(encryptor.header),
        chunks: encryptor.chunks,
        size: encryptor.streamLength - encryptor.header.length,
      })
      upload.attachmentId = created.attachmentId
    }
    const attachmentId = upload.attachmentId
    const status = await api.attachmentStatus({ ...this.credentials, attachmentId })
    const received = new Set(status.received)
    let done = received.size
    for (let index = 0; index < encryptor.chunks; index++) {
      if (received.has(index)) continue
      // Encrypt each chunk only when it is sent: a large photo never sits in memory twice.
      const chunk = encryptor.encryptChunk(index)
      let attempt = 0
      for (;;) {
        try {
          await api.uploadChunk({ ...this.credentials, attachmentId, index, data: toBase64(chunk) })
          break
        } catch (error) {
          attempt++
          if (
            attempt >= CHUNK_ATTEMPTS ||
            (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429)
          ) {
            throw error
          }
          await new Promise((resolve) => setTimeout(resolve, 800 * attempt))
        }
      }
      done++
      onProgress({ phase: 'uploading', fraction: done / encryptor.chunks, metadataStripped })
    }
    const manifest: Omit<ManifestBody, 'seq' | 'writtenOn'> = {
      fileKey: toBase64(encryptor.fileKey),
      prefix: toBase64(encryptor.prefix),
      name: evidence.file.name.slice(0, 255),
      type: upload.type.slice(0, 255),
      size: encryptor.size,
      chunks: encryptor.chunks,
      metadataStripped,
      attachmentId,
    }
    await this.#post(7, manifest, this.#readBack)
    backend.wipe(encryptor.fileKey)
    this.#uploads.delete(evidence.id)
    onProgress({ phase: 'done', fraction: 1, metadataStripped })
  }

  wipe(): void {
    for (const upload of this.#uploads.values()) backend.wipe(upload.encryptor.fileKey)
    this.#uploads.clear()
    wipeReceiptKeys(this.#keys)
  }
}
