/**
 * @module api/routes/reports
 * `POST /api/reports` (Reporter API v1, DESIGN §5 "Proof of work", §6, §7): store a new case.
 *
 * Order, and why:
 * 1. Validate and decode everything that needs no database (contract schema, strict base64,
 *    envelope structure and kind 1, size, key encodings): bad input never takes a lock.
 * 2. Under the per-lookup lock (api/storage/lookup-lock.ts), held across both transactions:
 *    an existing lookup id is answered from the stored result **before any PoW check**, so a
 *    retry after a lost response succeeds even though its challenge is spent: same auth hash,
 *    envelope, desk and keys → 200 with the identical body; anything else → 409 `conflict`.
 * 3. A new case: the desk must take reports and the envelope must hold a slot for its current
 *    key (422), checked before the challenge is spent so a mistake costs no work.
 * 4. Spend the challenge in its own transaction (409 `pow_spent` if it was used).
 * 5. Insert case and report in a second transaction with the signed receipt proof, committed
 *    before the 201 is sent.
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
import { findCase, insertCase, reportEnvelope, submissionAnswer } from '../storage/cases.ts'
import { currentDeskKeyId, orgId } from '../storage/org.ts'
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
      if (!isValidEd25519PublicKey(reporterSigningKey)) {
        throw new AppError('invalid_request', 'reporterSigningKey: not a valid Ed25519 public key')
      }
      const authHash = fromHex(authHashFromToken(backend, request.authToken), 32)

      const answer = await ctx.locks.run(request.lookupId, async () => {
        const existing = await findCase(ctx.db, request.lookupId)
        if (existing !== undefined) {
          const stored = await reportEnvelope(ctx.db, existing.id)
          const identical =
            backend.equal(authHash, existing.authHash) &&
            stored !== undefined &&
            sameBytes(stored, envelope) &&
            existing.deskId === request.deskId &&
            sameBytes(existing.reporterPublicKey, reporterPublicKey) &&
            sameBytes(existing.reporterSigningKey, reporterSigningKey)
          if (!identical)
            throw new AppError('conflict', 'A different report was already sent with this receipt.')
          return { status: 200 as const, body: submissionAnswer(existing) }
        }

        const deskKeyId = await currentDeskKeyId(ctx.db, backend, request.deskId)
        if (deskKeyId === undefined) throw new AppError('unknown_desk')
        if (!parsed.slots.some((slot) => sameBytes(slot.keyId, deskKeyId)))
          throw new AppError('desk_key_mismatch')
        const organisation = await orgId(ctx.db)
        if (organisation === undefined) throw new AppError('not_set_up')

        const now = ctx.clock.now()
        await verifyAndSpend(ctx.db, backend, ctx.secrets.powHmacKey, request.pow, now)

        const receivedOn = utcDate(now)
        const proof = signStatement(backend, ctx.secrets.receiptSeed, {
          type: 'receipt-proof',
          orgId: organisation,
          lookupId: request.lookupId,
          receivedOn,
          hash: proofHash(backend, envelope),
        })
        const record = {
          receivedOn,
          proofStatement: proof.statement,
          proofSignature: fromBase64(proof.signature),
        }
        await insertCase(
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
        return { status: 201 as const, body: submissionAnswer(record) }
      })
      const body: SubmitReportResponse = answer.body
      c.header('Cache-Control', 'no-store')
      return c.json(body, answer.status)
    },
  )
}
