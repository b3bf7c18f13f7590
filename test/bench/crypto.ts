/**
 * @module test/bench/crypto
 * Benchmark 2 (issue 8, DESIGN §11): envelope seal and open per second and attachment stream
 * throughput on both backends, against OpenPGP.js (what the peer tools use) encrypting and
 * decrypting the same bytes to the same recipients in the same process; and the reporter's
 * proof-of-work solve time with and without the JIT.
 *
 * OpenPGP keys are v4 ECC keys with a Curve25519 ECDH subkey (`curve25519Legacy`), the kind
 * GnuPG and the usual peer tools create. OpenPGP.js is asynchronous, so its loops await each
 * call; ours are synchronous. Both run one operation at a time on one core.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import * as openpgp from 'openpgp'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { ENVELOPE_KINDS, openEnvelope, sealEnvelope } from '../../crypto/envelope.ts'
import { nobleBackend } from '../../crypto/noble.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { decryptStream, encryptStream } from '../../crypto/stream.ts'
import { interleavedRates, type Results } from './common.ts'
import { REPO_ROOT } from './env.ts'

const run = promisify(execFile)

const REPORT_BYTES = 4096
const STREAM_BYTES = 8 * 1024 * 1024
const POW_BITS = [8, 10, 11, 12] as const
/** The lookup id context a report is bound to (any 32 lowercase hex characters). */
const CONTEXT = '0123456789abcdef0123456789abcdef'

type PgpRecipient = { publicKey: openpgp.PublicKey; privateKey: openpgp.PrivateKey }

async function pgpRecipient(index: number): Promise<PgpRecipient> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: `Desk ${index}` }],
    format: 'object',
  })
  return { privateKey, publicKey }
}

async function pgpEncrypt(bytes: Uint8Array, recipients: readonly PgpRecipient[]): Promise<Uint8Array> {
  return await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: bytes }),
    encryptionKeys: recipients.map((r) => r.publicKey),
    format: 'binary',
  })
}

async function pgpDecrypt(message: Uint8Array, recipient: PgpRecipient): Promise<Uint8Array> {
  const { data } = await openpgp.decrypt({
    message: await openpgp.readMessage({ binaryMessage: message }),
    decryptionKeys: recipient.privateKey,
    format: 'binary',
  })
  return data
}

async function powRate(jitless: boolean): Promise<{ hashesPerSecond: number; solves8Ms: number[] }> {
  const args = [...(jitless ? ['--jitless'] : []), '--import', 'tsx', 'test/bench/pow-rate.ts', '1500']
  const { stdout } = await run(process.execPath, args, { cwd: REPO_ROOT, timeout: 120_000 })
  const last = stdout.trim().split('\n').at(-1) ?? '{}'
  return JSON.parse(last) as { hashesPerSecond: number; solves8Ms: number[] }
}

