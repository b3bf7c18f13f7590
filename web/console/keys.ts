/**
 * @module web/console/keys
 * What the console's browser computes for setup, invitations, login and vetting (DESIGN §5): no
 * DOM here, so the same code runs in the page and in the Node API tests.
 *
 * - `newAccount`: Argon2id over the passphrase (crypto/kdf.ts), fresh identity (X25519) and
 *   signing (Ed25519) keys, both wrapped under `wrapKey`; only `authKey` and wrapped keys leave.
 * - `buildSetup`: the organisation signing key, the first desk key, the statistics key, the signed
 *   directory, receipt-key, stats-key and user-key statements, grants of the three private keys
 *   to the admin's own identity key, and the recovery kit sealed to a fresh recovery key whose
 *   code is returned for display (and never sent).
 * - `unlock`: unwraps the identity and signing keys after login and opens every grant, checking
 *   each granted secret against the public key the organisation signed.
 */

import type { AuditWire, MeResponse, SetupRequest } from '../../api/contract/staff.ts'
import { signAuditEntry } from '../../crypto/audit.ts'
import type { Argon2Backend, CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { fingerprint } from '../../crypto/fingerprint.ts'
import {
  formatRecoveryCode,
  generateRecoverySecret,
  openGrant,
  recoveryKeyPair,
  sealGrant,
  sealRecoveryKit,
} from '../../crypto/grants.ts'
import {
  authKeyHash,
  deriveStaffKeys,
  encodeKdfParams,
  type KdfParams,
  newKdfParams,
  unwrapPrivateKey,
  WRAP_PURPOSE,
  wrapPrivateKey,
} from '../../crypto/kdf.ts'
import {
  type Directory,
  type SignedStatement,
  signStatement,
  verifyDirectory,
  verifyStatement,
  verifyUserKeyChain,
} from '../../crypto/statements.ts'

export const DIRECTORY_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000
export const USER_KEY_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000
export const AUDIT_GENESIS = '0'.repeat(64)

/** RFC 3339 without fractional seconds (one spelling per instant, crypto/statements.ts). */
export const rfc3339 = (date: Date) => `${date.toISOString().slice(0, 19)}Z`

export function randomUuid(backend: CryptoBackend): string {
  const b = backend.randomBytes(16)
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** 20 random bytes as RFC 4648 base32: the TOTP secret (enrolled in the user's app). */
export function newTotpSecret(backend: CryptoBackend): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const bytes = backend.randomBytes(20)
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += alphabet[(buffer >> bits) & 31]
    }
    buffer &= (1 << bits) - 1
  }
  return out
}

export interface NewAccount {
  userId: string
  username: string
  identitySecretKey: Uint8Array
  identityKey: Uint8Array
  signingSeed: Uint8Array
  signingKey: Uint8Array
  wire: SetupRequest['user']
}

export function newAccount(
  backend: CryptoBackend & Argon2Backend,
  input: { username: string; passphrase: string; kdf?: KdfParams },
): NewAccount {
  const userId = randomUuid(backend)
  const kdf = input.kdf ?? newKdfParams(backend)
  const { wrapKey, authKey } = deriveStaffKeys(backend, input.passphrase, kdf)
  const identitySecretKey = backend.randomBytes(32)
  const signingSeed = backend.randomBytes(32)
  const identityKey = backend.x25519PublicKey(identitySecretKey)
  const signingKey = backend.ed25519PublicKey(signingSeed)
  const wire = {
    userId,
    username: input.username,
    kdf: encodeKdfParams(kdf) as SetupRequest['user']['kdf'],
    authKey: toBase64(authKey),
    identityKey: toBase64(identityKey),
    signingKey: toBase64(signingKey),
    wrappedIdentityKey: toBase64(
      wrapPrivateKey(backend, wrapKey, userId, WRAP_PURPOSE.identity, identitySecretKey),
    ),
    wrappedSigningKey: toBase64(wrapPrivateKey(backend, wrapKey, userId, WRAP_PURPOSE.signing, signingSeed)),
  }
  backend.wipe(wrapKey)
  return { userId, username: input.username, identitySecretKey, identityKey, signingSeed, signingKey, wire }
}

/** Signs the browser's part of an audit entry (crypto/audit.ts). */
export function signAudit(
  backend: CryptoBackend,
  input: {
    signingSeed: Uint8Array
    actor: string
    action: string
    target: string | null
    head: { seq: number; headHash: string }
    now: Date
  },
): AuditWire {
  const entry = signAuditEntry(backend, input.signingSeed, {
    seq: input.head.seq + 1,
    prevHash: input.head.headHash,
    actor: input.actor,
    action: input.action,
    target: input.target,
    at: input.now.toISOString(),
  })
  return { seq: entry.seq, prevHash: entry.prevHash, at: entry.at, sig: entry.sig }
}

