/**
 * @module test/bench/browser/main
 * The page the console and statistics benchmarks load in Chromium (built by test/bench/browser.ts
 * with Vite). It decrypts with the libsodium backend, as the console will (DESIGN §5), and
 * exposes two timed jobs on `globalThis.tnrBench`; the data arrive as one file each, fetched
 * before the clock starts, so only the work in the browser is timed.
 *
 * Record format (test/bench/browser.ts `encodeRecords`): u8 context length ‖ context (ASCII) ‖
 * u8 seq ‖ u32 envelope length ‖ envelope.
 */
import '../../../web/shared/zod-setup.ts'
import { fromBase64 } from '../../../crypto/bytes.ts'
import { cryptoRandomSource } from '../../../crypto/laplace.ts'
import { buildRelease } from '../../../crypto/release.ts'
import { openReport } from '../../../crypto/report.ts'
import { loadSodium, loadSodiumSumo } from '../../../crypto/sodium.ts'
import {
  codingsResponseSchema,
  inPeriod,
  openWithSigners,
  TABLE_PRESETS,
  tableSpecs,
  toUnit,
  verifySigners,
} from '../../../web/console/stats/build.ts'
import { openCodingsParallel } from '../../../web/console/stats/parallel.ts'

type Record = { context: string; seq: number; envelope: Uint8Array }

function decodeRecords(bytes: Uint8Array): Record[] {
  const out: Record[] = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 0
  const ascii = new TextDecoder()
  while (at < bytes.length) {
    const contextLength = bytes[at] ?? 0
    const context = ascii.decode(bytes.subarray(at + 1, at + 1 + contextLength))
    at += 1 + contextLength
    const seq = bytes[at] ?? 0
    const length = view.getUint32(at + 1)
    at += 5
    out.push({ context, seq, envelope: bytes.subarray(at, at + length) })
    at += length
  }
  return out
}

async function fetchRecords(url: string): Promise<Record[]> {
  const response = await fetch(url)
  return decodeRecords(new Uint8Array(await response.arrayBuffer()))
}

/** Console: open `n` report envelopes with the desk key (decrypt + JSON + reporter keys). */
async function decryptReports(url: string, deskSecretKey: string) {
  const backend = await loadSodium()
  const records = await fetchRecords(url)
  const secretKey = fromBase64(deskSecretKey)
  const start = performance.now()
  let opened = 0
  for (const r of records) {
    const report = openReport(backend, r.envelope, { lookupId: r.context, secretKey })
    if (typeof report.report.narrative === 'string') opened += 1
  }
  return { ms: performance.now() - start, opened, total: records.length }
}

/**
 * Statistics (issue 8 #4): the release builder's own code on `/api/releases/codings`'s answer
 * as the server sends it (fetched and parsed before the clock starts): validate the answer,
 * verify the authors' certificates, open and verify every coding on every core
 * (web/console/stats/parallel.ts), keep the period, then bound, aggregate, noise and threshold
 * every preset table (crypto/release.ts buildRelease, ε = 1). Also times, on one core, the two
 * primitives no implementation can skip per coding (one X25519 and one Ed25519 verification):
 * the floor the builder is compared with.
 */
