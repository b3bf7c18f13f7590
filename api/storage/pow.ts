/**
 * @module api/storage/pow
 * Proof-of-work challenges (DESIGN §5 "Proof of work", docs/api.md "Proof of work"): issued
 * stateless and MAC-protected, spent once in the database, difficulty following recent spending.
 *
 * Challenge bytes (66), base64 on the wire:
 *
 *   version (1) = 0x01 ‖ id (16, random) ‖ issuedAt (u64, seconds since the epoch)
 *   ‖ expiresAt (u64, seconds) ‖ bits (u8) ‖ mac (32)
 *   mac = H("tnr/v1/pow-challenge", powHmacKey, the 34 bytes before it)
 *
 * The MAC key is the server secret's pow-hmac subkey (api/secrets.ts), the same on every
 * instance, so any instance verifies what another issued. BLAKE2b is not open to length
 * extension, and key and body have fixed lengths, so keyed-prefix hashing is a sound MAC here.
 * A solution hashes the whole 66 bytes (crypto/pow.ts), so the difficulty and expiry a client
 * solves for are exactly the ones the server signed.
 *
 * What is stored: the spent challenge's id and its expiry rounded **up** to the hour, nothing
 * else — no time of any reporter action (DESIGN §4).
 */
import { count, gt, lt } from 'drizzle-orm'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { concat, fromBase64, fromHex, toBase64, toHex, u64 } from '../../crypto/bytes.ts'
import { CryptoError } from '../../crypto/errors.ts'
import { H } from '../../crypto/hash.ts'
import { verifyPow } from '../../crypto/pow.ts'
import type { Db } from '../db/index.ts'
import { powSpent } from '../db/schema.ts'
import { AppError } from '../errors.ts'
import type { ReporterLimits } from './limits.ts'

export const CHALLENGE_VERSION = 1
export const CHALLENGE_ID_BYTES = 16
const BODY_BYTES = 1 + CHALLENGE_ID_BYTES + 8 + 8 + 1
const MAC_BYTES = 32
export const CHALLENGE_BYTES = BODY_BYTES + MAC_BYTES

const HOUR_MS = 60 * 60 * 1000
const MINUTE_MS = 60 * 1000

export type Challenge = {
  readonly id: string
  readonly issuedAt: Date
  readonly expiresAt: Date
  readonly bits: number
}

function mac(backend: CryptoBackend, key: Uint8Array, body: Uint8Array): Uint8Array {
  return H(backend, 'tnr/v1/pow-challenge', [key, body], MAC_BYTES)
}

/** Seconds since the epoch, rounded down: challenges never carry sub-second times. */
const seconds = (date: Date) => Math.floor(date.getTime() / 1000)

export function encodeChallenge(backend: CryptoBackend, key: Uint8Array, challenge: Challenge): string {
  const body = concat(
    Uint8Array.of(CHALLENGE_VERSION),
    fromHex(challenge.id, CHALLENGE_ID_BYTES),
    u64(seconds(challenge.issuedAt)),
    u64(seconds(challenge.expiresAt)),
    Uint8Array.of(challenge.bits),
  )
  if (body.length !== BODY_BYTES) throw new Error('challenge body has the wrong length')
  return toBase64(concat(body, mac(backend, key, body)))
}

function readU64(bytes: Uint8Array, offset: number): number {
  let value = 0
  for (let i = 0; i < 8; i++) value = value * 256 + (bytes[offset + i] ?? 0)
  return value
}

/**
 * Decodes and authenticates a challenge. Anything malformed or not issued by us is
 * `pow_invalid`; an authentic but expired challenge is `pow_expired` (the client solves anew).
 */
export function decodeChallenge(
  backend: CryptoBackend,
  key: Uint8Array,
  text: string,
  now: Date,
): Challenge & { bytes: Uint8Array } {
  let bytes: Uint8Array
  try {
    bytes = fromBase64(text)
  } catch (cause) {
    throw new AppError('pow_invalid', 'The challenge is not base64.', { cause })
  }
  if (bytes.length !== CHALLENGE_BYTES || bytes[0] !== CHALLENGE_VERSION) {
    throw new AppError('pow_invalid', 'The challenge was not issued by this server.')
  }
  const body = bytes.subarray(0, BODY_BYTES)
  if (!backend.equal(mac(backend, key, body), bytes.subarray(BODY_BYTES))) {
    throw new AppError('pow_invalid', 'The challenge was not issued by this server.')
  }
  const expiresAt = new Date(readU64(bytes, 1 + CHALLENGE_ID_BYTES + 8) * 1000)
  if (!(now.getTime() < expiresAt.getTime())) throw new AppError('pow_expired')
  return {
    bytes,
    id: toHex(bytes.subarray(1, 1 + CHALLENGE_ID_BYTES)),
    issuedAt: new Date(readU64(bytes, 1 + CHALLENGE_ID_BYTES) * 1000),
    expiresAt,
    bits: bytes[BODY_BYTES - 1] ?? 0,
  }
}

