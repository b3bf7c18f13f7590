/**
 * @module web/console/Shell
 * The logged-in frame: header with the organisation, the user and navigation, and the current
 * screen. Screens are component state, not URLs, so no case id ever lands in history.
 */
import { useState } from 'react'
import { safetyCode } from '../../crypto/fingerprint.ts'
import { Account } from './Account.tsx'
import { Admin } from './Admin.tsx'
import { AuditLog } from './Audit.tsx'
import { FewHoldersWarning } from './admin/RetireKey.tsx'
import { api } from './api.ts'
import { CaseView } from './CaseView.tsx'
import { Queue } from './Queue.tsx'
import { builderText, ReleaseBuilder } from './stats/ReleaseBuilder.tsx'
import { Alert, type Session, useT } from './ui.tsx'

type Screen =
  | { kind: 'queue' }
  | { kind: 'case'; id: string }
  | { kind: 'account' }
  | { kind: 'admin' }
  | { kind: 'audit' }
  | { kind: 'stats' }

const DIRECTORY_WARNING_MS = 14 * 24 * 60 * 60 * 1000

/** The directory's expiry (ms), read from the statement text the session already verified. */
function directoryExpiry(statement: string): number | undefined {
  try {
    const parsed = JSON.parse(statement) as { expiresAt?: unknown }
    return typeof parsed.expiresAt === 'string' ? Date.parse(parsed.expiresAt) : undefined
  } catch {
    return undefined
  }
}

export function Shell({ session, onLogout }: { session: Session; onLogout: () => void }) {
  const t = useT()
  const [screen, setScreen] = useState<Screen>(() =>
    session.me.user.role === 'analyst' ? { kind: 'account' } : { kind: 'queue' },
  )
  const { me, ring } = session
  const canReadCases = me.user.role !== 'analyst'
  const refusedGrants = ring.refused.filter((reason) => reason.startsWith('grant:')).length
  // DESIGN §5: other admins are warned before the directory expires (an admin holding the
  // organisation key re-signs it for 90 days at every login; an unlocked reload or a short-lived
  // re-sign after a removal can still show it to them).
  const directoryExpires = me.directory === null ? undefined : directoryExpiry(me.directory.statement)
  const expiringSoon =
    me.user.role === 'admin' &&
    directoryExpires !== undefined &&
    directoryExpires - Date.now() < DIRECTORY_WARNING_MS &&
    // Already expired: the refusal below says so, and why it was not re-signed.
    !ring.refused.includes('directory-expired')
  const logout = async () => {
    try {
      await api.logout()
    } finally {
      onLogout()
    }
  }
  const nav = (kind: Screen['kind'], label: string) => (
    <button
      type="button"
      className="nav-link"
      aria-current={screen.kind === kind || (kind === 'queue' && screen.kind === 'case') ? 'page' : undefined}
      onClick={() => setScreen({ kind } as Screen)}
    >
      {label}
    </button>
  )
  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand">
          <strong>{me.org.name}</strong>
          <span className="muted" title={t('shell.safetyCode')}>
            {safetyCode(session.backend, ring.orgSigningKey)}
          </span>
        </div>
        <nav aria-label={t('shell.nav')}>
          {canReadCases && nav('queue', t('nav.cases'))}
          {me.user.role === 'admin' && nav('admin', t('nav.admin'))}
          {(me.user.role === 'analyst' || me.user.role === 'admin') &&
            nav('stats', builderText('builder.nav'))}
          {nav('audit', t('nav.audit'))}
          {nav('account', t('nav.account'))}
          <button type="button" className="nav-link" onClick={logout}>
            {t('nav.logout', { username: me.user.username })}
          </button>
        </nav>
      </header>
      <main className="content">
        {me.userKey === null && <Alert kind="warning">{t('shell.notVerified')}</Alert>}
        {expiringSoon && directoryExpires !== undefined && (
          <Alert kind="warning">
            {t('shell.directoryExpiring', { date: new Date(directoryExpires).toISOString().slice(0, 10) })}
          </Alert>
        )}
        {ring.refused
          .filter((reason) => !reason.startsWith('grant:'))
          .map((reason) => (
            <Alert key={reason} kind="error">
              {t(`shell.refused.${reason}`)}
            </Alert>
          ))}
        {refusedGrants > 0 && (
          <Alert kind="error">{t('shell.refusedGrants', { count: refusedGrants })}</Alert>
        )}
        {/* The admin screen shows the same warning per desk. */}
        {me.user.role === 'admin' && screen.kind !== 'admin' && <FewHoldersWarning />}
        {screen.kind === 'queue' && (
          <Queue session={session} onOpen={(id) => setScreen({ kind: 'case', id })} />
        )}
        {screen.kind === 'case' && (
          <CaseView
            key={screen.id}
            session={session}
            caseId={screen.id}
            onBack={() => setScreen({ kind: 'queue' })}
            onOpenCase={(id) => setScreen({ kind: 'case', id })}
          />
        )}
        {screen.kind === 'account' && <Account session={session} onLogout={onLogout} />}
        {screen.kind === 'admin' && <Admin session={session} />}
        {screen.kind === 'audit' && <AuditLog session={session} />}
        {screen.kind === 'stats' && <ReleaseBuilder session={session} />}
      </main>
    </div>
  )
}
