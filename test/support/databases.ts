/**
 * @module test/support/databases
 * The databases every storage and API suite runs against (STYLE.md "Tests"):
 * `describe.each(databases)('… on $name', (database) => …)`.
 *
 * - PGlite always, each suite in a fresh temporary directory. initdb takes seconds under
 *   WebAssembly, so one freshly initialised (unmigrated) data directory is kept as a template in
 *   the OS temp dir and copied per suite.
 * - PostgreSQL when `DATABASE_URL` is set: each suite gets a brand-new database
 *   (`CREATE DATABASE tnr_t_<random>`), so parallel test files never see each other's rows, and
 *   it is dropped at the end.
 * - Without `DATABASE_URL` the PostgreSQL suites are skipped loudly; with `REQUIRE_ALL_SUITES=1`
 *   they fail instead (DESIGN §3).
 */
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import postgres from 'postgres'
import { type Database, openDatabase, pgliteDirectory } from '../../api/db/index.ts'
import { migrateDatabase } from '../../api/db/migrate.ts'

export type TestDatabase = Database & {
  /** A private DATA_DIR (holds `pglite/` on PGlite; empty otherwise). */
  readonly dataDir: string
  /** The suite's own database URL on PostgreSQL. */
  readonly databaseUrl: string | undefined
  /** Closes the connection and removes the database and its directory. */
  destroy(): Promise<void>
}

export type TestDatabaseFactory = {
  readonly name: 'pglite' | 'postgres'
  /** Opens a fresh database; migrated unless `migrate: false`. */
  open(options?: { migrate?: boolean }): Promise<TestDatabase>
}

const require = createRequire(import.meta.url)
// PGlite's `exports` do not list ./package.json, so read it beside the resolved entry point.
const pgliteVersion = (
  JSON.parse(
    readFileSync(
      path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json'),
      'utf8',
    ),
  ) as { version: string }
).version

/** A freshly initdb'd PGlite data directory, created once per machine and PGlite version. */
async function pgliteTemplate(): Promise<string> {
  const template = path.join(os.tmpdir(), `tnr-pglite-template-${pgliteVersion}`)
  if (existsSync(path.join(template, 'PG_VERSION'))) return template
  // Build beside it and rename: concurrent test workers never see a half-written template.
  const building = `${template}.${process.pid}.${randomBytes(4).toString('hex')}`
  const client = await PGlite.create(building)
  await client.close()
  try {
    renameSync(building, template)
  } catch {
    rmSync(building, { recursive: true, force: true })
  }
  return template
}

export const newDataDir = () => mkdtempSync(path.join(os.tmpdir(), 'tnr-test-'))

const pglite: TestDatabaseFactory = {
  name: 'pglite',
  async open(options = {}) {
    const dataDir = newDataDir()
    cpSync(await pgliteTemplate(), pgliteDirectory(dataDir), { recursive: true })
    const database = await openDatabase({ dataDir })
    if (options.migrate !== false) await migrateDatabase(database)
    return {
      ...database,
      dataDir,
      databaseUrl: undefined,
      async destroy() {
        await database.close().catch(() => {})
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
  },
}

const adminUrl = process.env.DATABASE_URL

const postgresFactory: TestDatabaseFactory = {
  name: 'postgres',
  async open(options = {}) {
    if (adminUrl === undefined || adminUrl === '') {
      throw new Error('REQUIRE_ALL_SUITES=1 but DATABASE_URL is not set: the PostgreSQL suites cannot run')
    }
    const name = `tnr_t_${randomBytes(8).toString('hex')}`
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
    try {
      await admin.unsafe(`CREATE DATABASE ${name}`)
    } finally {
      await admin.end()
    }
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    const databaseUrl = url.toString()
    const dataDir = newDataDir()
    const database = await openDatabase({ dataDir, databaseUrl })
    if (options.migrate !== false) await migrateDatabase(database)
    return {
      ...database,
      dataDir,
      databaseUrl,
      async destroy() {
        await database.close().catch(() => {})
        const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} })
        try {
          await cleanup.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        } finally {
          await cleanup.end()
          rmSync(dataDir, { recursive: true, force: true })
        }
      },
    }
  },
}

export const postgresAvailable = adminUrl !== undefined && adminUrl !== ''
const requireAll = process.env.REQUIRE_ALL_SUITES === '1'

if (!postgresAvailable) {
  console.warn(
    requireAll
      ? '\n*** FAILING: PostgreSQL suites — REQUIRE_ALL_SUITES=1 but DATABASE_URL is not set ***\n'
      : '\n*** SKIPPED: PostgreSQL suites — set DATABASE_URL to run them ***\n',
  )
}

/** Whether PostgreSQL suites run: with DATABASE_URL, or under REQUIRE_ALL_SUITES=1 (where they then fail). */
export const runPostgresSuites = postgresAvailable || requireAll

/** PGlite always; PostgreSQL when DATABASE_URL is set (or, under REQUIRE_ALL_SUITES=1, failing). */
export const databases: readonly TestDatabaseFactory[] = runPostgresSuites
  ? [pglite, postgresFactory]
  : [pglite]
