/**
 * @module api/routes/audit
 * The audit log as staff see it (DESIGN §6, issue 5 "Audit"): the head (which the console signs
 * its next entry against), the entries (admins all, everyone else their own), and admin-signed
 * checkpoints. The browser verifies signatures and the chain itself with crypto/audit.ts; the
 * server only relays the rows and the signers' certified keys.
 */
import { asc, desc, eq, isNotNull } from 'drizzle-orm'
import { Hono } from 'hono'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { verifyStatement } from '../../crypto/statements.ts'
import { checkpointRequest } from '../contract/staff.ts'
import { auditCheckpoints, auditLog, roles, users } from '../db/schema.ts'
import { AppError, validate } from '../errors.ts'
import { originCheck, requireStaff, type StaffContext, type StaffEnv } from '../session.ts'
import { auditHead, toAuditEntry } from '../storage/audit.ts'
import { findUser } from '../storage/staff.ts'

export function auditRoutes(ctx: StaffContext) {
  return new Hono<StaffEnv>()
    .use(originCheck(ctx.config))
    .get('/head', requireStaff(ctx, roles), async (c) => c.json(await auditHead(ctx.db), 200))
    .get('/', requireStaff(ctx, roles), async (c) => {
      const staff = c.get('staff')
      const rows =
        staff.role === 'admin'
          ? await ctx.db.select().from(auditLog).orderBy(asc(auditLog.seq))
          : await ctx.db
              .select()
              .from(auditLog)
              .where(eq(auditLog.actor, staff.userId))
              .orderBy(asc(auditLog.seq))
      const signers = await ctx.db
        .select({ statement: users.userKeyStatement, signature: users.userKeySignature })
        .from(users)
        .where(isNotNull(users.userKeyStatement))
      const [checkpoint] = await ctx.db
        .select()
        .from(auditCheckpoints)
        .orderBy(desc(auditCheckpoints.seq))
        .limit(1)
      return c.json(
        {
          entries: rows.map(toAuditEntry),
          signers: signers.flatMap((s) =>
            s.statement === null || s.signature === null
              ? []
              : [{ statement: s.statement, signature: toBase64(s.signature) }],
          ),
          receiptPublicKey: toBase64(ctx.secrets.receiptPublicKey),
          checkpoint:
            checkpoint === undefined
              ? null
              : { statement: checkpoint.statement, signature: toBase64(checkpoint.signature) },
        },
        200,
      )
    })
    .post('/checkpoints', requireStaff(ctx, ['admin']), validate('json', checkpointRequest), async (c) => {
      const staff = c.get('staff')
      const { checkpoint } = c.req.valid('json')
      const backend = await ctx.backend()
      const admin = await findUser(ctx.db, staff.userId)
      if (admin === undefined || admin.userKeyStatement === null) throw new AppError('forbidden')
      const statement = verifyStatement(backend, checkpoint, admin.signingPublicKey, 'audit-checkpoint')
      const head = await auditHead(ctx.db)
      // A checkpoint may only vouch for what the log holds now.
      const [row] =
        statement.seq === 0
          ? []
          : await ctx.db.select().from(auditLog).where(eq(auditLog.seq, statement.seq)).limit(1)
      if (statement.seq > head.seq || (statement.seq > 0 && row?.entryHash !== statement.headHash))
        throw new AppError('unprocessable', 'checkpoint: does not match the log')
      await ctx.db.insert(auditCheckpoints).values({
        seq: statement.seq,
        headHash: statement.headHash,
        signerId: staff.userId,
        statement: checkpoint.statement,
        signature: fromBase64(checkpoint.signature),
      })
      return c.json({ ok: true as const }, 201)
    })
}
