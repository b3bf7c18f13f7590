/**
 * @module web/shared/context/data
 * The whole context dataset, bundled statically into every page that imports this module (DESIGN
 * §4: loaded whatever the reporter chooses, never fetched per choice). Validated once against the
 * versioned contract, so a malformed or unsourced edit fails loudly instead of misleading a
 * reporter. Reporter pages import web/shared/zod-setup.ts first (zod without eval, for the CSP).
 */
import { type ContextData, contextData } from '../../../api/contract/context.ts'
import raw from './context-data.json'

let parsed: ContextData | undefined

export function loadContextData(): ContextData {
  parsed ??= contextData.parse(raw)
  return parsed
}
