/**
 * @module test/support/seeded-server
 * A real server process (test/support/server.ts) on a fresh database that already holds the
 * demo organisation, for suites that kill, restart and inspect it (crash, idempotency, leak
 * checks). On PGlite the database is seeded before the server starts, because only one process
 * may open `DATA_DIR`; on PostgreSQL each suite gets its own database (test/support/databases.ts).
 *
 * The server secret file is written into `DATA_DIR` first, so the receipt key the organisation
 * certifies is the one the server signs with, and a restart finds the same secret.
 */
import { join } from 'node:path'
import { type Database, openDatabase } from '../../api/db/index.ts'
import { checkSecretId, deriveSecrets, loadSecretFile, type ServerSecrets } from '../../api/secrets.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import type { TestDatabase, TestDatabaseFactory } from './databases.ts'
import { type DemoOrganisation, seedDemoOrganisation } from './seed.ts'
import { type RunningServer, type StartServerOptions, startServer } from './server.ts'

export type SeededDeployment = {
  readonly kind: TestDatabaseFactory['name']
  readonly dataDir: string
  readonly databaseUrl: string | undefined
  readonly demo: DemoOrganisation
  readonly secrets: ServerSecrets
  /** Environment every start of the server needs (DATABASE_URL on PostgreSQL) plus `extraEnv`. */
  readonly env: Readonly<Record<string, string>>
  /** Starts (or restarts, on the same port when given) the server on this deployment. */
  start(options?: Pick<StartServerOptions, 'port' | 'env'>): Promise<RunningServer>
  /** Opens the database directly (PGlite: only while no server runs). Close it when done. */
  open(): Promise<Database>
  /** Drops the database and removes DATA_DIR. */
  destroy(): Promise<void>
}

export async function seededDeployment(
  factory: TestDatabaseFactory,
  backend: CryptoBackend,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<SeededDeployment> {
  const database: TestDatabase = await factory.open()
  let demo: DemoOrganisation
  let secrets: ServerSecrets
  try {
    const loaded = loadSecretFile(join(database.dataDir, 'server-secret'), { createIfMissing: true, backend })
    secrets = deriveSecrets(backend, loaded.secret)
    await checkSecretId(database.db, secrets.secretId)
    demo = await seedDemoOrganisation(database.db, backend, secrets)
  } finally {
    await database.close()
  }
  const env: Record<string, string> = { ...extraEnv }
  if (database.databaseUrl !== undefined) env.DATABASE_URL = database.databaseUrl
  return {
    kind: factory.name,
    dataDir: database.dataDir,
    databaseUrl: database.databaseUrl,
    demo,
    secrets,
    env,
    start: (options = {}) =>
      startServer({
        dataDir: database.dataDir,
        env: { ...env, ...options.env },
        ...(options.port === undefined ? {} : { port: options.port }),
      }),
    open: () =>
      openDatabase({
        dataDir: database.dataDir,
        ...(database.databaseUrl === undefined ? {} : { databaseUrl: database.databaseUrl }),
      }),
    destroy: () => database.destroy(),
  }
}
