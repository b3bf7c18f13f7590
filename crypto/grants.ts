/**
 * @module crypto/grants
 * Key grants and the recovery kit (DESIGN §5 "Key grant", "Recovery kit"; SPEC.md §16).
 *
 * - A **grant** hands a private key (the organisation signing seed, the statistics key or a desk
 *   key version) to a user: a signed item of kind 6 sealed to the grantee's identity key, with
 *   empty context, authored by the granter, plus a `grant` statement signed by the granter that
 *   names the target, version and the envelope's hash. The reader checks the statement under the
 *   granter's certified key, the hash, the item signature, and finally that the unsealed secret
 *   matches the public key the caller trusts for the target (directory, stats-key statement or
 *   organisation key): a hostile server cannot slip in a key of its own.
 * - The **recovery kit** seals the organisation, statistics and desk private keys to an offline
 *   recovery key, whose 32-byte secret is shown once as 56 Crockford symbols (14 groups of 4)
 *   with a 3-byte check, typed back by the admin before setup completes.
 */
import { type CryptoBackend, X25519_PUBLIC_KEY_BYTES, X25519_SECRET_KEY_BYTES } from './backend.ts'
import { concat, fromBase64, toBase64 } from './bytes.ts'
import { ENVELOPE_KINDS, envelopeHash } from './envelope.ts'
import { CryptoError } from './errors.ts'
import { H } from './hash.ts'
import { openItem, sealItem } from './items.ts'
import { CROCKFORD_ALPHABET, LOOKALIKES } from './receipt.ts'
import { type Grant, type SignedStatement, signStatement, verifyStatement } from './statements.ts'

/** Grants and kits live outside any case: their envelope context is empty (SPEC.md §4). */
const NO_CONTEXT = ''

export type GrantTarget = 'org' | 'stats' | string

export interface SealedGrant {
  envelope: Uint8Array
  grant: SignedStatement
}

/** `YYYY-MM-DD` (UTC) of `now`. */
const dateOf = (now: Date) => now.toISOString().slice(0, 10)

function checkSecret(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== X25519_SECRET_KEY_BYTES)
    throw new CryptoError('bad_length', 'secret keys are 32 bytes')
}

/**
 * Seals `secretKey` (32 bytes: an X25519 scalar or an Ed25519 seed) to the grantee and signs the
 * `grant` statement with the granter's signing seed.
 */
export function sealGrant(
  backend: CryptoBackend,
  input: {
    orgId: string
    granterId: string
    granterSigningSeed: Uint8Array
    granteeId: string
    granteeIdentityKey: Uint8Array
    target: GrantTarget
    version: number
    secretKey: Uint8Array
    now: Date
  },
): SealedGrant {
  checkSecret(input.secretKey)
  const envelope = sealItem(backend, {
    kind: ENVELOPE_KINDS.keyGrant,
    context: NO_CONTEXT,
    recipients: [input.granteeIdentityKey],
    body: {
      seq: 0,
      writtenOn: dateOf(input.now),
      type: 'grant',
      target: input.target,
      version: input.version,
      secretKey: toBase64(input.secretKey),
    },
    author: input.granterId,
    signingSeed: input.granterSigningSeed,
  })
  const grant = signStatement(backend, input.granterSigningSeed, {
    type: 'grant',
    orgId: input.orgId,
    granter: input.granterId,
    grantee: input.granteeId,
    granteeIdentityKey: toBase64(input.granteeIdentityKey),
    target: input.target,
    version: input.version,
    envelopeHash: envelopeHash(backend, envelope),
  })
  return { envelope, grant }
}

export interface OpenedGrant {
  statement: Grant
  secretKey: Uint8Array
}

/**
 * Opens a grant addressed to us. `granterSigningKey` must come from the granter's certified
 * `user-key` statement; `expectedPublicKey(target, version)` returns the public key the caller
 * trusts for that target (or undefined: refused). The unsealed secret must derive it.
 */
