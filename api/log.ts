/**
 * @module api/log
 * The server's only output. Lines are plain text on stdout (info) or stderr (errors).
 *
 * What may be logged is deliberately narrow (DESIGN §4): request lines carry the method, the
 * matched route *pattern* (e.g. `/api/cases/:id`, never the concrete path), the status and the
 * duration — never IP addresses, user agents, query strings, bodies, receipt codes or lookup ids.
 * Internal faults are logged by error class and database error code only, because driver error
 * messages can embed query parameters.
 */
import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'

export type Logger = {
  info(line: string): void
  error(line: string): void
}

export const consoleLogger: Logger = {
  info: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
}

export const silentLogger: Logger = { info: () => {}, error: () => {} }

/** Logs `METHOD /route/pattern STATUS Nms` for each request. */
export function requestLogger(logger: Logger): MiddlewareHandler {
  return async function requestLogger(c, next) {
    const started = performance.now()
    await next()
    const pattern = routePath(c, -1) || '*'
    const ms = Math.round(performance.now() - started)
    logger.info(`${c.req.method} ${pattern} ${c.res.status} ${ms}ms`)
  }
}

/** A description of an unexpected error that is safe to log: class names and SQLSTATE codes only. */
export function describeInternalError(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code
      parts.push(
        typeof code === 'string' && /^[0-9A-Z_]{1,40}$/.test(code)
          ? `${current.name}(${code})`
          : current.name,
      )
      current = current.cause
    } else {
      parts.push(typeof current)
      break
    }
  }
  return parts.join(' <- ')
}
