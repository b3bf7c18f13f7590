/**
 * @module test/bench/ingest
 * Benchmark 1 (issue 8, DESIGN §11): accepted submissions per second end to end through
 * Reporter API v1 — `POST /api/reports` with a realistic padded ≈6 KB report envelope, a proof
 * of work at the minimum difficulty (verified and spent), the case and report inserted and
 * committed before the 201 — at 1, 10 and 50 concurrent clients, with p50/p99 latency. Compared
 * in the same run with
 *   (a) raw single-row INSERTs of the same bytes through the same driver into the same database
 *       at the same concurrency (the database ceiling), and
 *   (b) a bare `node:http` server answering 201 to the same bodies (the HTTP ceiling).
 *
 * Each submission needs its own receipt, envelope and server-issued challenge; all of them are
 * made before the timed part (challenges fetched from the server, solved at 0 bits), so the
 * load generator measures the server, not the sealer or solver. Load comes from autocannon, one
 * distinct body per request (`setupRequest`), against 127.0.0.1 only. The server runs in its own
 * process (test/bench/ingest-server.ts, the real app with rate limits lifted).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { openDatabase } from '../../api/db/index.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { solvePow } from '../../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode } from '../../crypto/receipt.ts'
import { sealReport } from '../../crypto/report.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { freePort } from '../support/server.ts'
import { percentile, type Results } from './common.ts'
import {
  type BenchStore,
  createStore,
  type DatabaseKind,
  databaseKinds,
  REPO_ROOT,
  seedStore,
} from './env.ts'

const LEVELS = [1, 10, 50] as const
/** Requests per level; PGlite (one connection, WebAssembly) is slower, so it gets fewer. */
const AMOUNTS: Record<DatabaseKind, Record<(typeof LEVELS)[number], number>> = {
  pglite: { 1: 60, 10: 200, 50: 400 },
  postgres: { 1: 100, 10: 500, 50: 1000 },
}
const WARMUP = 60
/** Narrative length that pads to a 6,144-byte payload (DESIGN §5a: 6000 → 6144). */
const NARRATIVE_CHARS = 5600

type Load = {
  perSecond: number
  p50: number
  p99: number
  ok: number
  failed: number
  statuses?: Record<string, number>
}

// ---------------------------------------------------------------------------------------------
// Processes

type Child = { process: ChildProcess; url: string; stop(): Promise<void> }

