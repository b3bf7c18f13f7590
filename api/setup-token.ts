/**
 * @module api/setup-token
 * The one-time link that lets the first admin set up the organisation (DESIGN §3).
 *
 * While no organisation exists, every start creates a fresh token (32 random bytes, base64url),
 * stores only `H("tnr/v1/setup-token", token)` with a 24-hour expiry, and invalidates older
 * unused tokens, so only the most recently printed link works. The token travels in the URL
 * fragment (`/console#setup=…`), which browsers never send to the server: it cannot end up in
 * access logs or Referer headers. Consuming it is a single atomic UPDATE, so two concurrent
 * setups cannot both succeed.
 */
import { and, eq, gt, isNull, sql } from 'drizzle-orm'
import type { CryptoBackend } from '../crypto/backend.ts'
import { H } from '../crypto/hash.ts'
import type { Clock } from './app.ts'
import type { Db } from './db/index.ts'
import { org, setupTokens } from './db/schema.ts'

export const SETUP_TOKEN_BYTES = 32
export const SETUP_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

export function hashSetupToken(backend: CryptoBackend, token: string): Uint8Array | undefined {
  if (!TOKEN_PATTERN.test(token)) return undefined
  const bytes = new Uint8Array(Buffer.from(token, 'base64url'))
  // Reject non-canonical encodings (stray low bits in the last character).
  if (bytes.length !== SETUP_TOKEN_BYTES || Buffer.from(bytes).toString('base64url') !== token)
    return undefined
  return H(backend, 'tnr/v1/setup-token', [bytes])
}

export async function organisationExists(db: Db): Promise<boolean> {
  const rows = await db.select({ id: org.id }).from(org).limit(1)
  return rows.length > 0
}

export type IssuedSetupToken = { token: string; expiresAt: Date }

/** Issues a new setup token if no organisation exists yet; otherwise returns undefined. */
export async function ensureSetupToken(
  db: Db,
  clock: Clock,
  backend: CryptoBackend,
): Promise<IssuedSetupToken | undefined> {
  if (await organisationExists(db)) return undefined
  const bytes = backend.randomBytes(SETUP_TOKEN_BYTES)
  const token = Buffer.from(bytes).toString('base64url')
  const now = clock.now()
  const expiresAt = new Date(now.getTime() + SETUP_TOKEN_LIFETIME_MS)
  await db.transaction(async (tx) => {
    await tx.delete(setupTokens).where(isNull(setupTokens.usedAt))
    await tx
      .insert(setupTokens)
      .values({ tokenHash: H(backend, 'tnr/v1/setup-token', [bytes]), expiresAt, createdAt: now })
  })
  return { token, expiresAt }
}

/**
 * Marks the token used if it is unused and unexpired; true exactly once per valid token. Pass a
 * transaction to make the consumption part of the setup it authorises.
 */
export async function consumeSetupToken(
  db: Db,
  backend: CryptoBackend,
  token: string,
  clock: Clock,
): Promise<boolean> {
  const tokenHash = hashSetupToken(backend, token)
  if (tokenHash === undefined) return false
  const now = clock.now()
  const used = await db
    .update(setupTokens)
    .set({ usedAt: now })
    .where(
      and(eq(setupTokens.tokenHash, tokenHash), isNull(setupTokens.usedAt), gt(setupTokens.expiresAt, now)),
    )
    .returning({ id: setupTokens.id })
  return used.length === 1
}

/** Tokens that could still be used (for tests and diagnostics). */
export async function countUsableSetupTokens(db: Db, clock: Clock): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(setupTokens)
    .where(and(isNull(setupTokens.usedAt), gt(setupTokens.expiresAt, clock.now())))
  return rows[0]?.n ?? 0
}
