/**
 * @module api/openapi/registry
 * What the OpenAPI document (api/openapi/document.ts) learns from the middleware itself rather
 * than from a hand-kept list: every `validate()` records its target and zod schema here, and every
 * `requireStaff()` its roles, keyed by the middleware function. The document walks the app's
 * routes and looks each handler up, so a route's documented input is by construction the schema
 * that validates it.
 */
import type { z } from 'zod'

export type InputTarget = 'json' | 'query' | 'param' | 'header' | 'form' | 'cookie'

const inputs = new WeakMap<object, { target: InputTarget; schema: z.ZodType }>()
const roles = new WeakMap<object, readonly string[]>()

export function registerInput<T extends object>(middleware: T, target: InputTarget, schema: z.ZodType): T {
  inputs.set(middleware, { target, schema })
  return middleware
}

export function registerRoles<T extends object>(middleware: T, allowed: readonly string[]): T {
  roles.set(middleware, allowed)
  return middleware
}

export function inputOf(handler: object) {
  return inputs.get(handler)
}

export function rolesOf(handler: object) {
  return roles.get(handler)
}
