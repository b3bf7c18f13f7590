/**
 * @module test/bench/env
 * Where the benchmarks run: the repository root, the databases (PGlite always, PostgreSQL when
 * `DATABASE_URL` is set, each time in a fresh database of its own that is dropped afterwards),
 * and a data directory prepared exactly as `npm run dev:seed` would (server secret file,
 * migrations, demo organisation) so a server started on it accepts reports at once.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { createDemoOrganisation, type DemoOrganisation } from '../../api/cli/demo-org.ts'
import { type Database, openDatabase } from '../../api/db/index.ts'
import { migrateDatabase } from '../../api/db/migrate.ts'
import { checkSecretId, deriveSecrets, loadSecretFile, type ServerSecrets } from '../../api/secrets.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export const adminUrl = process.env.DATABASE_URL ?? ''
export const LONG = process.env.LONG === '1'

export type DatabaseKind = 'pglite' | 'postgres'
/** PGlite always, PostgreSQL with DATABASE_URL; `BENCH_DB=pglite|postgres` keeps one (profiling). */
export const databaseKinds: readonly DatabaseKind[] = (
  adminUrl === '' ? (['pglite'] as const) : (['pglite', 'postgres'] as const)
).filter((kind) => process.env.BENCH_DB === undefined || process.env.BENCH_DB === kind)

/** Only ever 127.0.0.1 (COMMON.md): refuse a DATABASE_URL pointing elsewhere. */
function checkLoopback(url: string): void {
  const host = new URL(url).hostname
  if (host !== '127.0.0.1' && host !== 'localhost')
    throw new Error('benchmarks only send traffic to 127.0.0.1; DATABASE_URL points elsewhere')
}

/** A fresh place to keep data: a temporary DATA_DIR, and on PostgreSQL a new database. */
export type BenchStore = {
  readonly kind: DatabaseKind
  readonly dataDir: string
  /** The fresh database's URL (PostgreSQL only). */
  readonly databaseUrl: string | undefined
  readonly secretFile: string
  destroy(): Promise<void>
}

export async function createStore(kind: DatabaseKind): Promise<BenchStore> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tnr-bench-'))
  const secretFile = path.join(dataDir, 'server-secret')
  if (kind === 'pglite') {
    return {
      kind,
      dataDir,
      databaseUrl: undefined,
      secretFile,
      destroy: async () => rmSync(dataDir, { recursive: true, force: true }),
    }
  }
  checkLoopback(adminUrl)
  const name = `tnr_bench_${randomBytes(6).toString('hex')}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    kind,
    dataDir,
    databaseUrl: url.toString(),
    secretFile,
    async destroy() {
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} })
      try {
        await cleanup.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await cleanup.end()
        rmSync(dataDir, { recursive: true, force: true })
      }
    },
  }
}

export type Seeded = { database: Database; secrets: ServerSecrets; demo: DemoOrganisation }

/**
 * What `npm run dev:seed` does, in process: server secret (created here, also for PostgreSQL —
 * the server is then given the file), migrations, secret binding, demo organisation. The caller
 * closes `database` before a server is started on a PGlite directory.
 */
export async function seedStore(store: BenchStore, backend: CryptoBackend): Promise<Seeded> {
  const loaded = loadSecretFile(store.secretFile, { createIfMissing: true, backend })
  const secrets = deriveSecrets(backend, loaded.secret)
  backend.wipe(loaded.secret)
  const database = await openDatabase({ dataDir: store.dataDir, databaseUrl: store.databaseUrl })
  await migrateDatabase(database)
  await checkSecretId(database.db, secrets.secretId)
  const demo = await createDemoOrganisation(database.db, backend, secrets, new Date())
  return { database, secrets, demo }
}

/** The PostgreSQL server's version, for the machine description. */
export async function postgresVersion(): Promise<string | undefined> {
  if (adminUrl === '') return undefined
  const client = postgres(adminUrl, { max: 1, onnotice: () => {} })
  try {
    const [row] = await client`show server_version`
    return String(row?.server_version ?? '')
  } finally {
    await client.end()
  }
}
