/**
 * @module api/storage/lookup-lock
 * Serialises what a reporter does to one case, per lookup id (DESIGN §5 "Proof of work"), so a
 * message gets the next `seq` without a race and a retried request racing its original is
 * answered from the stored result.
 *
 * Two layers:
 * - `local`: in this process, a promise chain per lookup id. Costs no database round trip. A new
 *   submission needs only this: across instances the unique lookup id and `on conflict do
 *   nothing` in its insert (api/storage/cases.ts) already make it exactly-once, and a submission
 *   that loses a race there is answered from the stored case (api/routes/reports.ts).
 * - `run`: the chain plus, on PostgreSQL, a session-level `pg_advisory_lock` on a reserved
 *   connection, so instances behind a load balancer exclude each other (DESIGN §3 "Beyond one
 *   machine") where no constraint would: the reporter's follow-up messages and attachments.
 *   PGlite has a single connection and session, where an advisory lock is re-entrant and so
 *   excludes nothing between requests; there the chain is what serialises. The transactions run
 *   on the pool; at most `MAX_RESERVED` locks are held at once, so reserved connections can never
 *   starve the pool the transactions need.
 *
 * The key is the first 8 bytes of the lookup id (itself a uniform hash output) as a signed
 * 64-bit integer; a collision only serialises two unrelated cases.
 */
import type { Db } from '../db/index.ts'

export type LookupLocks = {
  /** In-process chain plus, on PostgreSQL, the advisory lock that holds across instances. */
  run<T>(lookupId: string, body: () => Promise<T>): Promise<T>
  /** In-process chain only: for writes a unique constraint already makes exactly-once. */
  local<T>(lookupId: string, body: () => Promise<T>): Promise<T>
}

type ReservedConnection = {
  (strings: TemplateStringsArray, ...values: unknown[]): Promise<unknown>
  release(): void
}
type PostgresClient = { reserve(): Promise<ReservedConnection> }

/** Leaves room in postgres.js's pool (10 connections, api/db/index.ts) for the transactions. */
const MAX_RESERVED = 4

function postgresClient(db: Db): PostgresClient | undefined {
  // drizzle exposes the driver's client as `$client`; only postgres.js has `reserve`.
  const client: unknown = (db as unknown as { $client?: unknown }).$client
  if (typeof client === 'function' && typeof (client as { reserve?: unknown }).reserve === 'function') {
    return client as unknown as PostgresClient
  }
  return undefined
}

export function lockKey(lookupId: string): string {
  if (!/^[0-9a-f]{32}$/.test(lookupId)) throw new Error('lock key needs a lookup id')
  return BigInt.asIntN(64, BigInt(`0x${lookupId.slice(0, 16)}`)).toString()
}

class Semaphore {
  #free: number
  #waiting: Array<() => void> = []
  constructor(size: number) {
    this.#free = size
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free -= 1
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }
  release(): void {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#free += 1
  }
}

export function createLookupLocks(db: Db): LookupLocks {
  const tails = new Map<string, Promise<void>>()
  const pg = postgresClient(db)
  const reservations = new Semaphore(MAX_RESERVED)

  async function withAdvisoryLock<T>(lookupId: string, body: () => Promise<T>): Promise<T> {
    if (pg === undefined) return body()
    await reservations.acquire()
    try {
      const connection = await pg.reserve()
      const key = lockKey(lookupId)
      try {
        await connection`select pg_advisory_lock(${key}::bigint)`
        try {
          return await body()
        } finally {
          await connection`select pg_advisory_unlock(${key}::bigint)`
        }
      } finally {
        connection.release()
      }
    } finally {
      reservations.release()
    }
  }

  async function chained<T>(lookupId: string, body: () => Promise<T>): Promise<T> {
    const previous = tails.get(lookupId) ?? Promise.resolve()
    let done: () => void = () => {}
    const mine = new Promise<void>((resolve) => {
      done = resolve
    })
    const tail = previous.then(() => mine)
    tails.set(lookupId, tail)
    try {
      await previous
      return await body()
    } finally {
      done()
      // Forget the chain once nobody queued behind us, so the map does not grow.
      if (tails.get(lookupId) === tail) tails.delete(lookupId)
    }
  }

  return {
    run: (lookupId, body) => chained(lookupId, () => withAdvisoryLock(lookupId, body)),
    local: chained,
  }
}