export interface BuiltSetup {
  /** The code shown once for the recovery kit (never sent). */
  recoveryCode: string
  orgFingerprint: string
  orgSigningKey: Uint8Array
  userId: string
  /**
   * The request, with the TOTP enrolment and an audit entry signed now: setup may take minutes
   * (writing the recovery code down), and both are checked against the server's clock.
   */
  complete(totp: { secret: string; code: string }, now: Date): SetupRequest
}

export function buildSetup(
  backend: CryptoBackend & Argon2Backend,
  input: {
    token: string
    orgName: string
    deskName: string
    username: string
    passphrase: string
    receiptPublicKey: Uint8Array
    now: Date
    kdf?: KdfParams
  },
): BuiltSetup {
  const { now } = input
  const orgId = randomUuid(backend)
  const deskId = randomUuid(backend)
  const orgSeed = backend.randomBytes(32)
  const orgKey = backend.ed25519PublicKey(orgSeed)
  const deskSecret = backend.randomBytes(32)
  const deskKey = backend.x25519PublicKey(deskSecret)
  const statsSecret = backend.randomBytes(32)
  const statsKey = backend.x25519PublicKey(statsSecret)
  const account = newAccount(backend, input.kdf ? { ...input, kdf: input.kdf } : input)
  const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000)
  const directory = signStatement(backend, orgSeed, {
    type: 'directory',
    orgId,
    seq: 1,
    issuedAt: rfc3339(issuedAt),
    expiresAt: rfc3339(new Date(issuedAt.getTime() + DIRECTORY_LIFETIME_MS)),
    desks: [{ deskId, name: input.deskName, version: 1, publicKey: toBase64(deskKey) }],
  })
  const receiptKey = signStatement(backend, orgSeed, {
    type: 'receipt-key',
    orgId,
    publicKey: toBase64(input.receiptPublicKey),
  })
  const statsStatement = signStatement(backend, orgSeed, {
    type: 'stats-key',
    orgId,
    version: 1,
    publicKey: toBase64(statsKey),
  })
  const userKey = certifyUser(backend, {
    orgSeed,
    orgId,
    userId: account.userId,
    username: input.username,
    role: 'admin',
    identityKey: account.identityKey,
    signingKey: account.signingKey,
    now,
  })
  const grantOf = (target: string, secretKey: Uint8Array) => {
    const sealed = sealGrant(backend, {
      orgId,
      granterId: account.userId,
      granterSigningSeed: account.signingSeed,
      granteeId: account.userId,
      granteeIdentityKey: account.identityKey,
      target,
      version: 1,
      secretKey,
      now,
    })
    return { envelope: toBase64(sealed.envelope), grant: sealed.grant }
  }
  const recoverySecret = generateRecoverySecret(backend)
  const recovery = recoveryKeyPair(backend, recoverySecret)
  const kit = sealRecoveryKit(backend, {
    recoveryPublicKey: recovery.publicKey,
    authorId: account.userId,
    authorSigningSeed: account.signingSeed,
    keys: {
      orgId,
      orgSigningSeed: orgSeed,
      stats: { version: 1, secretKey: statsSecret },
      desks: [{ deskId, version: 1, secretKey: deskSecret }],
    },
    now,
  })
  const draft = {
    token: input.token,
    orgName: input.orgName,
    orgId,
    orgSigningKey: toBase64(orgKey),
    user: account.wire,
    desk: { deskId, name: input.deskName, publicKey: toBase64(deskKey) },
    directory,
    receiptKey,
    statsKey: statsStatement,
    userKey,
    grants: [grantOf('org', orgSeed), grantOf('stats', statsSecret), grantOf(deskId, deskSecret)],
    recoveryKit: { publicKey: toBase64(recovery.publicKey), envelope: toBase64(kit) },
  }
  const recoveryCode = formatRecoveryCode(backend, recoverySecret)
  for (const secret of [orgSeed, deskSecret, statsSecret, recoverySecret, recovery.secretKey])
    backend.wipe(secret)
  return {
    recoveryCode,
    orgFingerprint: fingerprint(backend, orgKey),
    orgSigningKey: orgKey,
    userId: account.userId,
    complete: (totp, at) => ({
      ...draft,
      totp,
      audit: signAudit(backend, {
        signingSeed: account.signingSeed,
        actor: account.userId,
        action: 'org.setup',
        target: orgId,
        head: { seq: 0, headHash: AUDIT_GENESIS },
        now: at,
      }),
    }),
  }
}

