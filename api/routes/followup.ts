/**
 * @module api/routes/followup
 * Follow-up with receipt credentials (Reporter API v1, DESIGN §7): read the thread, post a
 * message or an attachment manifest, erase the case. Credentials travel only in bodies.
 *
 * - Unknown lookup id and wrong token answer the same 401 `unknown_receipt` (api/storage/cases.ts).
 * - The thread response is padded to a Padmé length (crypto/padding.ts), so its size says little
 *   about how many replies a case has to someone who sees only the traffic.
 * - The server checks only envelope structure and kind (2 reporter message, 7 attachment
 *   manifest); signatures, `seq` and the context (the lookup id) are checked by readers.
 */
import { Hono } from 'hono'
import { fromBase64, toBase64, utf8 } from '../../crypto/bytes.ts'
import { ENVELOPE_KINDS, parseEnvelope } from '../../crypto/envelope.ts'
import { CryptoError } from '../../crypto/errors.ts'
import { paddedLength } from '../../crypto/padding.ts'
import {
  eraseRequest,
  type FollowupResponse,
  followupMessageRequest,
  receiptCredentials,
} from '../contract/reporter.ts'
import { AppError, validate } from '../errors.ts'
import { appendItem, authenticate, caseUsage, eraseCase, nextSeq, readThread } from '../storage/cases.ts'
import { verifyAndSpend } from '../storage/pow.ts'
import { type ReporterContext, utcDate } from '../storage/reporter-context.ts'

const REPORTER_KINDS: ReadonlySet<number> = new Set([
  ENVELOPE_KINDS.reporterMessage,
  ENVELOPE_KINDS.attachmentManifest,
])

/**
 * Fills `padding` with spaces so the UTF-8 length of `JSON.stringify(body)` — exactly what
 * `c.json` sends — is a Padmé length: the smallest one not below the unpadded length.
 */
export function padFollowup(body: Omit<FollowupResponse, 'padding'>): FollowupResponse {
  const unpadded: FollowupResponse = { ...body, padding: '' }
  const length = utf8(JSON.stringify(unpadded)).length
  const target = paddedLength(length - 1)
  return { ...body, padding: ' '.repeat(target - length) }
}

export function followupRoutes(ctx: ReporterContext) {
  return new Hono()
    .post('/', ctx.rateLimiter.guard('read'), validate('json', receiptCredentials), async (c) => {
      const credentials = c.req.valid('json')
      await ctx.rateLimiter.checkLookup('read', credentials.lookupId)
      const backend = await ctx.backend()
      const record = await authenticate(ctx.db, backend, credentials)
      const thread = await readThread(ctx.db, record.id)
      const body = padFollowup({
        items: thread.items,
        signers: thread.signers,
        receivedOn: record.receivedOn,
        proof: {
          statement: record.proofStatement,
          signature: toBase64(record.proofSignature),
        },
      })
      c.header('Cache-Control', 'no-store')
      return c.json(body, 200)
    })
    .post(
      '/messages',
      ctx.rateLimiter.guard('submit'),
      validate('json', followupMessageRequest),
      async (c) => {
        const request = c.req.valid('json')
        await ctx.rateLimiter.checkLookup('submit', request.lookupId)
        const backend = await ctx.backend()
        const envelope = parseBase64Envelope(request.envelope, ctx.limits.maxMessageBytes)
        const kind = parseEnvelope(envelope).kind
        if (!REPORTER_KINDS.has(kind))
          throw new CryptoError('bad_kind', 'reporters send envelope kinds 2 and 7')
        const seq = await ctx.locks.run(request.lookupId, async () => {
          const record = await authenticate(ctx.db, backend, request)
          const usage = await caseUsage(ctx.db, record.id)
          if (usage.items + 1 > ctx.limits.maxItemsPerCase) throw new AppError('too_many_items')
          if (usage.bytes + envelope.length > ctx.limits.maxCaseBytes) throw new AppError('quota_exceeded')
          // Checked before the challenge is spent too, so a stale client loses no work.
          if (request.seq !== undefined && request.seq !== (await nextSeq(ctx.db, record.id))) {
            throw new AppError('seq_mismatch')
          }
          const now = ctx.clock.now()
          await verifyAndSpend(ctx.db, backend, ctx.secrets.powHmacKey, request.pow, now)
          return await appendItem(
            ctx.db,
            { caseId: record.id, kind, envelope, createdOn: utcDate(now), expectedSeq: request.seq },
            ctx.config.commitDelayMs,
          )
        })
        return c.json({ seq }, 201)
      },
    )
    .post('/erase', ctx.rateLimiter.guard('read'), validate('json', eraseRequest), async (c) => {
      const credentials = c.req.valid('json')
      await ctx.rateLimiter.checkLookup('read', credentials.lookupId)
      const backend = await ctx.backend()
      await ctx.locks.run(credentials.lookupId, async () => {
        const record = await authenticate(ctx.db, backend, credentials)
        await eraseCase(ctx.db, record.id)
      })
      return c.json({ erased: true as const }, 200)
    })
}

/** Strict base64 (crypto/bytes.ts) and a decoded-size check; CryptoError → 400 with its code. */
export function parseBase64Envelope(text: string, maxBytes: number): Uint8Array {
  // Decoded size is known from the text length; refuse before decoding anything large.
  if ((text.length / 4) * 3 - 2 > maxBytes) throw new AppError('payload_too_large', 'envelope: too large')
  const bytes = fromBase64(text)
  if (bytes.length > maxBytes) throw new AppError('payload_too_large', 'envelope: too large')
  return bytes
}
