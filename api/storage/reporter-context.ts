/**
 * @module api/storage/reporter-context
 * What the Reporter API v1 route modules share, built once per app (api/app.ts): limits, the
 * per-lookup lock, the rate limiter (its buckets are per instance) and the libsodium backend.
 */
import type { CryptoBackend } from '../../crypto/backend.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import type { AppDeps } from '../app.ts'
import { createRateLimiter, type RateLimiter, type RateLimitOptions } from '../rate-limit.ts'
import { type ReporterLimits, resolveLimits } from './limits.ts'
import { createLookupLocks, type LookupLocks } from './lookup-lock.ts'
import { hourlyPurge } from './pow.ts'

/** Test and deployment knobs beyond the environment (AppDeps.reporter). */
export type ReporterOptions = {
  readonly limits?: Partial<ReporterLimits>
  readonly ratePolicies?: RateLimitOptions['policies']
}

export type ReporterContext = Pick<AppDeps, 'db' | 'config' | 'clock' | 'secrets'> & {
  readonly limits: ReporterLimits
  readonly locks: LookupLocks
  readonly rateLimiter: RateLimiter
  /** The server's crypto backend (DESIGN §5: libsodium on the server; the sumo build). */
  readonly backend: () => Promise<CryptoBackend>
  /** Deletes expired spent challenges at most hourly (lazily, from the challenge route). */
  readonly purgeSpent: (now: Date) => Promise<void>
}

export function createReporterContext(
  deps: AppDeps & { readonly reporter?: ReporterOptions },
): ReporterContext {
  const limits = resolveLimits(deps.config, deps.reporter?.limits)
  // The sumo build: its native Ed25519 point check (`ed25519IsPrimeOrderPoint`) validates a
  // reporter's signing key ≈15× faster than the shared BigInt check, on every submission.
  const backend = loadSodiumSumo
  return {
    db: deps.db,
    config: deps.config,
    clock: deps.clock,
    secrets: deps.secrets,
    limits,
    locks: createLookupLocks(deps.db),
    rateLimiter: createRateLimiter({
      secrets: deps.secrets,
      backend,
      now: () => deps.clock.now().getTime(),
      clientsLookAlike: limits.clientsLookAlike,
      ...(deps.reporter?.ratePolicies === undefined ? {} : { policies: deps.reporter.ratePolicies }),
    }),
    backend,
    purgeSpent: hourlyPurge(deps.db),
  }
}

/** `YYYY-MM-DD` of `now` in UTC: the only time the server keeps of a reporter's action (DESIGN §4). */
export function utcDate(now: Date): string {
  return now.toISOString().slice(0, 10)
}
