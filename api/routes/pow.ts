/**
 * @module api/routes/pow
 * `POST /api/pow/challenge` (Reporter API v1, DESIGN §5, §7): a fresh MAC-protected challenge at
 * the current difficulty. Nothing is stored when a challenge is issued; it is stored only when
 * spent (api/storage/pow.ts), so issuing cannot fill the database.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { PowChallenge } from '../contract/reporter.ts'
import { validate } from '../errors.ts'
import { issueChallenge } from '../storage/pow.ts'
import type { ReporterContext } from '../storage/reporter-context.ts'

/** The body is an empty JSON object (POST, so no cache or prefetch ever hands out a challenge). */
const challengeRequest = z.strictObject({})

export function powRoutes(ctx: ReporterContext) {
  return new Hono().post(
    '/challenge',
    ctx.rateLimiter.guard('challenge'),
    validate('json', challengeRequest),
    async (c) => {
      const now = ctx.clock.now()
      await ctx.purgeSpent(now)
      const backend = await ctx.backend()
      const body: PowChallenge = await issueChallenge(
        ctx.db,
        backend,
        ctx.secrets.powHmacKey,
        ctx.limits,
        now,
      )
      c.header('Cache-Control', 'no-store')
      return c.json(body, 200)
    },
  )
}
