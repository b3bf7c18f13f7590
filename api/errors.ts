/**
 * @module api/errors
 * The API's error vocabulary (DESIGN §7): every failure leaves the server as
 * `{ "error": { "code": "…", "message": "…" } }` with a 4xx status, or 500 `internal` for a
 * genuine fault — never a stack trace, never a 500 for bad input.
 *
 * Routes throw `AppError` (or let `CryptoError` from crypto/ escape); `toErrorResponse` below,
 * called by the one `app.onError` in api/app.ts, is the only place that maps errors to statuses
 * besides the validators (STYLE.md "Types and errors"). Messages are short English for developers
 * and logs of *our* faults; pages show locale strings chosen by `code`.
 */
import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { z } from 'zod'
import { CryptoError, type CryptoErrorCode } from '../crypto/errors.ts'
import { type InputTarget, registerInput } from './openapi/registry.ts'

/** Every code the API answers with, and its status. Add codes here, never statuses in routes. */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  pow_spent: 409,
  payload_too_large: 413,
  quota_exceeded: 413,
  unprocessable: 422,
  rate_limited: 429,
  not_ready: 503,
  web_not_built: 503,
  internal: 500,
  // Reporter API v1 (docs/api.md):
  /** Unknown lookup id or wrong auth token: one answer for both, so ids cannot be probed. */
  unknown_receipt: 401,
  /** A proof of work that is malformed, not ours (MAC), or does not meet its difficulty. */
  pow_invalid: 400,
  /** The challenge's expiry has passed: solve a fresh one and resend (like `pow_spent`). */
  pow_expired: 409,
  /** No organisation is set up yet (no signed directory or receipt key to serve). */
  not_set_up: 503,
  /** The per-case item count quota is used up. */
  too_many_items: 429,
  /** The desk does not exist or no longer receives reports. */
  unknown_desk: 422,
  /** The envelope has no slot for the desk's current key. */
  desk_key_mismatch: 422,
  /** The message was sealed for another `seq` than the next one (someone wrote meanwhile). */
  seq_mismatch: 409,
  // Staff API (api/contract/staff.ts):
  /** The audit head moved since the entry was signed: read the head, sign again, resend. */
  audit_conflict: 409,
  /** Login refused: wrong username, passphrase or code (one answer for all three). */
  login_failed: 401,
} as const satisfies Record<string, ContentfulStatusCode>

export type AppErrorCode = keyof typeof ERROR_STATUS

export class AppError extends Error {
  override readonly name = 'AppError'
  constructor(
    readonly code: AppErrorCode,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? DEFAULT_MESSAGES[code], options)
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code]
  }
}

const DEFAULT_MESSAGES: Record<AppErrorCode, string> = {
  invalid_request: 'The request is not valid.',
  invalid_json: 'The request body is not valid JSON.',
  unauthorized: 'Authentication is required or failed.',
  forbidden: 'This action is not allowed.',
  not_found: 'Not found.',
  conflict: 'The request conflicts with the current state.',
  pow_spent: 'This proof-of-work challenge was already used; solve a fresh one and resend.',
  payload_too_large: 'The request body is too large.',
  quota_exceeded: 'A size quota would be exceeded.',
  unprocessable: 'The request is well-formed but cannot be processed.',
  rate_limited: 'Too many requests; try again later.',
  not_ready: 'The service is not ready.',
  web_not_built: 'web not built: run npm run build',
  internal: 'Internal error.',
  unknown_receipt: 'No report matches this receipt.',
  pow_invalid: 'The proof of work is not valid.',
  pow_expired: 'This proof-of-work challenge has expired; solve a fresh one and resend.',
  not_set_up: 'The organisation is not set up yet.',
  too_many_items: 'This report has reached its limit of messages and files.',
  unknown_desk: 'This desk does not exist or does not receive reports.',
  desk_key_mismatch: "The report is not encrypted to the desk's current key.",
  seq_mismatch: 'The case has changed; read it again and resend with the next sequence number.',
  audit_conflict: 'The audit log moved on; sign the entry again and resend.',
  login_failed: 'The username, passphrase or code is not right.',
}

/**
 * CryptoErrors reaching the API come from parsing what a client sent (an envelope, a key, a
 * signature), so they are the client's fault: 400, except failures of a well-formed value's
 * meaning (a signature that does not verify, an untrusted or mismatched key), which are 422.
 */
