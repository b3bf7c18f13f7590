/**
 * @module api/env
 * Configuration: `process.env` parsed once by zod into one typed object (STYLE.md
 * "Configuration"). Nothing else in the server reads `process.env`.
 *
 * A bad value stops the server with one line naming the variable, what it must be and what it
 * got — except for `DATABASE_URL`, whose value may carry a password and is never echoed.
 */
import path from 'node:path'
import { z } from 'zod'

export const NODE_ENVS = ['production', 'development', 'test'] as const
export type NodeEnv = (typeof NODE_ENVS)[number]

export type Config = {
  readonly host: string
  readonly port: number
  /** Absolute path of the data directory (PGlite files, lock, default secret file). */
  readonly dataDir: string
  /** PostgreSQL URL; absent means the embedded PGlite in `dataDir/pglite`. */
  readonly databaseUrl: string | undefined
  /** Origin used in setup and invite links, without a trailing slash. */
  readonly publicUrl: string
  /** Honour `X-Forwarded-Proto` from a TLS-terminating proxy (never client addresses). */
  readonly trustProxy: boolean
  readonly serverSecretFile: string
  readonly nodeEnv: NodeEnv
  /** Where `vite build` writes the web pages. */
  readonly webDist: string
  /** Test-only delay before a submission commits (crash tests, DESIGN §10); 0 outside NODE_ENV=test. */
  readonly commitDelayMs: number
  /** Proof-of-work difficulty at rest and its cap (api/storage/limits.ts explains the defaults). */
  readonly powBaseBits?: number
  readonly powMaxBits?: number
  /**
   * Every client looks alike (an onion service, or a proxy that hides addresses): rate limits
   * are global plus per lookup id instead of per address (DESIGN §4).
   */
  readonly clientsLookAlike?: boolean
  /** The optional daily content-free digest (api/jobs/digest.ts); absent when SMTP_URL is unset. */
  readonly digest?: DigestConfig
}

/** An SMTP relay from `SMTP_URL`. The password is never logged or echoed in errors. */
export type SmtpConfig = {
  readonly host: string
  readonly port: number
  /** `smtps://`: TLS from the first byte (usually port 465). */
  readonly implicitTls: boolean
  /** `?insecure=1` (loopback relays only): no TLS at all; otherwise STARTTLS is required. */
  readonly insecure: boolean
  readonly auth: { readonly user: string; readonly pass: string } | undefined
}

export type DigestConfig = {
  readonly smtp: SmtpConfig
  readonly to: readonly string[]
  readonly from: string
  /** The UTC hour from which the day's digest goes out. */
  readonly hourUtc: number
}

/** What each variable must be, as shown in the one-line error. */
const EXPECTED = {
  HOST: 'a host name or IP address',
  PORT: 'an integer between 1 and 65535',
  DATA_DIR: 'a directory path',
  DATABASE_URL: 'a postgres:// or postgresql:// URL',
  PUBLIC_URL:
    'an http:// or https:// origin without a path, query or fragment (e.g. https://report.example.org)',
  TRUST_PROXY: '0 or 1',
  SERVER_SECRET_FILE: 'a file path',
  NODE_ENV: `one of ${NODE_ENVS.join(', ')}`,
  WEB_DIST: 'a directory path',
  COMMIT_DELAY_MS: 'an integer between 0 and 60000',
  POW_BASE_BITS: 'an integer between 0 and 24',
  POW_MAX_BITS: 'an integer between 0 and 24',
  CLIENTS_LOOK_ALIKE: '0 or 1',
  SMTP_URL:
    'an smtp:// (STARTTLS required) or smtps:// URL with a host and no path, e.g. smtp://user:pass@mail.example.org:587; ?insecure=1 only for a relay on localhost',
  DIGEST_TO: 'one or more e-mail addresses separated by commas (at most 10)',
  DIGEST_FROM: 'one e-mail address',
  DIGEST_HOUR_UTC: 'an integer between 0 and 23',
} as const
type VariableName = keyof typeof EXPECTED

