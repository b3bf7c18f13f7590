/**
 * @module test/vectors/generate-signatures
 * Writes crypto/vectors/signature.json, statement.json, fingerprint.json and audit.json
 * (SPEC.md §8–§11). Run: `npx tsx test/vectors/generate-signatures.ts`. Deterministic: seeds come
 * from BLAKE2b of fixed strings and Ed25519 signing is deterministic, so a rerun reproduces the
 * files byte for byte. Signatures are made with libsodium and every vector is checked on both
 * backends before it is written.
 *
 * The hostile signatures (small-order and mixed-order keys and nonces) are built here with
 * noble's point arithmetic and SHA-512, which shared code in crypto/ may not import.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js'
import { blake2b } from '@noble/hashes/blake2.js'
import { sha512 } from '@noble/hashes/sha2.js'
import {
  AUDIT_GENESIS_HASH,
  type AuditEntry,
  auditEntryHash,
  signAuditEntry,
  verifyAuditChain,
} from '../../crypto/audit.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { concat, fromHex, toBase64, toHex, utf8 } from '../../crypto/bytes.ts'
import { verifyEd25519 } from '../../crypto/ed25519.ts'
import { CryptoError } from '../../crypto/errors.ts'
import { fingerprint, safetyCode, safetyNumber } from '../../crypto/fingerprint.ts'
import { H } from '../../crypto/hash.ts'
import { jcs } from '../../crypto/jcs.ts'
import { nobleBackend } from '../../crypto/noble.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import {
  type SignedStatement,
  type Statement,
  type StatementType,
  signStatement,
  verifyDirectory,
  verifyStatement,
} from '../../crypto/statements.ts'

const SOURCE = 'test/vectors/generate-signatures.ts (libsodium-wrappers 0.8.4, checked against @noble 2.4.0)'
const sodium = await loadSodium()
const backends: CryptoBackend[] = [sodium, nobleBackend]
const outDir = fileURLToPath(new URL('../../crypto/vectors/', import.meta.url))

function write(name: string, vectors: object[]): void {
  writeFileSync(`${outDir}${name}`, `${JSON.stringify(vectors, null, 2)}\n`)
}

function seedFor(label: string): Uint8Array {
  return blake2b(utf8(`generate-signatures/${label}`), { dkLen: 32 })
}

// --- signature.json ---------------------------------------------------------------------------
const Point = ed25519.Point
const L = Point.Fn.ORDER

function bytesToNumberLE(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0)
  return n
}

function numberToBytesLE(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length)
  let v = n
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m

/** RFC 8032 challenge k = SHA-512(R ‖ A ‖ M) mod L. */
function challenge(R: Uint8Array, A: Uint8Array, message: Uint8Array): bigint {
  return mod(bytesToNumberLE(sha512(concat(R, A, message))), L)
}

/** A signature by secret scalar `a` where A and R may carry torsion components the signer chose. */
function forge(a: bigint, A: Uint8Array, r: bigint, rTorsion: number, message: Uint8Array): Uint8Array {
  const R = Point.BASE.multiply(r)
    .add(Point.fromHex(ED25519_TORSION_SUBGROUP[rTorsion] ?? ''))
    .toBytes()
  const S = mod(r + challenge(R, A, message) * a, L)
  return concat(R, numberToBytesLE(S, 32))
}

interface SignatureVector {
  source: string
  comment: string
  publicKey: string
  message: string
  signature: string
  valid: boolean
  /** What the libraries say without the shared checks (informative; SPEC.md §8). */
  rawLibsodium: boolean
  rawNoble: boolean
}

const signatureVectors: SignatureVector[] = []
function addSignature(
  comment: string,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  valid: boolean,
) {
  const results = backends.map((b) => verifyEd25519(b, signature, message, publicKey))
  if (results.some((r) => r !== valid))
    throw new Error(`signature vector "${comment}": ${results} ≠ ${valid}`)
  signatureVectors.push({
    source: SOURCE,
    comment,
    publicKey: toHex(publicKey),
    message: toHex(message),
    signature: toHex(signature),
    valid,
    rawLibsodium: sodium.ed25519VerifyRaw(signature, message, publicKey),
    rawNoble: nobleBackend.ed25519VerifyRaw(signature, message, publicKey),
  })
}

