/**
 * @module web/console/App
 * The console's top level: which screen to show. A `#setup=<token>` or `#invite=<token>&org=<fp>`
 * fragment (never sent to the server) opens setup or invitation; otherwise login. After login the
 * shell holds the unlocked session in memory only; a 401 from any request (expired or revoked
 * session) drops it and returns to login.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { setUnauthorizedHandler } from './api.ts'
import { AcceptInvite } from './Invite.tsx'
import { Login } from './Login.tsx'
import { Setup } from './Setup.tsx'
import { Shell } from './Shell.tsx'
import { closeSession } from './session.ts'
import type { Session } from './ui.tsx'

type Entry =
  | { kind: 'login' }
  | { kind: 'setup'; token: string }
  | { kind: 'invite'; token: string; org: string }

function readFragment(): Entry {
  const hash = location.hash.replace(/^#/, '')
  const params = new URLSearchParams(hash)
  const setup = params.get('setup')
  const invite = params.get('invite')
  const org = params.get('org')
  if (setup) return { kind: 'setup', token: setup }
  if (invite && org) return { kind: 'invite', token: invite, org }
  return { kind: 'login' }
}

export function App() {
  const [entry, setEntry] = useState<Entry>(readFragment)
  const [session, setSession] = useState<Session | undefined>()
  const [expired, setExpired] = useState(false)
  const live = useRef(false)
  live.current = session !== undefined

  useEffect(() => {
    // The token has been read: take it out of the address bar and history.
    if (location.hash !== '') history.replaceState(null, '', location.pathname)
  }, [])

  const end = useCallback((why: 'logout' | 'expired') => {
    setSession((current) => {
      closeSession(current)
      return undefined
    })
    setExpired(why === 'expired')
    setEntry({ kind: 'login' })
  }, [])

  useEffect(() => {
    // Only a session that was open can expire; a 401 before login is just "not logged in".
    setUnauthorizedHandler(() => {
      if (live.current) end('expired')
    })
  }, [end])

  const start = (opened: Session) => {
    setExpired(false)
    setSession(opened)
  }

  if (session !== undefined) return <Shell session={session} onLogout={() => end('logout')} />
  if (entry.kind === 'setup') return <Setup token={entry.token} onDone={start} />
  if (entry.kind === 'invite') return <AcceptInvite token={entry.token} org={entry.org} onDone={start} />
  return <Login expired={expired} onDone={start} />
}