async function statsBuilder(
  url: string,
  keys: { statsSecretKey: string; orgSigningKey: string; orgId: string },
  compareOneCore = false,
) {
  const backend = await loadSodiumSumo()
  const response: unknown = await (await fetch(url)).json()
  const statsSecretKey = fromBase64(keys.statsSecretKey)
  const orgSigningKey = fromBase64(keys.orgSigningKey)
  const cores = navigator.hardwareConcurrency || 1
  const t0 = performance.now()
  const parsed = codingsResponseSchema.parse(response)
  const opened = await openCodingsParallel(backend, parsed, {
    statsSecretKey,
    orgSigningKey,
    orgId: keys.orgId,
    now: new Date(),
  })
  const t1 = performance.now()
  const period = { from: '2020-01', to: '2026-12' }
  const { kept } = inPeriod(opened.codings, period)
  const presets = TABLE_PRESETS.filter((p) => p !== 'gender-by-host-country')
  const body = buildRelease(
    kept.map(toUnit),
    {
      orgId: keys.orgId,
      orgName: 'Bench organisation',
      releaseId: '00000000-0000-4000-8000-000000000000',
      version: 1,
      createdAt: new Date(),
      period,
      codingScheme: { name: 'tnr-coding', version: 1 },
      tables: tableSpecs(presets, kept, period),
      epsilon: { num: 1n, den: 1n },
      threshold: 10,
      contributionCap: 1,
      linkedByPerson: true,
      methodology: 'Benchmark.',
      citation: 'Benchmark.',
      licence: 'CC BY 4.0',
      changelog: [],
    },
    cryptoRandomSource(backend),
  )
  const t2 = performance.now()
  // The floor: per coding, one X25519 (its slot) and one Ed25519 verification (its signature).
  const sample = Math.min(1000, parsed.codings.length)
  const point = backend.x25519PublicKey(backend.randomBytes(32))
  const seed = backend.randomBytes(32)
  const publicKey = backend.ed25519PublicKey(seed)
  const message = backend.randomBytes(32)
  const signature = backend.ed25519Sign(seed, message)
  const t3 = performance.now()
  for (let i = 0; i < sample; i++) {
    backend.x25519(statsSecretKey, point)
    backend.ed25519VerifyRaw(signature, message, publicKey)
  }
  const t4 = performance.now()
  // The builder's per-coding work on one core, on the same sample, for the breakdown.
  const signers = verifySigners(backend, parsed.signers, {
    orgSigningKey,
    orgId: keys.orgId,
    now: new Date(),
  })
  const t5 = performance.now()
  openWithSigners(backend, parsed.codings.slice(0, sample), signers, statsSecretKey)
  const t6 = performance.now()
  // BENCH_STATS_COMPARE=1: all codings again on this one thread, right after, for the speed-up.
  let oneCoreOpenMs: number | null = null
  if (compareOneCore) {
    const t7 = performance.now()
    openWithSigners(backend, parsed.codings, signers, statsSecretKey)
    oneCoreOpenMs = performance.now() - t7
  }
  return {
    oneCoreOpenMs,
    total: parsed.codings.length,
    opened: opened.codings.length,
    failed: opened.failed,
    cores,
    workers: opened.workers,
    openMs: t1 - t0,
    buildMs: t2 - t1,
    tables: body.tables.length,
    entries: body.tables.reduce((n, t) => n + t.entries.length, 0),
    floorPerCodingMs: (t4 - t3) / sample,
    oneCorePerCodingMs: (t6 - t5) / sample,
  }
}

/**
 * For test/browser/stats-parallel.test.ts: the same answer opened on this thread and in `workers`
 * workers must give the same codings in the same order and the same failures.
 */
async function statsOpenBothWays(
  url: string,
  keys: { statsSecretKey: string; orgSigningKey: string; orgId: string },
  workers: number,
) {
  const backend = await loadSodiumSumo()
  const parsed = codingsResponseSchema.parse(await (await fetch(url)).json())
  const common = {
    statsSecretKey: fromBase64(keys.statsSecretKey),
    orgSigningKey: fromBase64(keys.orgSigningKey),
    orgId: keys.orgId,
    now: new Date(),
  }
  const parallel = await openCodingsParallel(backend, parsed, common, { workers })
  const signers = verifySigners(backend, parsed.signers, common)
  const single = openWithSigners(backend, parsed.codings, signers, common.statsSecretKey)
  return {
    workers: parallel.workers,
    parallel: { opened: parallel.codings.length, failed: parallel.failed },
    single: { opened: single.codings.length, failed: single.failed },
    same: JSON.stringify(parallel.codings) === JSON.stringify(single.codings),
    keyStillUsable: common.statsSecretKey.some((b) => b !== 0),
  }
}

;(globalThis as unknown as { tnrBench: unknown }).tnrBench = {
  decryptReports,
  statsBuilder,
  statsOpenBothWays,
}