/** Values never echoed in errors (a URL may carry a password). */
const SECRET_VALUES: ReadonlySet<VariableName> = new Set(['DATABASE_URL', 'SMTP_URL'])

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value)
const optionalText = z.preprocess(emptyAsUndefined, z.string().min(1).optional())
const integer = (min: number, max: number) =>
  z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[0-9]{1,6}$/)
      .transform(Number)
      .pipe(z.number().int().min(min).max(max))
      .optional(),
  )

/**
 * A bare address (no display name, no angle brackets, no spaces or commas): enough to reject
 * typos and header injection; the relay does the real checking.
 */
const EMAIL = /^[^\s@<>,;"()]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost'])

/** `SMTP_URL` as connection settings, or undefined when it is not one we accept. */
export function parseSmtpUrl(value: string): SmtpConfig | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  const implicitTls = url.protocol === 'smtps:'
  if ((url.protocol !== 'smtp:' && !implicitTls) || url.hostname === '') return undefined
  if ((url.pathname !== '' && url.pathname !== '/') || url.hash !== '') return undefined
  const query = [...url.searchParams.entries()]
  const insecure = query.length === 1 && query[0]?.[0] === 'insecure' && query[0][1] === '1'
  if (query.length > 0 && !insecure) return undefined
  // Plain text is tolerable only when the relay is this machine; anything else must use TLS.
  if (insecure && (implicitTls || !LOOPBACK_HOSTS.has(url.hostname))) return undefined
  let user: string
  let pass: string
  try {
    user = decodeURIComponent(url.username)
    pass = decodeURIComponent(url.password)
  } catch {
    return undefined
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (implicitTls ? 465 : 587) : Number(url.port),
    implicitTls,
    insecure,
    auth: user === '' ? undefined : { user, pass },
  }
}

const schema = z.object({
  HOST: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9.:[\]-]+$/)
      .optional(),
  ),
  PORT: integer(1, 65535),
  DATA_DIR: optionalText,
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((value) => {
        try {
          const url = new URL(value)
          return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.host !== ''
        } catch {
          return false
        }
      })
      .optional(),
  ),
  PUBLIC_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .transform((value) => value.replace(/\/+$/, ''))
      .refine((value) => {
        try {
          const url = new URL(value)
          return (
            (url.protocol === 'http:' || url.protocol === 'https:') &&
            url.origin === value &&
            url.username === '' &&
            url.password === ''
          )
        } catch {
          return false
        }
      })
      .optional(),
  ),
  TRUST_PROXY: z.preprocess(emptyAsUndefined, z.enum(['0', '1']).optional()),
  SERVER_SECRET_FILE: optionalText,
  NODE_ENV: z.preprocess(emptyAsUndefined, z.enum(NODE_ENVS).optional()),
  WEB_DIST: optionalText,
  COMMIT_DELAY_MS: integer(0, 60_000),
  POW_BASE_BITS: integer(0, 24),
  POW_MAX_BITS: integer(0, 24),
  CLIENTS_LOOK_ALIKE: z.preprocess(emptyAsUndefined, z.enum(['0', '1']).optional()),
  SMTP_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((value) => parseSmtpUrl(value) !== undefined)
      .optional(),
  ),
  DIGEST_TO: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .transform((value) => value.split(',').map((address) => address.trim()))
      .pipe(z.array(z.string().regex(EMAIL)).min(1).max(10))
      .optional(),
  ),
  DIGEST_FROM: z.preprocess(emptyAsUndefined, z.string().regex(EMAIL).optional()),
  DIGEST_HOUR_UTC: integer(0, 23),
})

/** The host as it appears in a URL (IPv6 in brackets; a wildcard bind address becomes loopback). */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::' || host === '[::]') return '[::1]'
  if (host.includes(':') && !host.startsWith('[')) return `[${host}]`
  return host
}