const signerSeed = seedFor('signer')
const signerKey = sodium.ed25519PublicKey(signerSeed)
const signerScalar = ed25519.utils.getExtendedPublicKey(signerSeed).scalar
for (const [comment, message] of [
  ['canonical signature over an empty message', new Uint8Array(0)],
  ['canonical signature over a short message', utf8('tnr signature vector')],
  ['canonical signature over 300 bytes', new Uint8Array(300).map((_, i) => i & 0xff)],
] as const) {
  addSignature(comment, signerKey, message, sodium.ed25519Sign(signerSeed, message), true)
}
{
  const message = utf8('signed message')
  const signature = sodium.ed25519Sign(signerSeed, message)
  addSignature(
    'valid signature presented with a different message',
    signerKey,
    utf8('another message'),
    signature,
    false,
  )
  const s = bytesToNumberLE(signature.subarray(32))
  addSignature(
    'S + L: the group equation still holds, but S is not reduced (S ≥ L)',
    signerKey,
    message,
    concat(signature.subarray(0, 32), numberToBytesLE(s + L, 32)),
    false,
  )
  addSignature(
    'S = 2^256 − 1',
    signerKey,
    message,
    concat(signature.subarray(0, 32), new Uint8Array(32).fill(0xff)),
    false,
  )
}
{
  // Non-canonical encodings: y in [p, 2^255) spells the same y − p a second time.
  const p = (1n << 255n) - 19n
  const message = utf8('non-canonical')
  for (let extra = 0n; extra < 19n; extra++) {
    const encoding = numberToBytesLE(p + extra, 32)
    let decodes = true
    try {
      Point.fromBytes(encoding, true)
    } catch {
      decodes = false
    }
    if (!decodes) continue
    addSignature(
      `non-canonical A: y = p + ${extra} (decodes under ZIP 215 rules)`,
      encoding,
      message,
      sodium.ed25519Sign(signerSeed, message),
      false,
    )
    // The same spelling as R, with A = identity and S = 0: the cofactored equation holds.
    addSignature(
      `non-canonical R: y = p + ${extra}, with A the identity and S = 0`,
      fromHex(ED25519_TORSION_SUBGROUP[0] ?? ''),
      message,
      concat(encoding, new Uint8Array(32)),
      false,
    )
  }
  // x = 0 with the sign bit set: the second spelling of (0, 1) and (0, −1).
  const negativeZero = fromHex(ED25519_TORSION_SUBGROUP[0] ?? '')
  negativeZero[31] = (negativeZero[31] ?? 0) | 0x80
  addSignature(
    'non-canonical A: (0, 1) with the sign bit set',
    negativeZero,
    message,
    concat(fromHex(ED25519_TORSION_SUBGROUP[0] ?? ''), new Uint8Array(32)),
    false,
  )
}
ED25519_TORSION_SUBGROUP.forEach((hex, index) => {
  const message = utf8(`small order ${index}`)
  // A of small order, R = identity, S = 0: [8](SB − R − kA) = O for every k.
  addSignature(
    `small-order A (torsion point ${index}), R the identity, S = 0`,
    fromHex(hex),
    message,
    concat(fromHex(ED25519_TORSION_SUBGROUP[0] ?? ''), new Uint8Array(32)),
    false,
  )
  // R of small order with a real key: S = k·a makes SB − kA = O.
  const R = fromHex(hex)
  const S = mod(challenge(R, signerKey, message) * signerScalar, L)
  addSignature(
    `small-order R (torsion point ${index}) with a real key, S = k·a`,
    signerKey,
    message,
    concat(R, numberToBytesLE(S, 32)),
    false,
  )
})
{
  // Mixed-order A = aB + T (T of order 8). The cofactored equation holds for any k; grinding
  // the message until 8 | k makes the cofactorless one hold too, so both raw verifiers accept.
  const A = Point.BASE.multiply(signerScalar)
    .add(Point.fromHex(ED25519_TORSION_SUBGROUP[1] ?? ''))
    .toBytes()
  const r = mod(bytesToNumberLE(sha512(utf8('mixed-order nonce'))), L)
  const R = Point.BASE.multiply(r).toBytes()
  let counter = 0
  let message = utf8('mixed-order A 0')
  while (challenge(R, A, message) % 8n !== 0n) message = utf8(`mixed-order A ${++counter}`)
  addSignature(
    'mixed-order A (real key plus an order-8 point), 8 | k: both raw verifiers accept',
    A,
    message,
    forge(signerScalar, A, r, 0, message),
    false,
  )
  const other = utf8('mixed-order A, any k')
  addSignature(
    'mixed-order A (real key plus an order-8 point), any k',
    A,
    other,
    forge(signerScalar, A, r, 0, other),
    false,
  )
  for (const t of [1, 4]) {
    const m = utf8(`mixed-order R ${t}`)
    addSignature(
      `mixed-order R (rB plus torsion point ${t}) with a real key`,
      signerKey,
      m,
      forge(signerScalar, signerKey, r, t, m),
      false,
    )
  }
}
write('signature.json', signatureVectors)

