/**
 * @module api/cli/seed
 * `NODE_ENV=development npm run dev:seed` (DESIGN §3): applies migrations and creates a demo
 * organisation (api/cli/demo-org.ts), so the reporter pages work before the console exists.
 *
 * - Refuses unless NODE_ENV=development: demo keys sit in a file, which is never acceptable for
 *   real reports.
 * - On PGlite it takes the DATA_DIR lock (api/lock.ts), so it refuses with "stop the server
 *   first" while a server runs; with DATABASE_URL it connects like any instance.
 * - Loads the server secret exactly as the server does (created on first use on PGlite only) and
 *   binds the database to it, so the receipt key it certifies is the one the server signs with.
 * - Writes the private keys to ./dev-keys/demo-org.json (mode 0600, git-ignored), never into
 *   DATA_DIR, which is what gets backed up and seized. Refuses up front if that file exists:
 *   it holds the only copy of another demo database's keys.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { loadSodium } from '../../crypto/sodium.ts'
import { type Database, openDatabase } from '../db/index.ts'
import { migrateDatabase } from '../db/migrate.ts'
import { ConfigError, parseEnv } from '../env.ts'
import { StartupError } from '../errors.ts'
import { acquireDataDirLock, type DataDirLock } from '../lock.ts'
import { describeInternalError } from '../log.ts'
import { checkSecretId, deriveSecrets, loadSecretFile } from '../secrets.ts'
import { AlreadySeededError, createDemoOrganisation, demoKeysJson } from './demo-org.ts'

const KEYS_DIR = path.resolve('dev-keys')
const KEYS_FILE = path.join(KEYS_DIR, 'demo-org.json')

async function main(): Promise<void> {
  const config = parseEnv(process.env)
  if (config.nodeEnv !== 'development') {
    throw new StartupError(
      'dev:seed runs only with NODE_ENV=development (it writes private keys to ./dev-keys/).',
    )
  }
  // Checked first: keys of an earlier seed belong to another database and must not be lost.
  if (existsSync(KEYS_FILE)) {
    throw new StartupError(
      `${KEYS_FILE} already exists (the keys of an earlier seed). Move it away, or remove it together with the database it belongs to, then seed again.`,
    )
  }
  const backend = await loadSodium()
  const embedded = config.databaseUrl === undefined
  let lock: DataDirLock | undefined
  let database: Database | undefined
  try {
    if (embedded) {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
      lock = acquireDataDirLock(config.dataDir, 'cli')
    }
    const loaded = loadSecretFile(config.serverSecretFile, { createIfMissing: embedded, backend })
    if (loaded.warning !== undefined) process.stderr.write(`${loaded.warning}\n`)
    const secrets = deriveSecrets(backend, loaded.secret)
    backend.wipe(loaded.secret)
    database = await openDatabase(config)
    await migrateDatabase(database)
    await checkSecretId(database.db, secrets.secretId)

    const demo = await createDemoOrganisation(database.db, backend, secrets, new Date())
    mkdirSync(KEYS_DIR, { recursive: true, mode: 0o700 })
    writeFileSync(KEYS_FILE, demoKeysJson(demo), { mode: 0o600, flag: 'wx' })
    process.stdout.write(
      [
        `Created the demo organisation "${demo.name}" with desks: ${demo.desks.map((d) => d.name).join(', ')}.`,
        `Organisation fingerprint: ${demo.fingerprint}`,
        `Private keys written to ${KEYS_FILE} (development only; never commit or deploy them).`,
        'Now start the server: npm start',
        '',
      ].join('\n'),
    )
  } finally {
    await database?.close().catch(() => {})
    lock?.release()
  }
}

main().catch((error: unknown) => {
  const line =
    error instanceof StartupError || error instanceof ConfigError || error instanceof AlreadySeededError
      ? error.message
      : `dev:seed failed (${describeInternalError(error)}).`
  process.stderr.write(`${line}\n`)
  process.exit(1)
})
