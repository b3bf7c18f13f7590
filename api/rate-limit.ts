/**
 * @module api/rate-limit
 * Per-instance rate limits, the first line against floods (DESIGN §3, §4); the proof of work and
 * the database-counted difficulty are the shared second line.
 *
 * Keys, and why: a client's address is never stored or logged, and not kept past the request. Each bucket
 * is keyed by `H("tnr/v1/rate-limit-key", k_hour, address)` where `k_hour =
 * H("tnr/v1/rate-limit", secret, u64(hours since epoch))` (api/secrets.ts), so the keys change
 * every hour and cannot be linked across hours or reversed without the server secret. Where
 * every client looks alike — a loopback peer (a reverse proxy or onion service on this host,
 * the tests), or `CLIENTS_LOOK_ALIKE=1` — per-address limits would throttle everyone as one, so
 * the limits are global instead, plus per lookup id, which is keyed the same way.
 *
 * A small in-memory token bucket rather than a library such as `hono-rate-limiter`: what we
 * need is a key that is an hourly-rotating MAC of the address, a per-request choice between
 * per-address and global buckets, and per-lookup buckets checked after validation. That is a few
 * dozen lines that are easier to review than an adapted library, and it adds no dependency.
 * Buckets live in one Map, which is swept when it grows.
 */
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context, MiddlewareHandler } from 'hono'
import type { CryptoBackend } from '../crypto/backend.ts'
import { toHex, u16, utf8 } from '../crypto/bytes.ts'
import { H } from '../crypto/hash.ts'
import { AppError } from './errors.ts'
import type { ServerSecrets } from './secrets.ts'

export type RateClass = 'challenge' | 'submit' | 'read' | 'chunk'
export type RatePolicy = { readonly burst: number; readonly perMinute: number }
export type RatePolicies = Readonly<Record<RateClass, RatePolicy>>

/** Per client address: a reporter fills a form, sends it, adds some messages and files. */
export const ADDRESS_POLICIES: RatePolicies = {
  challenge: { burst: 30, perMinute: 10 },
  submit: { burst: 20, perMinute: 4 },
  read: { burst: 60, perMinute: 60 },
  // 400 chunks ≈ one 25 MiB file at once; then ≈1.3 MB/s.
  chunk: { burst: 400, perMinute: 1200 },
}

/** For all clients together where they look alike (onion service, loopback). */
export const GLOBAL_POLICIES: RatePolicies = {
  challenge: { burst: 300, perMinute: 300 },
  submit: { burst: 200, perMinute: 120 },
  read: { burst: 600, perMinute: 1200 },
  chunk: { burst: 4000, perMinute: 12000 },
}

/** Per lookup id, always: one receipt cannot hammer its case (or guess at one). */
export const LOOKUP_POLICIES: RatePolicies = {
  challenge: { burst: 30, perMinute: 10 },
  submit: { burst: 20, perMinute: 4 },
  read: { burst: 30, perMinute: 30 },
  chunk: { burst: 400, perMinute: 1200 },
}

export type RateLimitOptions = {
  readonly secrets: ServerSecrets
  readonly backend: () => Promise<CryptoBackend>
  readonly now: () => number
  readonly clientsLookAlike: boolean
  readonly policies?: Partial<{ address: RatePolicies; global: RatePolicies; lookup: RatePolicies }>
}

export type RateLimiter = {
  /** Middleware: per address, or global where clients look alike. */
  guard(kind: RateClass): MiddlewareHandler
  /** Per lookup id; call after validation. Throws `rate_limited`. */
  checkLookup(kind: RateClass, lookupId: string): Promise<void>
}

type Bucket = { tokens: number; at: number }

const MAX_BUCKETS = 100_000
const HOUR_MS = 60 * 60 * 1000

/** Loopback peers: a proxy or onion service on this host, where every client looks the same. */
export function isLoopback(address: string): boolean {
  return address === '::1' || /^(?:::ffff:)?127\./.test(address)
}

function clientAddress(c: Context): string | undefined {
  try {
    const address = getConnInfo(c).remote.address
    return typeof address === 'string' && address !== '' ? address : undefined
  } catch {
    return undefined // No socket (in-process requests, tests): treat as looking alike.
  }
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const policies = {
    address: options.policies?.address ?? ADDRESS_POLICIES,
    global: options.policies?.global ?? GLOBAL_POLICIES,
    lookup: options.policies?.lookup ?? LOOKUP_POLICIES,
  }
  const buckets = new Map<string, Bucket>()
  let hourKey: { hour: number; key: Uint8Array } | undefined

  function sweep(now: number) {
    for (const [key, bucket] of buckets) {
      // A bucket untouched for an hour is full again, or keyed under an old hour: forget it.
      if (now - bucket.at > HOUR_MS) buckets.delete(key)
    }
    if (buckets.size > MAX_BUCKETS) buckets.clear()
  }

  /** Takes one token; returns the seconds to wait when there is none. */
  function take(key: string, policy: RatePolicy, now: number): number | undefined {
    if (buckets.size > MAX_BUCKETS) sweep(now)
    const perMs = policy.perMinute / 60_000
    const bucket = buckets.get(key) ?? { tokens: policy.burst, at: now }
    const tokens = Math.min(policy.burst, bucket.tokens + Math.max(0, now - bucket.at) * perMs)
    if (tokens < 1) {
      buckets.set(key, { tokens, at: now })
      return Math.max(1, Math.ceil((1 - tokens) / perMs / 1000))
    }
    buckets.set(key, { tokens: tokens - 1, at: now })
    return undefined
  }

  async function mac(value: string, now: number): Promise<string> {
    const backend = await options.backend()
    const hour = Math.floor(now / HOUR_MS)
    if (hourKey?.hour !== hour) hourKey = { hour, key: options.secrets.rateLimitKey(hour) }
    const bytes = utf8(value)
    return toHex(H(backend, 'tnr/v1/rate-limit-key', [hourKey.key, u16(bytes.length), bytes], 16))
  }

  function refuse(retryAfter: number): never {
    throw new AppError('rate_limited', `Too many requests; try again in ${retryAfter} s.`)
  }

  return {
    guard(kind) {
      return async function rateLimit(c, next) {
        const now = options.now()
        const address = clientAddress(c)
        const alike = options.clientsLookAlike || address === undefined || isLoopback(address)
        const wait = alike
          ? take(`global:${kind}`, policies.global[kind], now)
          : take(`address:${kind}:${await mac(address, now)}`, policies.address[kind], now)
        if (wait !== undefined) {
          c.header('Retry-After', String(wait))
          refuse(wait)
        }
        await next()
      }
    },
    async checkLookup(kind, lookupId) {
      const now = options.now()
      const wait = take(`lookup:${kind}:${await mac(`lookup:${lookupId}`, now)}`, policies.lookup[kind], now)
      if (wait !== undefined) refuse(wait)
    },
  }
}
