/**
 * @module api/routes/context
 * Organisation-signed updates of the TNR context dataset (issue 9, SPEC.md §9 `context-update`).
 *
 * - `GET /api/context` (public, no session): the latest stored update — statement, signature and
 *   the overlay text it hashes — or `{ update: null }`. Every reporter page asks once per load,
 *   whatever the reporter later picks, and verifies it against the organisation key it trusts;
 *   the answer is the same for everyone, so it reveals nothing about who asks.
 * - `POST /api/context` (admin): stores a new update signed in the admin's browser with the
 *   organisation key, together with the admin's browser-signed audit entry (`context.update`).
 *
 * The server cannot sign an update (it never holds the organisation key); it checks what it
 * stores — the signature under this organisation's key, the hash binding the overlay, the
 * overlay's schema, the next sequence number, no check date in the future — so a careless client
 * cannot store something every reader would refuse. Readers verify again.
 */
import { desc } from 'drizzle-orm'
import { Hono } from 'hono'
import { z } from 'zod'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { CryptoError } from '../../crypto/errors.ts'
import { verifyContextUpdate } from '../../crypto/statements.ts'
import { type ContextOverlay, contextOverlay, contextUpdateWire } from '../contract/context.ts'
import { auditWire } from '../contract/staff.ts'
import { contextUpdates, org } from '../db/schema.ts'
import { AppError, validate } from '../errors.ts'
import { originCheck, requireStaff, type StaffContext, type StaffEnv } from '../session.ts'
import { appendStaffEntry } from '../storage/audit.ts'
import { findUser } from '../storage/staff.ts'

const publishRequest = z.strictObject({ update: contextUpdateWire, audit: auditWire })

/** Check dates are UTC days; a day after the server's own allows for time zones, not more. */
const DAY_MS = 24 * 60 * 60 * 1000

function checkDates(overlay: ContextOverlay): string[] {
  return [
    ...overlay.memberships,
    ...overlay.treaties,
    ...overlay.caseLaw,
    ...overlay.patterns,
    ...overlay.general,
    ...overlay.contacts,
  ].map((fact) => fact.checkedOn)
}

export function contextRoutes(ctx: StaffContext) {
  const admin = requireStaff(ctx, ['admin'])
  return new Hono<StaffEnv>()
    .use(originCheck(ctx.config))
    .get('/', async (c) => {
      const [row] = await ctx.db.select().from(contextUpdates).orderBy(desc(contextUpdates.seq)).limit(1)
      c.header('Cache-Control', 'no-store')
      return c.json(
        {
          update:
            row === undefined
              ? null
              : {
                  signed: { statement: row.statement, signature: toBase64(row.signature) },
                  overlay: row.overlay,
                },
        },
        200,
      )
    })
    .post('/', admin, validate('json', publishRequest), async (c) => {
      const staff = c.get('staff')
      const { update, audit } = c.req.valid('json')
      const backend = await ctx.backend()
      const now = ctx.clock.now()
      const [organisation] = await ctx.db.select().from(org).limit(1)
      if (organisation === undefined) throw new AppError('not_set_up')
      let verified: ReturnType<typeof verifyContextUpdate>
      try {
        verified = verifyContextUpdate(
          backend,
          update.signed,
          update.overlay,
          organisation.signingPublicKey,
          {
            orgId: organisation.id,
          },
        )
      } catch (error) {
        if (error instanceof CryptoError)
          throw new AppError('unprocessable', `update: not signed by this organisation's key (${error.code})`)
        throw error
      }
      const overlay = contextOverlay.safeParse(verified.overlay)
      if (!overlay.success) throw new AppError('unprocessable', 'overlay: not a valid context overlay')
      const latestAllowed = new Date(now.getTime() + DAY_MS).toISOString().slice(0, 10)
      if (checkDates(overlay.data).some((day) => day > latestAllowed))
        throw new AppError('unprocessable', 'overlay: a check date lies in the future')
      const actor = await findUser(ctx.db, staff.userId)
      if (actor === undefined) throw new AppError('unauthorized')
      await ctx.db.transaction(async (tx) => {
        // The audit lock serialises staff writes, so the sequence check below cannot race.
        await appendStaffEntry(tx, backend, {
          actor: actor.id,
          actorSigningKey: actor.signingPublicKey,
          action: 'context.update',
          target: organisation.id,
          wire: audit,
          now,
        })
        const [latest] = await tx
          .select({ seq: contextUpdates.seq })
          .from(contextUpdates)
          .orderBy(desc(contextUpdates.seq))
          .limit(1)
        if (verified.statement.seq !== (latest?.seq ?? 0) + 1)
          throw new AppError('conflict', 'update: another admin published meanwhile; reload and edit again')
        await tx.insert(contextUpdates).values({
          seq: verified.statement.seq,
          statement: update.signed.statement,
          signature: fromBase64(update.signed.signature),
          overlay: update.overlay,
          createdBy: actor.id,
          createdAt: now,
        })
      })
      return c.json({ ok: true as const, seq: verified.statement.seq }, 201)
    })
}
