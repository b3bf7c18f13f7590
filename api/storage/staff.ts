/**
 * @module api/storage/staff
 * Staff accounts as the server sees them (DESIGN §5 "Staff passphrase", §7): KDF parameters
 * (fake ones for unknown usernames), TOTP secrets encrypted at rest with one-time acceptance of
 * each code, the per-account login throttle, and the post-login payload with wrapped keys.
 */
import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm'
import * as OTPAuth from 'otpauth'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { concat, fromBase64, toBase64, utf8, uuidBytes } from '../../crypto/bytes.ts'
import { H } from '../../crypto/hash.ts'
import { KDF_ALG, KDF_DEFAULT_MEM_BYTES, KDF_DEFAULT_OPS, KDF_SALT_BYTES } from '../../crypto/kdf.ts'
import type { KdfParamsWire, MeResponse } from '../contract/staff.ts'
import type { Db } from '../db/index.ts'
import {
  deskMembers,
  desks,
  directories,
  keyGrants,
  loginThrottle,
  org,
  statsKeys,
  type User,
  users,
} from '../db/schema.ts'
import { AppError } from '../errors.ts'
import type { ServerSecrets } from '../secrets.ts'

// --- KDF parameters ----------------------------------------------------------------------------

export function kdfWire(user: Pick<User, 'kdfSalt' | 'kdfParams'>): KdfParamsWire {
  return {
    alg: KDF_ALG,
    opsLimit: user.kdfParams.opsLimit,
    memLimitBytes: user.kdfParams.memLimitBytes,
    salt: toBase64(user.kdfSalt),
  }
}

/**
 * Parameters for a username nobody has: the default cost and a salt derived from the server
 * secret and the username, so the answer is stable across requests and looks like a real one.
 */
export function fakeKdf(backend: CryptoBackend, secrets: ServerSecrets, username: string): KdfParamsWire {
  const salt = H(backend, 'tnr/v1/fake-salt', [secrets.fakeSaltKey, utf8(username)], KDF_SALT_BYTES)
  return {
    alg: KDF_ALG,
    opsLimit: KDF_DEFAULT_OPS,
    memLimitBytes: KDF_DEFAULT_MEM_BYTES,
    salt: toBase64(salt),
  }
}

export async function findUserByName(db: Db, username: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.username, username)).limit(1)
  return row
}

export async function findUser(db: Db, userId: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, userId)).limit(1)
  return row
}

// --- TOTP (RFC 6238: SHA-1, 6 digits, 30 s) -----------------------------------------------------

export const TOTP_PERIOD_S = 30

function totpAd(backend: CryptoBackend, userId: string): Uint8Array {
  return H(backend, 'tnr/v1/totp-at-rest', [uuidBytes(userId)])
}

/** nonce ‖ AEAD(totpKey, nonce, H("tnr/v1/totp-at-rest", userId), base32 secret). */
export function encryptTotpSecret(
  backend: CryptoBackend,
  secrets: ServerSecrets,
  userId: string,
  base32: string,
): Uint8Array {
  const nonce = backend.randomBytes(24)
  return concat(nonce, backend.aeadEncrypt(secrets.totpKey, nonce, totpAd(backend, userId), utf8(base32)))
}

function decryptTotpSecret(backend: CryptoBackend, secrets: ServerSecrets, user: User): string {
  const blob = user.totpSecretEncrypted
  const plain = backend.aeadDecrypt(
    secrets.totpKey,
    blob.subarray(0, 24),
    totpAd(backend, user.id),
    blob.subarray(24),
  )
  return new TextDecoder().decode(plain)
}

/** The time step a code matches (±1 step for clock drift), or undefined. */
export function totpStep(base32: string, code: string, now: Date): number | undefined {
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(base32),
    algorithm: 'SHA1',
    digits: 6,
    period: TOTP_PERIOD_S,
  })
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: 1 })
  if (delta === null) return undefined
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_S) + delta
}

/**
 * Accepts a code once: the step must be later than the last accepted one, recorded by a
 * conditional UPDATE, so two concurrent logins with one code cannot both pass.
 */
export async function acceptTotp(
  db: Db,
  backend: CryptoBackend,
  secrets: ServerSecrets,
  user: User,
  code: string,
  now: Date,
): Promise<boolean> {
  let step: number | undefined
  try {
    step = totpStep(decryptTotpSecret(backend, secrets, user), code, now)
  } catch {
    return false
  }
  if (step === undefined) return false
  const updated = await db
    .update(users)
    .set({ totpLastUsedStep: step })
    .where(
      and(
        eq(users.id, user.id),
        sql`(${users.totpLastUsedStep} is null or ${users.totpLastUsedStep} < ${step})`,
      ),
    )
    .returning({ id: users.id })
  return updated.length === 1
}

// --- per-account throttle ------------------------------------------------------------------------