export function openGrant(
  backend: CryptoBackend,
  input: {
    orgId: string
    granteeId: string
    granteeIdentitySecretKey: Uint8Array
    envelope: Uint8Array
    grant: SignedStatement
    granterSigningKey: Uint8Array
    expectedPublicKey: (target: GrantTarget, version: number) => Uint8Array | undefined
  },
): OpenedGrant {
  const statement = verifyStatement(backend, input.grant, input.granterSigningKey, 'grant')
  if (statement.orgId !== input.orgId || statement.grantee !== input.granteeId)
    throw new CryptoError('key_mismatch', 'grant for another organisation or user')
  if (statement.envelopeHash !== envelopeHash(backend, input.envelope))
    throw new CryptoError('key_mismatch', 'grant envelope does not match its statement')
  const item = openItem(backend, input.envelope, {
    kind: ENVELOPE_KINDS.keyGrant,
    context: NO_CONTEXT,
    secretKey: input.granteeIdentitySecretKey,
    expectedSeq: 0,
    signingKeyFor: (author) => (author === statement.granter ? input.granterSigningKey : undefined),
  })
  const body = item.body
  if (body.type !== 'grant' || body.target !== statement.target || body.version !== statement.version)
    throw new CryptoError('key_mismatch', 'grant body does not match its statement')
  if (typeof body.secretKey !== 'string') throw new CryptoError('bad_plaintext', 'grant without a key')
  const secretKey = fromBase64(body.secretKey, X25519_SECRET_KEY_BYTES)
  const expected = input.expectedPublicKey(statement.target, statement.version)
  if (expected === undefined) throw new CryptoError('untrusted_key', 'no trusted public key for this grant')
  const derived =
    statement.target === 'org' ? backend.ed25519PublicKey(secretKey) : backend.x25519PublicKey(secretKey)
  if (!backend.equal(derived, expected)) {
    backend.wipe(secretKey)
    throw new CryptoError('key_mismatch', 'the granted key does not match its signed public key')
  }
  return { statement, secretKey }
}

// --- recovery kit (SPEC.md §16) ----------------------------------------------------------------

export const RECOVERY_SECRET_BYTES = 32
export const RECOVERY_CHECK_BYTES = 3
/** (32 + 3) bytes = 280 bits = 56 symbols of 5 bits. */
export const RECOVERY_SYMBOLS = 56
export const RECOVERY_GROUP_SIZE = 4

export function generateRecoverySecret(backend: CryptoBackend): Uint8Array {
  return backend.randomBytes(RECOVERY_SECRET_BYTES)
}

function recoveryCheck(backend: CryptoBackend, secret: Uint8Array): Uint8Array {
  return H(backend, 'tnr/v1/recovery-check', [secret], 32).subarray(0, RECOVERY_CHECK_BYTES)
}

function toCrockford(bytes: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += CROCKFORD_ALPHABET[(buffer >> bits) & 31]
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += CROCKFORD_ALPHABET[(buffer << (5 - bits)) & 31]
  return out
}

function fromCrockford(symbols: string): Uint8Array {
  const out: number[] = []
  let buffer = 0
  let bits = 0
  for (const symbol of symbols) {
    const value = CROCKFORD_ALPHABET.indexOf(symbol)
    if (value < 0) throw new CryptoError('bad_encoding', 'not a Crockford symbol')
    buffer = (buffer << 5) | value
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out.push((buffer >> bits) & 0xff)
    }
    buffer &= (1 << bits) - 1
  }
  return Uint8Array.from(out)
}

/** The code shown once: 14 groups of 4 symbols joined by spaces. */
export function formatRecoveryCode(backend: CryptoBackend, secret: Uint8Array): string {
  if (secret.length !== RECOVERY_SECRET_BYTES)
    throw new CryptoError('bad_length', 'recovery secrets are 32 bytes')
  const symbols = toCrockford(concat(secret, recoveryCheck(backend, secret)))
  const groups: string[] = []
  for (let i = 0; i < symbols.length; i += RECOVERY_GROUP_SIZE)
    groups.push(symbols.slice(i, i + RECOVERY_GROUP_SIZE))
  return groups.join(' ')
}

/**
 * What the admin types back: forgiving like receipts (case, spaces, dashes, I/L → 1, O → 0,
 * Cyrillic and Greek look-alikes), strict on length and check bytes.
 */