export function certifyUser(
  backend: CryptoBackend,
  input: {
    orgSeed: Uint8Array
    orgId: string
    userId: string
    username: string
    role: 'admin' | 'caseworker' | 'analyst'
    identityKey: Uint8Array
    signingKey: Uint8Array
    now: Date
  },
): SignedStatement {
  return signStatement(backend, input.orgSeed, {
    type: 'user-key',
    orgId: input.orgId,
    userId: input.userId,
    username: input.username,
    role: input.role,
    identityKey: toBase64(input.identityKey),
    signingKey: toBase64(input.signingKey),
    notAfter: rfc3339(new Date(input.now.getTime() + USER_KEY_LIFETIME_MS)),
  })
}

/** The unlocked key ring of a logged-in user (memory only). */
export interface KeyRing {
  userId: string
  orgId: string
  orgSigningKey: Uint8Array
  identitySecretKey: Uint8Array
  signingSeed: Uint8Array
  /** Set only when the user holds the organisation key (an org grant). */
  orgSeed?: Uint8Array
  statsSecretKey?: Uint8Array
  /** deskId → version → X25519 secret key. */
  desks: Map<string, Map<number, Uint8Array>>
  /** Signing keys of certified users, by user id (from verified user-key statements). */
  certified: Map<string, { username: string; role: string; signingKey: Uint8Array }>
  /**
   * What the server sent that failed verification ('directory', 'directory-expired', 'stats-key',
   * 'grant:<target>'): shown to the user, never used, and nothing is signed for a server that sent it.
   */
  refused: string[]
}

export class UnlockError extends Error {
  override readonly name = 'UnlockError'
  constructor(readonly reason: 'wrong_passphrase' | 'org_mismatch' | 'bad_user_key') {
    super(reason)
  }
}

/** Derives the login keys for `POST /api/auth/login` from the passphrase and the served params. */
export function loginKeys(backend: CryptoBackend & Argon2Backend, passphrase: string, kdf: KdfParams) {
  const keys = deriveStaffKeys(backend, passphrase, kdf)
  return { ...keys, authKeyBase64: toBase64(keys.authKey), authHash: authKeyHash(backend, keys.authKey) }
}

/**
 * Unwraps the user's keys and opens every grant. `pinnedFingerprint` (from the invite or setup
 * link, kept by the console) must match the organisation key the server sent.
 */