/**
 * Difficulty now: base, plus one bit per doubling of recent spending beyond `powSpentStep`.
 * "Recent" is read from `pow_spent` itself: rows whose (rounded-up) expiry is still ahead, i.e.
 * challenges spent within roughly the last two to three hours. That needs no extra table and
 * records no time finer than the hour (DESIGN §4); the price is that difficulty falls back
 * slowly after a flood, which the low cap keeps bearable for honest reporters.
 */
export async function currentBits(db: Db, limits: ReporterLimits, now: Date): Promise<number> {
  const [row] = await db.select({ spent: count() }).from(powSpent).where(gt(powSpent.expiresAt, now))
  const spent = Number(row?.spent ?? 0)
  const extra = spent < limits.powSpentStep ? 0 : Math.floor(Math.log2(spent / limits.powSpentStep)) + 1
  return Math.min(limits.powMaxBits, limits.powBaseBits + extra)
}

export async function issueChallenge(
  db: Db,
  backend: CryptoBackend,
  key: Uint8Array,
  limits: ReporterLimits,
  now: Date,
): Promise<{ challenge: string; bits: number; expiresAt: string }> {
  const bits = await currentBits(db, limits, now)
  const issuedAt = new Date(seconds(now) * 1000)
  const expiresAt = new Date(issuedAt.getTime() + limits.powLifetimeMinutes * MINUTE_MS)
  const id = toHex(backend.randomBytes(CHALLENGE_ID_BYTES))
  return {
    challenge: encodeChallenge(backend, key, { id, issuedAt, expiresAt, bits }),
    bits,
    expiresAt: expiresAt.toISOString().replace('.000Z', 'Z'),
  }
}

/** The hour at or after `date`: spent rows never record when a challenge was used. */
export function roundUpToHour(date: Date): Date {
  return new Date(Math.ceil(date.getTime() / HOUR_MS) * HOUR_MS)
}

/**
 * Verifies a solution and spends the challenge in its own transaction (DESIGN §5: before the
 * submission's, so the two rows share no commit). `pow_invalid`, `pow_expired` or `pow_spent`.
 * A concurrent spend of the same challenge waits on the primary key until the first commits.
 */
export async function verifyAndSpend(
  db: Db,
  backend: CryptoBackend,
  key: Uint8Array,
  solution: { challenge: string; nonce: string },
  now: Date,
): Promise<void> {
  const challenge = decodeChallenge(backend, key, solution.challenge, now)
  let solved: boolean
  try {
    solved = verifyPow(backend, challenge.bytes, solution.nonce, challenge.bits)
  } catch (cause) {
    if (cause instanceof CryptoError) throw new AppError('pow_invalid', 'The nonce is not valid.', { cause })
    throw cause
  }
  if (!solved) throw new AppError('pow_invalid', 'The nonce does not solve the challenge.')
  // One statement outside any explicit transaction: its own transaction, committed when it
  // returns, in one round trip.
  const inserted = await db
    .insert(powSpent)
    .values({ challengeId: challenge.id, expiresAt: roundUpToHour(challenge.expiresAt) })
    .onConflictDoNothing()
    .returning({ id: powSpent.challengeId })
  if (inserted.length === 0) throw new AppError('pow_spent')
}

/** Deletes spent rows whose (rounded-up) expiry has passed; expired challenges are refused anyway. */
export async function purgeSpent(db: Db, now: Date): Promise<number> {
  const deleted = await db
    .delete(powSpent)
    .where(lt(powSpent.expiresAt, now))
    .returning({ id: powSpent.challengeId })
  return deleted.length
}

/** Runs `purgeSpent` at most once an hour per instance, lazily on the challenge route. */
export function hourlyPurge(db: Db): (now: Date) => Promise<void> {
  let last = Number.NEGATIVE_INFINITY
  return async (now) => {
    if (now.getTime() - last < HOUR_MS) return
    last = now.getTime()
    await purgeSpent(db, now)
  }
}