export function parseRecoveryCode(backend: CryptoBackend, input: string): Uint8Array {
  let normalised = ''
  for (const raw of input.normalize('NFKC')) {
    let c = LOOKALIKES[raw] ?? raw
    if (/[\s\p{Pd}\p{Cf}]/u.test(c)) continue
    if (c >= 'a' && c <= 'z') c = String.fromCharCode(c.charCodeAt(0) - 32)
    if (c === 'I' || c === 'L') c = '1'
    else if (c === 'O') c = '0'
    normalised += c
  }
  if (normalised.length !== RECOVERY_SYMBOLS)
    throw new CryptoError('bad_length', 'a recovery code has 56 symbols')
  const bytes = fromCrockford(normalised)
  // 280 bits fill 35 bytes exactly: no padding bits to check.
  const secret = bytes.subarray(0, RECOVERY_SECRET_BYTES)
  if (!backend.equal(bytes.subarray(RECOVERY_SECRET_BYTES), recoveryCheck(backend, secret)))
    throw new CryptoError('bad_check_symbol', 'the recovery code does not check out')
  return Uint8Array.from(secret)
}

/** The recovery key pair: X25519 secret `H("tnr/v1/recovery-key", secret)`. */
export function recoveryKeyPair(
  backend: CryptoBackend,
  secret: Uint8Array,
): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const secretKey = H(backend, 'tnr/v1/recovery-key', [secret])
  return { secretKey, publicKey: backend.x25519PublicKey(secretKey) }
}

export interface RecoveryKeys {
  orgId: string
  orgSigningSeed: Uint8Array
  stats: { version: number; secretKey: Uint8Array }
  desks: { deskId: string; version: number; secretKey: Uint8Array }[]
}

/** Seals the kit (kind 6, empty context) to the recovery public key, signed by the admin. */
export function sealRecoveryKit(
  backend: CryptoBackend,
  input: {
    recoveryPublicKey: Uint8Array
    authorId: string
    authorSigningSeed: Uint8Array
    keys: RecoveryKeys
    now: Date
  },
): Uint8Array {
  if (input.recoveryPublicKey.length !== X25519_PUBLIC_KEY_BYTES) throw new CryptoError('bad_length')
  return sealItem(backend, {
    kind: ENVELOPE_KINDS.keyGrant,
    context: NO_CONTEXT,
    recipients: [input.recoveryPublicKey],
    body: {
      seq: 0,
      writtenOn: dateOf(input.now),
      type: 'recovery-kit',
      orgId: input.keys.orgId,
      orgSigningSeed: toBase64(input.keys.orgSigningSeed),
      stats: { version: input.keys.stats.version, secretKey: toBase64(input.keys.stats.secretKey) },
      desks: input.keys.desks.map((d) => ({
        deskId: d.deskId,
        version: d.version,
        secretKey: toBase64(d.secretKey),
      })),
    },
    author: input.authorId,
    signingSeed: input.authorSigningSeed,
  })
}

/** Opens a kit with the typed-back secret; `authorSigningKey` from the author's user-key statement. */
export function openRecoveryKit(
  backend: CryptoBackend,
  input: {
    envelope: Uint8Array
    secret: Uint8Array
    authorSigningKey: (author: string) => Uint8Array | undefined
  },
): RecoveryKeys {
  const { secretKey } = recoveryKeyPair(backend, input.secret)
  const item = openItem(backend, input.envelope, {
    kind: ENVELOPE_KINDS.keyGrant,
    context: NO_CONTEXT,
    secretKey,
    expectedSeq: 0,
    signingKeyFor: input.authorSigningKey,
  })
  const body = item.body as Record<string, unknown>
  const stats = body.stats as { version?: unknown; secretKey?: unknown } | undefined
  const desks = body.desks
  if (
    body.type !== 'recovery-kit' ||
    typeof body.orgId !== 'string' ||
    typeof body.orgSigningSeed !== 'string' ||
    stats === undefined ||
    typeof stats.version !== 'number' ||
    typeof stats.secretKey !== 'string' ||
    !Array.isArray(desks)
  )
    throw new CryptoError('bad_plaintext', 'not a recovery kit')
  return {
    orgId: body.orgId,
    orgSigningSeed: fromBase64(body.orgSigningSeed, 32),
    stats: { version: stats.version, secretKey: fromBase64(stats.secretKey, 32) },
    desks: desks.map((d: { deskId?: unknown; version?: unknown; secretKey?: unknown }) => {
      if (typeof d.deskId !== 'string' || typeof d.version !== 'number' || typeof d.secretKey !== 'string')
        throw new CryptoError('bad_plaintext', 'not a recovery kit')
      return { deskId: d.deskId, version: d.version, secretKey: fromBase64(d.secretKey, 32) }
    }),
  }
}
