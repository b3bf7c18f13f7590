/**
 * @module api/openapi/document
 * The OpenAPI 3.1 document of the JSON API (DESIGN §7 "An OpenAPI document is generated from the
 * same schemas"), served at `GET /api/openapi.json`, and a plain reference page at
 * `GET /api/docs`.
 *
 * Inputs come from the routes themselves: the document walks `app.routes` and finds, per route,
 * the `validate()` middleware (its zod schema) and the `requireStaff()` middleware (its roles)
 * through api/openapi/registry.ts. What a route cannot say about itself — a one-line summary and
 * the schema of its 2xx answer — is listed in `DESCRIPTIONS` below; test/openapi.test.ts fails
 * when a route is missing there or an entry names a route that no longer exists.
 */
import type { Hono } from 'hono'
import { z } from 'zod'
import { errorBody } from '../contract/common.ts'
import { contextResponse } from '../contract/context.ts'
import {
  authStatusResponse,
  keysResponse,
  retireBatchResponse,
  retireUploadResponse,
} from '../contract/keys.ts'
import {
  attachmentStatusResponse,
  createAttachmentResponse,
  eraseResponse,
  followupMessageResponse,
  followupResponse,
  intakeConfigResponse,
  powChallengeResponse,
  submitReportResponse,
  uploadChunkResponse,
} from '../contract/reporter.ts'
import { purgeNowResponse, retentionResponse } from '../contract/retention.ts'
import {
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
  queueIndexResponse,
  queueResponse,
  sessionsResponse,
  setupInfoResponse,
  usersResponse,
} from '../contract/staff.ts'
import { SESSION_COOKIE } from '../session.ts'
import { inputOf, rolesOf } from './registry.ts'

type Description = {
  readonly summary: string
  /** Schema of the success answer, where the contract has one. */
  readonly response?: z.ZodType
  /** Status of the success answer (200 unless stated). */
  readonly status?: number
}

