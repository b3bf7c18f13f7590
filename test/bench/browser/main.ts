/**
 * @module test/bench/browser/main
 * The page the console and statistics benchmarks load in Chromium (built by test/bench/browser.ts
 * with Vite). It decrypts with the libsodium backend, as the console will (DESIGN §5), and
 * exposes two timed jobs on `globalThis.tnrBench`; the data arrive as one binary file each,
 * fetched before the clock starts, so only the work in the browser is timed.
 *
 * Record format (test/bench/browser.ts `encodeRecords`): u8 context length ‖ context (ASCII) ‖
 * u8 seq ‖ u32 envelope length ‖ envelope.
 */
import { fromBase64, fromUtf8 } from '../../../crypto/bytes.ts'
import { ENVELOPE_KINDS, openEnvelope } from '../../../crypto/envelope.ts'
import { openItem } from '../../../crypto/items.ts'
import { addNoise, cryptoRandomSource } from '../../../crypto/laplace.ts'
import { openReport } from '../../../crypto/report.ts'
import { loadSodium } from '../../../crypto/sodium.ts'

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

type Coding = { country?: unknown; tactics?: unknown }

/**
 * Statistics: decrypt every coding with the statistics key, count (country × tactic), add
 * discrete Laplace noise (crypto/laplace.ts, ε = 1, sensitivity 1), suppress noisy counts below
 * the threshold. Signature verification (openItem) is timed separately on the first `verifySample`
 * codings and extrapolated, since it is the costliest step.
 */
async function statsRelease(
  url: string,
  statsSecretKey: string,
  authorSigningKey: string,
  verifySample: number,
) {
  const backend = await loadSodium()
  const records = await fetchRecords(url)
  const secretKey = fromBase64(statsSecretKey)
  const signingKey = fromBase64(authorSigningKey)
  const t0 = performance.now()
  const counts = new Map<string, number>()
  for (const r of records) {
    const bytes = openEnvelope(backend, r.envelope, {
      kind: ENVELOPE_KINDS.coding,
      context: r.context,
      secretKey,
    })
    const item = JSON.parse(fromUtf8(bytes)) as { body: Coding }
    const { country, tactics } = item.body
    if (typeof country !== 'string' || !Array.isArray(tactics)) continue
    for (const tactic of tactics) {
      const key = `${country}|${String(tactic)}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
  }
  const t1 = performance.now()
  const keys = [...counts.keys()].sort()
  const noisy = addNoise(
    cryptoRandomSource(backend),
    keys.map((k) => counts.get(k) ?? 0),
    { num: 1n, den: 1n },
    1,
  )
  const published = noisy.filter((n) => n >= 10).length
  const t2 = performance.now()
  const sample = records.slice(0, verifySample)
  const t3 = performance.now()
  for (const r of sample) {
    openItem(backend, r.envelope, {
      kind: ENVELOPE_KINDS.coding,
      context: r.context,
      secretKey,
      expectedSeq: r.seq,
      signingKeyFor: () => signingKey,
    })
  }
  const t4 = performance.now()
  return {
    total: records.length,
    decryptAggregateMs: t1 - t0,
    noiseThresholdMs: t2 - t1,
    cells: keys.length,
    published,
    verifySampleMs: t4 - t3,
    verifySample: sample.length,
  }
}

;(globalThis as unknown as { tnrBench: unknown }).tnrBench = { decryptReports, statsRelease }
