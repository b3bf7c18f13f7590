/**
 * @module crypto/grants.test
 * Key grants and the recovery kit (SPEC.md §16) on both backends: the recovery code vectors,
 * forgiving input and its refusals, kits and grants that open only for their recipient, and a
 * grant whose key does not match the signed public key refused.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { fromHex, toHex } from './bytes.ts'
import { CryptoError } from './errors.ts'
import {
  formatRecoveryCode,
  generateRecoverySecret,
  openGrant,
  openRecoveryKit,
  parseRecoveryCode,
  recoveryKeyPair,
  sealGrant,
  sealRecoveryKit,
} from './grants.ts'
import { nobleBackend } from './noble.ts'
import { loadSodium } from './sodium.ts'
import vectors from './vectors/recovery.json' with { type: 'json' }

const ORG = '6f2b8c1e-1d2a-4c3b-9e8f-0a1b2c3d4e5f'
const ADMIN = '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d'
const NOW = new Date('2026-05-04T09:00:00Z')

let sodium: CryptoBackend
beforeAll(async () => {
  sodium = await loadSodium()
})

describe.each(['libsodium', 'noble'])('recovery kit and grants with %s', (name) => {
  const backend = () => (name === 'noble' ? nobleBackend : sodium)

  it('derives the recovery code and key pair of every vector', () => {
    for (const v of vectors) {
      const secret = fromHex(v.secret, 32)
      expect(formatRecoveryCode(backend(), secret)).toBe(v.code)
      const pair = recoveryKeyPair(backend(), secret)
      expect(toHex(pair.secretKey)).toBe(v.recoverySecretKey)
      expect(toHex(pair.publicKey)).toBe(v.recoveryPublicKey)
      expect(toHex(parseRecoveryCode(backend(), v.code))).toBe(v.secret)
    }
  })

  it('accepts the code typed loosely and refuses a typo or a short code', () => {
    const secret = generateRecoverySecret(backend())
    const code = formatRecoveryCode(backend(), secret)
    const loose = ` ${code.toLowerCase().replaceAll('0', 'o').replaceAll('1', 'l').replaceAll(' ', '-')} `
    expect(parseRecoveryCode(backend(), loose)).toEqual(secret)
    const typo = (code[0] === 'A' ? 'B' : 'A') + code.slice(1)
    expect(() => parseRecoveryCode(backend(), typo)).toThrow(CryptoError)
    expect(() => parseRecoveryCode(backend(), code.slice(0, -1))).toThrow(/56 symbols/)
  })

  it('opens a kit only with its recovery secret and only from its signing author', () => {
    const b = backend()
    const signingSeed = b.randomBytes(32)
    const signingKey = b.ed25519PublicKey(signingSeed)
    const secret = generateRecoverySecret(b)
    const keys = {
      orgId: ORG,
      orgSigningSeed: b.randomBytes(32),
      stats: { version: 1, secretKey: b.randomBytes(32) },
      desks: [{ deskId: ADMIN, version: 1, secretKey: b.randomBytes(32) }],
    }
    const envelope = sealRecoveryKit(b, {
      recoveryPublicKey: recoveryKeyPair(b, secret).publicKey,
      authorId: ADMIN,
      authorSigningSeed: signingSeed,
      keys,
      now: NOW,
    })
    const opened = openRecoveryKit(b, {
      envelope,
      secret,
      authorSigningKey: (a) => (a === ADMIN ? signingKey : undefined),
    })
    expect(opened).toEqual(keys)
    expect(() =>
      openRecoveryKit(b, { envelope, secret: generateRecoverySecret(b), authorSigningKey: () => signingKey }),
    ).toThrow(CryptoError)
    expect(() =>
      openRecoveryKit(b, { envelope, secret, authorSigningKey: () => b.ed25519PublicKey(b.randomBytes(32)) }),
    ).toThrow(/signature|bad_signature/)
  })

  it('opens a grant whose key matches the signed public key, and refuses one that does not', () => {
    const b = backend()
    const granterSeed = b.randomBytes(32)
    const granteeSecret = b.randomBytes(32)
    const deskSecret = b.randomBytes(32)
    const deskPublic = b.x25519PublicKey(deskSecret)
    const grant = (secretKey: Uint8Array) =>
      sealGrant(b, {
        orgId: ORG,
        granterId: ADMIN,
        granterSigningSeed: granterSeed,
        granteeId: ORG,
        granteeIdentityKey: b.x25519PublicKey(granteeSecret),
        target: ADMIN,
        version: 1,
        secretKey,
        now: NOW,
      })
    const open = (sealed: ReturnType<typeof grant>) =>
      openGrant(b, {
        orgId: ORG,
        granteeId: ORG,
        granteeIdentitySecretKey: granteeSecret,
        envelope: sealed.envelope,
        grant: sealed.grant,
        granterSigningKey: b.ed25519PublicKey(granterSeed),
        expectedPublicKey: (target, version) => (target === ADMIN && version === 1 ? deskPublic : undefined),
      })
    expect(open(grant(deskSecret)).secretKey).toEqual(deskSecret)
    expect(() => open(grant(b.randomBytes(32)))).toThrow(/does not match/)
    const good = grant(deskSecret)
    const swapped = { envelope: grant(deskSecret).envelope, grant: good.grant }
    expect(() => open(swapped)).toThrow(/does not match its statement/)
  })
})