export function unlock(
  backend: CryptoBackend,
  me: MeResponse,
  wrapKey: Uint8Array,
  options: { now: Date; pinnedFingerprint?: string },
): KeyRing {
  const orgSigningKey = fromBase64(me.org.signingPublicKey, 32)
  if (
    options.pinnedFingerprint !== undefined &&
    fingerprint(backend, orgSigningKey) !== options.pinnedFingerprint
  )
    throw new UnlockError('org_mismatch')
  let identitySecretKey: Uint8Array
  let signingSeed: Uint8Array
  try {
    identitySecretKey = unwrapPrivateKey(
      backend,
      wrapKey,
      me.user.id,
      WRAP_PURPOSE.identity,
      fromBase64(me.wrappedIdentityKey, 72),
    )
    signingSeed = unwrapPrivateKey(
      backend,
      wrapKey,
      me.user.id,
      WRAP_PURPOSE.signing,
      fromBase64(me.wrappedSigningKey, 72),
    )
  } catch {
    throw new UnlockError('wrong_passphrase')
  }
  // The unwrapped keys must be the ones the server lists (and, once certified, the org signed).
  if (
    !backend.equal(backend.x25519PublicKey(identitySecretKey), fromBase64(me.identityKey, 32)) ||
    !backend.equal(backend.ed25519PublicKey(signingSeed), fromBase64(me.signingKey, 32))
  )
    throw new UnlockError('bad_user_key')
  const ring: KeyRing = {
    userId: me.user.id,
    orgId: me.org.orgId,
    orgSigningKey,
    identitySecretKey,
    signingSeed,
    desks: new Map(),
    certified: new Map(),
    refused: [],
  }
  if (me.userKey !== null) {
    try {
      const own = verifyUserKeyChain(backend, {
        orgSigningKey,
        userKey: me.userKey,
        now: options.now,
        orgId: me.org.orgId,
        userId: me.user.id,
      })
      if (!backend.equal(own.signingKey, fromBase64(me.signingKey, 32))) throw new UnlockError('bad_user_key')
    } catch {
      throw new UnlockError('bad_user_key')
    }
  }
  for (const signer of [...me.signers, ...(me.userKey === null ? [] : [me.userKey])])
    rememberSigner(backend, ring, signer, options.now)
  let directoryKeys: Map<string, Map<number, Uint8Array>> = new Map()
  if (me.directory !== null) {
    try {
      const verified = verifyDirectory(backend, me.directory, orgSigningKey, new Date(0), {
        orgId: me.org.orgId,
      })
      directoryKeys = new Map()
      for (const entry of verified.directory.desks) {
        const versions = directoryKeys.get(entry.deskId) ?? new Map<number, Uint8Array>()
        versions.set(entry.version, fromBase64(entry.publicKey, 32))
        directoryKeys.set(entry.deskId, versions)
      }
      // Its keys still check grants (old versions stay valid for old cases), but an expired
      // directory is never treated as current: a server could replay an old one to have an
      // admin's browser re-sign it, listing a desk key a removed member still holds.
      if (Date.parse(verified.directory.expiresAt) <= options.now.getTime())
        ring.refused.push('directory-expired')
    } catch {
      ring.refused.push('directory')
    }
  }
  let statsPublic: { version: number; key: Uint8Array } | undefined
  if (me.statsKey !== null) {
    try {
      const s = verifyStatement(backend, me.statsKey, orgSigningKey, 'stats-key')
      statsPublic = { version: s.version, key: fromBase64(s.publicKey, 32) }
    } catch {
      ring.refused.push('stats-key')
    }
  }
  for (const g of me.grants) {
    try {
      const granter = JSON.parse(g.grant.statement) as { granter?: unknown }
      const certified = typeof granter.granter === 'string' ? ring.certified.get(granter.granter) : undefined
      if (certified === undefined) throw new Error('granter not certified')
      const opened = openGrant(backend, {
        orgId: me.org.orgId,
        granteeId: me.user.id,
        granteeIdentitySecretKey: identitySecretKey,
        envelope: fromBase64(g.envelope),
        grant: g.grant,
        granterSigningKey: certified.signingKey,
        expectedPublicKey: (target, version) => {
          if (target === 'org') return orgSigningKey
          if (target === 'stats') return statsPublic?.version === version ? statsPublic.key : undefined
          return directoryKeys.get(target)?.get(version)
        },
      })
      const target = opened.statement.target
      if (target === 'org') ring.orgSeed = opened.secretKey
      else if (target === 'stats') ring.statsSecretKey = opened.secretKey
      else {
        const versions = ring.desks.get(target) ?? new Map<number, Uint8Array>()
        versions.set(opened.statement.version, opened.secretKey)
        ring.desks.set(target, versions)
      }
    } catch {
      ring.refused.push(`grant:${g.target}`)
    }
  }
  return ring
}

/** Verifies a user-key statement under the organisation key and remembers the signer. */
export function rememberSigner(
  backend: CryptoBackend,
  ring: KeyRing,
  signed: SignedStatement,
  now: Date,
): boolean {
  try {
    const user = verifyUserKeyChain(backend, {
      orgSigningKey: ring.orgSigningKey,
      userKey: signed,
      now,
      orgId: ring.orgId,
    })
    ring.certified.set(user.statement.userId, {
      username: user.statement.username,
      role: user.statement.role,
      signingKey: user.signingKey,
    })
    return true
  } catch {
    return false
  }
}

/**
 * A new desk (version 1) or the next version of a desk's key (rotation, DESIGN §5): fresh X25519
 * key, the directory re-signed with it as the desk's current key (older versions stay listed),
 * grants to every member given, and the secret
 * sealed as an additional recovery kit to the organisation's recovery key.
 */