/** One entry per `METHOD /api/path` (Hono path syntax). */
export const DESCRIPTIONS: Readonly<Record<string, Description>> = {
  'GET /api/health': { summary: 'Liveness: the process answers.' },
  'GET /api/ready': { summary: 'Readiness: the database answers and migrations are applied.' },
  'GET /api/openapi.json': { summary: 'This document.' },
  'GET /api/docs': { summary: 'A readable reference page generated from this document.' },
  // Reporter API v1 (docs/api.md is normative)
  'GET /api/intake/config': {
    summary: 'Organisation key, signed key directory, receipt key and limits for the intake page.',
    response: intakeConfigResponse,
  },
  'POST /api/pow/challenge': {
    summary: 'A proof-of-work challenge to solve before submitting.',
    response: powChallengeResponse,
  },
  'POST /api/reports': {
    summary: 'Submit a sealed report (idempotent on lookupId).',
    response: submitReportResponse,
    status: 201,
  },
  'POST /api/followup': {
    summary: 'Read the thread of a case with its receipt credentials.',
    response: followupResponse,
  },
  'POST /api/followup/messages': {
    summary: 'Add a sealed message or attachment manifest to a case.',
    response: followupMessageResponse,
    status: 201,
  },
  'POST /api/followup/erase': { summary: 'Erase the case and everything in it.', response: eraseResponse },
  'POST /api/attachments': {
    summary: 'Start an encrypted attachment upload.',
    response: createAttachmentResponse,
    status: 201,
  },
  'POST /api/attachments/chunks': {
    summary: 'Upload one encrypted chunk (resumable).',
    response: uploadChunkResponse,
  },
  'POST /api/attachments/status': {
    summary: 'Which chunks of an upload are stored.',
    response: attachmentStatusResponse,
  },
  // Staff: setup and sessions
  'GET /api/setup/info': {
    summary: 'Whether the organisation is set up; the receipt key to certify.',
    response: setupInfoResponse,
  },
  'POST /api/setup': {
    summary: 'First-admin setup with the one-time setup token.',
    response: meResponse,
    status: 201,
  },
  'POST /api/auth/params': {
    summary: 'Argon2id parameters for a username (unknown names answer alike).',
    response: paramsResponse,
  },
  'POST /api/auth/login': {
    summary: 'Log in with authKey and a TOTP code; sets the session cookie.',
    response: okResponse,
  },
  'GET /api/auth/status': {
    summary: 'Whether a session exists (always 200), with the same payload as /me when it does.',
    response: authStatusResponse,
  },
  'GET /api/auth/me': {
    summary: 'The signed-in user, wrapped keys, grants and directory.',
    response: meResponse,
  },
  'POST /api/auth/logout': { summary: 'End this session.', response: okResponse },
  'POST /api/auth/logout-all': { summary: 'End every session of this user.', response: okResponse },
  'GET /api/auth/sessions': { summary: "This user's sessions.", response: sessionsResponse },
  'POST /api/auth/sessions/:id/revoke': { summary: 'Revoke one of your sessions.', response: okResponse },
  'POST /api/auth/passphrase': {
    summary: 'Change passphrase: new authKey and re-wrapped keys.',
    response: okResponse,
  },
  // Staff: cases
  'GET /api/cases': {
    summary: 'The case queue of your desks (filters, sort, paging).',
    response: queueResponse,
  },
  'GET /api/cases/index': {
    summary:
      "A page of the queue's index: cases matching the server-side filters with their report envelopes, by id cursor.",
    response: queueIndexResponse,
  },
  'GET /api/cases/:id': {
    summary: 'One case with every envelope, for decryption in the browser.',
    response: caseDetailResponse,
  },
  'POST /api/cases/:id/export': {
    summary: 'Record (audited) that a referral document was exported.',
    response: okResponse,
  },
  'POST /api/cases/:id/labels': { summary: 'Add or remove a label (audited).', response: okResponse },
  'GET /api/cases/:id/attachments/:attachmentId': {
    summary: 'An encrypted attachment stream (octet-stream).',
  },
  'POST /api/cases/:id/read': {
    summary: 'Mark the case read up to a seq (unread markers).',
    response: okResponse,
  },
  'POST /api/cases/:id/items': {
    summary: 'Add a signed reply, note or coding (audited).',
    response: postItemResponse,
    status: 201,
  },
  'POST /api/cases/:id/triage': {
    summary: 'Change status, priority, assignee or spam (audited).',
    response: okResponse,
  },
  'GET /api/cases/:id/relations': {
    summary: 'Linked cases, merges and the retention date of a case.',
    response: caseRelationsResponse,
  },
  'POST /api/cases/:id/links': {
    summary: 'Link or unlink a case of the same desk (audited).',
    response: okResponse,
  },
  'POST /api/cases/:id/merge': {
    summary: 'Merge this case into another of the same desk (audited).',
    response: okResponse,
  },
  'POST /api/cases/:id/unmerge': { summary: 'Undo a merge; admins only (audited).', response: okResponse },
  // Staff: audit
  'GET /api/audit/head': {
    summary: 'The audit chain head to sign the next entry against.',
    response: auditHeadResponse,
  },
  'GET /api/audit': {
    summary: 'Audit entries (own for staff, all for admins).',
    response: auditListResponse,
  },
  'POST /api/audit/checkpoints': {
    summary: 'An admin-signed audit checkpoint.',
    response: okResponse,
    status: 201,
  },
  // Staff: admin
  'POST /api/admin/invites/info': {
    summary: 'What an invitation is for (role, organisation).',
    response: inviteInfoResponse,
  },
  'POST /api/admin/invites/accept': {
    summary: 'Accept an invitation: keys, passphrase, TOTP.',
    response: meResponse,
    status: 201,
  },
  'POST /api/admin/invites': {
    summary: 'Create a one-time, expiring invitation (audited).',
    response: inviteResponse,
    status: 201,
  },
  'GET /api/admin/users': {
    summary: 'Staff, their keys, certification and grants.',
    response: usersResponse,
  },
  'POST /api/admin/users/:id/certify': {
    summary: "Certify a user's keys and grant desk keys (audited).",
    response: okResponse,
  },
  'POST /api/admin/desks': {
    summary: 'Create a desk or rotate its key (audited).',
    response: okResponse,
    status: 201,
  },
  'POST /api/admin/users/:id/remove-desk': {
    summary: 'Remove a member from a desk (audited).',
    response: okResponse,
  },
  'POST /api/admin/labels': {
    summary: 'Add a label to the list (audited).',
    response: okResponse,
    status: 201,
  },
  'POST /api/admin/directory': {
    summary: 'Publish a newly signed key directory (audited).',
    response: okResponse,
    status: 201,
  },
  'GET /api/admin/keys': {
    summary: 'Desk key versions and their holders, old-key directory windows, retire jobs.',
    response: keysResponse,
  },
  'POST /api/admin/retire-jobs': {
    summary: 'Start retiring an old desk key version (audited).',
    response: okResponse,
    status: 201,
  },
  'GET /api/admin/retire-jobs/:id/batch': {
    summary: 'The next batch of case items that still have a slot for the old key.',
    response: retireBatchResponse,
  },
  'POST /api/admin/retire-jobs/:id/batch': {
    summary: 'Swap in a batch of re-wrapped envelopes in one transaction (audited).',
    response: retireUploadResponse,
  },
  'POST /api/admin/retire-jobs/:id/finish': {
    summary: 'Finish a retire job once no item has the old slot (audited).',
    response: okResponse,
  },
  'POST /api/admin/desks/:id/revoke-version': {
    summary: 'Revoke every grant of a retired desk key version (audited).',
    response: okResponse,
  },
  'GET /api/admin/retention': {
    summary: 'Retention period, closed and due cases per desk; whether the digest is on.',
    response: retentionResponse,
  },
  'POST /api/admin/retention/:deskId': {
    summary: "Set a desk's retention period; recomputes its closed cases (audited).",
    response: okResponse,
  },
  'POST /api/admin/retention/:deskId/purge': {
    summary: "Erase a desk's closed cases past retention now (audited).",
    response: purgeNowResponse,
  },
  // Statistics
  'GET /api/releases/codings': { summary: 'Coding envelopes sealed to the statistics key (analysts).' },
  'GET /api/releases/ledger': { summary: 'The ε ledger of published releases.' },
  'POST /api/releases': { summary: 'Publish a signed release (audited).', status: 201 },
  'GET /api/releases': { summary: 'Published releases (public).' },
  'GET /api/releases/:id': { summary: 'One signed release file (public).' },
  'GET /api/context': {
    summary: 'The latest organisation-signed context update (public; readers verify it).',
    response: contextResponse,
  },
  'POST /api/context': {
    summary: 'Publish an organisation-signed context update (admins, audited).',
    status: 201,
  },
}

