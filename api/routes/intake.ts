/**
 * @module api/routes/intake
 * `GET /api/intake/config` (Reporter API v1, DESIGN §7): everything the intake page needs before
 * it encrypts — the organisation key, the signed directory, the signed receipt key, the current
 * proof-of-work difficulty and the size limits. The page trusts none of it until it has verified
 * the signatures against the organisation fingerprint it pins (DESIGN §4).
 */
import { Hono } from 'hono'
import type { IntakeConfig } from '../contract/reporter.ts'
import { AppError } from '../errors.ts'
import { publishedOrg } from '../storage/org.ts'
import { currentBits } from '../storage/pow.ts'
import type { ReporterContext } from '../storage/reporter-context.ts'

export function intakeRoutes(ctx: ReporterContext) {
  return new Hono().get('/config', ctx.rateLimiter.guard('read'), async (c) => {
    const published = await publishedOrg(ctx.db)
    if (published === undefined) throw new AppError('not_set_up')
    const body: IntakeConfig = {
      orgSigningKey: published.orgSigningKey,
      directory: published.directory,
      receiptKey: published.receiptKey,
      pow: { bits: await currentBits(ctx.db, ctx.limits, ctx.clock.now()) },
      limits: { maxReportBytes: ctx.limits.maxReportBytes, maxFileBytes: ctx.limits.maxFileBytes },
    }
    // Never cached: the directory may be re-signed and the difficulty changes with load.
    c.header('Cache-Control', 'no-store')
    return c.json(body, 200)
  })
}
