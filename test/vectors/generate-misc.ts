/**
 * @module test/vectors/generate-misc
 * Writes crypto/vectors/pow.json, laplace.json and kdf.json (SPEC.md §12–§15).
 * Run: `npx tsx test/vectors/generate-misc.ts`. Deterministic: every "random" input comes from
 * the test stream with a fixed seed, so a rerun reproduces the files byte for byte, and a change
 * in the output means a change in the format (which needs a version bump, not a regeneration).
 * Outputs are computed with libsodium and cross-checked against noble where noble can (no Argon2id).
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { toHex, utf8 } from '../../crypto/bytes.ts'
import { H } from '../../crypto/hash.ts'
import {
  authKeyHash,
  deriveStaffKeys,
  type KdfParams,
  type WrapPurpose,
  wrappedKeyAd,
} from '../../crypto/kdf.ts'
import { type RandomSource, sampleDiscreteLaplace, streamRandomSource } from '../../crypto/laplace.ts'
import { nobleBackend } from '../../crypto/noble.ts'
import { leadingZeroBits, powDigest, solvePow } from '../../crypto/pow.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'

const SOURCE = 'test/vectors/generate-misc.ts (libsodium-wrappers-sumo 0.8.4, checked against @noble 2.4.0)'
const sodium = await loadSodiumSumo()
const outDir = fileURLToPath(new URL('../../crypto/vectors/', import.meta.url))

function write(name: string, vectors: object[]): void {
  writeFileSync(`${outDir}${name}`, `${JSON.stringify(vectors, null, 2)}\n`)
}

function stream(label: string): RandomSource {
  return streamRandomSource(utf8(`generate-misc/${label}`), sodium)
}

function same(a: Uint8Array, b: Uint8Array, what: string): void {
  if (toHex(a) !== toHex(b)) throw new Error(`backends disagree on ${what}`)
}

// --- pow.json --------------------------------------------------------------------------------
const powVectors: object[] = []
const challengeSource = stream('pow')
const challenges = [new Uint8Array(0), challengeSource.nextBytes(16), challengeSource.nextBytes(48)]
for (const challenge of challenges) {
  const checkpoints: { nonce: bigint; bits: number; comment: string }[] = [
    { nonce: 0n, bits: 0, comment: 'difficulty 0 accepts any nonce' },
    { nonce: (1n << 64n) - 1n, bits: 0, comment: 'largest nonce' },
  ]
  for (const bits of [8, 12, 16]) {
    const found = solvePow(sodium, challenge, bits)
    if (found === undefined) throw new Error('no solution')
    const nonce = BigInt(found)
    checkpoints.push({ nonce, bits, comment: `first solution from 0 at ${bits} bits` })
    if (nonce > 0n)
      checkpoints.push({ nonce: nonce - 1n, bits, comment: 'the nonce before the first solution' })
  }
  for (const { nonce, bits, comment } of checkpoints) {
    const digest = powDigest(sodium, challenge, nonce)
    same(digest, powDigest(nobleBackend, challenge, nonce), 'pow digest')
    const zeros = leadingZeroBits(digest)
    powVectors.push({
      source: SOURCE,
      comment,
      challenge: toHex(challenge),
      nonce: nonce.toString(),
      bits,
      digest: toHex(digest),
      leadingZeroBits: zeros,
      valid: zeros >= bits,
    })
  }
}
for (const nonce of [
  '',
  '00',
  '01',
  '-1',
  '+1',
  ' 1',
  '1 ',
  '1e3',
  '0x10',
  '1.0',
  '18446744073709551616',
  '١٢',
]) {
  powVectors.push({
    source: SOURCE,
    comment: 'malformed nonce text is refused before hashing',
    challenge: toHex(challenges[1]!),
    nonce,
    bits: 0,
    error: 'bad_pow',
  })
}
write('pow.json', powVectors)

// --- laplace.json ----------------------------------------------------------------------------
const laplaceVectors: object[] = []
const scales: [bigint, bigint, string][] = [
  [1n, 1n, 'scale 1 (ε = 1, Δ = 1)'],
  [2n, 1n, 'scale 2 (ε = 1/2)'],
  [4n, 2n, 'scale 4/2 is reduced to 2/1: same samples as scale 2 from the same seed'],
  [1n, 2n, 'scale 1/2 (ε = 2)'],
  [10n, 3n, 'scale 10/3 (ε = 3/10)'],
  [100n, 1n, 'scale 100'],
  [3n, 1000n, 'scale 3/1000: almost always 0'],
]
const laplaceSeed = H(sodium, 'tnr/v1/test-stream', [utf8('generate-misc/laplace-seed')])
for (const [num, den, comment] of scales) {
  const rng = streamRandomSource(laplaceSeed, sodium)
  const samples: string[] = []
  for (let i = 0; i < 50; i++) samples.push(sampleDiscreteLaplace(rng, { num, den }).toString())
  const check = streamRandomSource(laplaceSeed, nobleBackend)
  const again: string[] = []
  for (let i = 0; i < 50; i++) again.push(sampleDiscreteLaplace(check, { num, den }).toString())
  if (again.join() !== samples.join()) throw new Error('backends disagree on laplace samples')
  laplaceVectors.push({
    source: SOURCE,
    comment,
    seed: toHex(laplaceSeed),
    streamPrefix: toHex(streamRandomSource(laplaceSeed, sodium).nextBytes(128)),
    scaleNum: num.toString(),
    scaleDen: den.toString(),
    samples,
  })
}
write('laplace.json', laplaceVectors)

// --- kdf.json --------------------------------------------------------------------------------
const kdfSource = stream('kdf')
const kdfCases: { passphrase: string; opsLimit: number; memLimitBytes: number; comment: string }[] = [
  {
    passphrase: 'correct horse battery staple',
    opsLimit: 3,
    memLimitBytes: 64 * 1024 * 1024,
    comment: 'minimum parameters',
  },
  {
    passphrase: 'Cafe\u0301 socie\u0301te\u0301 \u0645\u0648\u0632',
    opsLimit: 3,
    memLimitBytes: 64 * 1024 * 1024,
    comment: 'decomposed (NFD) é must derive the same keys as its NFC form',
  },
  {
    passphrase: '\u064a\u0654\u06c7\u064a\u063a\u06c7\u0631 \u0442\u0438\u043b\u0438',
    opsLimit: 4,
    memLimitBytes: 65 * 1024 * 1024,
    comment: 'Uyghur yeh + combining hamza (U+064A U+0654) composes to U+0626 under NFC; 4 passes, 65 MiB',
  },
]
const kdfVectors: object[] = []
const purposes: WrapPurpose[] = [1, 2, 3]
for (const [i, c] of kdfCases.entries()) {
  const params: KdfParams = {
    alg: 'argon2id13',
    opsLimit: c.opsLimit,
    memLimitBytes: c.memLimitBytes,
    salt: kdfSource.nextBytes(16),
  }
  const nfc = utf8(c.passphrase.normalize('NFC'))
  const m = sodium.argon2id(nfc, params.salt, params.opsLimit, params.memLimitBytes, 32)
  const { wrapKey, authKey } = deriveStaffKeys(sodium, c.passphrase, params)
  const userIdHex = toHex(kdfSource.nextBytes(16))
  const userId = `${userIdHex.slice(0, 8)}-${userIdHex.slice(8, 12)}-4${userIdHex.slice(13, 16)}-8${userIdHex.slice(17, 20)}-${userIdHex.slice(20)}`
  const purpose = purposes[i % purposes.length]!
  const secretKey = kdfSource.nextBytes(32)
  const nonce = kdfSource.nextBytes(24)
  const ad = wrappedKeyAd(sodium, userId, purpose)
  same(ad, wrappedKeyAd(nobleBackend, userId, purpose), 'wrapped-key ad')
  const sealed = sodium.aeadEncrypt(wrapKey, nonce, ad, secretKey)
  same(sealed, nobleBackend.aeadEncrypt(wrapKey, nonce, ad, secretKey), 'wrapped key')
  kdfVectors.push({
    source: SOURCE,
    comment: c.comment,
    passphrase: c.passphrase,
    passphraseUtf8: toHex(nfc),
    alg: params.alg,
    opsLimit: params.opsLimit,
    memLimitBytes: params.memLimitBytes,
    salt: toHex(params.salt),
    argon2Output: toHex(m),
    wrapKey: toHex(wrapKey),
    authKey: toHex(authKey),
    authHash: toHex(authKeyHash(sodium, authKey)),
    userId,
    purpose,
    secretKey: toHex(secretKey),
    wrapped: toHex(nonce) + toHex(sealed),
  })
}
write('kdf.json', kdfVectors)