export async function benchCrypto(results: Results): Promise<void> {
  const sodium = await loadSodium()
  const backends: [string, CryptoBackend][] = [
    ['libsodium', sodium],
    ['noble', nobleBackend],
  ]
  const plaintext = sodium.randomBytes(REPORT_BYTES)
  const deskSecrets = [0, 1, 2].map(() => sodium.randomBytes(32))
  const deskKeys = deskSecrets.map((k) => sodium.x25519PublicKey(k))
  const pgp = await Promise.all([0, 1, 2].map(pgpRecipient))

  const bigFile = sodium.randomBytes(STREAM_BYTES)
  const mb = STREAM_BYTES / 1e6
  const pgpMessage = await pgpEncrypt(plaintext, pgp)
  const pgpBig = await pgpEncrypt(bigFile, pgp.slice(0, 1))
  const firstDesk = pgp[0] as PgpRecipient

  // Every task of a table is measured in interleaved rounds (common.ts), baselines included.
  const small: Record<string, () => unknown> = {
    'pgp seal 1': () => pgpEncrypt(plaintext, pgp.slice(0, 1)),
    'pgp seal 3': () => pgpEncrypt(plaintext, pgp),
    'pgp open': () => pgpDecrypt(pgpMessage, firstDesk),
  }
  const large: Record<string, () => unknown> = {
    'pgp enc': () => pgpEncrypt(bigFile, pgp.slice(0, 1)),
    'pgp dec': () => pgpDecrypt(pgpBig, firstDesk),
  }
  for (const [name, backend] of backends) {
    const seal = (n: number) => () =>
      sealEnvelope(backend, {
        kind: ENVELOPE_KINDS.report,
        context: CONTEXT,
        recipients: deskKeys.slice(0, n),
        plaintext,
      })
    const envelope = seal(3)()
    small[`${name} seal 1`] = seal(1)
    small[`${name} seal 3`] = seal(3)
    small[`${name} open`] = () =>
      openEnvelope(backend, envelope, {
        kind: ENVELOPE_KINDS.report,
        context: CONTEXT,
        secretKey: deskSecrets[0] as Uint8Array,
      })
    const encrypted = encryptStream(backend, bigFile)
    large[`${name} enc`] = () => encryptStream(backend, bigFile)
    large[`${name} dec`] = () =>
      decryptStream(backend, encrypted.stream, {
        fileKey: encrypted.fileKey,
        chunks: encrypted.chunks,
        size: encrypted.size,
      })
  }
  const rate = await interleavedRates(small, { rounds: 3, minMs: 400 })
  const stream = await interleavedRates(large, { rounds: 2, minMs: 800 })
  const get = (table: Record<string, number>, key: string) => table[key] ?? Number.NaN

  for (const [name] of backends) {
    const group = `crypto/${name}`
    const isSodium = name === 'libsodium'
    results.compare({
      group,
      metric: 'seal 4 KB, 1 recipient',
      value: get(rate, `${name} seal 1`),
      unit: 'ops/s',
      baseline: 'OpenPGP.js encrypt, 1 recipient',
      baselineValue: get(rate, 'pgp seal 1'),
      ...(isSodium ? { minRatio: 2 } : {}),
    })
    results.compare({
      group,
      metric: 'seal 4 KB, 3 recipients',
      value: get(rate, `${name} seal 3`),
      unit: 'ops/s',
      baseline: 'OpenPGP.js encrypt, 3 recipients',
      baselineValue: get(rate, 'pgp seal 3'),
      ...(isSodium ? { minRatio: 2 } : {}),
    })
    results.compare({
      group,
      metric: 'open 4 KB (3-slot envelope)',
      value: get(rate, `${name} open`),
      unit: 'ops/s',
      baseline: 'OpenPGP.js decrypt',
      baselineValue: get(rate, 'pgp open'),
      ...(isSodium ? { minRatio: 5 } : {}),
    })
    results.compare({
      group,
      metric: 'attachment encrypt (8 MiB)',
      value: mb * get(stream, `${name} enc`),
      unit: 'MB/s',
      baseline: 'OpenPGP.js encrypt 8 MiB',
      baselineValue: mb * get(stream, 'pgp enc'),
    })
    results.compare({
      group,
      metric: 'attachment decrypt (8 MiB)',
      value: mb * get(stream, `${name} dec`),
      unit: 'MB/s',
      baseline: 'OpenPGP.js decrypt 8 MiB',
      baselineValue: mb * get(stream, 'pgp dec'),
    })
  }

  // ---- Proof of work with the reporter's solver (@noble), JIT vs --jitless ----
  const withJit = await powRate(false)
  const noJit = await powRate(true)
  results.compare({
    group: 'pow/noble',
    metric: 'hash rate without JIT',
    value: noJit.hashesPerSecond,
    unit: 'hashes/s',
    baseline: 'hash rate with JIT',
    baselineValue: withJit.hashesPerSecond,
  })
  for (const bits of POW_BITS) {
    const hashes = 2 ** bits
    // The number of tries is geometric: mean 2^b, 99th percentile ≈ 2^b · ln(100).
    const meanJit = (hashes / withJit.hashesPerSecond) * 1000
    const meanNoJit = (hashes / noJit.hashesPerSecond) * 1000
    const p99NoJit = (meanNoJit * Math.log(100)) / 1000
    results.add({
      group: 'pow/noble',
      metric: `solve ${bits} bits, mean (p99 without JIT ${p99NoJit.toFixed(1)} s)`,
      value: meanNoJit,
      unit: 'ms (no JIT)',
      baseline: 'same with JIT',
      baselineValue: meanJit,
      ratio: meanNoJit / meanJit,
      note: 'mean = 2^bits / measured hash rate',
    })
  }
  results.note(
    `PoW check: 5 real 8-bit solves took ${withJit.solves8Ms.map((t) => t.toFixed(1)).join(', ')} ms with JIT and ${noJit.solves8Ms.map((t) => t.toFixed(0)).join(', ')} ms without (geometric, so they scatter around the mean).`,
  )
}
