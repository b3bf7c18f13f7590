/**
 * @module api/server
 * Starts the server (`npm start`, DESIGN §3): read the environment, prepare DATA_DIR, take the
 * lock (PGlite), load or create the server secret, open and migrate the database, check that
 * the secret belongs to it, issue the setup link while no organisation exists, then listen.
 *
 * Every start-up failure is one line on stderr and a non-zero exit: an operator under pressure
 * needs the cause and the fix, not a stack trace (which could also carry paths and values).
 */
import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { loadSodium } from '../crypto/sodium.ts'
import { createApp, systemClock } from './app.ts'
import { type Database, openDatabase, pgliteDirectory } from './db/index.ts'
import { migrateDatabase } from './db/migrate.ts'
import { type Config, ConfigError, parseEnv } from './env.ts'
import { StartupError } from './errors.ts'
import { type Scheduler, startServerJobs } from './jobs/scheduler.ts'
import { acquireDataDirLock, type DataDirLock } from './lock.ts'
import { consoleLogger, describeInternalError } from './log.ts'
import { checkSecretId, deriveSecrets, loadSecretFile } from './secrets.ts'
import { ensureSetupToken } from './setup-token.ts'

const log = consoleLogger

type Running = { server: Server; database: Database; lock: DataDirLock | undefined; jobs: Scheduler }

/** Where the PostgreSQL server is, without user name or password. */
function describeDatabaseUrl(url: string): string {
  const parsed = new URL(url)
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`
}

/** One line for a database connection failure; never the URL's credentials. */
function databaseFailure(config: Config, error: unknown): StartupError {
  const code = (error as { code?: unknown }).code
  if (config.databaseUrl === undefined) {
    return new StartupError(
      `Cannot open the embedded database in ${pgliteDirectory(config.dataDir)} (${describeInternalError(error)}).`,
    )
  }
  const where = describeDatabaseUrl(config.databaseUrl)
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host not found',
    ETIMEDOUT: 'timed out',
    CONNECT_TIMEOUT: 'timed out',
    '28P01': 'password authentication failed',
    '28000': 'access denied',
    '3D000': 'database does not exist',
  }
  const reason = typeof code === 'string' ? (reasons[code] ?? code) : describeInternalError(error)
  return new StartupError(`Cannot connect to PostgreSQL at ${where} (${reason}). Check DATABASE_URL.`)
}

function listen(server: Server, config: Config): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      if (error.code === 'EADDRINUSE') {
        reject(new StartupError(`Port ${config.port} is already in use. Stop the other process or set PORT.`))
      } else if (error.code === 'EACCES') {
        reject(
          new StartupError(
            `Not allowed to listen on port ${config.port}. Choose a port above 1023 or set PORT.`,
          ),
        )
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(
          new StartupError(`Cannot listen on HOST ${config.host}: address not available on this machine.`),
        )
      } else {
        reject(
          new StartupError(`Cannot listen on ${config.host}:${config.port} (${error.code ?? error.name}).`),
        )
      }
    }
    const onListening = () => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(config.port, config.host)
  })
}

async function start(): Promise<Running> {
  const config = parseEnv(process.env)
  const backend = await loadSodium()
  const embedded = config.databaseUrl === undefined

  let lock: DataDirLock | undefined
  if (embedded) {
    try {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error'
      throw new StartupError(
        `DATA_DIR ${config.dataDir} cannot be created (${code}). Fix its permissions or set DATA_DIR to another directory.`,
      )
    }
    lock = acquireDataDirLock(config.dataDir, 'server')
  }

  let database: Database | undefined
  try {
    const loaded = loadSecretFile(config.serverSecretFile, { createIfMissing: embedded, backend })
    // Notes wait until the server listens, so a failed start stays one line.
    const notes: string[] = []
    if (loaded.created)
      notes.push(`Created the server secret file ${config.serverSecretFile} (back it up with the data).`)
    if (loaded.warning !== undefined) notes.push(loaded.warning)
    const secrets = deriveSecrets(backend, loaded.secret)
    backend.wipe(loaded.secret)

    try {
      database = await openDatabase(config)
    } catch (error) {
      throw databaseFailure(config, error)
    }
    try {
      await migrateDatabase(database)
    } catch (error) {
      throw new StartupError(`Database migration failed (${describeInternalError(error)}).`)
    }
    await checkSecretId(database.db, secrets.secretId)

    const app = createApp({ db: database.db, config, clock: systemClock, secrets, logger: log })
    // Issued before listening, so the link is printed in the same tick as "listening": whoever
    // sees the server answer can already read the link.
    const setup = await ensureSetupToken(database.db, systemClock, backend)
    const server = createAdaptorServer({ fetch: app.fetch }) as Server
    await listen(server, config)

    const listening = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`
    log.info(`TNR report server listening on ${listening}`)
    for (const note of notes) log.info(note)
    log.info(
      embedded
        ? `Database: embedded PGlite in ${pgliteDirectory(config.dataDir)} (for trying out and small single-instance deployments; use PostgreSQL in production).`
        : `Database: PostgreSQL at ${describeDatabaseUrl(config.databaseUrl ?? '')}.`,
    )
    if (setup !== undefined) {
      log.info(
        `Open this one-time setup link (expires ${setup.expiresAt.toISOString()}): ${config.publicUrl}/console#setup=${setup.token}`,
      )
    }
    // Retention purge and the optional digest (api/jobs/), once the server is up.
    const jobs = startServerJobs({
      db: database.db,
      config,
      clock: systemClock,
      secrets,
      backend,
      logger: log,
    })
    return { server, database, lock, jobs }
  } catch (error) {
    await database?.close().catch(() => {})
    lock?.release()
    throw error
  }
}

function shutdownOnSignals(running: Running): void {
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1) // A second signal: leave now.
    stopping = true
    log.info(`Received ${signal}, shutting down.`)
    // Idle keep-alive connections would hold close() open; in-flight requests get a grace period.
    running.server.closeIdleConnections()
    const force = setTimeout(() => running.server.closeAllConnections(), 5_000)
    force.unref()
    running.server.close(() => {
      running.jobs
        .stop()
        .then(() => running.database.close())
        .catch(() => {})
        .finally(() => {
          running.lock?.release()
          process.exit(0)
        })
    })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

function fail(error: unknown): never {
  const line =
    error instanceof ConfigError || error instanceof StartupError
      ? error.message
      : `Start-up failed (${describeInternalError(error)}).`
  process.stderr.write(`${line}\n`)
  process.exit(1)
}

// Anything escaping at run time is reported by class only (messages can carry query values).
process.on('uncaughtException', (error) => {
  process.stderr.write(`Fatal: ${describeInternalError(error)}\n`)
  process.exit(1)
})
process.on('unhandledRejection', (error) => {
  process.stderr.write(`Fatal: ${describeInternalError(error)}\n`)
  process.exit(1)
})

start().then(shutdownOnSignals, fail)
