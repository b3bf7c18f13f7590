/**
 * @module api/contract/reporter
 * Reporter API v1 (DESIGN §7, normative; docs/api.md documents it for independent clients).
 * Credentials travel in bodies, never in URLs. Shared with the reporter pages.
 */
import { z } from 'zod'
import { base64, base64Key, lowerHex, signedStatement, utcDate, utcTimestamp } from './common.ts'

/** Largest envelope the API accepts (base64 characters); the server also checks the decoded size. */
export const MAX_REPORT_ENVELOPE_BYTES = 256 * 1024
export const MAX_MESSAGE_ENVELOPE_BYTES = 64 * 1024
/** One attachment stream chunk: 65,536 bytes of padded plaintext + 16-byte tag (crypto/SPEC.md §6). */
export const MAX_STREAM_CHUNK_BYTES = 65_536 + 16
export const STREAM_HEADER_BYTES = 21

const b64Chars = (bytes: number) => Math.ceil(bytes / 3) * 4

export const lookupId = lowerHex(16)
export const authToken = lowerHex(32)
export const receiptCredentials = z.strictObject({ lookupId, authToken })

export const powSolution = z.strictObject({
  challenge: base64(512),
  nonce: z.string().regex(/^(?:0|[1-9][0-9]{0,19})$/, 'nonce is a decimal string without leading zeros'),
})

export const intakeConfigResponse = z.object({
  orgSigningKey: base64Key,
  directory: signedStatement,
  receiptKey: signedStatement,
  pow: z.object({ bits: z.number().int().min(0).max(32) }),
  limits: z.object({
    maxReportBytes: z.number().int().positive(),
    maxFileBytes: z.number().int().positive(),
  }),
})
export type IntakeConfig = z.infer<typeof intakeConfigResponse>

export const powChallengeResponse = z.object({
  challenge: base64(512),
  bits: z.number().int().min(0).max(32),
  expiresAt: utcTimestamp,
})
export type PowChallenge = z.infer<typeof powChallengeResponse>

export const submitReportRequest = z.strictObject({
  deskId: z.uuid(),
  lookupId,
  authToken,
  reporterPublicKey: base64Key,
  reporterSigningKey: base64Key,
  envelope: base64(b64Chars(MAX_REPORT_ENVELOPE_BYTES)),
  pow: powSolution,
})
export type SubmitReportRequest = z.infer<typeof submitReportRequest>

export const submitReportResponse = z.object({ receivedOn: utcDate, proof: signedStatement })
export type SubmitReportResponse = z.infer<typeof submitReportResponse>

export const followupItem = z.object({
  seq: z.number().int().min(0),
  kind: z.number().int().min(1).max(7),
  envelope: base64(b64Chars(MAX_REPORT_ENVELOPE_BYTES)),
})

export const followupResponse = z.object({
  items: z.array(followupItem),
  /** Signed `user-key` statements of every staff author in `items`. */
  signers: z.array(signedStatement),
  receivedOn: utcDate,
  proof: signedStatement,
  /** Filler so the body length falls in a Padmé bucket (DESIGN §7). */
  padding: z.string(),
})
export type FollowupResponse = z.infer<typeof followupResponse>

export const followupMessageRequest = z.strictObject({
  lookupId,
  authToken,
  envelope: base64(b64Chars(MAX_MESSAGE_ENVELOPE_BYTES)),
  pow: powSolution,
  /**
   * Optional: the `seq` signed inside the envelope. When given, the server stores the item only
   * if that is the next sequence number, else 409 `seq_mismatch` (re-read, re-seal, resend).
   */
  seq: z.number().int().min(1).max(1_000_000).optional(),
})
export const followupMessageResponse = z.object({ seq: z.number().int().min(1) })

export const eraseRequest = receiptCredentials
export const eraseResponse = z.object({ erased: z.literal(true) })

/** Attachments: create, upload chunks (resumable), query progress. docs/api.md is normative. */
export const createAttachmentRequest = z.strictObject({
  lookupId,
  authToken,
  /** The 21-byte stream header, base64. */
  header: base64(b64Chars(STREAM_HEADER_BYTES)),
  /** Number of stream chunks that will follow. */
  chunks: z.number().int().min(1).max(65_536),
  /** Total bytes of all chunk ciphertexts (header excluded). */
  size: z.number().int().min(17),
})
export const createAttachmentResponse = z.object({ attachmentId: z.uuid() })

export const uploadChunkRequest = z.strictObject({
  lookupId,
  authToken,
  attachmentId: z.uuid(),
  index: z.number().int().min(0).max(65_535),
  data: base64(b64Chars(MAX_STREAM_CHUNK_BYTES)),
})
export const attachmentStatusRequest = z.strictObject({ lookupId, authToken, attachmentId: z.uuid() })
export const attachmentStatusResponse = z.object({
  attachmentId: z.uuid(),
  chunks: z.number().int(),
  /** Indices already stored, so a client resumes with the first missing one. */
  received: z.array(z.number().int()),
  complete: z.boolean(),
})
/** Answer to a chunk upload: 201 when stored now, 200 when the same bytes were already stored. */
export const uploadChunkResponse = z.object({
  attachmentId: z.uuid(),
  index: z.number().int(),
  /** True once every chunk of the attachment is stored. */
  complete: z.boolean(),
})