async function startChild(env: Record<string, string>): Promise<Child> {
  const port = await freePort()
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the server (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF
  const flags = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'test/bench/ingest-server.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench server did not start:\n${output}`)), 120_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('ready')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`bench server exited (${code}):\n${output}`))
    })
  })
  return {
    process: child,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((done) => child.once('exit', done))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Submissions

function narrative(backend: CryptoBackend): string {
  // Words of varied length, like a written account; the content does not matter to the server.
  const words = ['they', 'called', 'my', 'mother', 'again', 'yesterday', 'police', 'consulate', 'message']
  const random = backend.randomBytes(NARRATIVE_CHARS)
  let text = ''
  let i = 0
  while (text.length < NARRATIVE_CHARS) text += `${words[(random[i++] ?? 0) % words.length]} `
  return text.slice(0, NARRATIVE_CHARS)
}

/** One complete, valid submission body, sealed to the desk's current key. */
function makeBody(
  backend: CryptoBackend,
  deskId: string,
  deskKey: Uint8Array,
  pow: { challenge: string; nonce: string },
): { body: string; envelopeBytes: number } {
  const receipt = deriveReceiptKeys(backend, generateReceiptCode(backend))
  const envelope = sealReport(backend, {
    recipients: [deskKey],
    lookupId: receipt.lookupId,
    report: {
      reporterPublicKey: toBase64(receipt.reporterPublicKey),
      reporterSigningKey: toBase64(receipt.reporterSigningKey),
      narrative: narrative(backend),
      country: 'CN',
      incidentDate: '2026-03-01',
    },
  })
  const body = JSON.stringify({
    deskId,
    lookupId: receipt.lookupId,
    authToken: receipt.authToken,
    reporterPublicKey: toBase64(receipt.reporterPublicKey),
    reporterSigningKey: toBase64(receipt.reporterSigningKey),
    envelope: toBase64(envelope),
    pow,
  })
  return { body, envelopeBytes: envelope.length }
}

async function fetchSolvedChallenge(backend: CryptoBackend, url: string) {
  const response = await fetch(`${url}/api/pow/challenge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  })
  if (response.status !== 200) throw new Error(`challenge: HTTP ${response.status}`)
  const { challenge, bits } = (await response.json()) as { challenge: string; bits: number }
  if (bits !== 0) throw new Error(`expected the minimum difficulty 0, got ${bits}`)
  const nonce = solvePow(backend, fromBase64(challenge), bits)
  if (nonce === undefined) throw new Error('no PoW solution')
  return { challenge, nonce }
}

// ---------------------------------------------------------------------------------------------
// Load

/** `amount` POSTs of distinct bodies at `connections` concurrency; time from first send to last answer. */
async function loadHttp(
  url: string,
  connections: number,
  bodies: string[],
  expectStatus: number,
): Promise<Load> {
  let next = 0
  const latencies: number[] = []
  let ok = 0
  let failed = 0
  let last = 0
  const amount = bodies.length - 2 * connections // setupRequest runs once per client ahead of use
  const start = performance.now()
  const instance = autocannon({
    url,
    connections,
    pipelining: 1,
    amount,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        path: '/api/reports',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          const body = bodies[next++]
          if (body === undefined) throw new Error('ran out of prepared submissions')
          return { ...request, body }
        },
      },
    ],
  })
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime)
    if (statusCode === expectStatus) ok += 1
    else failed += 1
    last = performance.now()
  })
  const result = await instance
  failed += result.errors + result.timeouts
  const statuses: Record<string, number> = { errors: result.errors, timeouts: result.timeouts }
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statuses[code] = count
  return {
    statuses,
    perSecond: (ok * 1000) / (last - start),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ok,
    failed,
  }
}

/** Raw single-row INSERTs of the same envelopes through the driver, `connections` at a time. */
async function loadInserts(
  insert: (lookupId: string, envelope: Uint8Array) => Promise<unknown>,
  connections: number,
  rows: { lookupId: string; envelope: Uint8Array }[],
): Promise<Load> {
  let next = 0
  const latencies: number[] = []
  const start = performance.now()
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (;;) {
        const row = rows[next++]
        if (row === undefined) return
        const t0 = performance.now()
        await insert(row.lookupId, row.envelope)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const elapsed = performance.now() - start
  return {
    perSecond: (rows.length * 1000) / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ok: rows.length,
    failed: 0,
  }
}

// ---------------------------------------------------------------------------------------------

async function ingestOn(kind: DatabaseKind, backend: CryptoBackend, results: Results): Promise<void> {
  const store: BenchStore = await createStore(kind)
  const children: Child[] = []
  const cleanups: (() => Promise<unknown>)[] = []
  try {
    const seeded = await seedStore(store, backend)
    const desk = seeded.demo.desks[0]
    if (desk === undefined) throw new Error('demo organisation without desks')
    const amounts = AMOUNTS[kind]

    const sample = makeBody(backend, desk.deskId, desk.publicKey, { challenge: 'AAAA', nonce: '0' })
    const envelope = fromBase64((JSON.parse(sample.body) as { envelope: string }).envelope)
    await seeded.database.close()

    // The server, and every submission prepared before the timed part.
    const server = await startChild({
      DATA_DIR: store.dataDir,
      SERVER_SECRET_FILE: store.secretFile,
      POW_BASE_BITS: '0',
      POW_MAX_BITS: '0',
      ...(store.databaseUrl === undefined ? {} : { DATABASE_URL: store.databaseUrl }),
    })
    children.push(server)
    const prepare = async (n: number) => {
      const bodies: string[] = []
      for (let i = 0; i < n; i++) {
        const pow = await fetchSolvedChallenge(backend, server.url)
        bodies.push(makeBody(backend, desk.deskId, desk.publicKey, pow).body)
      }
      return bodies
    }
    const prepared: Record<number, string[]> = {}
    const warmup = await prepare(WARMUP + 20)
    for (const level of LEVELS) prepared[level] = await prepare(amounts[level] + 2 * level)

    // (a) Raw INSERT ceiling: same bytes, same driver, same concurrency. On PostgreSQL the same
    // database, through a pool as large as the server's; PGlite allows one process per data
    // directory, so there the ceiling is a second PGlite database of the same version.
    const rawDir = kind === 'pglite' ? mkdtempSync(path.join(os.tmpdir(), 'tnr-bench-raw-')) : undefined
    cleanups.push(async () => {
      if (rawDir !== undefined) rmSync(rawDir, { recursive: true, force: true })
    })
    const rawDatabase = await openDatabase({
      dataDir: rawDir ?? store.dataDir,
      databaseUrl: store.databaseUrl,
    })
    cleanups.unshift(() => rawDatabase.close())
    const driver = rawDatabase.driver
    const ddl =
      'create table bench_raw (id uuid primary key default gen_random_uuid(), lookup_id text not null unique, envelope bytea not null)'
    let insert: (lookupId: string, bytes: Uint8Array) => Promise<unknown>
    if (driver.kind === 'postgres') {
      await driver.client.unsafe(ddl)
      const sql = driver.client
      insert = (lookupId, bytes) =>
        sql`insert into bench_raw (lookup_id, envelope) values (${lookupId}, ${bytes})`
    } else {
      await driver.client.exec(ddl)
      const client = driver.client
      insert = (lookupId, bytes) =>
        client.query('insert into bench_raw (lookup_id, envelope) values ($1, $2)', [lookupId, bytes])
    }
    let counter = 0
    const rowsFor = (n: number) =>
      Array.from({ length: n }, () => ({
        lookupId: (counter++).toString(16).padStart(32, '0'),
        envelope,
      }))

    // (b) HTTP ceiling on the same bodies.
    const ceilingServer = await startChild({ HTTP_CEILING: '1' })
    children.push(ceilingServer)

    // Warm up all three, then measure them level by level, back to back, so each ratio compares
    // figures taken under the same machine load (this machine is shared and noisy).
    await loadInserts(insert, 10, rowsFor(WARMUP))
    await loadHttp(ceilingServer.url, 10, warmup, 201)
    await loadHttp(server.url, 10, warmup, 201)
    const raw: Record<number, Load> = {}
    const ceiling: Record<number, Load> = {}
    const api: Record<number, Load> = {}
    for (const level of LEVELS) {
      raw[level] = await loadInserts(insert, level, rowsFor(amounts[level]))
      ceiling[level] = await loadHttp(ceilingServer.url, level, prepared[level] ?? [], 201)
      api[level] = await loadHttp(server.url, level, prepared[level] ?? [], 201)
    }
    await ceilingServer.stop()
    await server.stop()

    const group = `ingest/${kind}`
    for (const level of LEVELS) {
      const a = api[level]
      const r = raw[level]
      const h = ceiling[level]
      if (a === undefined || r === undefined || h === undefined) continue
      if (a.failed > 0) {
        results.note(
          `${group}: ${a.failed} of ${a.ok + a.failed} submissions at ${level} clients were not 201 (${JSON.stringify(a.statuses)}).`,
        )
      }
      results.compare({
        group,
        metric: `submissions/s, ${level} client${level === 1 ? '' : 's'}`,
        value: a.perSecond,
        unit: 'req/s',
        baseline: 'raw INSERT/s, same concurrency',
        baselineValue: r.perSecond,
        ...(level === 50 && kind === 'postgres' ? { minRatio: 0.7 } : {}),
      })
      results.compare({
        group,
        metric: `  vs HTTP ceiling, ${level} client${level === 1 ? '' : 's'}`,
        value: a.perSecond,
        unit: 'req/s',
        baseline: 'node:http 201 on same body',
        baselineValue: h.perSecond,
      })
      results.add({
        group,
        metric: `  p50 / p99 latency, ${level} client${level === 1 ? '' : 's'}`,
        value: a.p99,
        unit: `ms p99 (p50 ${a.p50.toFixed(1)})`,
        baseline: 'raw INSERT p99 (p50)',
        baselineValue: r.p99,
        ratio: a.p99 / r.p99,
        ...(level === 50 ? { target: 'p99 < 50 ms', met: a.p99 < 50 } : {}),
        note: `raw INSERT p50 ${r.p50.toFixed(1)} ms; HTTP ceiling p99 ${h.p99.toFixed(1)} ms`,
      })
    }
    results.note(
      `${group}: envelope ${sample.envelopeBytes} bytes, request body ≈${Math.round(sample.body.length / 1024)} KB; ${Object.values(amounts).join('/')} requests at ${LEVELS.join('/')} clients after ${WARMUP} warm-up requests.`,
    )
  } finally {
    for (const child of children) await child.stop().catch(() => {})
    for (const cleanup of cleanups) await cleanup().catch(() => {})
    await store.destroy()
  }
}

export async function benchIngest(results: Results): Promise<void> {
  const backend = await loadSodium()
  for (const kind of databaseKinds) await ingestOn(kind, backend, results)
}
