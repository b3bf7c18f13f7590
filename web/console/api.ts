/**
 * @module web/console/api
 * The console's client for the staff API (api/contract/staff.ts). Same origin, the session cookie
 * (`credentials: 'same-origin'`), no cache, no referrer; every answer is validated against the
 * contract before anything uses it, so a hostile or broken server's answer is refused.
 *
 * `audited(...)` runs a state-changing action that carries a browser-signed audit entry: it reads
 * the audit head, lets the caller sign `{seq: head + 1, prevHash: head, …}`, sends, and on
 * `409 audit_conflict` (someone else appended meanwhile) signs again against the new head.
 */
import { z } from 'zod'
import { errorBody } from '../../api/contract/common.ts'
import {
  authStatusResponse,
  keysResponse,
  retireBatchResponse,
  retireUploadResponse,
} from '../../api/contract/keys.ts'
import { purgeNowResponse, retentionResponse } from '../../api/contract/retention.ts'
import {
  type AuditWire,
  auditHeadResponse,
  auditListResponse,
  caseDetailResponse,
  caseRelationsResponse,
  inviteInfoResponse,
  inviteResponse,
  meResponse,
  okResponse,
  paramsResponse,
  postItemResponse,
  queueResponse,
  sessionsResponse,
  setupInfoResponse,
  usersResponse,
} from '../../api/contract/staff.ts'

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`${status} ${code}`, options)
  }
}

/** Called when any request answers 401: the session is gone (expired, revoked, logged out). */
let onUnauthorized: () => void = () => {}
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler
}

/** One JSON request to the staff API, its answer checked against `schema`; failures as ApiError. */
export async function call<S extends z.ZodType>(
  method: 'GET' | 'POST',
  path: string,
  schema: S,
  body?: unknown,
): Promise<z.output<S>> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
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
    throw new ApiError(response.status, 'bad_response', { cause })
  }
  if (!response.ok) {
    const parsed = errorBody.safeParse(json)
    const code = parsed.success ? parsed.data.error.code : 'http_error'
    if (response.status === 401 && code === 'unauthorized') onUnauthorized()
    throw new ApiError(response.status, code)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw new ApiError(response.status, 'bad_response', { cause: parsed.error })
  return parsed.data
}

const get = <S extends z.ZodType>(path: string, schema: S) => call('GET', path, schema)
const post = <S extends z.ZodType>(path: string, schema: S, body: unknown) => call('POST', path, schema, body)

export type Head = z.infer<typeof auditHeadResponse>

/** Runs `send(sign(head))`, re-signing on audit_conflict (at most 5 times). */
export async function audited<T>(
  sign: (head: Head) => AuditWire,
  send: (audit: AuditWire) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const head = await api.auditHead()
    try {
      return await send(sign(head))
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'audit_conflict') || attempt >= 4) throw error
    }
  }
}

const qs = (query: Record<string, string | undefined>) => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(key, value)
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