// --- statement.json ---------------------------------------------------------------------------
const orgSeed = seedFor('org')
const orgKey = sodium.ed25519PublicKey(orgSeed)
const otherSeed = seedFor('other org')
const orgId = '0b0b5e1e-7a2d-4c51-9f3e-5d6c1a2b3c4d'
const deskA = '11111111-2222-4333-8444-555555555555'
const deskB = '66666666-7777-4888-9999-aaaaaaaaaaaa'
const userId = 'c0ffee00-1234-4abc-8def-0123456789ab'
const x25519Of = (label: string) => toBase64(sodium.x25519PublicKey(seedFor(label)))
const ed25519Of = (label: string) => toBase64(sodium.ed25519PublicKey(seedFor(label)))

interface StatementVector {
  source: string
  comment: string
  type: StatementType
  publicKey: string
  signed: SignedStatement
  /** For directory and user-key vectors: the instant at which expiry is judged. */
  now?: string
  valid: boolean
  error?: string
}
const statementVectors: StatementVector[] = []

function check(vector: Omit<StatementVector, 'source'>): void {
  for (const backend of backends) {
    let error: string | undefined
    try {
      if (vector.type === 'directory' && vector.now !== undefined) {
        verifyDirectory(backend, vector.signed, fromHex(vector.publicKey), new Date(vector.now))
      } else {
        verifyStatement(backend, vector.signed, fromHex(vector.publicKey), vector.type)
      }
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e
      error = e.code
    }
    if ((error === undefined) !== vector.valid || error !== vector.error) {
      throw new Error(`statement vector "${vector.comment}" on ${backend.name}: got ${error}`)
    }
  }
  statementVectors.push({ source: SOURCE, ...vector })
}

