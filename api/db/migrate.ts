/**
 * @module api/db/migrate
 * Applies migrations/ at start-up with drizzle's migrators (idempotent: applied migrations are
 * recorded in `drizzle.__drizzle_migrations` and skipped).
 *
 * On PostgreSQL several instances may start at once (DESIGN §3 "Beyond one machine"); a
 * session-level advisory lock on one connection serialises them, so only one runs each migration
 * and the others find it applied. PGlite has a single connection (and api/lock.ts keeps a second
 * process out), so it needs no lock.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator'
import type { Database } from './index.ts'

/** The repository's migrations folder, independent of the working directory. */
export const MIGRATIONS_FOLDER = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../migrations',
)

/** Arbitrary constant key for `pg_advisory_lock`: "tnr-migr" as a 64-bit integer. */
const MIGRATION_LOCK_KEY = 0x746e722d6d696772n

export async function migrateDatabase(
  database: Database,
  migrationsFolder = MIGRATIONS_FOLDER,
): Promise<void> {
  const driver = database.driver
  if (driver.kind === 'pglite') {
    await migratePglite(driver.db, { migrationsFolder })
    return
  }
  // Advisory locks belong to a session: hold it on one reserved connection while the migrator
  // runs on the pool; every other instance blocks on the same lock until this one is done.
  const connection = await driver.client.reserve()
  try {
    await connection`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`
    try {
      await migratePostgres(driver.db, { migrationsFolder })
    } finally {
      await connection`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`
    }
  } finally {
    connection.release()
  }
}