type RouteLike = { readonly method: string; readonly path: string; readonly handler: object }

/** `/api/cases/:id` → `/api/cases/{id}`; regex constraints dropped. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}')
}

function coversPath(pattern: string, path: string): boolean {
  if (pattern === path || pattern === '*' || pattern === '/*') return true
  // Hono's `/base/*` also matches `/base` itself.
  return pattern.endsWith('/*') && (path === pattern.slice(0, -2) || path.startsWith(pattern.slice(0, -1)))
}

/** The API routes of an app (not pages, not ALL-method middleware), in registration order. */
export function apiRoutes(app: Pick<Hono, 'routes'>): { method: string; path: string }[] {
  const seen = new Set<string>()
  const out: { method: string; path: string }[] = []
  for (const r of app.routes) {
    if (r.method === 'ALL' || !r.path.startsWith('/api/')) continue
    const key = `${r.method} ${r.path}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ method: r.method, path: r.path })
  }
  return out
}

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
}

export function openApiDocument(app: Pick<Hono, 'routes'>): Record<string, unknown> {
  const routes = app.routes as readonly RouteLike[]
  const paths: Record<string, Record<string, unknown>> = {}
  for (const { method, path } of apiRoutes(app)) {
    const handlers = routes.filter(
      (r) => (r.method === method && r.path === path) || (r.method === 'ALL' && coversPath(r.path, path)),
    )
    const description = DESCRIPTIONS[`${method} ${path}`]
    const parameters: unknown[] = [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }))
    let requestBody: unknown
    let roles: readonly string[] | undefined
    for (const h of handlers) {
      roles = rolesOf(h.handler) ?? roles
      const input = inputOf(h.handler)
      if (input === undefined) continue
      if (input.target === 'json')
        requestBody = {
          required: true,
          content: { 'application/json': { schema: jsonSchema(input.schema) } },
        }
      if (input.target === 'query') {
        const schema = jsonSchema(input.schema) as {
          properties?: Record<string, unknown>
          required?: string[]
        }
        for (const [name, property] of Object.entries(schema.properties ?? {}))
          parameters.push({
            name,
            in: 'query',
            required: schema.required?.includes(name) ?? false,
            schema: property,
          })
      }
    }
    const status = String(description?.status ?? 200)
    const operation: Record<string, unknown> = {
      summary: description?.summary ?? '',
      tags: [path.split('/')[2] ?? 'api'],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestBody === undefined ? {} : { requestBody }),
      ...(roles === undefined ? {} : { security: [{ session: [] }], 'x-roles': roles }),
      responses: {
        [status]: {
          description: 'Success',
          ...(description?.response === undefined
            ? {}
            : { content: { 'application/json': { schema: jsonSchema(description.response) } } }),
        },
        '4XX': {
          description: 'Error: `{ error: { code, message } }` (docs/api.md lists the codes).',
          content: { 'application/json': { schema: jsonSchema(errorBody) } },
        },
      },
    }
    const key = openApiPath(path)
    paths[key] = { ...(paths[key] ?? {}), [method.toLowerCase()]: operation }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'TNR incident reporting API',
      version: '1',
      description:
        'Reporter API v1 is normative in docs/api.md; the staff API is used by the console. Staff routes need the session cookie set by POST /api/auth/login and an Origin header matching the server for every POST.',
    },
    components: {
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } },
    },
    paths,
  }
}
