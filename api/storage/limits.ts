/**
 * @module api/storage/limits
 * Sizes, quotas and proof-of-work difficulty of Reporter API v1 (DESIGN §5, §7; docs/api.md
 * lists them for client authors). Defaults here; `api/env.ts` may override the difficulty, and
 * tests pass `AppDeps.reporter` to shrink quotas or the difficulty.
 *
 * The difficulty cap, and why it is low: the reporter pages solve with @noble's pure-JavaScript
 * BLAKE2b, and in Tor Browser's "Safer" mode there is no JIT. Measured with `node --jitless` on
 * one server core: ≈1,750 hashes/s; a low-end phone is assumed 3× slower, ≈580 hashes/s. A
 * difficulty of `b` bits needs 2^b hashes on average and the number of tries is geometric, so
 * P(longer than t) ≈ exp(−t·rate/2^b). At 11 bits: 3.5 s on average, 99.98 % within 30 s. At 12
 * bits the 99th percentile would already be ≈33 s. So the cap is 11 and the resting difficulty
 * 8 bits (≈0.4 s there, unnoticeable with a JIT). Against an attacker with native code this
 * is no barrier (2^11 hashes take a millisecond); what the proof of work buys is that every
 * submission costs one fresh, single-use, server-issued challenge, which makes floods visible
 * and rate-limitable — the per-address and global limits (api/rate-limit.ts) do the rest.
 */

import { MAX_MESSAGE_ENVELOPE_BYTES, MAX_REPORT_ENVELOPE_BYTES } from '../contract/reporter.ts'
import type { Config } from '../env.ts'

export type ReporterLimits = {
  /** Difficulty when nothing is happening. */
  readonly powBaseBits: number
  /** Difficulty never exceeds this (see the module comment). */
  readonly powMaxBits: number
  /**
   * One more bit for each doubling of recently spent challenges beyond this many ("recently":
   * spent rows not yet past their rounded-up expiry, roughly the last two to three hours).
   */
  readonly powSpentStep: number
  /** Lifetime of a challenge (DESIGN §5: at least 60 minutes; reporters may write for long). */
  readonly powLifetimeMinutes: number
  /** Largest report envelope, decoded bytes. */
  readonly maxReportBytes: number
  /** Largest reporter message or manifest envelope, decoded bytes. */
  readonly maxMessageBytes: number
  /** Largest file a reporter may attach (real size, before padding and encryption). */
  readonly maxFileBytes: number
  /** Per-case quotas (DESIGN §7): items including the report, attachments, and total bytes. */
  readonly maxItemsPerCase: number
  readonly maxAttachmentsPerCase: number
  readonly maxCaseBytes: number
  /** Every client looks alike (onion service): rate limits are global plus per lookup id. */
  readonly clientsLookAlike: boolean
}

export const DEFAULT_LIMITS: ReporterLimits = {
  powBaseBits: 8,
  powMaxBits: 11,
  powSpentStep: 64,
  powLifetimeMinutes: 120,
  maxReportBytes: MAX_REPORT_ENVELOPE_BYTES,
  maxMessageBytes: MAX_MESSAGE_ENVELOPE_BYTES,
  maxFileBytes: 25 * 1024 * 1024,
  maxItemsPerCase: 200,
  maxAttachmentsPerCase: 100,
  maxCaseBytes: 250 * 1024 * 1024,
  clientsLookAlike: false,
}

/** Defaults ← environment (api/env.ts) ← explicit overrides (tests). */
export function resolveLimits(config: Config, overrides: Partial<ReporterLimits> = {}): ReporterLimits {
  const limits: ReporterLimits = {
    ...DEFAULT_LIMITS,
    ...(config.powBaseBits === undefined ? {} : { powBaseBits: config.powBaseBits }),
    ...(config.powMaxBits === undefined ? {} : { powMaxBits: config.powMaxBits }),
    ...(config.clientsLookAlike === undefined ? {} : { clientsLookAlike: config.clientsLookAlike }),
    ...overrides,
  }
  if (limits.powBaseBits > limits.powMaxBits) {
    throw new Error('POW_BASE_BITS must not exceed POW_MAX_BITS')
  }
  if (limits.powLifetimeMinutes < 60) throw new Error('proof-of-work challenges live at least 60 minutes')
  return limits
}
