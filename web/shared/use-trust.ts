/**
 * @module web/shared/use-trust
 * Loads /api/intake/config once and verifies it (reporter-crypto.ts `establishTrust`): the page
 * encrypts nothing until this says "ready".
 */
import { useEffect, useState } from 'react'
import { ApiError, api } from './api.ts'
import { establishTrust, type Trust, TrustError, type TrustFailure } from './reporter-crypto.ts'

export type TrustState =
  | { status: 'loading' }
  | { status: 'ready'; trust: Trust }
  | { status: 'failed'; reason: TrustFailure | 'network' }

export function useTrust(): TrustState {
  const [state, setState] = useState<TrustState>({ status: 'loading' })
  useEffect(() => {
    let live = true
    api
      .config()
      .then((config) => {
        const trust = establishTrust(config, new Date(), import.meta.env.VITE_ORG_KEY_FINGERPRINT)
        if (live) setState({ status: 'ready', trust })
      })
      .catch((error: unknown) => {
        if (!live) return
        if (error instanceof TrustError) setState({ status: 'failed', reason: error.reason })
        else if (error instanceof ApiError && error.code === 'bad_response')
          setState({ status: 'failed', reason: 'directory' })
        else setState({ status: 'failed', reason: 'network' })
      })
    return () => {
      live = false
    }
  }, [])
  return state
}