/**
 * Parses an environment (pure apart from resolving relative paths against the working
 * directory). Throws `ConfigError` whose message is the one line to print.
 */
export function parseEnv(env: Readonly<Record<string, string | undefined>>): Config {
  const result = schema.safeParse(env)
  if (!result.success) {
    const issue = result.error.issues[0]
    const name = (issue?.path[0] ?? 'configuration') as VariableName
    const expected = EXPECTED[name] ?? 'valid'
    const raw = env[name]
    const got = SECRET_VALUES.has(name) ? 'a value that is not one (not shown)' : JSON.stringify(raw ?? '')
    throw new ConfigError(`Configuration error: ${name} must be ${expected} (got ${got}).`)
  }
  const vars = result.data
  const host = vars.HOST ?? '127.0.0.1'
  const port = vars.PORT ?? 8080
  const dataDir = path.resolve(vars.DATA_DIR ?? './data')
  const nodeEnv = vars.NODE_ENV ?? 'production'
  return {
    host,
    port,
    dataDir,
    databaseUrl: vars.DATABASE_URL,
    publicUrl: vars.PUBLIC_URL ?? `http://${urlHost(host)}:${port}`,
    trustProxy: vars.TRUST_PROXY === '1',
    serverSecretFile: path.resolve(vars.SERVER_SECRET_FILE ?? path.join(dataDir, 'server-secret')),
    nodeEnv,
    webDist: path.resolve(vars.WEB_DIST ?? './dist/web'),
    commitDelayMs: nodeEnv === 'test' ? (vars.COMMIT_DELAY_MS ?? 0) : 0,
    ...(vars.POW_BASE_BITS === undefined ? {} : { powBaseBits: vars.POW_BASE_BITS }),
    ...(vars.POW_MAX_BITS === undefined ? {} : { powMaxBits: vars.POW_MAX_BITS }),
    clientsLookAlike: vars.CLIENTS_LOOK_ALIKE === '1',
    ...digestConfig(vars),
  }
}

/** The digest is on exactly when SMTP_URL is set, and then needs its addresses. */
function digestConfig(vars: z.infer<typeof schema>): { digest?: DigestConfig } {
  const smtp = vars.SMTP_URL === undefined ? undefined : parseSmtpUrl(vars.SMTP_URL)
  if (smtp === undefined) {
    for (const name of ['DIGEST_TO', 'DIGEST_FROM', 'DIGEST_HOUR_UTC'] as const)
      if (vars[name] !== undefined)
        throw new ConfigError(`Configuration error: ${name} is set but SMTP_URL is not (the digest is off).`)
    return {}
  }
  if (vars.DIGEST_TO === undefined)
    throw new ConfigError(
      'Configuration error: DIGEST_TO must be set when SMTP_URL is (who receives the digest).',
    )
  if (vars.DIGEST_FROM === undefined)
    throw new ConfigError(
      'Configuration error: DIGEST_FROM must be set when SMTP_URL is (the sender address).',
    )
  return { digest: { smtp, to: vars.DIGEST_TO, from: vars.DIGEST_FROM, hourUtc: vars.DIGEST_HOUR_UTC ?? 6 } }
}

/**
 * Whether a request reached us over HTTPS. Behind a TLS-terminating proxy (`TRUST_PROXY=1`) the
 * proxy's `X-Forwarded-Proto` is believed; nothing else from forwarding headers is ever read
 * (client addresses are neither stored nor logged, DESIGN §4).
 */
export function isSecureRequest(
  requestUrl: string,
  forwardedProto: string | undefined,
  config: Config,
): boolean {
  if (config.trustProxy && forwardedProto !== undefined) {
    // A chain of proxies appends; the first value is what the client used.
    return forwardedProto.split(',')[0]?.trim().toLowerCase() === 'https'
  }
  return new URL(requestUrl).protocol === 'https:'
}
