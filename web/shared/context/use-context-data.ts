/**
 * @module web/shared/context/use-context-data
 * The context dataset a page shows: the bundled data, merged with the latest organisation-signed
 * update from `GET /api/context` once it verifies (web/shared/context/overlay.ts).
 *
 * One request per page load, made as soon as the organisation key is trusted and whatever the
 * reporter later picks: its timing and content never depend on a choice (DESIGN §4). Failure is
 * quiet on reporter pages (the bundled notes stay, nothing alarming is shown: a missing update is
 * not a danger to the reporter); the console reads `source` and shows a refused update loudly.
 */
import { useEffect, useState } from 'react'
import type { ContextUpdateWire } from '../../../api/contract/context.ts'
import type { CryptoBackend } from '../../../crypto/backend.ts'
import { loadContextData } from './data.ts'
import { applyContextUpdate, fetchContextUpdate, type LoadedContext } from './update.ts'

export {
  applyContextUpdate,
  CONTEXT_ROUTE,
  type ContextSource,
  fetchContextUpdate,
  type LoadedContext,
} from './update.ts'

let pending: Promise<ContextUpdateWire | null> | undefined

/**
 * The context for a page whose organisation key is `trust` (null while not yet trusted: the
 * bundled data meanwhile). `reload` changes force a fresh request (the console after an edit).
 */
export function useContextData(
  backend: CryptoBackend,
  trust: { readonly orgSigningKey: Uint8Array; readonly orgId: string } | null,
  reload = 0,
): LoadedContext {
  const [loaded, setLoaded] = useState<LoadedContext>(() => ({
    data: loadContextData(),
    source: { status: 'loading' },
  }))
  const key = trust?.orgSigningKey
  const orgId = trust?.orgId
  useEffect(() => {
    if (key === undefined) return
    let live = true
    if (reload > 0 || pending === undefined) pending = fetchContextUpdate()
    pending.then(
      (wire) => {
        if (live) setLoaded(applyContextUpdate(backend, wire, key, orgId))
      },
      () => {
        pending = undefined
        if (live) setLoaded({ data: loadContextData(), source: { status: 'unavailable' } })
      },
    )
    return () => {
      live = false
    }
  }, [backend, key, orgId, reload])
  return loaded
}
