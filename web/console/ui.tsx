/**
 * @module web/console/ui
 * Small shared pieces of the console: the translation hook, the session type, error messages by
 * code, the passphrase strength meter, the TOTP enrolment block (QR drawn as SVG rectangles —
 * no innerHTML, no data: URL) and formatting helpers.
 */
import * as OTPAuth from 'otpauth'
import QRCode from 'qrcode'
import { type ReactNode, useCallback, useMemo } from 'react'
import { useIntl } from 'react-intl'
import type { MeResponse } from '../../api/contract/staff.ts'
import type { Argon2Backend, CryptoBackend } from '../../crypto/backend.ts'
import { ApiError } from './api.ts'
import type { KeyRing } from './keys.ts'
import messages from './locales/en.json'
import type { CryptoWorker } from './worker-client.ts'

export type Session = {
  me: MeResponse
  ring: KeyRing
  backend: CryptoBackend & Argon2Backend
  worker: CryptoWorker
}

export type T = (id: string, values?: Record<string, string | number>) => string

/** Stable across renders (hooks list it as a dependency; a new function each time would loop). */
export function useT(): T {
  const intl = useIntl()
  return useCallback<T>((id, values) => intl.formatMessage({ id }, values), [intl])
}

/** A message for any error: API codes first, then crypto codes, else a generic line. */
export function errorText(t: T, error: unknown): string {
  const code =
    error instanceof ApiError
      ? error.code
      : typeof error === 'object' && error !== null && 'code' in error
        ? String((error as { code: unknown }).code)
        : error instanceof Error
          ? error.message
          : 'unknown'
  const id = `error.${code}`
  return Object.hasOwn(messages, id) ? t(id) : t('error.unknown')
}

export function Alert({
  kind,
  children,
}: {
  kind: 'error' | 'warning' | 'info' | 'success'
  children: ReactNode
}) {
  return (
    <div className={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  )
}

/** 0–4: a rough estimate (length × alphabet), enough to steer people towards long passphrases. */
export function passphraseScore(passphrase: string): number {
  if (passphrase.length === 0) return 0
  let alphabet = 0
  if (/[a-z]/.test(passphrase)) alphabet += 26
  if (/[A-Z]/.test(passphrase)) alphabet += 26
  if (/[0-9]/.test(passphrase)) alphabet += 10
  if (/[^A-Za-z0-9]/.test(passphrase)) alphabet += 33
  const unique = new Set(passphrase).size
  const bits = Math.min(passphrase.length, unique * 2) * Math.log2(Math.max(alphabet, 2))
  if (passphrase.length < 12 || bits < 50) return 1
  if (bits < 70) return 2
  if (bits < 90) return 3
  return 4
}
export const MIN_PASSPHRASE_SCORE = 2

export function StrengthMeter({ passphrase }: { passphrase: string }) {
  const t = useT()
  const score = passphraseScore(passphrase)
  return (
    <div className="strength" aria-live="polite">
      <meter min={0} max={4} low={2} high={3} optimum={4} value={score} aria-label={t('strength.label')} />
      <span>{t(`strength.${score}`)}</span>
    </div>
  )
}

export function QrCode({ text, label }: { text: string; label: string }) {
  const modules = useMemo(() => QRCode.create(text, { errorCorrectionLevel: 'M' }).modules, [text])
  const size = modules.size
  const rects: ReactNode[] = []
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      if (modules.get(x, y)) rects.push(<rect key={`${x}-${y}`} x={x + 4} y={y + 4} width={1} height={1} />)
  return (
    <svg
      className="qr"
      viewBox={`0 0 ${size + 8} ${size + 8}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
    >
      <rect width={size + 8} height={size + 8} fill="#fff" />
      <g fill="#000">{rects}</g>
    </svg>
  )
}

export function totpUri(secret: string, issuer: string, account: string): string {
  return new OTPAuth.TOTP({
    issuer,
    label: account,
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  }).toString()
}

/** Checks a code locally before anything is sent (the server checks again). */
export function totpMatches(secret: string, code: string): boolean {
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  })
  return totp.validate({ token: code, window: 1 }) !== null
}

export function TotpEnrolment(props: { secret: string; issuer: string; account: string }) {
  const t = useT()
  const grouped = props.secret.match(/.{1,4}/g)?.join(' ') ?? props.secret
  return (
    <div className="totp">
      <QrCode text={totpUri(props.secret, props.issuer, props.account)} label={t('totp.qrLabel')} />
      <div>
        <p>{t('totp.scan')}</p>
        <p>{t('totp.manual')}</p>
        <p className="code-block" data-testid="totp-secret">
          {grouped}
        </p>
      </div>
    </div>
  )
}

/** Runs a slow synchronous step (Argon2id) after the browser has painted the "working" state. */
export function afterPaint<T>(work: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    let started = false
    const start = () => {
      if (started) return
      started = true
      setTimeout(() => {
        try {
          resolve(work())
        } catch (error) {
          reject(error)
        }
      }, 30)
    }
    requestAnimationFrame(start)
    // A page the browser does not paint (a background tab) gets no animation frame: never wait
    // for one forever.
    setTimeout(start, 250)
  })
}

export const PINNED_ORG_KEY = 'tnr.console.pinnedOrg'

/**
 * The organisation fingerprint this browser pinned from a setup or invite link (DESIGN §5:
 * "staff browsers pin the fingerprint from their invite link"). Public data, so localStorage is
 * fine; no case data is ever stored.
 */
export function pinnedOrg(): string | undefined {
  try {
    return localStorage.getItem(PINNED_ORG_KEY) ?? undefined
  } catch {
    return undefined
  }
}
export function pinOrg(fingerprint: string): void {
  try {
    localStorage.setItem(PINNED_ORG_KEY, fingerprint)
  } catch {
    // Private windows may refuse storage: the link pins it for this session only.
  }
}
