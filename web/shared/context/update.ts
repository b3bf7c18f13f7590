/**
 * @module web/shared/context/update
 * Fetching and applying the organisation-signed context update (`GET /api/context`), without
 * React: the console imports this module, while the hook in ./use-context-data.ts is for the
 * public pages (which render with Preact: a hook from there inside the console's React tree would
 * crash it, web/build/preact-public.ts).
 */
import type { ContextData, ContextUpdateWire } from '../../../api/contract/context.ts'
import { contextResponse } from '../../../api/contract/context.ts'
import type { CryptoBackend } from '../../../crypto/backend.ts'
import { loadContextData } from './data.ts'
import { mergeContext, readContextUpdate } from './overlay.ts'

export const CONTEXT_ROUTE = '/api/context'

export type ContextSource =
  | { readonly status: 'loading' }
  /** No update published: the bundled data as shipped. */
  | { readonly status: 'bundled' }
  | { readonly status: 'updated'; readonly seq: number; readonly issuedAt: string }
  /** An update was served but does not verify under the organisation key: ignored. */
  | { readonly status: 'refused'; readonly code: string }
  /** The request failed (offline, server error): bundled data. */
  | { readonly status: 'unavailable' }

export interface LoadedContext {
  readonly data: ContextData
  readonly source: ContextSource
}

/** Fetches the latest update (null when none); throws on a network error or a malformed answer. */
export async function fetchContextUpdate(): Promise<ContextUpdateWire | null> {
  const response = await fetch(CONTEXT_ROUTE, {
    credentials: 'omit',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
    redirect: 'error',
  })
  if (!response.ok) throw new Error(`context: HTTP ${response.status}`)
  return contextResponse.parse(await response.json()).update
}

/** The bundled data with `wire` applied if it verifies; never throws. */
export function applyContextUpdate(
  backend: CryptoBackend,
  wire: ContextUpdateWire | null,
  orgSigningKey: Uint8Array,
  orgId: string | undefined,
): LoadedContext {
  const base = loadContextData()
  if (wire === null) return { data: base, source: { status: 'bundled' } }
  try {
    const { statement, overlay } = readContextUpdate(backend, wire, orgSigningKey, orgId)
    return {
      data: mergeContext(base, overlay),
      source: { status: 'updated', seq: statement.seq, issuedAt: statement.issuedAt },
    }
  } catch (error) {
    const code =
      typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
        ? error.code
        : 'bad_statement'
    return { data: base, source: { status: 'refused', code } }
  }
}
