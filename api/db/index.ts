/**
 * @module api/db
 * Opens the database: the embedded PGlite in `DATA_DIR/pglite` by default, or PostgreSQL when
 * `DATABASE_URL` is set (DESIGN §3). Both are exposed as one drizzle type, `Db`, so route and
 * storage code never knows which it runs on.
 *
 * Durability on PGlite (DESIGN §3): PGlite's Node filesystem writes each file change straight
 * through to the operating system (Emscripten NODEFS over `fs.writeSync`), and with
 * `relaxedDurability` left off a query's promise resolves only after that. So once a COMMIT has
 * resolved, the WAL record is in the OS page cache and survives a kill -9 of this process
 * (test/storage.test.ts proves it); it does not survive a power loss, because nothing calls
 * fsync. Never set `relaxedDurability` here.
 */
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite, type PgliteDatabase } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres, type PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import * as schema from './schema.ts'

export type Schema = typeof schema
/** The drizzle database every module uses, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>
export type DatabaseKind = 'pglite' | 'postgres'

/** The driver-specific handle, for the migrator and for tests that need the raw client. */
export type Driver =
  | { kind: 'pglite'; db: PgliteDatabase<Schema>; client: PGlite }
  | { kind: 'postgres'; db: PostgresJsDatabase<Schema>; client: postgres.Sql }

export type Database = {
  readonly db: Db
  readonly kind: DatabaseKind
  readonly driver: Driver
  close(): Promise<void>
}

export type DatabaseConfig = {
  /** Used for PGlite only: the files live in `dataDir/pglite`. */
  readonly dataDir: string
  readonly databaseUrl?: string | undefined
}

export const pgliteDirectory = (dataDir: string) => path.join(dataDir, 'pglite')

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.databaseUrl !== undefined) {
    const client = postgres(config.databaseUrl, {
      max: 10,
      connect_timeout: 10,
      // NOTICEs (e.g. "relation already exists, skipping" from the migrator) are not our output.
      onnotice: () => {},
      // Never let the driver print the URL or parameters in its own debug output.
      debug: false,
    })
    const db = drizzlePostgres({ client, schema })
    try {
      await client`select 1`
    } catch (error) {
      await client.end({ timeout: 1 }).catch(() => {})
      throw error
    }
    return {
      db,
      kind: 'postgres',
      driver: { kind: 'postgres', db, client },
      close: () => client.end({ timeout: 5 }),
    }
  }
  // No relaxedDurability: see the module comment.
  const client = await PGlite.create(pgliteDirectory(config.dataDir))
  const db = drizzlePglite({ client, schema })
  return {
    db,
    kind: 'pglite',
    driver: { kind: 'pglite', db, client },
    close: () => client.close(),
  }
}