export function buildDeskKey(
  backend: CryptoBackend,
  ring: KeyRing,
  input: {
    deskId: string
    name: string
    version: number
    current: Directory
    members: { userId: string; identityKey: Uint8Array }[]
    recoveryPublicKey: Uint8Array
    now: Date
  },
) {
  const orgSeed = ring.orgSeed
  const statsSecretKey = ring.statsSecretKey
  // Only an admin holding the organisation and statistics keys can sign and seal a full kit.
  if (orgSeed === undefined || statsSecretKey === undefined) throw new UnlockError('org_mismatch')
  const secretKey = backend.randomBytes(32)
  const publicKey = backend.x25519PublicKey(secretKey)
  const issuedAt = new Date(Math.floor(input.now.getTime() / 1000) * 1000)
  const directory = signStatement(backend, orgSeed, {
    type: 'directory',
    orgId: ring.orgId,
    seq: input.current.seq + 1,
    issuedAt: rfc3339(issuedAt),
    expiresAt: rfc3339(new Date(issuedAt.getTime() + DIRECTORY_LIFETIME_MS)),
    // Older versions stay listed: they are how members' browsers check the grants of old keys
    // (which still open old cases); reporters encrypt only to a desk's highest version.
    desks: [
      ...input.current.desks,
      { deskId: input.deskId, name: input.name, version: input.version, publicKey: toBase64(publicKey) },
    ],
  })
  const grants = input.members.map((member) => {
    const sealed = sealGrant(backend, {
      orgId: ring.orgId,
      granterId: ring.userId,
      granterSigningSeed: ring.signingSeed,
      granteeId: member.userId,
      granteeIdentityKey: member.identityKey,
      target: input.deskId,
      version: input.version,
      secretKey,
      now: input.now,
    })
    return { envelope: toBase64(sealed.envelope), grant: sealed.grant }
  })
  const kit = sealRecoveryKit(backend, {
    recoveryPublicKey: input.recoveryPublicKey,
    authorId: ring.userId,
    authorSigningSeed: ring.signingSeed,
    keys: {
      orgId: ring.orgId,
      orgSigningSeed: orgSeed,
      stats: { version: 1, secretKey: statsSecretKey },
      desks: [{ deskId: input.deskId, version: input.version, secretKey }],
    },
    now: input.now,
  })
  return {
    secretKey,
    request: {
      deskId: input.deskId,
      name: input.name,
      version: input.version,
      publicKey: toBase64(publicKey),
      directory,
      grants,
      recoveryKit: toBase64(kit),
    },
  }
}

/** Lifetime offered for a re-sign after a member was removed (DESIGN §5). */
export const SHORT_DIRECTORY_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000

/** The server's directory is older than the desk keys this admin's own verified grants show. */
export class StaleDirectoryError extends Error {
  override readonly name = 'StaleDirectoryError'
  readonly code = 'directory_stale'
}

/**
 * The server's current directory, checked before an admin's browser re-signs it or builds on it.
 * Its signature must verify under the pinned organisation key, and it must not be older than
 * what this admin knows from grants verified at unlock: no desk this admin holds may be listed
 * with an older version than the newest one they hold (a replayed directory from before a
 * rotation). An expired directory is accepted only when it matches those grants exactly — every
 * listed desk held, each newest listed key equal to the newest held key — because otherwise a
 * hostile server could replay any old directory and have it re-signed for 90 days.
 */
export function directoryToResign(
  backend: CryptoBackend,
  ring: KeyRing,
  signed: SignedStatement,
  now: Date,
): Directory {
  const { directory } = verifyDirectory(backend, signed, ring.orgSigningKey, new Date(0), {
    orgId: ring.orgId,
  })
  const expired = Date.parse(directory.expiresAt) <= now.getTime()
  const newest = new Map<string, { version: number; publicKey: string }>()
  for (const entry of directory.desks) {
    const listed = newest.get(entry.deskId)
    if (listed === undefined || entry.version > listed.version) newest.set(entry.deskId, entry)
  }
  for (const [deskId, versions] of ring.desks) {
    const held = Math.max(...versions.keys())
    const listed = newest.get(deskId)
    if (listed === undefined) {
      if (expired) throw new StaleDirectoryError()
      continue
    }
    if (listed.version < held) throw new StaleDirectoryError()
    const secret = versions.get(held)
    if (
      expired &&
      (listed.version !== held ||
        secret === undefined ||
        toBase64(backend.x25519PublicKey(secret)) !== listed.publicKey)
    )
      throw new StaleDirectoryError()
  }
  if (expired && [...newest.keys()].some((deskId) => !ring.desks.has(deskId))) throw new StaleDirectoryError()
  return directory
}

/**
 * The current directory again under the organisation key: next seq, same desks, a new expiry
 * (90 days at login; shorter when an admin asks for it after removing a member).
 */
export function resignDirectory(
  backend: CryptoBackend,
  ring: KeyRing,
  current: Directory,
  input: { now: Date; lifetimeMs: number },
): SignedStatement {
  if (ring.orgSeed === undefined) throw new UnlockError('org_mismatch')
  const issuedAt = new Date(Math.floor(input.now.getTime() / 1000) * 1000)
  return signStatement(backend, ring.orgSeed, {
    type: 'directory',
    orgId: ring.orgId,
    seq: current.seq + 1,
    issuedAt: rfc3339(issuedAt),
    expiresAt: rfc3339(new Date(issuedAt.getTime() + Math.min(input.lifetimeMs, DIRECTORY_LIFETIME_MS))),
    desks: current.desks,
  })
}
