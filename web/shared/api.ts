/**
 * @module web/shared/api
 * The reporter pages' client for Reporter API v1 (DESIGN §7, api/contract/reporter.ts). Requests
 * and responses are validated against the shared contract schemas, so a contract change breaks
 * the type check, and a hostile or broken server's answer is refused before anything uses it.
 *
 * Every request: same origin, no credentials (reporter pages have no cookies), no cache, no
 * referrer. Credentials (lookup id, auth token) travel only in bodies, never in URLs.
 *
 * Why not Hono's `hc<AppType>()`: the reporter bundle must not depend on the server program's
 * types (which drag Node types into the web boundary); the contract module is the shared truth.
 */
import { z } from 'zod'
import { errorBody } from '../../api/contract/common.ts'
import {
  attachmentStatusResponse,
  createAttachmentResponse,
  eraseResponse,
  followupMessageResponse,
  followupResponse,
  intakeConfigResponse,
  powChallengeResponse,
  submitReportResponse,
} from '../../api/contract/reporter.ts'

/** Attachment routes (docs/api.md). Kept here, in one place, so they follow the server's choice. */
export const ROUTES = {
  config: '/api/intake/config',
  powChallenge: '/api/pow/challenge',
  reports: '/api/reports',
  followup: '/api/followup',
  followupMessages: '/api/followup/messages',
  followupErase: '/api/followup/erase',
  attachments: '/api/attachments',
  attachmentChunk: '/api/attachments/chunks',
  attachmentStatus: '/api/attachments/status',
} as const

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    /** HTTP status, or 0 when the network failed before any answer. */
    readonly status: number,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`${status} ${code}`, options)
  }
}

async function call<S extends z.ZodType>(
  method: 'GET' | 'POST',
  path: string,
  schema: S,
  body?: unknown,
): Promise<z.output<S>> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      redirect: 'error',
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (cause) {
    throw new ApiError(0, 'network', { cause })
  }
  let json: unknown
  try {
    json = await response.json()
  } catch (cause) {
    throw new ApiError(response.status, response.ok ? 'bad_response' : 'http_error', { cause })
  }
  if (!response.ok) {
    const parsed = errorBody.safeParse(json)
    throw new ApiError(response.status, parsed.success ? parsed.data.error.code : 'http_error')
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw new ApiError(response.status, 'bad_response', { cause: parsed.error })
  return parsed.data
}

export interface Credentials {
  lookupId: string
  authToken: string
}

export interface PowSolutionJson {
  challenge: string
  nonce: string
}

/**
 * The contract's intake config, plus an optional `backupDays` (proposed addition): how long the
 * organisation's backups keep erased data, so the erase step can say it in plain words.
 */
const intakeConfigWithBackups = intakeConfigResponse.extend({
  backupDays: z.number().int().positive().max(3650).optional(),
})

export const api = {
  config: () => call('GET', ROUTES.config, intakeConfigWithBackups),
  powChallenge: () => call('POST', ROUTES.powChallenge, powChallengeResponse, {}),
  submitReport: (body: {
    deskId: string
    lookupId: string
    authToken: string
    reporterPublicKey: string
    reporterSigningKey: string
    envelope: string
    pow: PowSolutionJson
  }) => call('POST', ROUTES.reports, submitReportResponse, body),
  followup: (credentials: Credentials) => call('POST', ROUTES.followup, followupResponse, credentials),
  postMessage: (body: Credentials & { envelope: string; pow: PowSolutionJson; seq?: number }) =>
    call('POST', ROUTES.followupMessages, followupMessageResponse, body),
  erase: (credentials: Credentials) => call('POST', ROUTES.followupErase, eraseResponse, credentials),
  createAttachment: (body: Credentials & { header: string; chunks: number; size: number }) =>
    call('POST', ROUTES.attachments, createAttachmentResponse, body),
  uploadChunk: (body: Credentials & { attachmentId: string; index: number; data: string }) =>
    call('POST', ROUTES.attachmentChunk, z.unknown(), body),
  attachmentStatus: (body: Credentials & { attachmentId: string }) =>
    call('POST', ROUTES.attachmentStatus, attachmentStatusResponse, body),
}
