/**
 * @module api/app
 * Builds the Hono app from its dependencies (STYLE.md: `createApp({ db, config, clock, secrets })`),
 * so tests build a real app on a real database with no globals and no running server.
 *
 * Order of concerns, outermost first: security headers on every response → optional request log
 * (pattern, status, duration only) → body size limit for /api → route modules → JSON 404 → the one
 * `onError` that turns every failure into `{ error: { code, message } }` (api/errors.ts).
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Db } from './db/index.ts'
import type { Config } from './env.ts'
import { AppError, toErrorResponse } from './errors.ts'
import { describeInternalError, type Logger, requestLogger, silentLogger } from './log.ts'
import { openApiRoutes } from './openapi/routes.ts'
import { pageRoutes, securityHeaders } from './pages.ts'
import { adminRoutes } from './routes/admin.ts'
import { attachmentRoutes } from './routes/attachments.ts'
import { auditRoutes } from './routes/audit.ts'
import { authRoutes } from './routes/auth.ts'
import { caseRoutes } from './routes/cases.ts'
import { contextRoutes } from './routes/context.ts'
import { followupRoutes } from './routes/followup.ts'
import { healthRoutes } from './routes/health.ts'
import { intakeRoutes } from './routes/intake.ts'
import { powRoutes } from './routes/pow.ts'
import { releaseRoutes } from './routes/releases.ts'
import { reportRoutes } from './routes/reports.ts'
import { setupRoutes } from './routes/setup.ts'
import type { ServerSecrets } from './secrets.ts'
import { createReporterContext, type ReporterOptions } from './storage/reporter-context.ts'

export type Clock = { now(): Date }
export const systemClock: Clock = { now: () => new Date() }

export type AppDeps = {
  readonly db: Db
  readonly config: Config
  readonly clock: Clock
  readonly secrets: ServerSecrets
  /** Where request lines and internal faults go; silent when omitted (tests). */
  readonly logger?: Logger
  /** Reporter API v1 knobs beyond the environment: smaller quotas or difficulty in tests. */
  readonly reporter?: ReporterOptions
}

/** Default limit for any /api request body (DESIGN §7 "Body size limits per route"). */
export const DEFAULT_BODY_LIMIT = 64 * 1024

/**
 * Routes that accept larger bodies, by path prefix; the longest matching prefix wins. Every
 * exception to the default is listed here, in one place a reviewer can read.
 */
export const BODY_LIMITS: ReadonlyArray<readonly [prefix: string, maxBytes: number]> = [
  // Reporter API v1 (api/contract/reporter.ts): the largest envelope or chunk in base64 plus room
  // for the other fields.
  ['/api/reports', 352 * 1024], // 256 KiB envelope → 349,528 base64 characters
  ['/api/followup/messages', 96 * 1024], // 64 KiB envelope → 87,384 characters
  ['/api/attachments/chunks', 100 * 1024], // 65,552-byte chunk → 87,404 characters
  // Statistics releases (api/routes/releases.ts MAX_RELEASE_CHARS) with the request's JSON around them.
  ['/api/releases', 2 * 1024 * 1024 + 4 * 1024],
  // Staff API (api/contract/staff.ts): a 64 KiB reply or note envelope → 87,384 characters;
  // certifying a user with up to 32 grants; a desk key granted to up to 200 members.
  ['/api/cases', 96 * 1024],
  ['/api/admin/users', 160 * 1024],
  ['/api/admin/desks', 512 * 1024],
  // A "retire old key" batch: up to 2 MiB of re-wrapped envelopes (api/storage/retire.ts) in base64.
  ['/api/admin/retire-jobs', 3 * 1024 * 1024],
  // A signed context update: its overlay (api/contract/context.ts MAX_OVERLAY_CHARS, JSON-escaped
  // inside the request) and the audit entry.
  ['/api/context', 512 * 1024],
]

export function bodyLimitFor(pathname: string, limits = BODY_LIMITS): number {
  let best: readonly [string, number] | undefined
  for (const entry of limits) {
    if (pathname === entry[0] || pathname.startsWith(`${entry[0]}/`)) {
      if (best === undefined || entry[0].length > best[0].length) best = entry
    }
  }
  return best?.[1] ?? DEFAULT_BODY_LIMIT
}

const tooLarge = () => {
  throw new AppError('payload_too_large')
}

export function createApp(deps: AppDeps) {
  const logger = deps.logger ?? silentLogger
  const reporter = createReporterContext(deps)
  const staff = {
    db: deps.db,
    config: deps.config,
    clock: deps.clock,
    secrets: deps.secrets,
    backend: reporter.backend,
  }
  const limits = new Map<number, ReturnType<typeof bodyLimit>>()
  const limitFor = (maxSize: number) => {
    let middleware = limits.get(maxSize)
    if (middleware === undefined) {
      middleware = bodyLimit({ maxSize, onError: tooLarge })
      limits.set(maxSize, middleware)
    }
    return middleware
  }

  // The OpenAPI routes describe the app they are mounted in (api/openapi/routes.ts).
  let self: Pick<Hono, 'routes'> = { routes: [] }
  const app = new Hono()
    .use(securityHeaders())
    .use(requestLogger(logger))
    .use('/api/*', async function apiBodyLimit(c, next) {
      return limitFor(bodyLimitFor(c.req.path))(c, next)
    })
    // ---- Route modules (one per resource, DESIGN §7). Mount new ones here: ----
    .route('/api', healthRoutes(deps))
    .route(
      '/api',
      openApiRoutes(() => self),
    )
    .route('/api/intake', intakeRoutes(reporter))
    .route('/api/pow', powRoutes(reporter))
    .route('/api/reports', reportRoutes(reporter))
    .route('/api/followup', followupRoutes(reporter))
    .route('/api/attachments', attachmentRoutes(reporter))
    // Staff API (api/contract/staff.ts): session cookie, origin check, roles per route.
    .route('/api/setup', setupRoutes(staff))
    .route('/api/auth', authRoutes(staff))
    .route('/api/cases', caseRoutes(staff))
    .route('/api/audit', auditRoutes(staff))
    .route('/api/admin', adminRoutes(staff))
    .route('/api/releases', releaseRoutes(staff))
    .route('/api/context', contextRoutes(staff))
    // ---- end of route modules ----
    .route('/', pageRoutes(deps.config.webDist))

  self = app
  app.notFound(() => {
    throw new AppError('not_found')
  })

  app.onError((error, c) => {
    const { status, body, internal } = toErrorResponse(error)
    if (internal)
      logger.error(`Internal error on ${c.req.method} ${c.req.routePath}: ${describeInternalError(error)}`)
    return c.json(body, status)
  })

  return app
}

export type AppType = ReturnType<typeof createApp>
