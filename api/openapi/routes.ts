/**
 * @module api/openapi/routes
 * `GET /api/openapi.json` (the document) and `GET /api/docs` (a reference page rendered on the
 * server: no script, one hashed inline style, so the API's strict CSP only gains that one style).
 * The app is passed lazily because the document describes the app these routes are mounted in.
 */
import { createHash } from 'node:crypto'
import { Hono } from 'hono'
import { openApiDocument } from './document.ts'

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1rem;margin:1rem 0 .25rem;border-top:1px solid #d0d7de;padding-top:.75rem}p{margin:.25rem 0}
code,pre{font:13px/1.4 ui-monospace,monospace}pre{background:#f6f8fa;padding:.75rem;overflow:auto;border-radius:6px}
.m{display:inline-block;min-width:3.5rem;font-weight:600}.roles{color:#57606a}details{margin:.25rem 0 .75rem}`
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64')

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

type Operation = {
  summary?: string
  'x-roles'?: string[]
  parameters?: unknown[]
  requestBody?: { content: { 'application/json': { schema: unknown } } }
  responses: Record<string, { content?: { 'application/json': { schema: unknown } } }>
}

function renderPage(document: Record<string, unknown>): string {
  const paths = document.paths as Record<string, Record<string, Operation>>
  const sections: string[] = []
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const roles = op['x-roles']
        ? ` <span class="roles">(${escapeHtml(op['x-roles'].join(', '))})</span>`
        : ''
      const block = (title: string, value: unknown) =>
        `<details><summary>${title}</summary><pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre></details>`
      const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'))
      sections.push(
        `<h2><span class="m">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code>${roles}</h2>` +
          `<p>${escapeHtml(op.summary ?? '')}</p>` +
          (op.parameters ? block('Parameters', op.parameters) : '') +
          (op.requestBody ? block('Request body', op.requestBody.content['application/json'].schema) : '') +
          (success?.[1].content
            ? block(`Response ${success[0]}`, success[1].content['application/json'].schema)
            : ''),
      )
    }
  }
  const info = document.info as { title: string; description: string }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(info.title)}</title><style>${STYLE}</style></head><body><h1>${escapeHtml(info.title)}</h1><p>${escapeHtml(info.description)}</p><p><a href="/api/openapi.json">openapi.json</a></p>${sections.join('')}</body></html>`
}

export function openApiRoutes(app: () => Pick<Hono, 'routes'>) {
  let cached: { json: Record<string, unknown>; html: string } | undefined
  const built = () => {
    if (cached === undefined) {
      const json = openApiDocument(app())
      cached = { json, html: renderPage(json) }
    }
    return cached
  }
  return new Hono()
    .get('/openapi.json', (c) => c.json(built().json, 200))
    .get('/docs', (c) =>
      c.html(built().html, 200, {
        'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      }),
    )
}
