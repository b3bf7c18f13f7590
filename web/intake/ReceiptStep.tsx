/**
 * @module web/intake/ReceiptStep
 * The receipt code, shown once (DESIGN §8): large, grouped, monospaced; copying warns about
 * clipboard history and tries to clear the clipboard after a minute; where the browser refuses a
 * clear without a click (Tor Browser always does), a "Clear clipboard" button appears and the page
 * says the code may remain in clipboard history. The reporter confirms before moving on.
 */
import { useEffect, useId, useRef, useState } from 'react'
import { FormattedMessage, useIntl } from 'react-intl'
import { Notice, ReceiptCode, StepFrame } from '../shared/components.tsx'
import { formatDay } from '../shared/dates.ts'

const CLEAR_AFTER_MS = 60_000

type ClipboardState = 'idle' | 'copied' | 'copyFailed' | 'cleared' | 'clearFailed'

export function ReceiptStep({
  display,
  receivedOn,
  onContinue,
  contactFailed,
  onRetryContact,
}: {
  display: string
  receivedOn: string
  onContinue: () => void
  contactFailed: boolean
  onRetryContact: () => void
}) {
  const intl = useIntl()
  const labelId = useId()
  const confirmId = useId()
  const [clipboard, setClipboard] = useState<ClipboardState>('idle')
  const [confirmed, setConfirmed] = useState(false)
  const [nudge, setNudge] = useState(false)
  const timer = useRef<number | undefined>(undefined)

  useEffect(() => () => window.clearTimeout(timer.current), [])

  const clear = async () => {
    try {
      await navigator.clipboard.writeText('')
      setClipboard('cleared')
    } catch {
      setClipboard('clearFailed')
    }
  }

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(display)
      setClipboard('copied')
      window.clearTimeout(timer.current)
      timer.current = window.setTimeout(clear, CLEAR_AFTER_MS)
    } catch {
      setClipboard('copyFailed')
    }
  }

  return (
    <StepFrame focusKey="receipt" title={<FormattedMessage id="intake.receipt.title" />}>
      <p className="lead">
        <FormattedMessage id="intake.receipt.lead" />
      </p>
      <h2 id={labelId} className="small muted">
        <FormattedMessage id="intake.receipt.codeLabel" />
      </h2>
      <ReceiptCode display={display} labelId={labelId} />
      <p className="muted small">
        <FormattedMessage
          id="intake.receipt.receivedOn"
          values={{
            date: formatDay(intl, receivedOn),
          }}
        />
      </p>
      <ul className="points">
        <li>
          <FormattedMessage id="intake.receipt.uses" />
        </li>
        <li>
          <strong>
            <FormattedMessage id="intake.receipt.warning" />
          </strong>
        </li>
      </ul>
      <div className="actions">
        <button type="button" className="btn btn-secondary" onClick={copy}>
          <FormattedMessage id="intake.receipt.copy" />
        </button>
        {(clipboard === 'clearFailed' || clipboard === 'copied') && (
          <button type="button" className="btn btn-secondary" onClick={clear}>
            <FormattedMessage id="intake.receipt.clearButton" />
          </button>
        )}
      </div>
      <div aria-live="polite">
        {clipboard === 'copied' && (
          <Notice tone="warn">
            <p>
              <FormattedMessage id="intake.receipt.copied" />
            </p>
          </Notice>
        )}
        {clipboard === 'copyFailed' && (
          <Notice tone="warn">
            <p>
              <FormattedMessage id="intake.receipt.copyFailed" />
            </p>
          </Notice>
        )}
        {clipboard === 'cleared' && (
          <Notice tone="ok">
            <p>
              <FormattedMessage id="intake.receipt.cleared" />
            </p>
          </Notice>
        )}
        {clipboard === 'clearFailed' && (
          <Notice tone="warn">
            <p>
              <FormattedMessage id="intake.receipt.clearFailed" />
            </p>
          </Notice>
        )}
      </div>
      {contactFailed && (
        <Notice tone="warn" role="alert">
          <p>
            <FormattedMessage id="app.networkError" />
          </p>
          <button type="button" className="btn btn-secondary" onClick={onRetryContact}>
            <FormattedMessage id="app.retry" />
          </button>
        </Notice>
      )}
      <div className="field">
        <label className="choice" htmlFor={confirmId}>
          <input
            id={confirmId}
            type="checkbox"
            checked={confirmed}
            onChange={(e) => {
              setConfirmed(e.target.checked)
              setNudge(false)
            }}
          />
          <span>
            <FormattedMessage id="intake.receipt.confirm" />
          </span>
        </label>
        {nudge && (
          <p className="field-error" role="alert">
            <FormattedMessage id="intake.receipt.confirmFirst" />
          </p>
        )}
      </div>
      <div className="actions">
        <button
          type="button"
          className="btn"
          aria-disabled={!confirmed}
          onClick={() => {
            if (confirmed) onContinue()
            else setNudge(true)
          }}
        >
          <FormattedMessage id="intake.receipt.continue" />
        </button>
      </div>
    </StepFrame>
  )
}