export const api = {
  setupInfo: () => get('/api/setup/info', setupInfoResponse),
  setup: (body: unknown) => post('/api/setup', meResponse, body),
  params: (username: string) => post('/api/auth/params', paramsResponse, { username }),
  login: (body: { username: string; authKey: string; totp: string }) =>
    post('/api/auth/login', meResponse, body),
  me: () => get('/api/auth/me', meResponse),
  logout: () => post('/api/auth/logout', okResponse, {}),
  logoutAll: () => post('/api/auth/logout-all', okResponse, {}),
  sessions: () => get('/api/auth/sessions', sessionsResponse),
  revokeSession: (id: string) => post(`/api/auth/sessions/${encodeURIComponent(id)}/revoke`, okResponse, {}),
  changePassphrase: (body: unknown) => post('/api/auth/passphrase', okResponse, body),
  auditHead: () => get('/api/audit/head', auditHeadResponse),
  auditLog: () => get('/api/audit', auditListResponse),
  checkpoint: (checkpoint: { statement: string; signature: string }) =>
    post('/api/audit/checkpoints', z.unknown(), { checkpoint }),
  queue: (query: Record<string, string | undefined>) => get(`/api/cases${qs(query)}`, queueResponse),
  caseDetail: (id: string) => get(`/api/cases/${encodeURIComponent(id)}`, caseDetailResponse),
  markRead: (id: string, seq: number) =>
    post(`/api/cases/${encodeURIComponent(id)}/read`, okResponse, { seq }),
  postItem: (id: string, body: unknown) =>
    post(`/api/cases/${encodeURIComponent(id)}/items`, postItemResponse, body),
  recordExport: (id: string, body: unknown) =>
    post(`/api/cases/${encodeURIComponent(id)}/export`, okResponse, body),
  setLabel: (id: string, body: unknown) =>
    post(`/api/cases/${encodeURIComponent(id)}/labels`, okResponse, body),
  createLabel: (body: unknown) => post('/api/admin/labels', okResponse, body),
  triage: (id: string, body: unknown) =>
    post(`/api/cases/${encodeURIComponent(id)}/triage`, okResponse, body),
  users: () => get('/api/admin/users', usersResponse),
  invite: (body: unknown) => post('/api/admin/invites', inviteResponse, body),
  inviteInfo: (token: string) => post('/api/admin/invites/info', inviteInfoResponse, { token }),
  acceptInvite: (body: unknown) => post('/api/admin/invites/accept', meResponse, body),
  certify: (userId: string, body: unknown) =>
    post(`/api/admin/users/${encodeURIComponent(userId)}/certify`, okResponse, body),
  removeFromDesk: (userId: string, body: unknown) =>
    post(`/api/admin/users/${encodeURIComponent(userId)}/remove-desk`, okResponse, body),
  createDeskKey: (body: unknown) => post('/api/admin/desks', okResponse, body),
  signDirectory: (body: unknown) => post('/api/admin/directory', z.unknown(), body),
  // Related cases (links, merges) and the retention date, for the case view's side panel.
  caseRelations: (id: string) => get(`/api/cases/${encodeURIComponent(id)}/relations`, caseRelationsResponse),
  linkCase: (id: string, body: unknown) =>
    post(`/api/cases/${encodeURIComponent(id)}/links`, okResponse, body),
  mergeCase: (id: string, body: unknown) =>
    post(`/api/cases/${encodeURIComponent(id)}/merge`, okResponse, body),
  unmergeCase: (id: string, body: unknown) =>
    post(`/api/cases/${encodeURIComponent(id)}/unmerge`, okResponse, body),
}

/** Key lifecycle routes (api/contract/keys.ts): session probe, key overview, retire-old-key job. */
export const keysApi = {
  status: () => get('/api/auth/status', authStatusResponse),
  keys: () => get('/api/admin/keys', keysResponse),
  startRetire: (body: unknown) => post('/api/admin/retire-jobs', okResponse, body),
  retireBatch: (jobId: string) =>
    get(`/api/admin/retire-jobs/${encodeURIComponent(jobId)}/batch`, retireBatchResponse),
  uploadRetireBatch: (jobId: string, body: unknown) =>
    post(`/api/admin/retire-jobs/${encodeURIComponent(jobId)}/batch`, retireUploadResponse, body),
  finishRetire: (jobId: string, body: unknown) =>
    post(`/api/admin/retire-jobs/${encodeURIComponent(jobId)}/finish`, okResponse, body),
  revokeVersion: (deskId: string, body: unknown) =>
    post(`/api/admin/desks/${encodeURIComponent(deskId)}/revoke-version`, okResponse, body),
}

/** Retention routes (api/contract/retention.ts): periods per desk and purge now. */
export const retentionApi = {
  retention: () => get('/api/admin/retention', retentionResponse),
  setRetention: (deskId: string, body: unknown) =>
    post(`/api/admin/retention/${encodeURIComponent(deskId)}`, okResponse, body),
  purgeNow: (deskId: string, body: unknown) =>
    post(`/api/admin/retention/${encodeURIComponent(deskId)}/purge`, purgeNowResponse, body),
}
