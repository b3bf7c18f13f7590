/**
 * @module api/routes/reports
 * `POST /api/reports` (Reporter API v1, DESIGN §5 "Proof of work", §6, §7): store a new case.
 *
 * Order, and why:
 * 1. Validate and decode everything that needs no database (contract schema, strict base64,
 *    envelope structure and kind 1, size, key encodings): bad input never reaches the database.
 * 2. One query: the submission stored under this lookup id, and the desk's current key with the
 *    organisation id. An existing lookup id is answered from the stored result **before any PoW
 *    check**, so a retry after a lost response succeeds even though its challenge is spent: same
 *    auth hash, report, desk and keys → 200 with the identical body; anything else → 409
 *    `conflict`.
 * 3. A new case: the desk must take reports and the envelope must hold a slot for its current
 *    key (422), checked before the challenge is spent so a mistake costs no work.
 * 4. Spend the challenge in its own transaction (DESIGN §5: the two rows share no commit);
 *    409 `pow_spent` if it was used and the lookup id is still unknown.
 * 5. Insert case and report in one statement with the signed receipt proof, committed before
 *    the 201 is sent.
 *
 * Exactly once without a database lock: requests for one lookup id queue in this process
 * (api/storage/lookup-lock.ts `local`), and across instances the unique lookup id decides — a
 * submission whose insert finds the lookup id taken, or whose challenge a racing copy spent, is
 * answered from the stored case like any retry.
 */
import { Hono } from 'hono'
import { ED25519_PUBLIC_KEY_BYTES, X25519_PUBLIC_KEY_BYTES } from '../../crypto/backend.ts'
import { fromBase64, fromHex } from '../../crypto/bytes.ts'
import { isValidEd25519PublicKey } from '../../crypto/ed25519.ts'
import { ENVELOPE_KINDS, parseEnvelope, proofHash } from '../../crypto/envelope.ts'
import { CryptoError } from '../../crypto/errors.ts'
import { authHashFromToken } from '../../crypto/receipt.ts'
import { signStatement } from '../../crypto/statements.ts'
import { type SubmitReportResponse, submitReportRequest } from '../contract/reporter.ts'
import { AppError, validate } from '../errors.ts'
import {
  findSubmission,
  insertCase,
  readSubmission,
  type StoredSubmission,
  submissionAnswer,
} from '../storage/cases.ts'
import { verifyAndSpend } from '../storage/pow.ts'
import { type ReporterContext, utcDate } from '../storage/reporter-context.ts'

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

export function reportRoutes(ctx: ReporterContext) {
  return new Hono().post(
    '/',
    ctx.rateLimiter.guard('submit'),
    validate('json', submitReportRequest),
    async (c) => {
      const request = c.req.valid('json')
      await ctx.rateLimiter.checkLookup('submit', request.lookupId)
      const backend = await ctx.backend()

      const envelope = fromBase64(request.envelope)
      if (envelope.length > ctx.limits.maxReportBytes)
        throw new AppError('payload_too_large', 'envelope: too large')
      const parsed = parseEnvelope(envelope)
      if (parsed.kind !== ENVELOPE_KINDS.report)
        throw new CryptoError('bad_kind', 'a report is envelope kind 1')
      const reporterPublicKey = fromBase64(request.reporterPublicKey, X25519_PUBLIC_KEY_BYTES)
      const reporterSigningKey = fromBase64(request.reporterSigningKey, ED25519_PUBLIC_KEY_BYTES)
      if (!isValidEd25519PublicKey(reporterSigningKey, backend)) {
        throw new AppError('invalid_request', 'reporterSigningKey: not a valid Ed25519 public key')
      }
      const authHash = fromHex(authHashFromToken(backend, request.authToken), 32)

      /** The answer to a resend: the stored body if it is the same submission, else 409. */
      const answerStored = (stored: StoredSubmission) => {
        const identical =
          backend.equal(authHash, stored.authHash) &&
          stored.envelope !== null &&
          // The payload, not the slots: a "retire old key" job (crypto/SPEC.md §18) may have
          // swapped a desk slot since, and a retried submission must still be recognised.
          proofHash(backend, stored.envelope) === proofHash(backend, envelope) &&
          stored.deskId === request.deskId &&
          sameBytes(stored.reporterPublicKey, reporterPublicKey) &&
          sameBytes(stored.reporterSigningKey, reporterSigningKey)
        if (!identical)
          throw new AppError('conflict', 'A different report was already sent with this receipt.')
        return { status: 200 as const, body: submissionAnswer(stored) }
      }

      const answer = await ctx.locks.local(request.lookupId, async () => {
        const { stored: existing, target } = await readSubmission(ctx.db, backend, request)
        if (existing !== undefined) return answerStored(existing)

        if (target === undefined) throw new AppError('unknown_desk')
        if (!parsed.slots.some((slot) => sameBytes(slot.keyId, target.deskKeyId)))
          throw new AppError('desk_key_mismatch')

        const now = ctx.clock.now()
        try {
          await verifyAndSpend(ctx.db, backend, ctx.secrets.powHmacKey, request.pow, now)
        } catch (error) {
          // A copy of this submission on another instance may have spent it and stored the case.
          if (!(error instanceof AppError && error.code === 'pow_spent')) throw error
          const raced = await findSubmission(ctx.db, request.lookupId)
          if (raced === undefined) throw error
          return answerStored(raced)
        }

        const receivedOn = utcDate(now)
        const proof = signStatement(backend, ctx.secrets.receiptSeed, {
          type: 'receipt-proof',
          orgId: target.orgId,
          lookupId: request.lookupId,
          receivedOn,
          hash: proofHash(backend, envelope),
        })
        const record = {
          receivedOn,
          proofStatement: proof.statement,
          proofSignature: fromBase64(proof.signature),
        }
        const created = await insertCase(
          ctx.db,
          {
            deskId: request.deskId,
            lookupId: request.lookupId,
            authHash,
            reporterPublicKey,
            reporterSigningKey,
            envelope,
            receivedOn,
            proof: { statement: record.proofStatement, signature: record.proofSignature },
          },
          ctx.config.commitDelayMs,
        )
        if (!created) {
          // Another instance stored this lookup id between our read and our insert.
          const raced = await findSubmission(ctx.db, request.lookupId)
          if (raced === undefined)
            throw new AppError('conflict', 'This receipt was used and erased meanwhile.')
          return answerStored(raced)
        }
        return { status: 201 as const, body: submissionAnswer(record) }
      })
      const body: SubmitReportResponse = answer.body
      c.header('Cache-Control', 'no-store')
      return c.json(body, answer.status)
    },
  )
}
