/**
 * @module api/routes/health
 * Liveness and readiness for load balancers and orchestrators. Readiness runs one query, so an
 * instance whose database is gone is taken out of rotation; neither answer carries detail.
 */
import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import type { AppDeps } from '../app.ts'
import { AppError } from '../errors.ts'

export function healthRoutes(deps: Pick<AppDeps, 'db'>) {
  return new Hono()
    .get('/health', (c) => c.json({ status: 'ok' as const }, 200))
    .get('/ready', async (c) => {
      try {
        await deps.db.execute(sql`select 1`)
        return c.json({ status: 'ready' as const }, 200)
      } catch (cause) {
        throw new AppError('not_ready', undefined, { cause })
      }
    })
}
