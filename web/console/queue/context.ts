/**
 * @module web/console/queue/context
 * The context dataset the queue's triage flags use (issue 9): the bundled data, with the
 * organisation-signed update from `GET /api/context` merged once it verifies under the key
 * ring's organisation key (docs/decisions/008). A refused or missing update leaves the bundled
 * data; the admin's context page is where a refusal is shown loudly.
 *
 * Not web/shared/context/use-context-data.ts's hook: modules outside web/console/ are built
 * against Preact for the public pages (web/build/preact-public.ts), and a Preact hook inside the
 * console's React tree fails. The verification and merge are the shared, framework-free ones.
 */
import { useEffect, useState } from 'react'
import { type ContextData, contextResponse } from '../../../api/contract/context.ts'
import { loadContextData } from '../../shared/context/data.ts'
import { mergeContext, readContextUpdate } from '../../shared/context/overlay.ts'
import type { Session } from '../ui.tsx'

export function useFlagContext(session: Session): { data: ContextData; updated: boolean } {
  const [state, setState] = useState(() => ({ data: loadContextData(), updated: false }))
  useEffect(() => {
    let live = true
    fetch('/api/context', {
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      redirect: 'error',
    })
      .then(async (response) => {
        if (!response.ok) return
        const wire = contextResponse.parse(await response.json()).update
        if (wire === null || !live) return
        const { overlay } = readContextUpdate(
          session.backend,
          wire,
          session.ring.orgSigningKey,
          session.ring.orgId,
        )
        if (live) setState({ data: mergeContext(loadContextData(), overlay), updated: true })
      })
      .catch(() => {
        // Unreachable or refused: the bundled data stays (true as of its check dates).
      })
    return () => {
      live = false
    }
  }, [session])
  return state
}
