/**
 * @module web/shared/components
 * Small building blocks of the reporter pages: a step frame that moves focus to its heading,
 * radio/checkbox choices as large touch targets, notices, the receipt code display and the
 * evidence file picker (shared by intake and follow-up).
 */
import { type ReactNode, useEffect, useId, useRef, useState } from 'react'
import { FormattedMessage, useIntl } from 'react-intl'
import { RECEIPT_SEPARATOR } from '../../crypto/receipt.ts'
import type { EvidenceFile } from './case-session.ts'
import { detectImageFormat } from './metadata.ts'

/** A step: progress, a heading that receives focus when the step appears, the content. */
export function StepFrame({
  title,
  help,
  progress,
  children,
  focusKey,
  headingId,
}: {
  title: ReactNode
  help?: ReactNode
  progress?: { current: number; total: number }
  children: ReactNode
  focusKey: string
  headingId?: string
}) {
  const heading = useRef<HTMLHeadingElement>(null)
  const first = useRef(true)
  useEffect(() => {
    // Not on the very first render (the reader starts at the top); on every step change after it.
    if (first.current && focusKey === 'welcome') {
      first.current = false
      return
    }
    first.current = false
    window.scrollTo(0, 0)
    heading.current?.focus()
  }, [focusKey])
  return (
    <section className="step" aria-labelledby={headingId}>
      {progress && <Progress current={progress.current} total={progress.total} />}
      <h1 ref={heading} tabIndex={-1} id={headingId}>
        {title}
      </h1>
      {help && <p className="help">{help}</p>}
      {children}
    </section>
  )
}

export function Progress({ current, total }: { current: number; total: number }) {
  const intl = useIntl()
  const label = intl.formatMessage({ id: 'app.stepProgress' }, { current, total })
  return (
    <div className="progress">
      <div className="progress-label" aria-hidden="true">
        {label}
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={1}
        aria-valuemax={total}
        aria-valuenow={current}
      >
        <div className="progress-bar" style={{ inlineSize: `${Math.round((current / total) * 100)}%` }} />
      </div>
    </div>
  )
}

export function Choice({
  type,
  name,
  checked,
  onChange,
  children,
  value,
}: {
  type: 'radio' | 'checkbox'
  name: string
  checked: boolean
  onChange: (checked: boolean) => void
  children: ReactNode
  value?: string
}) {
  return (
    <label className="choice">
      <input
        type={type}
        name={name}
        value={value}
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      <span>{children}</span>
    </label>
  )
}

export function Notice({
  tone,
  children,
  role,
}: {
  tone: 'info' | 'warn' | 'danger' | 'ok'
  children: ReactNode
  role?: 'alert' | 'status'
}) {
  return (
    <div className={`notice notice-${tone}`} role={role}>
      {children}
    </div>
  )
}

/**
 * A code read symbol by symbol (the organisation safety code): left to right in every page
 * direction, and never broken inside a group. Each group with its separator is one unbreakable
 * box; a line may wrap only between groups (`<wbr>`), so a phone in Uyghur shows "DNRB-" and never
 * "DNR" / "B". The text (what copy and screen readers get) stays exactly the code.
 */
export function GroupedCode({
  code,
  separator = '-',
  testId,
}: {
  code: string
  separator?: string
  testId?: string
}) {
  const groups = code.split(separator)
  return (
    <code className="grouped-code" dir="ltr" lang="en" data-testid={testId}>
      {groups.map((group, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: groups may repeat; their order is fixed
        <span key={i}>
          <span className="code-group">
            {group}
            {i < groups.length - 1 ? separator : ''}
          </span>
          {i < groups.length - 1 && <wbr />}
        </span>
      ))}
    </code>
  )
}

/**
 * The receipt code in groups, large and monospaced, in two lines of 4 and 3 groups that never
 * break inside (a phone shows 4 + 3 rather than 6 + 1); screen readers hear the separators.
 */
