/**
 * @module api/routes/releases
 * Statistics releases (DESIGN §9, issue 6).
 *
 * Public (no login; the /stats page and anyone citing it):
 * - `GET /api/releases` — published releases, newest first, each the signed file exactly as
 *   published; readers verify it themselves against the organisation fingerprint.
 * - `GET /api/releases/:id` — one published release file (a download).
 *
 * Analysts and admins (session, origin check):
 * - `GET /api/releases/codings` — every coding envelope (kind 5) with the context needed to open
 *   it (the case's lookup id: the envelope's associated data binds it) and the certified keys of
 *   their authors. Envelopes only: the server never sees a coding in clear, and analysts never
 *   receive reports or notes (they cannot open them: no desk key).
 * - `GET /api/releases/ledger` — the ε ledger: period, tables and ε of every published release.
 * - `POST /api/releases` — publishes a signed release after checking, on the server too, that it
 *   verifies against this organisation's key, was signed by the requesting analyst, crosses no
 *   fields that are never crossed (target_gender with community × host country), and keeps the
 *   ε budget (crypto/release.ts checkBudget); the builder checks the same before signing. The
 *   release and the analyst's browser-signed audit entry (`release.publish`, target the release
 *   id) commit in one transaction, or neither does.
 */
import { and, desc, eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { z } from 'zod'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { jcs } from '../../crypto/jcs.ts'
import {
  checkBudget,
  forbiddenCrossing,
  type LedgerEntry,
  parseRational,
  type SignedRelease,
  signedReleaseSchema,
  verifyRelease,
} from '../../crypto/release.ts'
import { auditWire } from '../contract/staff.ts'
import type { Db } from '../db/index.ts'
import { caseItems, cases, org, releases, statsKeys, users } from '../db/schema.ts'
import { AppError, validate } from '../errors.ts'
import { originCheck, requireStaff, type StaffContext, type StaffEnv } from '../session.ts'
import { appendStaffEntry } from '../storage/audit.ts'

/**
 * Total ε any one period's cases may spend across overlapping releases. Organisations that need
 * another budget change it here, in code review, not in a form.
 */
export const EPSILON_BUDGET = { num: 2n, den: 1n }
/** Largest release file accepted (api/app.ts BODY_LIMITS allows the request). */
export const MAX_RELEASE_CHARS = 2 * 1024 * 1024

const publishRequest = z.strictObject({ file: signedReleaseSchema, audit: auditWire })

async function ledger(db: Db): Promise<LedgerEntry[]> {
  const rows = await db
    .select({ statement: releases.statement })
    .from(releases)
    .where(eq(releases.status, 'published'))
  return rows.map((row) => {
    const file = JSON.parse(row.statement) as SignedRelease
    return {
      releaseId: file.release.releaseId,
      period: file.release.period,
      tables: file.release.tables.map((t) => t.id),
      epsilon: file.release.privacy.epsilon,
    }
  })
}

export function releaseRoutes(ctx: StaffContext) {
  const analyst = requireStaff(ctx, ['analyst', 'admin'])
  return new Hono<StaffEnv>()
    .use(originCheck(ctx.config))
    .get('/codings', analyst, async (c) => {
      const rows = await ctx.db
        .select({
          lookupId: cases.lookupId,
          seq: caseItems.seq,
          envelope: caseItems.envelope,
          authorId: caseItems.authorId,
        })
        .from(caseItems)
        .innerJoin(cases, eq(cases.id, caseItems.caseId))
        .where(and(eq(caseItems.kind, 5), eq(cases.spam, false)))
        .orderBy(cases.lookupId, caseItems.seq)
      const signers = await ctx.db
        .select({ statement: users.userKeyStatement, signature: users.userKeySignature })
        .from(users)
      const keys = await ctx.db.select().from(statsKeys).orderBy(statsKeys.version)
      return c.json(
        {
          codings: rows.map((r) => ({
            context: r.lookupId,
            seq: r.seq,
            envelope: toBase64(r.envelope),
            authorId: r.authorId,
          })),
          signers: signers.flatMap((s) =>
            s.statement === null || s.signature === null
              ? []
              : [{ statement: s.statement, signature: toBase64(s.signature) }],
          ),
          statsKeys: keys.map((k) => ({ statement: k.statement, signature: toBase64(k.signature) })),
        },
        200,
      )
    })
    .get('/ledger', analyst, async (c) =>
      c.json({ entries: await ledger(ctx.db), budget: `${EPSILON_BUDGET.num}/${EPSILON_BUDGET.den}` }, 200),
    )
    .post('/', analyst, validate('json', publishRequest), async (c) => {
      const staff = c.get('staff')
      const { file, audit } = c.req.valid('json')
      const text = jcs(file)
      if (text.length > MAX_RELEASE_CHARS) throw new AppError('payload_too_large')
      const crossing = forbiddenCrossing(file.release.tables)
      if (crossing !== undefined)
        throw new AppError('unprocessable', `tables: ${crossing} is never published`)
      const [organisation] = await ctx.db.select().from(org).limit(1)
      if (organisation === undefined) throw new AppError('not_set_up')
      const backend = await ctx.backend()
      const verified = verifyRelease(backend, file, [organisation.fingerprint])
      if (verified.signer.userId !== staff.userId)
        throw new AppError('forbidden', 'A release is published by the analyst who signed it.')
      const body = verified.release
      if (body.orgId !== organisation.id) throw new AppError('unprocessable', 'release: another organisation')
      const [author] = await ctx.db
        .select({ signingPublicKey: users.signingPublicKey })
        .from(users)
        .where(eq(users.id, staff.userId))
        .limit(1)
      if (author === undefined) throw new AppError('unauthorized')
      const now = ctx.clock.now()
      const id = await ctx.db.transaction(async (tx) => {
        // The audit append takes the audit lock first, so two publishes cannot both read a ledger
        // that leaves room for one of them; any refusal below rolls the entry back.
        await appendStaffEntry(tx, backend, {
          actor: staff.userId,
          actorSigningKey: author.signingPublicKey,
          action: 'release.publish',
          target: body.releaseId,
          wire: audit,
          now,
        })
        const entries = await ledger(tx)
        if (entries.some((e) => e.releaseId === body.releaseId))
          throw new AppError('conflict', 'This release is already published.')
        try {
          checkBudget(
            entries,
            {
              period: body.period,
              epsilon: body.privacy.epsilon === null ? null : parseRational(body.privacy.epsilon),
            },
            EPSILON_BUDGET,
          )
        } catch {
          throw new AppError(
            'unprocessable',
            'epsilon: this release would exceed the privacy budget for its period',
          )
        }
        const [row] = await tx
          .insert(releases)
          .values({
            status: 'published',
            createdBy: staff.userId,
            statement: text,
            signature: fromBase64(file.signature.signature),
            createdAt: now,
            publishedAt: now,
          })
          .returning({ id: releases.id })
        return row?.id
      })
      return c.json({ id }, 201)
    })
    .get('/', async (c) => {
      const rows = await ctx.db
        .select({ id: releases.id, statement: releases.statement, publishedAt: releases.publishedAt })
        .from(releases)
        .where(eq(releases.status, 'published'))
        .orderBy(desc(releases.publishedAt))
        .limit(20)
      c.header('Cache-Control', 'no-cache')
      return c.json(
        {
          releases: rows.map((r) => ({
            id: r.id,
            publishedAt: r.publishedAt?.toISOString() ?? null,
            file: JSON.parse(r.statement) as unknown,
          })),
        },
        200,
      )
    })
    .get('/:id', async (c) => {
      const id = c.req.param('id')
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))
        throw new AppError('not_found')
      const [row] = await ctx.db
        .select({ statement: releases.statement })
        .from(releases)
        .where(and(eq(releases.id, id), eq(releases.status, 'published')))
        .limit(1)
      if (row === undefined) throw new AppError('not_found')
      c.header('Content-Disposition', `attachment; filename="release-${id}.json"`)
      return c.body(row.statement, 200, { 'Content-Type': 'application/json; charset=utf-8' })
    })
}
