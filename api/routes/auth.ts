/**
 * @module api/routes/auth
 * Staff login, sessions and passphrase change (DESIGN §5 "Staff passphrase", §7).
 *
 * - `POST /params`: the KDF parameters of a username. Unknown names get stable fake parameters
 *   (api/storage/staff.ts `fakeKdf`), and both answers do the same work, so accounts cannot be
 *   enumerated.
 * - `POST /login`: `authKey` (compared as a hash in constant time) and a TOTP code (accepted
 *   once). One failure answer for every wrong part; 5 failures in 15 minutes lock the name for 15
 *   minutes, whether it exists or not. Wrapped keys leave the server only in the answer to a
 *   login that passed both factors, and to `GET /me` within such a session.
 * - `GET /status`: `{signedIn: false}` or `{signedIn: true, me}`, always 200 (the login page's
 *   probe for a session that survived a reload; a 401 there would log a browser console error).
 * - Logout, logout everywhere, the sessions list with revoke, and passphrase change (the browser
 *   re-wraps its keys under the new passphrase; the old authKey must be presented).
 */
import { and, asc, eq, ne } from 'drizzle-orm'
import { Hono } from 'hono'
import { fromBase64 } from '../../crypto/bytes.ts'
import { authKeyHash, decodeKdfParams } from '../../crypto/kdf.ts'
import { loginRequest, paramsRequest, passphraseRequest } from '../contract/staff.ts'
import { roles, sessions, users } from '../db/schema.ts'
import { AppError, validate } from '../errors.ts'
import {
  clearSessionCookie,
  currentSession,
  originCheck,
  requireSecureTransport,
  requireStaff,
  revokeSession,
  type StaffContext,
  type StaffEnv,
  startSession,
} from '../session.ts'
import { appendServerEntry } from '../storage/audit.ts'
import {
  acceptTotp,
  checkThrottle,
  clearThrottle,
  fakeKdf,
  findUser,
  findUserByName,
  kdfWire,
  mePayload,
  recordFailure,
} from '../storage/staff.ts'

const NO_HASH = new Uint8Array(32)