const CRYPTO_UNPROCESSABLE: ReadonlySet<CryptoErrorCode> = new Set([
  'bad_signature',
  'untrusted_key',
  'key_mismatch',
])

export type ErrorJson = { error: { code: string; message: string } }

export type ErrorResponse = { status: ContentfulStatusCode; body: ErrorJson; internal: boolean }

/** The SQLSTATE of a database error (postgres.js and PGlite set `code`; drizzle wraps them in `cause`). */
function databaseCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/** Maps anything thrown by a handler to a status and a safe body. Never includes a stack or input. */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof AppError) {
    return reply(error.status, error.code, error.message)
  }
  if (error instanceof CryptoError) {
    const status = CRYPTO_UNPROCESSABLE.has(error.code) ? 422 : 400
    return reply(status, error.code, `The request carries an invalid value (${error.code}).`)
  }
  if (databaseCode(error) === '23503') {
    // A row this request refers to was deleted by a concurrent transaction (e.g. a case erased by
    // its reporter or by retention while a message to it was being stored): nothing was stored.
    return reply(409, 'conflict', DEFAULT_MESSAGES.conflict)
  }
  if (error instanceof HTTPException) {
    // Raised by Hono itself: malformed JSON (validator), oversized bodies (bodyLimit), …
    switch (error.status) {
      case 400:
        return error.message.includes('JSON')
          ? reply(400, 'invalid_json', DEFAULT_MESSAGES.invalid_json)
          : reply(400, 'invalid_request', DEFAULT_MESSAGES.invalid_request)
      case 401:
        return reply(401, 'unauthorized', DEFAULT_MESSAGES.unauthorized)
      case 403:
        return reply(403, 'forbidden', DEFAULT_MESSAGES.forbidden)
      case 404:
        return reply(404, 'not_found', DEFAULT_MESSAGES.not_found)
      case 413:
        return reply(413, 'payload_too_large', DEFAULT_MESSAGES.payload_too_large)
      case 429:
        return reply(429, 'rate_limited', DEFAULT_MESSAGES.rate_limited)
      default:
        if (error.status >= 400 && error.status < 500) {
          return reply(400, 'invalid_request', DEFAULT_MESSAGES.invalid_request)
        }
    }
  }
  // A body that ends early or a client that disconnects mid-upload is still the client's doing.
  if (error instanceof TypeError && /body|stream|aborted/i.test(error.message)) {
    return reply(400, 'invalid_request', DEFAULT_MESSAGES.invalid_request)
  }
  return { ...reply(500, 'internal', DEFAULT_MESSAGES.internal), internal: true }
}

function reply(status: ContentfulStatusCode, code: string, message: string): ErrorResponse {
  return { status, body: { error: { code, message } }, internal: false }
}

/** One line describing a zod failure, naming the field but never echoing the value. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0]
  if (first === undefined) return DEFAULT_MESSAGES.invalid_request
  const where = first.path.length > 0 ? first.path.map(String).join('.') : 'body'
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
  return `${where}: ${first.message}${more}`
}

/**
 * `@hono/zod-validator` with our failure shape: every validation failure becomes
 * 400 `{ error: { code: 'invalid_request', message } }`. Use it for every route input (DESIGN §7).
 */
export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) {
  const middleware = zValidator(target, schema, (result) => {
    if (!result.success) throw new AppError('invalid_request', describeIssues(result.error.issues))
    if (hasNulCharacter(result.data))
      throw new AppError('invalid_request', 'Text must not contain NUL characters.')
  })
  return registerInput(middleware, target as InputTarget, schema)
}

/**
 * Whether any string in a validated value holds U+0000. PostgreSQL text cannot store it (error
 * 22021), so such input would otherwise surface as a 500 from the database instead of a 400;
 * no field of any contract legitimately carries it. Found by test/fuzz.test.ts (LONG=1).
 */
export function hasNulCharacter(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (depth > 64 || typeof value !== 'object' || value === null) return false
  const children = Array.isArray(value) ? value : Object.values(value)
  return children.some((child) => hasNulCharacter(child, depth + 1))
}

/**
 * A start-up failure the operator can fix (bad file, busy port, secret mismatch, …). api/server.ts
 * prints `message` as the one line and exits non-zero, without a stack trace.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError'
}
