/**
 * @module crypto/statements.test
 * Signed statements (SPEC.md §9): vectors on both backends, cross-backend signing, and the
 * refusals a hostile server would try: tampered or re-spelled text, another type's label,
 * expired or over-long directories, certificates past notAfter.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { fromHex, toBase64, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { H } from './hash.ts'
import { nobleBackend } from './noble.ts'
import { loadSodium } from './sodium.ts'
import {
  type Directory,
  type SignedStatement,
  type StatementType,
  signStatement,
  type UserKey,
  verifyDirectory,
  verifyStatement,
  verifyUserKeyChain,
} from './statements.ts'
import vectors from './vectors/statement.json' with { type: 'json' }

let backends: CryptoBackend[] = []
let sodium: CryptoBackend
beforeAll(async () => {
  sodium = await loadSodium()
  backends = [sodium, nobleBackend]
})

const orgSeed = new Uint8Array(32).fill(1)
const orgId = '0b0b5e1e-7a2d-4c51-9f3e-5d6c1a2b3c4d'
const deskId = '11111111-2222-4333-8444-555555555555'

function directory(overrides: Partial<Directory> = {}): Directory {
  return {
    type: 'directory',
    orgId,
    seq: 1,
    issuedAt: '2025-01-01T00:00:00Z',
    expiresAt: '2025-03-01T00:00:00Z',
    desks: [
      { deskId, name: 'Desk', version: 1, publicKey: toBase64(new Uint8Array(32).fill(1)) },
      { deskId, name: 'Desk', version: 3, publicKey: toBase64(new Uint8Array(32).fill(3)) },
      { deskId, name: 'Desk', version: 2, publicKey: toBase64(new Uint8Array(32).fill(2)) },
    ],
    ...overrides,
  }
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
    return undefined
  } catch (e) {
    if (e instanceof CryptoError) return e.code
    throw e
  }
}

describe('statement.json', () => {
  it.each(vectors)('$comment', (vector) => {
    for (const backend of backends) {
      const publicKey = fromHex(vector.publicKey)
      const type = vector.type as StatementType
      const run =
        'now' in vector && typeof vector.now === 'string'
          ? () => verifyDirectory(backend, vector.signed, publicKey, new Date(vector.now as string))
          : () => verifyStatement(backend, vector.signed, publicKey, type)
      expect(codeOf(run)).toBe(vector.valid ? undefined : vector.error)
    }
  })
})

describe('signStatement and verifyStatement', () => {
  it('verifies on one backend what the other signed', () => {
    for (const signer of backends) {
      const signed = signStatement(signer, orgSeed, directory())
      for (const verifier of backends) {
        const key = verifier.ed25519PublicKey(orgSeed)
        expect(verifyStatement(verifier, signed, key, 'directory').seq).toBe(1)
      }
    }
  })

  it('signs the JCS text, whatever order the fields were given in', () => {
    const signed = signStatement(sodium, orgSeed, {
      publicKey: toBase64(new Uint8Array(32)),
      version: 2,
      orgId,
      type: 'stats-key',
    })
    expect(signed.statement).toBe(
      `{"orgId":"${orgId}","publicKey":"${toBase64(new Uint8Array(32))}","type":"stats-key","version":2}`,
    )
  })

  it('refuses to sign a statement that breaks its schema', () => {
    expect(codeOf(() => signStatement(sodium, orgSeed, directory({ orgId: 'ABC' })))).toBe('bad_statement')
    expect(
      codeOf(() => signStatement(sodium, orgSeed, directory({ expiresAt: '2025-03-01 00:00:00' }))),
    ).toBe('bad_statement')
    expect(codeOf(() => signStatement(sodium, orgSeed, directory({ seq: 1.5 })))).toBe('bad_statement')
    const duplicate = directory()
    duplicate.desks.push({ ...(duplicate.desks[0] as Directory['desks'][number]) })
    expect(codeOf(() => signStatement(sodium, orgSeed, duplicate))).toBe('bad_statement')
    const bidi = directory({
      desks: [{ deskId, name: 'Desk \u202e', version: 1, publicKey: toBase64(new Uint8Array(32)) }],
    })
    expect(codeOf(() => signStatement(sodium, orgSeed, bidi))).toBe('bad_statement')
  })

  it('refuses a user-key whose signing key is of small order', () => {
    const statement: UserKey = {
      type: 'user-key',
      orgId,
      userId: deskId,
      username: 'x',
      role: 'admin',
      identityKey: toBase64(new Uint8Array(32)),
      signingKey: toBase64(fromHex(`01${'00'.repeat(31)}`)),
      notAfter: '2030-01-01T00:00:00Z',
    }
    expect(codeOf(() => signStatement(sodium, orgSeed, statement))).toBe('bad_statement')
  })

  it('refuses any single changed character in the statement or signature', () => {
    const signed = signStatement(sodium, orgSeed, directory())
    const key = sodium.ed25519PublicKey(orgSeed)
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.nat(),
        fc.constantFrom('A', 'z', '0', ' ', '"', '='),
        (inSignature, at, replacement) => {
          const field = inSignature ? signed.signature : signed.statement
          const i = at % field.length
          if (field[i] === replacement) return
          const changed = field.slice(0, i) + replacement + field.slice(i + 1)
          const tampered: SignedStatement = inSignature
            ? { ...signed, signature: changed }
            : { ...signed, statement: changed }
          expect(codeOf(() => verifyStatement(sodium, tampered, key, 'directory'))).toBe('bad_signature')
        },
      ),
      { numRuns: 60 },
    )
  })

  it('refuses a signature that verifies but over non-canonical JSON', () => {
    const key = sodium.ed25519PublicKey(orgSeed)
    const canonical = signStatement(sodium, orgSeed, directory()).statement
    for (const text of [
      canonical.replace('{', '{ '),
      `${canonical}\n`,
      JSON.stringify(JSON.parse(canonical), null, 1),
    ]) {
      const signature = toBase64(sodium.ed25519Sign(orgSeed, H(sodium, 'tnr/v1/sig/directory', [utf8(text)])))
      expect(codeOf(() => verifyStatement(sodium, { statement: text, signature }, key, 'directory'))).toBe(
        'bad_statement',
      )
    }
  })
})

describe('verifyDirectory', () => {
  const at = (iso: string) => new Date(iso)

  it('returns the highest version of each desk as its current key', () => {
    const signed = signStatement(sodium, orgSeed, directory())
    const { currentKeys } = verifyDirectory(
      nobleBackend,
      signed,
      sodium.ed25519PublicKey(orgSeed),
      at('2025-02-01T00:00:00Z'),
    )
    expect(currentKeys.get(deskId)?.version).toBe(3)
    expect(currentKeys.get(deskId)?.publicKey).toEqual(new Uint8Array(32).fill(3))
  })

  it('refuses a directory at or after its expiry, or valid for more than 90 days', () => {
    const key = sodium.ed25519PublicKey(orgSeed)
    const signed = signStatement(sodium, orgSeed, directory())
    expect(codeOf(() => verifyDirectory(sodium, signed, key, at('2025-03-01T00:00:00Z')))).toBe('expired')
    const ninety = signStatement(sodium, orgSeed, directory({ expiresAt: '2025-04-01T00:00:00Z' }))
    expect(codeOf(() => verifyDirectory(sodium, ninety, key, at('2025-02-01T00:00:00Z')))).toBeUndefined()
    const long = signStatement(sodium, orgSeed, directory({ expiresAt: '2025-04-01T00:00:00.001Z' }))
    expect(codeOf(() => verifyDirectory(sodium, long, key, at('2025-02-01T00:00:00Z')))).toBe('expired')
    const backwards = signStatement(sodium, orgSeed, directory({ expiresAt: '2024-12-31T00:00:00Z' }))
    expect(codeOf(() => verifyDirectory(sodium, backwards, key, at('2024-12-01T00:00:00Z')))).toBe(
      'bad_statement',
    )
  })

  it('refuses a directory signed by another key or naming another organisation', () => {
    const signed = signStatement(sodium, orgSeed, directory())
    const other = sodium.ed25519PublicKey(new Uint8Array(32).fill(2))
    expect(codeOf(() => verifyDirectory(sodium, signed, other, at('2025-02-01T00:00:00Z')))).toBe(
      'bad_signature',
    )
    const key = sodium.ed25519PublicKey(orgSeed)
    expect(
      codeOf(() => verifyDirectory(sodium, signed, key, at('2025-02-01T00:00:00Z'), { orgId: deskId })),
    ).toBe('key_mismatch')
  })
})

describe('verifyUserKeyChain', () => {
  it('returns the certified keys until notAfter, and refuses them from then on', () => {
    const identityKey = sodium.x25519PublicKey(new Uint8Array(32).fill(4))
    const signingKey = sodium.ed25519PublicKey(new Uint8Array(32).fill(5))
    const userKey = signStatement(sodium, orgSeed, {
      type: 'user-key',
      orgId,
      userId: deskId,
      username: 'amina',
      role: 'caseworker',
      identityKey: toBase64(identityKey),
      signingKey: toBase64(signingKey),
      notAfter: '2026-01-01T00:00:00Z',
    })
    const orgSigningKey = sodium.ed25519PublicKey(orgSeed)
    const certified = verifyUserKeyChain(nobleBackend, {
      orgSigningKey,
      userKey,
      now: new Date('2025-06-01T00:00:00Z'),
    })
    expect(certified.identityKey).toEqual(identityKey)
    expect(certified.signingKey).toEqual(signingKey)
    const late = { orgSigningKey, userKey, now: new Date('2026-01-01T00:00:00Z') }
    expect(codeOf(() => verifyUserKeyChain(sodium, late))).toBe('expired')
    const wrongUser = { orgSigningKey, userKey, now: new Date('2025-06-01T00:00:00Z'), userId: orgId }
    expect(codeOf(() => verifyUserKeyChain(sodium, wrongUser))).toBe('key_mismatch')
  })
})