export function authRoutes(ctx: StaffContext) {
  const anyStaff = requireStaff(ctx, roles)
  return (
    new Hono<StaffEnv>()
      .use(originCheck(ctx.config))
      .post('/params', validate('json', paramsRequest), async (c) => {
        const { username } = c.req.valid('json')
        const backend = await ctx.backend()
        const user = await findUserByName(ctx.db, username)
        const fake = fakeKdf(backend, ctx.secrets, username)
        c.header('Cache-Control', 'no-store')
        return c.json({ kdf: user === undefined || user.disabled ? fake : kdfWire(user) }, 200)
      })
      .post('/login', validate('json', loginRequest), async (c) => {
        requireSecureTransport(ctx.config, c)
        const body = c.req.valid('json')
        const backend = await ctx.backend()
        const now = ctx.clock.now()
        await checkThrottle(ctx.db, backend, ctx.secrets, body.username, now)
        const user = await findUserByName(ctx.db, body.username)
        const presented = authKeyHash(backend, fromBase64(body.authKey, 32))
        const keyMatches = backend.equal(presented, user?.authHash ?? NO_HASH)
        // The TOTP code is only tried after the passphrase matched, so a wrong passphrase cannot
        // burn a valid code; both failures answer the same.
        const ok =
          user !== undefined &&
          !user.disabled &&
          keyMatches &&
          (await acceptTotp(ctx.db, backend, ctx.secrets, user, body.totp, now))
        if (!ok || user === undefined) {
          await recordFailure(ctx.db, backend, ctx.secrets, body.username, now)
          throw new AppError('login_failed')
        }
        await clearThrottle(ctx.db, backend, ctx.secrets, body.username)
        await ctx.db.transaction(async (tx) => {
          await appendServerEntry(tx, backend, {
            receiptSeed: ctx.secrets.receiptSeed,
            action: 'auth.login',
            target: user.id,
            now,
          })
        })
        const session = await startSession(ctx, c, user.id)
        c.header('Cache-Control', 'no-store')
        return c.json(await mePayload(ctx.db, user, session), 200)
      })
      // The login page's probe: 200 either way, so a page without a session logs no error.
      .get('/status', async (c) => {
        c.header('Cache-Control', 'no-store')
        const staff = await currentSession(ctx, c)
        const user = staff === undefined ? undefined : await findUser(ctx.db, staff.userId)
        const [session] =
          staff === undefined
            ? []
            : await ctx.db.select().from(sessions).where(eq(sessions.id, staff.sessionId))
        if (user === undefined || session === undefined) return c.json({ signedIn: false as const }, 200)
        return c.json({ signedIn: true as const, me: await mePayload(ctx.db, user, session) }, 200)
      })
      .get('/me', anyStaff, async (c) => {
        const staff = c.get('staff')
        const user = await findUser(ctx.db, staff.userId)
        const [session] = await ctx.db.select().from(sessions).where(eq(sessions.id, staff.sessionId))
        if (user === undefined || session === undefined) throw new AppError('unauthorized')
        return c.json(await mePayload(ctx.db, user, session), 200)
      })
      .post('/logout', anyStaff, async (c) => {
        const staff = c.get('staff')
        await revokeSession(ctx.db, staff.userId, staff.sessionId)
        clearSessionCookie(c)
        return c.json({ ok: true as const }, 200)
      })
      .post('/logout-all', anyStaff, async (c) => {
        const staff = c.get('staff')
        await ctx.db.delete(sessions).where(eq(sessions.userId, staff.userId))
        clearSessionCookie(c)
        return c.json({ ok: true as const }, 200)
      })
      .get('/sessions', anyStaff, async (c) => {
        const staff = c.get('staff')
        const rows = await ctx.db
          .select()
          .from(sessions)
          .where(eq(sessions.userId, staff.userId))
          .orderBy(asc(sessions.createdAt))
        return c.json(
          {
            sessions: rows.map((row) => ({
              id: row.id,
              createdAt: row.createdAt.toISOString(),
              lastSeenAt: row.lastSeenAt.toISOString(),
              expiresAt: row.expiresAt.toISOString(),
              current: row.id === staff.sessionId,
            })),
          },
          200,
        )
      })
      .post('/sessions/:id/revoke', anyStaff, async (c) => {
        const staff = c.get('staff')
        const id = c.req.param('id')
        if (!/^[0-9a-f-]{36}$/.test(id)) throw new AppError('not_found')
        // Only one's own sessions: another user's id answers like an unknown one.
        if (!(await revokeSession(ctx.db, staff.userId, id))) throw new AppError('not_found')
        if (id === staff.sessionId) clearSessionCookie(c)
        return c.json({ ok: true as const }, 200)
      })
      .post('/passphrase', anyStaff, validate('json', passphraseRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        decodeKdfParams(body.kdf)
        const backend = await ctx.backend()
        const user = await findUser(ctx.db, staff.userId)
        if (user === undefined) throw new AppError('unauthorized')
        const current = authKeyHash(backend, fromBase64(body.currentAuthKey, 32))
        if (!backend.equal(current, user.authHash)) throw new AppError('login_failed')
        await ctx.db.transaction(async (tx) => {
          await tx
            .update(users)
            .set({
              kdfSalt: fromBase64(body.kdf.salt, 16),
              kdfParams: { version: 1, opsLimit: body.kdf.opsLimit, memLimitBytes: body.kdf.memLimitBytes },
              authHash: authKeyHash(backend, fromBase64(body.authKey, 32)),
              wrappedIdentityKey: fromBase64(body.wrappedIdentityKey, 72),
              wrappedSigningKey: fromBase64(body.wrappedSigningKey, 72),
            })
            .where(eq(users.id, user.id))
          // Other sessions were opened with the old passphrase: end them.
          await tx.delete(sessions).where(and(eq(sessions.userId, user.id), ne(sessions.id, staff.sessionId)))
        })
        return c.json({ ok: true as const }, 200)
      })
  )
}
