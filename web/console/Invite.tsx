/**
 * @module web/console/Invite
 * Accepting an invitation (issue 5): the link's fragment carries the token and the organisation
 * fingerprint; the organisation key the server offers must match it (else refused — the server
 * is not to be trusted with that). The invitee sets a passphrase and TOTP; their browser makes
 * identity and signing keys. Then their safety number is shown, to read out to the admin, who
 * verifies and grants; until then the account can log in but holds no keys.
 */
import { type FormEvent, useEffect, useState } from 'react'
import { fromBase64 } from '../../crypto/bytes.ts'
import { fingerprint, safetyNumber } from '../../crypto/fingerprint.ts'
import { decodeKdfParams, deriveStaffKeys } from '../../crypto/kdf.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import { api } from './api.ts'
import { newAccount, newTotpSecret } from './keys.ts'
import { openSession } from './session.ts'
import {
  Alert,
  afterPaint,
  errorText,
  MIN_PASSPHRASE_SCORE,
  passphraseScore,
  pinOrg,
  type Session,
  StrengthMeter,
  TotpEnrolment,
  totpMatches,
  useT,
} from './ui.tsx'

type Info = { role: string; orgName: string; orgSigningKey: string }

export function AcceptInvite({
  token,
  org,
  onDone,
}: {
  token: string
  org: string
  onDone: (session: Session) => void
}) {
  const t = useT()
  const [info, setInfo] = useState<Info | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [fatal, setFatal] = useState<string | undefined>()
  const [username, setUsername] = useState('')
  const [passphrase, setPassphrase] = useState('')
  const [confirm, setConfirm] = useState('')
  const [totpSecret, setTotpSecret] = useState('')
  const [code, setCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [session, setSession] = useState<Session | undefined>()

  useEffect(() => {
    Promise.all([loadSodiumSumo(), api.inviteInfo(token)]).then(
      ([backend, answer]) => {
        if (fingerprint(backend, fromBase64(answer.orgSigningKey, 32)) !== org) {
          setFatal(t('invite.orgMismatch'))
          return
        }
        setTotpSecret(newTotpSecret(backend))
        setInfo(answer)
      },
      (e: unknown) => setFatal(errorText(t, e)),
    )
  }, [token, org, t])

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(username)) return setError(t('form.usernameRule'))
    if (passphraseScore(passphrase) < MIN_PASSPHRASE_SCORE) return setError(t('form.passphraseWeak'))
    if (passphrase !== confirm) return setError(t('form.passphraseMismatch'))
    if (!totpMatches(totpSecret, code)) return setError(t('totp.wrongCode'))
    setBusy(true)
    try {
      const backend = await loadSodiumSumo()
      const account = await afterPaint(() => newAccount(backend, { username, passphrase }))
      const me = await api.acceptInvite({ token, user: account.wire, totp: { secret: totpSecret, code } })
      pinOrg(org)
      const wrapKey = deriveStaffKeys(backend, passphrase, decodeKdfParams(me.kdf)).wrapKey
      setSession(await openSession(backend, me, wrapKey))
    } catch (e) {
      setError(errorText(t, e))
      setBusy(false)
    }
  }

  if (fatal)
    return (
      <main className="narrow">
        <h1>{t('invite.title')}</h1>
        <Alert kind="error">{fatal}</Alert>
      </main>
    )
  if (session)
    return (
      <main className="narrow">
        <h1>{t('invite.doneTitle')}</h1>
        <div className="card">
          <p>{t('invite.readOut')}</p>
          <p className="safety-number" data-testid="own-safety-number">
            {safetyNumber(
              session.backend,
              fromBase64(session.me.identityKey, 32),
              fromBase64(session.me.signingKey, 32),
            )}
          </p>
          <p>{t('invite.waiting')}</p>
          <button type="button" className="primary" onClick={() => onDone(session)}>
            {t('invite.open')}
          </button>
        </div>
      </main>
    )
  return (
    <main className="narrow">
      <h1>{t('invite.title')}</h1>
      {info === undefined ? (
        <p className="muted">{t('invite.checking')}</p>
      ) : (
        <form className="card" onSubmit={submit}>
          <p>{t('invite.intro', { org: info.orgName, role: t(`role.${info.role}`) })}</p>
          {error && <Alert kind="error">{error}</Alert>}
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
            <small>{t('form.usernameRule')}</small>
          </label>
          <label>
            {t('form.passphrase')}
            <input
              required
              type="password"
              autoComplete="new-password"
              value={passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
            />
          </label>
          <StrengthMeter passphrase={passphrase} />
          <label>
            {t('form.passphraseConfirm')}
            <input
              required
              type="password"
              autoComplete="new-password"
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
            />
          </label>
          <Alert kind="warning">{t('form.passphraseLoss')}</Alert>
          <h2>{t('totp.title')}</h2>
          <TotpEnrolment secret={totpSecret} issuer={info.orgName} account={username || 'staff'} />
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
            {busy ? t('invite.working') : t('invite.accept')}
          </button>
        </form>
      )}
    </main>
  )
}
