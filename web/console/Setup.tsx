/**
 * @module web/console/Setup
 * First-admin setup (DESIGN §5, issue 5), in steps:
 * 1. organisation, first desk, username, passphrase (strength meter);
 * 2. keys made here (Argon2id, organisation, desk, statistics, identity and signing keys, grants,
 *    recovery kit) — nothing has been sent yet;
 * 3. the recovery code, shown once, to write down;
 * 4. typed back (setup cannot finish without it);
 * 5. TOTP enrolment (QR code + manual key), then one request carries everything;
 * 6. the organisation's safety code, with advice to publish it and pin it in the build.
 */
import { type FormEvent, useEffect, useState } from 'react'
import { fromBase64 } from '../../crypto/bytes.ts'
import { safetyCode } from '../../crypto/fingerprint.ts'
import { parseRecoveryCode } from '../../crypto/grants.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import { api } from './api.ts'
import { type BuiltSetup, buildSetup, newTotpSecret } from './keys.ts'
import { adminMaintenance, openSession, wrapKeyFor } from './session.ts'
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

type Step = 'form' | 'working' | 'recovery' | 'confirm' | 'totp' | 'sending' | 'done'

export function Setup({ token, onDone }: { token: string; onDone: (session: Session) => void }) {
  const t = useT()
  const [step, setStep] = useState<Step>('form')
  const [error, setError] = useState<string | undefined>()
  const [setUp, setSetUp] = useState<boolean | undefined>()
  const [orgName, setOrgName] = useState('')
  const [deskName, setDeskName] = useState('')
  const [username, setUsername] = useState('')
  const [passphrase, setPassphrase] = useState('')
  const [confirm, setConfirm] = useState('')
  const [built, setBuilt] = useState<BuiltSetup | undefined>()
  const [typedBack, setTypedBack] = useState('')
  const [totpSecret, setTotpSecret] = useState('')
  const [code, setCode] = useState('')
  const [session, setSession] = useState<Session | undefined>()

  useEffect(() => {
    api.setupInfo().then(
      (info) => setSetUp(info.setUp),
      () => setSetUp(undefined),
    )
  }, [])

  if (setUp === true && step === 'form')
    return (
      <main className="narrow">
        <h1>{t('setup.title')}</h1>
        <Alert kind="info">{t('setup.alreadyDone')}</Alert>
        <a href="/console">{t('setup.toLogin')}</a>
      </main>
    )

  const submitForm = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(username)) return setError(t('form.usernameRule'))
    if (passphraseScore(passphrase) < MIN_PASSPHRASE_SCORE) return setError(t('form.passphraseWeak'))
    if (passphrase !== confirm) return setError(t('form.passphraseMismatch'))
    setStep('working')
    try {
      const [backend, info] = await Promise.all([loadSodiumSumo(), api.setupInfo()])
      const result = await afterPaint(() =>
        buildSetup(backend, {
          token,
          orgName: orgName.trim(),
          deskName: deskName.trim(),
          username,
          passphrase,
          receiptPublicKey: fromBase64(info.receiptPublicKey, 32),
          now: new Date(),
        }),
      )
      setBuilt(result)
      setTotpSecret(newTotpSecret(backend))
      setStep('recovery')
    } catch (e) {
      setError(errorText(t, e))
      setStep('form')
    }
  }

  const submitConfirm = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    if (built === undefined) return
    try {
      const backend = await loadSodiumSumo()
      const typed = parseRecoveryCode(backend, typedBack)
      const shown = parseRecoveryCode(backend, built.recoveryCode)
      if (!backend.equal(typed, shown)) throw new Error('mismatch')
      setStep('totp')
    } catch {
      setError(t('setup.recoveryMismatch'))
    }
  }

  const submitTotp = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    if (built === undefined) return
    if (!totpMatches(totpSecret, code)) return setError(t('totp.wrongCode'))
    setStep('sending')
    try {
      const backend = await loadSodiumSumo()
      const me = await api.setup(built.complete({ secret: totpSecret, code }, new Date()))
      pinOrg(built.orgFingerprint)
      const wrapKey = await afterPaint(() => wrapKeyFor(backend, me, passphrase))
      const opened = await openSession(backend, me, wrapKey)
      await adminMaintenance(opened)
      setSession(opened)
      setStep('done')
    } catch (e) {
      setError(errorText(t, e))
      setStep('totp')
    }
  }

  return (
    <main className="narrow">
      <h1>{t('setup.title')}</h1>
      <ol className="steps" aria-label={t('setup.progress')}>
        {(['form', 'recovery', 'totp', 'done'] as const).map((s, i) => (
          <li key={s} aria-current={stepGroup(step) === s ? 'step' : undefined}>
            {t(`setup.step${i + 1}`)}
          </li>
        ))}
      </ol>
      {error && <Alert kind="error">{error}</Alert>}
      {step === 'form' && (
        <form onSubmit={submitForm} className="card">
          <p>{t('setup.intro')}</p>
          <label>
            {t('setup.orgName')}
            <input required maxLength={200} value={orgName} onChange={(e) => setOrgName(e.target.value)} />
          </label>
          <label>
            {t('setup.deskName')}
            <input required maxLength={200} value={deskName} onChange={(e) => setDeskName(e.target.value)} />
            <small>{t('setup.deskHint')}</small>
          </label>
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
          <small>{t('form.passphraseHint')}</small>
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
          <button type="submit" className="primary">
            {t('setup.createKeys')}
          </button>
        </form>
      )}
      {step === 'working' && <Alert kind="info">{t('setup.working')}</Alert>}
      {step === 'recovery' && built && (
        <section className="card">
          <h2>{t('setup.recoveryTitle')}</h2>
          <p>{t('setup.recoveryWhy')}</p>
          <p className="recovery-code" data-testid="recovery-code">
            {built.recoveryCode}
          </p>
          <Alert kind="warning">{t('setup.recoveryWarning')}</Alert>
          <button type="button" className="primary" onClick={() => setStep('confirm')}>
            {t('setup.recoveryWritten')}
          </button>
        </section>
      )}
      {step === 'confirm' && (
        <form onSubmit={submitConfirm} className="card">
          <h2>{t('setup.confirmTitle')}</h2>
          <p>{t('setup.confirmWhy')}</p>
          <label>
            {t('setup.confirmLabel')}
            <textarea
              required
              rows={3}
              autoComplete="off"
              autoCapitalize="characters"
              spellCheck={false}
              value={typedBack}
              onChange={(e) => setTypedBack(e.target.value)}
            />
          </label>
          <div className="actions">
            <button type="button" onClick={() => setStep('recovery')}>
              {t('setup.showAgain')}
            </button>
            <button type="submit" className="primary">
              {t('setup.confirmButton')}
            </button>
          </div>
        </form>
      )}
      {(step === 'totp' || step === 'sending') && (
        <form onSubmit={submitTotp} className="card">
          <h2>{t('totp.title')}</h2>
          <TotpEnrolment secret={totpSecret} issuer={orgName.trim() || 'TNR'} account={username} />
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
          <button type="submit" className="primary" disabled={step === 'sending'}>
            {step === 'sending' ? t('setup.sending') : t('setup.finish')}
          </button>
        </form>
      )}
      {step === 'done' && built && session && (
        <section className="card">
          <h2>{t('setup.doneTitle')}</h2>
          <p>{t('setup.safetyCodeIntro')}</p>
          <p className="safety-code" data-testid="safety-code">
            {safetyCode(session.backend, built.orgSigningKey)}
          </p>
          <p>{t('setup.safetyCodePublish')}</p>
          <h3>{t('setup.pinTitle')}</h3>
          <p>{t('setup.pinHow')}</p>
          <p className="code-block">ORG_KEY_FINGERPRINT={built.orgFingerprint}</p>
          <Alert kind="warning">{t('setup.twoHolders')}</Alert>
          <button type="button" className="primary" onClick={() => onDone(session)}>
            {t('setup.open')}
          </button>
        </section>
      )}
    </main>
  )
}

function stepGroup(step: Step): 'form' | 'recovery' | 'totp' | 'done' {
  if (step === 'form' || step === 'working') return 'form'
  if (step === 'recovery' || step === 'confirm') return 'recovery'
  if (step === 'totp' || step === 'sending') return 'totp'
  return 'done'
}
