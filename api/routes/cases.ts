/**
 * @module api/routes/cases
 * The case queue, case detail, staff items (replies, notes) and triage (DESIGN §7 "cases", §8).
 *
 * Roles: caseworkers and admins, limited to the desks they belong to; analysts never read
 * narratives (403 on every route here). Every change carries a browser-signed audit entry that is
 * appended in the same transaction. Staff items record their author, so `/api/followup` can serve
 * the author's `user-key` statement to the reporter (api/storage/cases.ts `readThread`).
 * The server checks the envelope's structure and kind only; the seq inside the signed body and
 * the signature are checked by every reader.
 *
 * Related cases: links and merges join two cases of the same desk only; a case of another desk
 * answers 404 exactly like a missing one. A merge hides the duplicate from the queue and is final
 * for caseworkers; an admin can undo it (`/unmerge`), since a wrong merge must not bury a report.
 */
import { and, eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { parseEnvelope } from '../../crypto/envelope.ts'
import { CryptoError } from '../../crypto/errors.ts'
import {
  type AuditWire,
  caseLabelRequest,
  caseLinkRequest,
  caseMergeRequest,
  caseUnmergeRequest,
  exportRequest,
  MAX_ITEM_ENVELOPE_BYTES,
  postItemRequest,
  QUEUE_PAGE_SIZE,
  queueIndexQuery,
  queueQuery,
  readRequest,
  triageRequest,
} from '../contract/staff.ts'
import type { Db } from '../db/index.ts'
import { caseItems, caseLabels, cases, labels } from '../db/schema.ts'
import { AppError, validate } from '../errors.ts'
import { originCheck, requireStaff, type StaffContext, type StaffEnv } from '../session.ts'
import { appendStaffEntry } from '../storage/audit.ts'
import { nextSeq } from '../storage/cases.ts'
import { applyRetentionOnStatus } from '../storage/retention.ts'
import { findUser } from '../storage/staff.ts'
import {
  allLabels,
  attachmentStream,
  caseForStaff,
  caseItemsOf,
  caseRelations,
  deskIdsOf,
  labelsOfCases,
  linkCases,
  markRead,
  mergeCase,
  queue,
  queueIndex,
  staffOfDesk,
  staffOfDesks,
  unlinkCases,
  unmergeCase,
} from '../storage/staff-cases.ts'

async function signerStatements(ctx: StaffContext, authorIds: readonly string[]) {
  const out: { statement: string; signature: string }[] = []
  for (const id of [...new Set(authorIds)].sort()) {
    const user = await findUser(ctx.db, id)
    if (user?.userKeyStatement != null && user.userKeySignature !== null) {
      out.push({ statement: user.userKeyStatement, signature: toBase64(user.userKeySignature) })
    }
  }
  return out
}

/** A case on one of the caller's desks; another desk's case answers exactly like a missing one. */
async function caseOfCaller(ctx: StaffContext, userId: string, caseId: string) {
  const deskIds = await deskIdsOf(ctx.db, userId)
  return { deskIds, found: await caseForStaff(ctx.db, deskIds, caseId) }
}

/**
 * Runs `change` and appends the caller's browser-signed audit entry about `target` in one
 * transaction: both are stored, or neither (DESIGN §6).
 */
async function auditedChange(
  ctx: StaffContext,
  userId: string,
  entry: { action: string; target: string; wire: AuditWire; now?: Date },
  change: (tx: Db) => Promise<void> = async () => {},
): Promise<void> {
  const backend = await ctx.backend()
  const author = await findUser(ctx.db, userId)
  if (author === undefined) throw new AppError('unauthorized')
  await ctx.db.transaction(async (tx) => {
    await change(tx)
    await appendStaffEntry(tx, backend, {
      actor: userId,
      actorSigningKey: author.signingPublicKey,
      action: entry.action,
      target: entry.target,
      wire: entry.wire,
      now: entry.now ?? ctx.clock.now(),
    })
  })
}

export function caseRoutes(ctx: StaffContext) {
  const caseStaff = requireStaff(ctx, ['admin', 'caseworker'])
  return (
    new Hono<StaffEnv>()
      .use(originCheck(ctx.config))
      .use(caseStaff)
      .get('/', validate('query', queueQuery), async (c) => {
        const staff = c.get('staff')
        const deskIds = await deskIdsOf(ctx.db, staff.userId)
        const result = await queue(ctx.db, staff.userId, deskIds, c.req.valid('query'))
        return c.json(
          {
            ...result,
            pageSize: QUEUE_PAGE_SIZE,
            staff: await staffOfDesks(ctx.db, deskIds),
            labels: await allLabels(ctx.db),
          },
          200,
        )
      })
      // Before '/:id', which would take "index" for a case id.
      .get('/index', validate('query', queueIndexQuery), async (c) => {
        const staff = c.get('staff')
        const deskIds = await deskIdsOf(ctx.db, staff.userId)
        return c.json(await queueIndex(ctx.db, staff.userId, deskIds, c.req.valid('query')), 200)
      })
      .get('/:id', async (c) => {
        const staff = c.get('staff')
        const deskIds = await deskIdsOf(ctx.db, staff.userId)
        const found = await caseForStaff(ctx.db, deskIds, c.req.param('id'))
        const items = await caseItemsOf(ctx.db, found.id)
        const authorIds = items.flatMap((i) => (i.authorId === null ? [] : [i.authorId]))
        if (found.assigneeId !== null) authorIds.push(found.assigneeId)
        const seenRow = items.at(-1)?.seq ?? 0
        return c.json(
          {
            case: {
              id: found.id,
              deskId: found.deskId,
              lookupId: found.lookupId,
              receivedOn: found.receivedOn,
              status: found.status,
              priority: found.priority,
              assigneeId: found.assigneeId,
              spam: found.spam,
              labels: (await labelsOfCases(ctx.db, [found.id])).map((l) => l.labelId),
              lastSeq: seenRow,
              seenSeq: -1,
              reporterPublicKey: toBase64(found.reporterPublicKey),
              reporterSigningKey: toBase64(found.reporterSigningKey),
            },
            items: items.map((i) => ({
              seq: i.seq,
              kind: i.kind,
              envelope: toBase64(i.envelope),
              authorId: i.authorId,
              createdOn: i.createdOn,
            })),
            signers: await signerStatements(ctx, authorIds),
            staff: await staffOfDesk(ctx.db, found.deskId),
            labels: await allLabels(ctx.db),
          },
          200,
        )
      })
      .post('/:id/export', validate('json', exportRequest), async (c) => {
        // DESIGN §8 "referral export … audited": the browser builds the redacted document; the
        // server only records, with the signed entry, that this person exported this case.
        const staff = c.get('staff')
        const { found } = await caseOfCaller(ctx, staff.userId, c.req.param('id'))
        const wire = c.req.valid('json').audit
        await auditedChange(ctx, staff.userId, { action: 'case.export', target: found.id, wire })
        return c.json({ ok: true as const }, 200)
      })
      .post('/:id/labels', validate('json', caseLabelRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const { found } = await caseOfCaller(ctx, staff.userId, c.req.param('id'))
        const [label] = await ctx.db.select().from(labels).where(eq(labels.id, body.labelId)).limit(1)
        if (label === undefined) throw new AppError('unprocessable', 'labelId: not on the list')
        await auditedChange(
          ctx,
          staff.userId,
          { action: 'case.label', target: found.id, wire: body.audit },
          async (tx) => {
            if (body.on)
              await tx
                .insert(caseLabels)
                .values({ caseId: found.id, labelId: label.id })
                .onConflictDoNothing()
            else
              await tx
                .delete(caseLabels)
                .where(and(eq(caseLabels.caseId, found.id), eq(caseLabels.labelId, label.id)))
          },
        )
        return c.json({ ok: true as const }, 200)
      })
      .get('/:id/attachments/:attachmentId', async (c) => {
        const staff = c.get('staff')
        const { found } = await caseOfCaller(ctx, staff.userId, c.req.param('id'))
        const stream = await attachmentStream(ctx.db, found.id, c.req.param('attachmentId'))
        if (stream === undefined) throw new AppError('not_found')
        // Ciphertext only; still never something a browser should render or sniff.
        return c.body(stream as Uint8Array<ArrayBuffer>, 200, {
          'Content-Type': 'application/octet-stream',
          'Content-Disposition': 'attachment',
          'Cache-Control': 'no-store',
        })
      })
      .post('/:id/read', validate('json', readRequest), async (c) => {
        const staff = c.get('staff')
        const { found } = await caseOfCaller(ctx, staff.userId, c.req.param('id'))
        await markRead(ctx.db, found.id, staff.userId, c.req.valid('json').seq)
        return c.json({ ok: true as const }, 200)
      })
      .post('/:id/items', validate('json', postItemRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const backend = await ctx.backend()
        const deskIds = await deskIdsOf(ctx.db, staff.userId)
        const found = await caseForStaff(ctx.db, deskIds, c.req.param('id'))
        const envelope = fromBase64(body.envelope)
        if (envelope.length > MAX_ITEM_ENVELOPE_BYTES) throw new AppError('payload_too_large')
        if (parseEnvelope(envelope).kind !== body.kind)
          throw new CryptoError('bad_kind', 'kind does not match')
        const author = await findUser(ctx.db, staff.userId)
        if (author === undefined || author.userKeyStatement === null)
          throw new AppError('forbidden', 'Your keys are not certified yet.')
        const now = ctx.clock.now()
        await ctx.db.transaction(async (tx) => {
          const seq = await nextSeq(tx, found.id)
          if (seq !== body.seq) throw new AppError('seq_mismatch')
          await tx.insert(caseItems).values({
            caseId: found.id,
            seq,
            kind: body.kind,
            envelope,
            authorId: staff.userId,
            createdOn: now.toISOString().slice(0, 10),
          })
          await appendStaffEntry(tx, backend, {
            actor: staff.userId,
            actorSigningKey: author.signingPublicKey,
            action: body.kind === 3 ? 'case.reply' : body.kind === 5 ? 'case.coding' : 'case.note',
            target: found.id,
            wire: body.audit,
            now,
          })
        })
        await markRead(ctx.db, found.id, staff.userId, body.seq)
        return c.json({ seq: body.seq }, 201)
      })
      .get('/:id/relations', async (c) => {
        const staff = c.get('staff')
        const { deskIds, found } = await caseOfCaller(ctx, staff.userId, c.req.param('id'))
        return c.json(await caseRelations(ctx.db, deskIds, found), 200)
      })
      .post('/:id/links', validate('json', caseLinkRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const { deskIds, found } = await caseOfCaller(ctx, staff.userId, c.req.param('id'))
        if (body.otherId === found.id)
          throw new AppError('unprocessable', 'otherId: a case cannot be linked to itself')
        const other = await caseForStaff(ctx.db, deskIds, body.otherId)
        // No cross-desk links, and no oracle for whether the other desk's case exists.
        if (other.deskId !== found.deskId) throw new AppError('not_found')
        const action = body.on ? 'case.link' : 'case.unlink'
        await auditedChange(ctx, staff.userId, { action, target: found.id, wire: body.audit }, async (tx) => {
          if (body.on) await linkCases(tx, found.id, other.id)
          else await unlinkCases(tx, found.id, other.id)
        })
        return c.json({ ok: true as const }, 200)
      })
      .post('/:id/merge', validate('json', caseMergeRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const { deskIds, found } = await caseOfCaller(ctx, staff.userId, c.req.param('id'))
        if (body.into === found.id)
          throw new AppError('unprocessable', 'into: a case cannot be merged into itself')
        const target = await caseForStaff(ctx.db, deskIds, body.into)
        if (target.deskId !== found.deskId) throw new AppError('not_found')
        await auditedChange(
          ctx,
          staff.userId,
          { action: 'case.merge', target: found.id, wire: body.audit },
          (tx) => mergeCase(tx, found.id, target.id),
        )
        return c.json({ ok: true as const }, 200)
      })
      .post('/:id/unmerge', requireStaff(ctx, ['admin']), validate('json', caseUnmergeRequest), async (c) => {
        const staff = c.get('staff')
        const { found } = await caseOfCaller(ctx, staff.userId, c.req.param('id'))
        const wire = c.req.valid('json').audit
        await auditedChange(ctx, staff.userId, { action: 'case.unmerge', target: found.id, wire }, (tx) =>
          unmergeCase(tx, found.id),
        )
        return c.json({ ok: true as const }, 200)
      })
      .post('/:id/triage', validate('json', triageRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const { found } = await caseOfCaller(ctx, staff.userId, c.req.param('id'))
        const change: Partial<typeof cases.$inferInsert> = {}
        const actions: string[] = []
        if (body.status !== undefined) {
          change.status = body.status
          actions.push('status')
        }
        if (body.priority !== undefined) {
          change.priority = body.priority
          actions.push('priority')
        }
        if (body.assigneeId !== undefined) {
          if (body.assigneeId !== null) {
            const members = await staffOfDesk(ctx.db, found.deskId)
            if (!members.some((m) => m.id === body.assigneeId))
              throw new AppError('unprocessable', 'assigneeId: not a member of this desk')
          }
          change.assigneeId = body.assigneeId
          actions.push('assignee')
        }
        if (body.spam !== undefined) {
          change.spam = body.spam
          actions.push('spam')
        }
        if (actions.length !== 1)
          throw new AppError('invalid_request', 'change exactly one field per request')
        const now = ctx.clock.now()
        const entry = { action: `case.${actions[0]}`, target: found.id, wire: body.audit, now }
        await auditedChange(ctx, staff.userId, entry, async (tx) => {
          await tx.update(cases).set(change).where(eq(cases.id, found.id))
          // Closing sets the retention date from the desk's period; reopening clears it.
          if (body.status !== undefined) await applyRetentionOnStatus(tx, found.id, body.status, now)
        })
        return c.json({ ok: true as const }, 200)
      })
  )
}
