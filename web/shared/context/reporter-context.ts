/**
 * @module web/shared/context/reporter-context
 * The reporter pages' context dataset: bundled, plus the organisation-signed update verified with
 * the pure-JavaScript backend under the key `useTrust` established (pinned at build time when
 * ORG_KEY_FINGERPRINT is set). Kept apart from use-context-data.ts so the console, which verifies
 * with libsodium, never bundles the reporter backend.
 */
import { backend, type Trust } from '../reporter-crypto.ts'
import { type LoadedContext, useContextData } from './use-context-data.ts'

export function useReporterContext(trust: Trust | null): LoadedContext {
  return useContextData(backend, trust)
}
