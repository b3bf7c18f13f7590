/**
 * @module api/routes/attachments
 * Chunked, resumable upload of encrypted attachment streams (Reporter API v1; docs/api.md
 * "Attachments" is the normative description for clients):
 *
 *   POST /api/attachments          create: stream header, chunk count, size → 201 { attachmentId }
 *   POST /api/attachments/chunks   upload chunk `index` (any order; same bytes again → 200)
 *   POST /api/attachments/status   which chunks are stored, and whether all are
 *
 * Then the reporter posts the kind-7 manifest (file key, prefix, name, type, real size, chunk
 * count, attachmentId) through `POST /api/followup/messages`. Credentials travel in bodies.
 * The size of an attachment counts against the case quota from the moment it is created, so
 * unfinished uploads cannot exceed it either.
 */
import { Hono } from 'hono'
import { fromBase64 } from '../../crypto/bytes.ts'
import { STREAM_HEADER_BYTES } from '../../crypto/stream.ts'
import { attachmentStatusRequest, createAttachmentRequest, uploadChunkRequest } from '../contract/reporter.ts'
import { AppError, validate } from '../errors.ts'
import {
  checkChunk,
  checkStreamShape,
  createAttachment,
  findAttachment,
  putChunk,
  receivedChunks,
} from '../storage/attachments.ts'
import { authenticate, caseUsage } from '../storage/cases.ts'
import { type ReporterContext, utcDate } from '../storage/reporter-context.ts'

export function attachmentRoutes(ctx: ReporterContext) {
  return new Hono()
    .post('/', ctx.rateLimiter.guard('submit'), validate('json', createAttachmentRequest), async (c) => {
      const request = c.req.valid('json')
      await ctx.rateLimiter.checkLookup('submit', request.lookupId)
      const backend = await ctx.backend()
      const header = fromBase64(request.header)
      checkStreamShape(header, request.chunks, request.size, ctx.limits.maxFileBytes)
      const attachmentId = await ctx.locks.run(request.lookupId, async () => {
        const record = await authenticate(ctx.db, backend, request)
        const usage = await caseUsage(ctx.db, record.id)
        if (usage.attachments + 1 > ctx.limits.maxAttachmentsPerCase) throw new AppError('too_many_items')
        if (usage.bytes + request.size + STREAM_HEADER_BYTES > ctx.limits.maxCaseBytes) {
          throw new AppError('quota_exceeded')
        }
        return await createAttachment(ctx.db, {
          caseId: record.id,
          header,
          chunks: request.chunks,
          size: request.size,
          createdOn: utcDate(ctx.clock.now()),
        })
      })
      return c.json({ attachmentId }, 201)
    })
    .post('/chunks', ctx.rateLimiter.guard('chunk'), validate('json', uploadChunkRequest), async (c) => {
      const request = c.req.valid('json')
      await ctx.rateLimiter.checkLookup('chunk', request.lookupId)
      const backend = await ctx.backend()
      const data = fromBase64(request.data)
      const result = await ctx.locks.run(request.lookupId, async () => {
        const record = await authenticate(ctx.db, backend, request)
        const attachment = await findAttachment(ctx.db, record.id, request.attachmentId)
        checkChunk(attachment, request.index, data)
        return await putChunk(ctx.db, attachment, request.index, data)
      })
      return c.json(
        { attachmentId: request.attachmentId, index: request.index, complete: result.complete },
        result.created ? 201 : 200,
      )
    })
    .post('/status', ctx.rateLimiter.guard('read'), validate('json', attachmentStatusRequest), async (c) => {
      const request = c.req.valid('json')
      await ctx.rateLimiter.checkLookup('read', request.lookupId)
      const backend = await ctx.backend()
      const record = await authenticate(ctx.db, backend, request)
      const attachment = await findAttachment(ctx.db, record.id, request.attachmentId)
      const received = await receivedChunks(ctx.db, attachment.id)
      return c.json(
        {
          attachmentId: attachment.id,
          chunks: attachment.chunksExpected,
          received,
          complete: received.length === attachment.chunksExpected,
        },
        200,
      )
    })
}
