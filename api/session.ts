/**
 * @module api/session
 * Staff sessions and the guards every staff route uses (DESIGN §7 "Staff sessions").
 *
 * - Cookie `__Host-session; Secure; HttpOnly; SameSite=Strict; Path=/` (the `__Host-` prefix
 *   forbids a Domain attribute, so no sibling host can set or read it; Chromium accepts Secure
 *   cookies on http://127.0.0.1). The token is 32 random bytes; only
 *   `H("tnr/v1/session-token", token)` is stored, so a database dump cannot be replayed as a login.
 * - Idle timeout (30 min) against `last_seen_at`, absolute timeout (12 h) in `expires_at`. Expired
 *   rows are deleted when met.
 * - `originCheck`: every mutating request (POST/PUT/PATCH/DELETE, logout included) must carry an
 *   `Origin` equal to this server's origin (or PUBLIC_URL), and a `Sec-Fetch-Site` other than
 *   same-origin is refused. SameSite=Strict already keeps the cookie off cross-site requests;
 *   this also covers same-site sibling origins and login CSRF.
 * - `requireStaff(roles)`: a valid session of an enabled user with one of `roles`.
 */
import { and, eq, lt } from 'drizzle-orm'
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { CryptoBackend } from '../crypto/backend.ts'
import { H } from '../crypto/hash.ts'
import type { Clock } from './app.ts'
import type { Db } from './db/index.ts'
import { type Role, sessions, users } from './db/schema.ts'
import type { Config } from './env.ts'
import { AppError } from './errors.ts'
import { registerRoles } from './openapi/registry.ts'
import type { ServerSecrets } from './secrets.ts'

export const SESSION_COOKIE = '__Host-session'
export const SESSION_TOKEN_BYTES = 32
export const SESSION_IDLE_MS = 30 * 60 * 1000
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000
/** last_seen_at is refreshed at most this often, so reads do not each cost a write. */
const TOUCH_EVERY_MS = 60 * 1000

/** What staff routes share. */
export type StaffContext = {
  readonly db: Db
  readonly config: Config
  readonly clock: Clock
  readonly secrets: ServerSecrets
  readonly backend: () => Promise<CryptoBackend>
}

export type StaffSession = { sessionId: string; userId: string; role: Role; username: string }
export type StaffEnv = { Variables: { staff: StaffSession } }

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

export function hashSessionToken(backend: CryptoBackend, token: string): Uint8Array | undefined {
  if (!TOKEN_PATTERN.test(token)) return undefined
  const bytes = new Uint8Array(Buffer.from(token, 'base64url'))
  if (bytes.length !== SESSION_TOKEN_BYTES) return undefined
  return H(backend, 'tnr/v1/session-token', [bytes])
}

/** Creates a session row and sets the cookie. */
export async function startSession(
  ctx: StaffContext,
  c: Context,
  userId: string,
): Promise<{ id: string; expiresAt: Date }> {
  const backend = await ctx.backend()
  const bytes = backend.randomBytes(SESSION_TOKEN_BYTES)
  const token = Buffer.from(bytes).toString('base64url')
  const now = ctx.clock.now()
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS)
  const [row] = await ctx.db
    .insert(sessions)
    .values({
      tokenHash: H(backend, 'tnr/v1/session-token', [bytes]),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
    })
    .returning({ id: sessions.id })
  if (row === undefined) throw new Error('session insert returned nothing')
  setCookie(c, SESSION_COOKIE, token, {
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'Strict',
    maxAge: Math.floor(SESSION_ABSOLUTE_MS / 1000),
  })
  return { id: row.id, expiresAt }
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict' })
}

/** The session behind the request's cookie, or undefined (expired rows are deleted). */
export async function currentSession(ctx: StaffContext, c: Context): Promise<StaffSession | undefined> {
  const token = getCookie(c, SESSION_COOKIE)
  if (token === undefined) return undefined
  const backend = await ctx.backend()
  const tokenHash = hashSessionToken(backend, token)
  if (tokenHash === undefined) return undefined
  const [row] = await ctx.db
    .select({
      id: sessions.id,
      userId: sessions.userId,
      lastSeenAt: sessions.lastSeenAt,
      expiresAt: sessions.expiresAt,
      role: users.role,
      username: users.username,
      disabled: users.disabled,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, tokenHash))
    .limit(1)
  if (row === undefined) return undefined
  const now = ctx.clock.now().getTime()
  if (row.disabled || row.expiresAt.getTime() <= now || row.lastSeenAt.getTime() + SESSION_IDLE_MS <= now) {
    await ctx.db.delete(sessions).where(eq(sessions.id, row.id))
    return undefined
  }
  if (now - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await ctx.db
      .update(sessions)
      .set({ lastSeenAt: new Date(now) })
      .where(eq(sessions.id, row.id))
  }
  return { sessionId: row.id, userId: row.userId, role: row.role, username: row.username }
}

/** Deletes sessions past their absolute or idle timeout (called opportunistically). */
export async function purgeExpiredSessions(ctx: StaffContext): Promise<void> {
  const now = ctx.clock.now()
  await ctx.db.delete(sessions).where(lt(sessions.expiresAt, now))
  await ctx.db.delete(sessions).where(lt(sessions.lastSeenAt, new Date(now.getTime() - SESSION_IDLE_MS)))
}

export function requireStaff(ctx: StaffContext, roles: readonly Role[]): MiddlewareHandler<StaffEnv> {
  return registerRoles(requireStaffFor(ctx, roles), roles)
}

function requireStaffFor(ctx: StaffContext, roles: readonly Role[]): MiddlewareHandler<StaffEnv> {
  return async function requireStaff(c, next) {
    const session = await currentSession(ctx, c)
    if (session === undefined) {
      clearSessionCookie(c)
      throw new AppError('unauthorized')
    }
    if (!roles.includes(session.role)) throw new AppError('forbidden')
    c.set('staff', session)
    c.header('Cache-Control', 'no-store')
    await next()
  }
}

export async function revokeSession(db: Db, userId: string, sessionId: string): Promise<boolean> {
  const rows = await db
    .delete(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
    .returning({ id: sessions.id })
  return rows.length === 1
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The origin the request was addressed to, as the browser saw it. */
export function requestOrigin(config: Config, c: Context): string {
  const url = new URL(c.req.url)
  const forwarded = config.trustProxy ? c.req.header('x-forwarded-proto') : undefined
  const proto = forwarded === 'https' || forwarded === 'http' ? `${forwarded}:` : url.protocol
  return `${proto}//${url.host}`
}

export function originCheck(config: Config): MiddlewareHandler {
  return async function originCheck(c, next) {
    if (MUTATING.has(c.req.method)) {
      const origin = c.req.header('origin')
      const site = c.req.header('sec-fetch-site')
      const allowed =
        origin !== undefined && (origin === config.publicUrl || origin === requestOrigin(config, c))
      if (!allowed || (site !== undefined && site !== 'same-origin')) {
        throw new AppError('forbidden', 'Cross-origin request refused.')
      }
    }
    await next()
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/**
 * DESIGN §7: staff login over plain HTTP on a non-loopback origin is refused unless TRUST_PROXY=1
 * and the proxy says HTTPS (a passphrase-derived authKey and TOTP code must not cross a network
 * in clear).
 */
export function requireSecureTransport(config: Config, c: Context): void {
  const origin = new URL(requestOrigin(config, c))
  if (origin.protocol === 'https:') return
  if (LOOPBACK.has(origin.hostname)) return
  throw new AppError('forbidden', 'Staff login needs HTTPS.')
}