export function ReceiptCode({ display, labelId }: { display: string; labelId: string }) {
  const groups = display.split(RECEIPT_SEPARATOR)
  const lines = [groups.slice(0, 4), groups.slice(4)]
  return (
    <figure className="receipt-code" aria-labelledby={labelId} lang="en" dir="ltr" data-testid="receipt-code">
      {lines.map((line, l) => (
        <span className="receipt-line" key={line.join('')}>
          {line.map((group, i) => (
            <span key={group + String(i)} className="code-group">
              {group}
              {(l === 0 || i < line.length - 1) && (
                <span className="visually-hidden">{RECEIPT_SEPARATOR}</span>
              )}
            </span>
          ))}
        </span>
      ))}
    </figure>
  )
}

export function formatBytes(bytes: number, locale: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  try {
    return new Intl.NumberFormat(locale, {
      style: 'unit',
      unit: units[unit],
      unitDisplay: 'short',
      maximumFractionDigits: unit === 0 ? 0 : 1,
    }).format(value)
  } catch {
    return `${Math.round(value)} ${['B', 'KB', 'MB', 'GB'][unit]}`
  }
}

export interface PickedFile extends EvidenceFile {
  /** Uncleanable files are sent only once the reporter has confirmed the warning. */
  confirmed: boolean
}

let nextFileId = 1

/** Reads the first bytes to decide, by magic bytes, whether metadata can be removed. */
async function pick(file: File): Promise<PickedFile> {
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer())
  const cleanable = detectImageFormat(head) !== null
  return { id: nextFileId++, file, cleanable, confirmed: cleanable }
}

/** True when every picked file may be sent (cleanable, or the warning confirmed). */
export function filesReady(files: readonly PickedFile[]): boolean {
  return files.every((f) => f.cleanable || f.confirmed)
}

export function FilePicker({
  files,
  onChange,
  maxFileBytes,
}: {
  files: readonly PickedFile[]
  onChange: (files: PickedFile[]) => void
  maxFileBytes: number
}) {
  const intl = useIntl()
  const inputId = useId()
  const [tooBig, setTooBig] = useState<string[]>([])
  const maxSize = formatBytes(maxFileBytes, intl.locale)
  return (
    <div>
      <div className="field">
        <label htmlFor={inputId}>
          <FormattedMessage id="intake.files.choose" />
        </label>
        <input
          id={inputId}
          className="file-input"
          type="file"
          multiple
          aria-describedby={`${inputId}-max`}
          onChange={async (event) => {
            const chosen = Array.from(event.target.files ?? [])
            event.target.value = ''
            const big = chosen.filter((f) => f.size > maxFileBytes).map((f) => f.name)
            setTooBig(big)
            const picked = await Promise.all(chosen.filter((f) => f.size <= maxFileBytes).map(pick))
            onChange([...files, ...picked])
          }}
        />
        <p className="counter" id={`${inputId}-max`}>
          <FormattedMessage id="intake.files.maxSize" values={{ size: maxSize }} />
        </p>
      </div>
      {tooBig.map((name) => (
        <Notice key={name} tone="warn" role="alert">
          <p>
            <FormattedMessage id="intake.files.tooBig" values={{ name, size: maxSize }} />
          </p>
        </Notice>
      ))}
      {files.length === 0 ? (
        <p className="muted">
          <FormattedMessage id="intake.files.none" />
        </p>
      ) : (
        <ul className="file-list">
          {files.map((f) => (
            <li key={f.id} className="file-item">
              <div className="file-head">
                <span className="file-name" dir="auto">
                  {f.file.name}
                </span>
                <span className="muted small">{formatBytes(f.file.size, intl.locale)}</span>
                <button
                  type="button"
                  className="btn-link"
                  onClick={() => onChange(files.filter((x) => x.id !== f.id))}
                  aria-label={intl.formatMessage({ id: 'intake.files.remove' }, { name: f.file.name })}
                >
                  ✕
                </button>
              </div>
              {f.cleanable ? (
                <p className="file-note muted">
                  <FormattedMessage id="intake.files.cleanable" />
                </p>
              ) : (
                <div className="notice notice-warn file-note">
                  <p>
                    <FormattedMessage id="intake.files.notCleanable" />
                  </p>
                  <label className="choice">
                    <input
                      type="checkbox"
                      checked={f.confirmed}
                      onChange={(e) =>
                        onChange(
                          files.map((x) => (x.id === f.id ? { ...x, confirmed: e.target.checked } : x)),
                        )
                      }
                    />
                    <span>
                      <FormattedMessage id="intake.files.notCleanableConfirm" />
                    </span>
                  </label>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
