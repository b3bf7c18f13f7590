/**
 * @module test/bench/ingest-server
 * The server the ingest benchmark loads: the same `createApp` on the same database driver and
 * the same `@hono/node-server` adaptor as api/server.ts, started from the same environment
 * variables, with one difference — the rate limiter's policies are raised out of reach. All
 * benchmark clients come from 127.0.0.1, where the real limits are global (api/rate-limit.ts:
 * 200 submissions, then 120 a minute), so they would measure the limiter, not the ingest path.
 * Everything else — validation, envelope checks, the per-lookup queue, PoW verification and
 * spending, the two commits (challenge, then case), the receipt signature — runs as in
 * production.
 *
 * With `HTTP_CEILING=1` it is instead a bare `node:http` server that reads the body and answers
 * 201 with a small JSON body: the HTTP ceiling of this machine and load generator.
 *
 * Prints "ready <port>" on stdout once listening.
 */
import { createServer, type Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { createApp, systemClock } from '../../api/app.ts'
import { openDatabase } from '../../api/db/index.ts'
import { parseEnv } from '../../api/env.ts'
import type { RatePolicies } from '../../api/rate-limit.ts'
import { deriveSecrets, loadSecretFile } from '../../api/secrets.ts'
import { loadSodium } from '../../crypto/sodium.ts'

const OPEN: RatePolicies = {
  challenge: { burst: 1e9, perMinute: 1e9 },
  submit: { burst: 1e9, perMinute: 1e9 },
  read: { burst: 1e9, perMinute: 1e9 },
  chunk: { burst: 1e9, perMinute: 1e9 },
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT)
  if (process.env.HTTP_CEILING === '1') {
    const body = JSON.stringify({ receivedOn: '2026-01-01', proof: { statement: '{}', signature: '' } })
    const server = createServer((req, res) => {
      req.on('data', () => {})
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        res.end(body)
      })
    })
    await listen(server, port)
  } else {
    const config = parseEnv(process.env)
    const backend = await loadSodium()
    const loaded = loadSecretFile(config.serverSecretFile, { createIfMissing: false, backend })
    const secrets = deriveSecrets(backend, loaded.secret)
    backend.wipe(loaded.secret)
    const database = await openDatabase(config)
    const app = createApp({
      db: database.db,
      config,
      clock: systemClock,
      secrets,
      reporter: { ratePolicies: { address: OPEN, global: OPEN, lookup: OPEN } },
    })
    const server = createAdaptorServer({ fetch: app.fetch }) as Server
    await listen(server, port)
    process.on('SIGTERM', () => {
      server.closeAllConnections()
      server.close(() => {
        database.close().finally(() => process.exit(0))
      })
    })
  }
  process.stdout.write(`ready ${port}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest server failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
