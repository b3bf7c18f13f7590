/**
 * @module api/secrets
 * The server secret file (DESIGN §5 "Server secrets"): 32 random bytes, outside the database,
 * identical on every instance. Everything secret the server needs is derived from it with the
 * labelled hash `H` under its own label, so no subkey can stand in for another:
 *
 * | label                  | use                                                        |
 * |------------------------|------------------------------------------------------------|
 * | tnr/v1/pow-hmac        | MAC over proof-of-work challenges                          |
 * | tnr/v1/fake-salt       | salts answered for unknown usernames (no enumeration)      |
 * | tnr/v1/totp-key        | encryption of TOTP secrets at rest                         |
 * | tnr/v1/rate-limit      | per-hour key for HMACs of client addresses (never stored)  |
 * | tnr/v1/session         | session-related MACs                                       |
 * | tnr/v1/receipt-seed    | Ed25519 seed of the receipt signing key                    |
 * | tnr/v1/secret-id       | the id stored in `server_meta` to catch a wrong file       |
 *
 * File format (text, mode 0600): the line `tnr-server-secret v1`, then 64 lowercase hex digits.
 * It is created on first start only on PGlite (one instance by construction); with DATABASE_URL
 * several instances must share one file, so start refuses without it (`npm run secret:new`).
 */
import { closeSync, constants, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromHex, toHex, u64 } from '../crypto/bytes.ts'
import { H } from '../crypto/hash.ts'
import type { Db } from './db/index.ts'
import { serverMeta } from './db/schema.ts'
import { StartupError } from './errors.ts'

export const SECRET_FILE_HEADER = 'tnr-server-secret v1'
export const SECRET_BYTES = 32

export type ServerSecrets = {
  /** Lowercase hex of `H("tnr/v1/secret-id", secret)`; public, stored in the database. */
  readonly secretId: string
  readonly powHmacKey: Uint8Array
  readonly fakeSaltKey: Uint8Array
  readonly totpKey: Uint8Array
  readonly sessionKey: Uint8Array
  /** Rate-limit HMAC key for one hour: `H("tnr/v1/rate-limit", secret, u64(hours since epoch))` (DESIGN §4). */
  rateLimitKey(hoursSinceEpoch: number): Uint8Array
  /** Ed25519 seed of the receipt signing key; sign with crypto/ only. */
  readonly receiptSeed: Uint8Array
  readonly receiptPublicKey: Uint8Array
}

export function deriveSecrets(backend: CryptoBackend, secret: Uint8Array): ServerSecrets {
  if (secret.length !== SECRET_BYTES) throw new Error('the server secret is 32 bytes')
  const key = Uint8Array.from(secret)
  const receiptSeed = H(backend, 'tnr/v1/receipt-seed', [key])
  return {
    secretId: toHex(H(backend, 'tnr/v1/secret-id', [key])),
    powHmacKey: H(backend, 'tnr/v1/pow-hmac', [key]),
    fakeSaltKey: H(backend, 'tnr/v1/fake-salt', [key]),
    totpKey: H(backend, 'tnr/v1/totp-key', [key]),
    sessionKey: H(backend, 'tnr/v1/session', [key]),
    rateLimitKey: (hours) => H(backend, 'tnr/v1/rate-limit', [key, u64(hours)]),
    receiptSeed,
    receiptPublicKey: backend.ed25519PublicKey(receiptSeed),
  }
}

export function encodeSecretFile(secret: Uint8Array): string {
  return `${SECRET_FILE_HEADER}\n${toHex(secret)}\n`
}

export function parseSecretFile(text: string, file: string): Uint8Array {
  const lines = text.split('\n').map((line) => line.trim())
  if (
    lines[0] !== SECRET_FILE_HEADER ||
    !/^[0-9a-f]{64}$/.test(lines[1] ?? '') ||
    lines.slice(2).some((l) => l !== '')
  ) {
    throw new StartupError(
      `Server secret file ${file} is not valid: expected the line "${SECRET_FILE_HEADER}" and 64 lowercase hex digits.`,
    )
  }
  return fromHex(lines[1] ?? '', SECRET_BYTES)
}

/** Writes a new secret file; refuses to overwrite one (that would orphan every TOTP secret). */
export function createSecretFile(file: string, backend: CryptoBackend): Uint8Array {
  const secret = backend.randomBytes(SECRET_BYTES)
  let fd: number
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST')
      throw new StartupError(`Server secret file ${file} already exists; not overwriting it.`)
    throw new StartupError(`Cannot create the server secret file ${file} (${code ?? 'error'}).`)
  }
  try {
    writeSync(fd, encodeSecretFile(secret))
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  return secret
}

export type LoadedSecret = { secret: Uint8Array; created: boolean; warning?: string }

/**
 * Reads the secret file, creating it when `createIfMissing` (PGlite only). A file readable by
 * group or others is used but reported, since container secret mounts are often 0644.
 */
export function loadSecretFile(
  file: string,
  options: { createIfMissing: boolean; backend: CryptoBackend },
): LoadedSecret {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT')
      throw new StartupError(`Cannot read the server secret file ${file} (${code ?? 'error'}).`)
    if (!options.createIfMissing) {
      throw new StartupError(
        `Server secret file ${file} not found. With DATABASE_URL the server never creates one: run "npm run secret:new" once, copy the file to every instance (mode 0600) and point SERVER_SECRET_FILE at it.`,
      )
    }
    return { secret: createSecretFile(file, options.backend), created: true }
  }
  const secret = parseSecretFile(text, file)
  const mode = statSync(file).mode & 0o777
  const warning =
    (mode & 0o077) !== 0
      ? `Warning: server secret file ${file} is readable by other users (mode ${mode.toString(8)}); chmod 600 it.`
      : undefined
  return warning === undefined ? { secret, created: false } : { secret, created: false, warning }
}

/**
 * Binds the database to this secret: the first start records the secret id, every later start
 * compares it. A mismatch means the wrong file (TOTP secrets would not decrypt, receipts would
 * be signed with another key), so start refuses.
 */
export async function checkSecretId(db: Db, secretId: string): Promise<void> {
  await db.insert(serverMeta).values({ id: 1, secretId }).onConflictDoNothing()
  const rows = await db.select({ secretId: serverMeta.secretId }).from(serverMeta)
  const stored = rows[0]?.secretId
  if (stored !== secretId) {
    throw new StartupError(
      'The server secret file does not belong to this database (secret id mismatch). Restore the original SERVER_SECRET_FILE.',
    )
  }
}
