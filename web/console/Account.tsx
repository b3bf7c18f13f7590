/**
 * @module web/console/Account
 * The user's own account (DESIGN §7): safety number to read out to an admin, the sessions list
 * with revoke, logout everywhere, and passphrase change (keys re-wrapped here under the new
 * passphrase; a lost passphrase means re-invitation and new grants, and the page says so).
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { safetyNumber } from '../../crypto/fingerprint.ts'
import {
  decodeKdfParams,
  deriveStaffKeys,
  encodeKdfParams,
  newKdfParams,
  WRAP_PURPOSE,
  wrapPrivateKey,
} from '../../crypto/kdf.ts'
import { api } from './api.ts'
import {
  Alert,
  afterPaint,
  errorText,
  MIN_PASSPHRASE_SCORE,
  passphraseScore,
  type Session,
  StrengthMeter,
  useT,
} from './ui.tsx'

type SessionRow = { id: string; createdAt: string; lastSeenAt: string; expiresAt: string; current: boolean }

export function Account({ session, onLogout }: { session: Session; onLogout: () => void }) {
  const t = useT()
  const { backend, me, ring } = session
  const [sessions, setSessions] = useState<SessionRow[]>([])
  const [error, setError] = useState<string | undefined>()
  const [notice, setNotice] = useState<string | undefined>()
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [confirm, setConfirm] = useState('')
  const [busy, setBusy] = useState(false)

  const load = useCallback(
    () =>
      api.sessions().then(
        (r) => setSessions(r.sessions),
        (e: unknown) => setError(errorText(t, e)),
      ),
    [t],
  )
  useEffect(() => {
    void load()
  }, [load])

  const revoke = async (id: string, isCurrent: boolean) => {
    try {
      await api.revokeSession(id)
      if (isCurrent) onLogout()
      else await load()
    } catch (e) {
      setError(errorText(t, e))
    }
  }
  const logoutAll = async () => {
    try {
      await api.logoutAll()
    } finally {
      onLogout()
    }
  }
  const change = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    setNotice(undefined)
    if (passphraseScore(next) < MIN_PASSPHRASE_SCORE) return setError(t('form.passphraseWeak'))
    if (next !== confirm) return setError(t('form.passphraseMismatch'))
    setBusy(true)
    try {
      const body = await afterPaint(() => {
        const old = deriveStaffKeys(backend, current, decodeKdfParams(me.kdf))
        const params = newKdfParams(backend)
        const fresh = deriveStaffKeys(backend, next, params)
        const out = {
          currentAuthKey: toBase64(old.authKey),
          kdf: encodeKdfParams(params),
          authKey: toBase64(fresh.authKey),
          wrappedIdentityKey: toBase64(
            wrapPrivateKey(
              backend,
              fresh.wrapKey,
              ring.userId,
              WRAP_PURPOSE.identity,
              ring.identitySecretKey,
            ),
          ),
          wrappedSigningKey: toBase64(
            wrapPrivateKey(backend, fresh.wrapKey, ring.userId, WRAP_PURPOSE.signing, ring.signingSeed),
          ),
        }
        backend.wipe(old.wrapKey)
        backend.wipe(fresh.wrapKey)
        return out
      })
      await api.changePassphrase(body)
      setNotice(t('account.passphraseChanged'))
      setCurrent('')
      setNext('')
      setConfirm('')
      await load()
    } catch (e) {
      setError(errorText(t, e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section>
      <h1>{t('account.title')}</h1>
      {error && <Alert kind="error">{error}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      <div className="card">
        <h2>{t('account.safetyNumber')}</h2>
        <p>{t('account.safetyNumberWhy')}</p>
        <p className="safety-number" data-testid="own-safety-number">
          {safetyNumber(backend, fromBase64(me.identityKey, 32), fromBase64(me.signingKey, 32))}
        </p>
      </div>
      <div className="card">
        <h2>{t('account.sessions')}</h2>
        <table>
          <thead>
            <tr>
              <th>{t('account.started')}</th>
              <th>{t('account.lastSeen')}</th>
              <th>{t('account.expires')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <td>{s.createdAt.slice(0, 16).replace('T', ' ')}</td>
                <td>{s.lastSeenAt.slice(0, 16).replace('T', ' ')}</td>
                <td>{s.expiresAt.slice(0, 16).replace('T', ' ')}</td>
                <td>
                  {s.current && <span className="badge">{t('account.thisSession')}</span>}{' '}
                  <button type="button" onClick={() => revoke(s.id, s.current)}>
                    {t('account.revoke')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" onClick={logoutAll}>
          {t('account.logoutAll')}
        </button>
      </div>
      <form className="card" onSubmit={change}>
        <h2>{t('account.changePassphrase')}</h2>
        <label>
          {t('account.currentPassphrase')}
          <input
            type="password"
            required
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label>
          {t('account.newPassphrase')}
          <input
            type="password"
            required
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <StrengthMeter passphrase={next} />
        <label>
          {t('form.passphraseConfirm')}
          <input
            type="password"
            required
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        </label>
        <Alert kind="info">{t('form.passphraseLoss')}</Alert>
        <button type="submit" className="primary" disabled={busy}>
          {t('account.changeButton')}
        </button>
      </form>
    </section>
  )
}
