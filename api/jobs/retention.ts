/**
 * @module api/jobs/retention
 * The automatic retention purge (DESIGN §6, issue 5): erases every closed case whose retention
 * date has passed, each in its own transaction with a server-signed `case.purge` audit entry
 * (api/storage/retention.ts). Uses the app clock, so tests move time instead of waiting.
 * The log line carries a count only, never a case id.
 */

import type { CryptoBackend } from '../../crypto/backend.ts'
import type { Clock } from '../app.ts'
import type { Db } from '../db/index.ts'
import type { Logger } from '../log.ts'
import type { ServerSecrets } from '../secrets.ts'
import { purgeExpiredCases } from '../storage/retention.ts'

export type RetentionDeps = {
  readonly db: Db
  readonly clock: Clock
  readonly secrets: Pick<ServerSecrets, 'receiptSeed'>
  readonly backend: CryptoBackend
  readonly logger: Logger
}

/** One run of the job; returns how many cases it erased. */
export async function runRetention(deps: RetentionDeps): Promise<number> {
  const purged = await purgeExpiredCases(
    { db: deps.db, backend: deps.backend, receiptSeed: deps.secrets.receiptSeed },
    () => deps.clock.now(),
  )
  if (purged > 0)
    deps.logger.info(`Retention: erased ${purged} closed ${purged === 1 ? 'case' : 'cases'} past retention.`)
  return purged
}
