/**
 * @module web/console/Login
 * Login (DESIGN §5, §7): the server's KDF parameters for the username (checked against the floor
 * and ceiling before the passphrase is touched), Argon2id here, then `authKey` and the TOTP code.
 * The answer carries the wrapped keys, which are unwrapped here and never leave memory.
 */
import { type FormEvent, useEffect, useState } from 'react'
import type { MeResponse } from '../../api/contract/staff.ts'
import { toBase64 } from '../../crypto/bytes.ts'
import { decodeKdfParams, deriveStaffKeys } from '../../crypto/kdf.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import { api, keysApi } from './api.ts'
import { UnlockError } from './keys.ts'
import { adminMaintenance, openSession } from './session.ts'
import { Alert, afterPaint, errorText, type Session, useT } from './ui.tsx'

export function Login({ expired, onDone }: { expired: boolean; onDone: (session: Session) => void }) {
  const t = useT()
  const [username, setUsername] = useState('')
  const [passphrase, setPassphrase] = useState('')
  const [code, setCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  // After a reload the session cookie may still be valid: then only the passphrase is needed to
  // unwrap the keys again (they were in memory only).
  const [resumable, setResumable] = useState<MeResponse | undefined>()

  useEffect(() => {
    // `status` answers 200 with or without a session, so this probe logs no console error.
    keysApi.status().then(
      (status) => setResumable(status.signedIn ? status.me : undefined),
      () => setResumable(undefined),
    )
  }, [])

  const resume = async (event: FormEvent) => {
    event.preventDefault()
    if (resumable === undefined) return
    setError(undefined)
    setBusy(true)
    try {
      const backend = await loadSodiumSumo()
      const keys = await afterPaint(() =>
        deriveStaffKeys(backend, passphrase, decodeKdfParams(resumable.kdf)),
      )
      backend.wipe(keys.authKey)
      const session = await openSession(backend, resumable, keys.wrapKey)
      setPassphrase('')
      onDone(session)
    } catch (e) {
      setError(e instanceof UnlockError ? t(`unlock.${e.reason}`) : errorText(t, e))
      setBusy(false)
    }
  }

  const forget = async () => {
    try {
      await api.logout()
    } finally {
      setResumable(undefined)
    }
  }

  if (resumable !== undefined)
    return (
      <main className="narrow">
        <h1>{t('login.unlockTitle')}</h1>
        {error && <Alert kind="error">{error}</Alert>}
        <form onSubmit={resume} className="card">
          <p>{t('login.unlockIntro', { username: resumable.user.username })}</p>
          <label>
            {t('form.passphrase')}
            <input
              required
              type="password"
              autoComplete="current-password"
              value={passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
            />
          </label>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t('login.working') : t('login.unlock')}
            </button>
            <button type="button" onClick={forget}>
              {t('login.notMe')}
            </button>
          </div>
        </form>
      </main>
    )

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    setBusy(true)
    try {
      const backend = await loadSodiumSumo()
      const { kdf } = await api.params(username)
      const keys = await afterPaint(() => deriveStaffKeys(backend, passphrase, decodeKdfParams(kdf)))
      const me = await api.login({ username, authKey: toBase64(keys.authKey), totp: code })
      backend.wipe(keys.authKey)
      const session = await openSession(backend, me, keys.wrapKey)
      setPassphrase('')
      await adminMaintenance(session)
      onDone(session)
    } catch (e) {
      setError(e instanceof UnlockError ? t(`unlock.${e.reason}`) : errorText(t, e))
      setCode('')
      setBusy(false)
    }
  }

  return (
    <main className="narrow">
      <h1>{t('login.title')}</h1>
      {expired && <Alert kind="info">{t('login.expired')}</Alert>}
      {error && <Alert kind="error">{error}</Alert>}
      <form onSubmit={submit} className="card">
        <label>
          {t('form.username')}
          <input
            required
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            value={username}
            onChange={(e) => setUsername(e.target.value.toLowerCase())}
          />
        </label>
        <label>
          {t('form.passphrase')}
          <input
            required
            type="password"
            autoComplete="current-password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
          />
        </label>
        <label>
          {t('totp.code')}
          <input
            required
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
            value={code}
            onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('login.working') : t('login.submit')}
        </button>
        <p className="muted">{t('login.lost')}</p>
      </form>
    </main>
  )
}