export const THROTTLE_MAX_FAILURES = 5
export const THROTTLE_WINDOW_MS = 15 * 60 * 1000
export const THROTTLE_LOCK_MS = 15 * 60 * 1000

function throttleKey(backend: CryptoBackend, secrets: ServerSecrets, username: string): Uint8Array {
  return H(backend, 'tnr/v1/login-throttle', [secrets.sessionKey, utf8(username)])
}

/** Refuses (429) while the account name is locked; the same for known and unknown names. */
export async function checkThrottle(
  db: Db,
  backend: CryptoBackend,
  secrets: ServerSecrets,
  username: string,
  now: Date,
) {
  const [row] = await db
    .select()
    .from(loginThrottle)
    .where(eq(loginThrottle.key, throttleKey(backend, secrets, username)))
  if (row?.lockedUntil != null && row.lockedUntil.getTime() > now.getTime())
    throw new AppError('rate_limited')
}

export async function recordFailure(
  db: Db,
  backend: CryptoBackend,
  secrets: ServerSecrets,
  username: string,
  now: Date,
): Promise<void> {
  const key = throttleKey(backend, secrets, username)
  const [row] = await db.select().from(loginThrottle).where(eq(loginThrottle.key, key))
  const fresh = row === undefined || now.getTime() - row.windowStartedAt.getTime() > THROTTLE_WINDOW_MS
  const failures = fresh ? 1 : row.failures + 1
  const lockedUntil = failures >= THROTTLE_MAX_FAILURES ? new Date(now.getTime() + THROTTLE_LOCK_MS) : null
  const windowStartedAt = fresh ? now : row.windowStartedAt
  await db
    .insert(loginThrottle)
    .values({ key, failures, windowStartedAt, lockedUntil })
    .onConflictDoUpdate({ target: loginThrottle.key, set: { failures, windowStartedAt, lockedUntil } })
}

export async function clearThrottle(
  db: Db,
  backend: CryptoBackend,
  secrets: ServerSecrets,
  username: string,
) {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, throttleKey(backend, secrets, username)))
}

// --- the post-login payload ----------------------------------------------------------------------

const signed = (statement: string | null, signature: Uint8Array | null) =>
  statement === null || signature === null ? null : { statement, signature: toBase64(signature) }

export async function mePayload(
  db: Db,
  user: User,
  session: { id: string; expiresAt: Date },
): Promise<MeResponse> {
  const [organisation] = await db.select().from(org).limit(1)
  if (organisation === undefined) throw new AppError('not_set_up')
  const [directory] = await db.select().from(directories).orderBy(desc(directories.seq)).limit(1)
  const [stats] = await db.select().from(statsKeys).orderBy(desc(statsKeys.version)).limit(1)
  const grants = await db
    .select()
    .from(keyGrants)
    .where(eq(keyGrants.granteeId, user.id))
    .orderBy(asc(keyGrants.createdAt))
  const granterIds = [...new Set(grants.flatMap((g) => (g.granterId === null ? [] : [g.granterId])))]
  const signerRows =
    granterIds.length === 0
      ? []
      : await db
          .select({ statement: users.userKeyStatement, signature: users.userKeySignature })
          .from(users)
          .where(and(inArray(users.id, granterIds), isNotNull(users.userKeyStatement)))
  const memberDesks = await db
    .select({ deskId: desks.id, name: desks.name })
    .from(deskMembers)
    .innerJoin(desks, eq(desks.id, deskMembers.deskId))
    .where(eq(deskMembers.userId, user.id))
    .orderBy(asc(desks.name))
  return {
    user: { id: user.id, username: user.username, role: user.role },
    kdf: kdfWire(user),
    wrappedIdentityKey: toBase64(user.wrappedIdentityKey),
    wrappedSigningKey: toBase64(user.wrappedSigningKey),
    identityKey: toBase64(user.identityPublicKey),
    signingKey: toBase64(user.signingPublicKey),
    userKey: signed(user.userKeyStatement, user.userKeySignature),
    org: {
      orgId: organisation.id,
      name: organisation.name,
      signingPublicKey: toBase64(organisation.signingPublicKey),
      fingerprint: organisation.fingerprint,
    },
    directory: directory === undefined ? null : signed(directory.statement, directory.signature),
    statsKey: stats === undefined ? null : signed(stats.statement, stats.signature),
    grants: grants.map((g) => ({
      target: g.target === 'desk' ? (g.deskId ?? '') : g.target,
      version: g.version,
      envelope: toBase64(g.envelope),
      grant: { statement: g.statement, signature: toBase64(g.signature) },
    })),
    signers: signerRows.flatMap((row) => {
      const s = signed(row.statement, row.signature)
      return s === null ? [] : [s]
    }),
    desks: memberDesks,
    session: { id: session.id, expiresAt: session.expiresAt.toISOString() },
  }
}

/** base64 → bytes for a value zod already shaped (length checked by the contract). */
export const bytes = (text: string) => fromBase64(text)