const directory: Statement = {
  type: 'directory',
  orgId,
  seq: 7,
  issuedAt: '2025-03-01T00:00:00Z',
  expiresAt: '2025-05-30T00:00:00Z',
  desks: [
    { deskId: deskA, name: 'Uyghur community desk', version: 1, publicKey: x25519Of('desk a 1') },
    { deskId: deskA, name: 'Uyghur community desk', version: 2, publicKey: x25519Of('desk a 2') },
    { deskId: deskB, name: 'Диаспора · دیاسپورا', version: 1, publicKey: x25519Of('desk b 1') },
  ],
}
const examples: Statement[] = [
  directory,
  {
    type: 'user-key',
    orgId,
    userId,
    username: 'amina',
    role: 'caseworker',
    identityKey: x25519Of('user identity'),
    signingKey: ed25519Of('user signing'),
    notAfter: '2026-03-01T12:00:00.000Z',
  },
  { type: 'stats-key', orgId, version: 1, publicKey: x25519Of('stats') },
  { type: 'receipt-key', orgId, publicKey: ed25519Of('receipt') },
  {
    type: 'grant',
    orgId,
    granter: userId,
    grantee: 'deadbeef-0000-4000-8000-000000000001',
    granteeIdentityKey: x25519Of('grantee identity'),
    target: deskA,
    version: 2,
    envelopeHash: toHex(H(sodium, 'tnr/v1/envelope', [utf8('an envelope')])),
  },
  {
    type: 'release',
    format: 1,
    orgId,
    releaseId: 'feedface-0000-4000-8000-000000000002',
    version: 1,
    createdAt: '2025-04-01T09:30:00Z',
    dataHash: toHex(H(sodium, 'tnr/v1/envelope', [utf8('release data')])),
  },
  { type: 'audit-checkpoint', orgId, seq: 0, headHash: AUDIT_GENESIS_HASH },
  {
    type: 'receipt-proof',
    orgId,
    lookupId: '0123456789abcdef0123456789abcdef',
    receivedOn: '2025-03-15',
    hash: toHex(H(sodium, 'tnr/v1/proof', [utf8('report')])),
  },
]
const now = '2025-04-15T00:00:00Z'
for (const example of examples) {
  const signed = signStatement(sodium, orgSeed, example)
  const extra = example.type === 'directory' ? { now } : {}
  check({
    comment: `a valid ${example.type} statement`,
    type: example.type,
    publicKey: toHex(orgKey),
    signed,
    ...extra,
    valid: true,
  })
}
{
  const signed = signStatement(sodium, orgSeed, examples[1] as Statement)
  const base = { type: 'user-key' as const, publicKey: toHex(orgKey), valid: false }
  check({
    ...base,
    comment: 'signed by another key',
    signed: signStatement(sodium, otherSeed, examples[1] as Statement),
    error: 'bad_signature',
  })
  check({
    ...base,
    comment: 'one character of the statement changed',
    signed: { ...signed, statement: signed.statement.replace('amina', 'amino') },
    error: 'bad_signature',
  })
  check({
    ...base,
    type: 'stats-key',
    comment: 'a user-key statement presented as a stats-key',
    signed,
    error: 'bad_signature',
  })
  // Non-canonical texts that carry a valid signature over exactly those bytes.
  const value = JSON.parse(signed.statement) as Record<string, unknown>
  const reordered = `{${Object.keys(value)
    .reverse()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(value[k])}`)
    .join(',')}}`
  for (const [comment, text] of [
    ['non-canonical: members in reverse order', reordered],
    ['non-canonical: a space after the first colon', signed.statement.replace(':', ': ')],
    ['non-canonical: a needless escape', signed.statement.replace('amina', '\\u0061mina')],
    ['not JSON at all', signed.statement.slice(0, -1)],
  ] as const) {
    const signature = toBase64(sodium.ed25519Sign(orgSeed, H(sodium, 'tnr/v1/sig/user-key', [utf8(text)])))
    check({ ...base, comment, signed: { statement: text, signature }, error: 'bad_statement' })
  }
  const unknownField = signed.statement.replace('{', '{"admin":true,')
  const signature = toBase64(
    sodium.ed25519Sign(orgSeed, H(sodium, 'tnr/v1/sig/user-key', [utf8(unknownField)])),
  )
  check({
    ...base,
    comment: 'canonical and signed, but with an unknown field',
    signed: { statement: unknownField, signature },
    error: 'bad_statement',
  })
}
{
  const signed = signStatement(sodium, orgSeed, directory)
  const base = { type: 'directory' as const, publicKey: toHex(orgKey), signed, valid: false }
  check({
    ...base,
    comment: 'directory judged after its expiry',
    now: '2025-05-30T00:00:00Z',
    error: 'expired',
  })
  const tooLong = signStatement(sodium, orgSeed, { ...directory, expiresAt: '2025-05-30T00:00:01Z' })
  check({
    ...base,
    signed: tooLong,
    comment: 'directory valid for 90 days and one second',
    now,
    error: 'expired',
  })
}
write('statement.json', statementVectors)

// --- fingerprint.json -------------------------------------------------------------------------
const fingerprintVectors: object[] = []
for (const label of ['org a', 'org b', 'org c']) {
  const key = sodium.ed25519PublicKey(seedFor(label))
  const results = backends.map((b) => [fingerprint(b, key), safetyCode(b, key)].join())
  if (results[0] !== results[1]) throw new Error('backends disagree on a fingerprint')
  fingerprintVectors.push({
    source: SOURCE,
    key: toHex(key),
    fingerprint: fingerprint(sodium, key),
    safetyCode: safetyCode(sodium, key),
  })
}
for (const key of [new Uint8Array(32), new Uint8Array(32).fill(0xff)]) {
  fingerprintVectors.push({
    source: SOURCE,
    key: toHex(key),
    fingerprint: fingerprint(sodium, key),
    safetyCode: safetyCode(sodium, key),
  })
}
for (const label of ['user a', 'user b', 'user c']) {
  const identityKey = sodium.x25519PublicKey(seedFor(`${label} identity`))
  const signingKey = sodium.ed25519PublicKey(seedFor(`${label} signing`))
  if (safetyNumber(sodium, identityKey, signingKey) !== safetyNumber(nobleBackend, identityKey, signingKey)) {
    throw new Error('backends disagree on a safety number')
  }
  fingerprintVectors.push({
    source: SOURCE,
    identityKey: toHex(identityKey),
    signingKey: toHex(signingKey),
    fingerprint: fingerprint(sodium, concat(identityKey, signingKey)),
    safetyNumber: safetyNumber(sodium, identityKey, signingKey),
  })
}
write('fingerprint.json', fingerprintVectors)

// --- audit.json -------------------------------------------------------------------------------
const actors = new Map<string, Uint8Array>([
  [userId, seedFor('user signing')],
  ['server', seedFor('receipt')],
])
const actions: [string, string, string | null][] = [
  [userId, 'session.login', null],
  [userId, 'case.status', deskA],
  ['server', 'retention.erase', deskB],
  [userId, 'grant.create', 'deadbeef-0000-4000-8000-000000000001'],
]
const chain: AuditEntry[] = []
let prevHash = AUDIT_GENESIS_HASH
actions.forEach(([actor, action, target], index) => {
  const entry = signAuditEntry(sodium, actors.get(actor) ?? new Uint8Array(0), {
    seq: index + 1,
    prevHash,
    actor,
    action,
    target,
    at: `2025-04-0${index + 1}T10:00:00Z`,
  })
  prevHash = auditEntryHash(sodium, entry)
  chain.push(entry)
})
const publicKeys = new Map([...actors].map(([actor, seed]) => [actor, sodium.ed25519PublicKey(seed)]))
for (const backend of backends) {
  const result = verifyAuditChain(backend, chain, { signingKeyFor: (actor) => publicKeys.get(actor) })
  if (!result.ok || result.headHash !== prevHash)
    throw new Error(`audit chain does not verify on ${backend.name}`)
}
write(
  'audit.json',
  chain.map((entry) => {
    const { sig: _sig, ...body } = entry
    const signedText = jcs(body)
    return {
      source: SOURCE,
      signingKey: toHex(publicKeys.get(entry.actor) ?? new Uint8Array(0)),
      entry,
      signedText,
      signatureInput: toHex(H(sodium, 'tnr/v1/sig/audit', [utf8(signedText)])),
      entryHash: auditEntryHash(sodium, entry),
    }
  }),
)
