/**
 * @module web/followup/FollowupApp
 * The follow-up page (DESIGN §8): enter the receipt (checked locally before anything is sent) →
 * the thread: caseworker replies shown only when signed by an organisation-certified staff key,
 * the reporter's own report if they chose read-back, their messages and files; add a message or
 * files; proof of receipt on demand; erase with honest words about backups.
 */
import { useCallback, useEffect, useId, useMemo, useState } from 'react'
import { FormattedMessage, useIntl } from 'react-intl'
import { fromBase64 } from '../../crypto/bytes.ts'
import type { ReceiptKeys } from '../../crypto/receipt.ts'
import { COMMUNITY_LABELS, SUBJECT_LABELS, TACTIC_LABELS } from '../intake/labels.ts'
import { UploadList, useUploads } from '../intake/UploadStep.tsx'
import { ApiError, api } from '../shared/api.ts'
import { CaseSession } from '../shared/case-session.ts'
import {
  FilePicker,
  filesReady,
  formatBytes,
  Notice,
  type PickedFile,
  StepFrame,
} from '../shared/components.tsx'
import { countryName } from '../shared/countries.ts'
import { formatDay } from '../shared/dates.ts'
import { PageLink, useLeaveWarning } from '../shared/layout.tsx'
import { PowSolver } from '../shared/pow.ts'
import { onWipe } from '../shared/quick-exit.ts'
import { checkReceiptInput, type ReceiptInputStatus } from '../shared/receipt-input.ts'
import { type ReportPlaintext, reportPlaintextSchema } from '../shared/report-schema.ts'
import {
  checkProof,
  deskOfReport,
  hasSlotFor,
  openOwnReport,
  openThread,
  type ProofCheck,
  receiptKeysFromInput,
  type ThreadEntry,
  type Trust,
  wipeReceiptKeys,
} from '../shared/reporter-crypto.ts'
import { useTrust } from '../shared/use-trust.ts'

interface CaseView {
  keys: ReceiptKeys
  receivedOn: string
  proof: Parameters<typeof checkProof>[1]
  reportEnvelope: Uint8Array | null
  readBack: boolean
  report: ReportPlaintext | null
  entries: ThreadEntry[]
  session: CaseSession | null
}

/** A UTC day, Gregorian like every date on the reporter pages (web/shared/dates.ts). */
function DayDate({ day }: { day: string }) {
  const intl = useIntl()
  return <>{formatDay(intl, day)}</>
}

function dateOf(day: string) {
  return <DayDate day={day} />
}

async function loadCase(trust: Trust, keys: ReceiptKeys, pow: PowSolver): Promise<CaseView> {
  const response = await api.followup({ lookupId: keys.lookupId, authToken: keys.authToken })
  const reportItem = response.items.find((i) => i.seq === 0 && i.kind === 1)
  let reportEnvelope: Uint8Array | null = null
  let readBack = false
  let report: ReportPlaintext | null = null
  if (reportItem) {
    try {
      reportEnvelope = fromBase64(reportItem.envelope)
      readBack = hasSlotFor(reportEnvelope, keys.reporterPublicKey)
      if (readBack) {
        const parsed = reportPlaintextSchema.safeParse(openOwnReport(reportEnvelope, keys))
        report = parsed.success ? parsed.data : null
      }
    } catch {
      report = null
    }
  }
  const entries = openThread(trust, keys, response.items, response.signers, new Date())
  const desk = reportEnvelope ? deskOfReport(trust, reportEnvelope) : undefined
  const nextSeq = response.items.reduce((max, i) => Math.max(max, i.seq), 0) + 1
  const session = desk ? new CaseSession({ keys, desk, readBack, nextSeq, pow }) : null
  return {
    keys,
    receivedOn: response.receivedOn,
    proof: response.proof,
    reportEnvelope,
    readBack,
    report,
    entries,
    session,
  }
}

export function FollowupApp() {
  const trustState = useTrust()
  const pow = useMemo(() => new PowSolver(), [])
  const [view, setView] = useState<CaseView | null>(null)
  const [erased, setErased] = useState(false)

  useEffect(() => () => pow.dispose(), [pow])
  useEffect(
    () =>
      onWipe(() => {
        if (view) {
          view.session?.wipe()
          wipeReceiptKeys(view.keys)
        }
        setView(null)
      }),
    [view],
  )

  const close = useCallback(() => {
    if (view) {
      view.session?.wipe()
      wipeReceiptKeys(view.keys)
    }
    setView(null)
  }, [view])

  if (trustState.status === 'loading') {
    return (
      <p className="muted" role="status">
        <span className="spinner" aria-hidden="true" /> <FormattedMessage id="trust.loading" />
      </p>
    )
  }
  if (trustState.status === 'failed') {
    return (
      <Notice tone="danger" role="alert">
        <h1>
          <FormattedMessage id="trust.failedTitle" />
        </h1>
        <p>
          <FormattedMessage
            id={
              trustState.reason === 'network'
                ? 'trust.failedNetwork'
                : trustState.reason === 'pin'
                  ? 'trust.failedPin'
                  : 'trust.failedDirectory'
            }
          />
        </p>
      </Notice>
    )
  }
  const trust = trustState.trust

  if (erased) {
    return (
      <StepFrame focusKey="erased" title={<FormattedMessage id="followup.erase.done" />}>
        <p>
          <PageLink to="safety">
            <FormattedMessage id="intake.done.safety" />
          </PageLink>
        </p>
      </StepFrame>
    )
  }

  if (!view) {
    return (
      <EnterReceipt
        onOpen={async (keys) => {
          const loaded = await loadCase(trust, keys, pow)
          pow.prepare()
          setView(loaded)
        }}
      />
    )
  }

  return (
    <Thread
      trust={trust}
      view={view}
      onRefresh={async () => setView(await loadCase(trust, view.keys, pow))}
      onClose={close}
      onErased={() => {
        view.session?.wipe()
        wipeReceiptKeys(view.keys)
        setView(null)
        setErased(true)
      }}
    />
  )
}

function receiptMessage(
  status: ReceiptInputStatus,
): { id: string; values?: Record<string, string | number> } | null {
  switch (status.status) {
    case 'has_u':
      return { id: 'receiptInput.hasU' }
    case 'bad_character':
      return { id: 'receiptInput.badCharacter', values: { character: status.character } }
    case 'too_short':
      return { id: 'receiptInput.tooShort', values: { count: status.missing } }
    case 'too_long':
      return { id: 'receiptInput.tooLong' }
    case 'bad_check':
      return { id: 'receiptInput.badCheck' }
    default:
      return null
  }
}

function EnterReceipt({ onOpen }: { onOpen: (keys: ReceiptKeys) => Promise<void> }) {
  const id = useId()
  const [input, setInput] = useState('')
  const [showStatus, setShowStatus] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const status = checkReceiptInput(input)
  const message = receiptMessage(status)
  // Wipe the typed code from memory on quick exit.
  useEffect(() => onWipe(() => setInput('')), [])

  const submit = async () => {
    setShowStatus(true)
    setError(null)
    if (status.status !== 'ok') return
    setBusy(true)
    try {
      const keys = receiptKeysFromInput(input)
      await onOpen(keys)
      setInput('')
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 404)) setError('followup.notFound')
      else if (e instanceof ApiError && e.status === 429) setError('app.rateLimited')
      else setError('app.networkError')
    } finally {
      setBusy(false)
    }
  }

  const shown =
    showStatus ||
    status.status === 'has_u' ||
    status.status === 'bad_character' ||
    status.status === 'too_long'
  return (
    <StepFrame
      focusKey="welcome"
      title={<FormattedMessage id="followup.title" />}
      help={<FormattedMessage id="followup.lead" />}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
        noValidate
      >
        <div className="field">
          <label htmlFor={id}>
            <FormattedMessage id="receiptInput.label" />
          </label>
          <input
            id={id}
            type="text"
            className="receipt-input"
            dir="ltr"
            lang="en"
            value={input}
            autoComplete="off"
            autoCorrect="off"
            autoCapitalize="characters"
            spellCheck={false}
            aria-describedby={`${id}-help ${id}-status`}
            aria-invalid={shown && message !== null}
            onChange={(e) => {
              setInput(e.target.value)
              setError(null)
            }}
            onBlur={() => setShowStatus(input.trim() !== '')}
          />
          <p className="counter" id={`${id}-help`}>
            <FormattedMessage id="receiptInput.help" />
          </p>
          <div id={`${id}-status`} aria-live="polite">
            {shown && message && (
              <p className="field-error">
                <FormattedMessage id={message.id} values={message.values} />
              </p>
            )}
            {status.status === 'ok' && (
              <p className="field-ok">
                <FormattedMessage id="receiptInput.ok" />
              </p>
            )}
          </div>
        </div>
        {error && (
          <Notice tone="danger" role="alert">
            <p>
              <FormattedMessage id={error} />
            </p>
          </Notice>
        )}
        <div className="actions">
          <button type="submit" className="btn" disabled={busy}>
            {busy ? <FormattedMessage id="followup.opening" /> : <FormattedMessage id="followup.open" />}
          </button>
        </div>
      </form>
    </StepFrame>
  )
}

function ReportReadBack({ report }: { report: ReportPlaintext }) {
  const intl = useIntl()
  const t = (id: string) => intl.formatMessage({ id })
  const a = report.answers
  const facts = [
    a.subject ? t(SUBJECT_LABELS[a.subject]) : null,
    a.tactics.length ? a.tactics.map((x) => t(TACTIC_LABELS[x])).join('; ') : null,
    a.hostCountry && a.hostCountry.length === 2 ? countryName(a.hostCountry, intl.locale) : null,
    a.originState && a.originState.length === 2 ? countryName(a.originState, intl.locale) : null,
    a.community ? t(COMMUNITY_LABELS[a.community]) : null,
  ].filter((x): x is string => x !== null)
  return (
    <>
      {facts.length > 0 && (
        <ul className="points small">
          {facts.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      )}
      {a.narrative && (
        <p className="message-text" dir="auto">
          {a.narrative}
        </p>
      )}
    </>
  )
}

function Entry({ entry, locale }: { entry: ThreadEntry; locale: string }) {
  if (entry.state === 'invalid' && entry.kind === 3) {
    return (
      <li className="notice notice-danger" role="alert" data-testid="bad-reply">
        <p>
          <strong>
            <FormattedMessage id="followup.thread.badReply" />
          </strong>
        </p>
      </li>
    )
  }
  if (entry.state === 'invalid') {
    return (
      <li className="message muted small">
        <FormattedMessage id="followup.thread.unreadable" />
      </li>
    )
  }
  if (entry.state === 'sealed') {
    return (
      <li className="message muted small">
        <FormattedMessage id="followup.thread.sealedItem" />
      </li>
    )
  }
  const body = entry.body ?? {}
  const text =
    typeof body.text === 'string' ? body.text : typeof body.message === 'string' ? body.message : ''
  const writtenOn = typeof body.writtenOn === 'string' ? body.writtenOn : null
  if (entry.kind === 3) {
    return (
      <li className="message message-reply" data-testid="reply">
        <p className="message-meta">
          <FormattedMessage
            id="followup.thread.reply"
            values={{ name: <bdi>{entry.authorName ?? ''}</bdi> }}
          />
          {writtenOn && <> · {dateOf(writtenOn)}</>}
        </p>
        <p className="message-text" dir="auto">
          {text}
        </p>
      </li>
    )
  }
  if (entry.kind === 7) {
    const name = typeof body.name === 'string' ? body.name.replace(/[\p{Cc}\p{Cf}]/gu, '') : ''
    const size = typeof body.size === 'number' ? formatBytes(body.size, locale) : ''
    return (
      <li className="message message-own small">
        <FormattedMessage id="followup.thread.yourFile" values={{ name: <bdi>{name}</bdi>, size }} />
      </li>
    )
  }
  if (body.type === 'contact') {
    return (
      <li className="message muted small">
        <FormattedMessage id="followup.thread.sealedItem" />
      </li>
    )
  }
  return (
    <li className="message message-own" data-testid="own-message">
      <p className="message-meta">
        <FormattedMessage id="followup.thread.yourMessage" />
        {writtenOn && <> · {dateOf(writtenOn)}</>}
      </p>
      <p className="message-text" dir="auto">
        {text}
      </p>
    </li>
  )
}

function Thread({
  trust,
  view,
  onRefresh,
  onClose,
  onErased,
}: {
  trust: Trust
  view: CaseView
  onRefresh: () => Promise<void>
  onClose: () => void
  onErased: () => void
}) {
  const intl = useIntl()
  const messageId = useId()
  const [draft, setDraft] = useState('')
  const [sending, setSending] = useState(false)
  const [messageState, setMessageState] = useState<null | 'sent' | 'error' | 'quota'>(null)
  const [files, setFiles] = useState<PickedFile[]>([])
  const [uploadFiles, setUploadFiles] = useState<PickedFile[]>([])
  const [proof, setProof] = useState<ProofCheck | null>(null)
  const [eraseOpen, setEraseOpen] = useState(false)
  const [eraseConfirmed, setEraseConfirmed] = useState(false)
  const [eraseError, setEraseError] = useState(false)
  const uploads = useUploads(view.session, uploadFiles)

  useEffect(() => onWipe(() => setDraft('')), [])
  useEffect(() => {
    if (uploadFiles.length > 0) void uploads.run()
  }, [uploadFiles, uploads.run])
  useLeaveWarning(draft.trim() !== '' || (uploadFiles.length > 0 && !uploads.allDone))

  const sendMessage = async () => {
    if (!view.session || draft.trim() === '') return
    setSending(true)
    setMessageState(null)
    try {
      await view.session.postMessage(draft.trim())
      setDraft('')
      setMessageState('sent')
      await onRefresh()
    } catch (e) {
      setMessageState(e instanceof ApiError && (e.status === 413 || e.status === 429) ? 'quota' : 'error')
    } finally {
      setSending(false)
    }
  }

  const erase = async () => {
    setEraseError(false)
    try {
      await api.erase({ lookupId: view.keys.lookupId, authToken: view.keys.authToken })
      onErased()
    } catch {
      setEraseError(true)
    }
  }

  const replies = view.entries.filter((e) => e.kind === 3)
  const canWrite = view.session !== null

  return (
    <StepFrame focusKey="thread" title={<FormattedMessage id="followup.thread.title" />}>
      <p className="muted">
        <FormattedMessage id="followup.thread.receivedOn" values={{ date: dateOf(view.receivedOn) }} />
      </p>

      <section className="card" aria-labelledby="own-report">
        <h2 id="own-report">
          <FormattedMessage id="followup.thread.yourReport" />
        </h2>
        {view.report ? (
          <ReportReadBack report={view.report} />
        ) : (
          <p className="muted">
            <FormattedMessage id="followup.thread.reportSealed" />
          </p>
        )}
      </section>

      <ul className="thread" aria-label={intl.formatMessage({ id: 'followup.thread.title' })}>
        {view.entries.map((entry) => (
          <Entry key={entry.seq} entry={entry} locale={intl.locale} />
        ))}
      </ul>
      {replies.length === 0 && (
        <Notice tone="info">
          <p>
            <FormattedMessage id="followup.thread.empty" />
          </p>
        </Notice>
      )}

      {canWrite && (
        <section className="card" aria-labelledby={`${messageId}-h`}>
          <h2 id={`${messageId}-h`}>
            <FormattedMessage id="followup.message.title" />
          </h2>
          <form
            onSubmit={(e) => {
              e.preventDefault()
              void sendMessage()
            }}
          >
            <div className="field">
              <label htmlFor={messageId}>
                <FormattedMessage id="followup.message.label" />
              </label>
              <textarea
                id={messageId}
                dir="auto"
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
                maxLength={20_000}
              />
            </div>
            <div aria-live="polite">
              {messageState === 'sent' && (
                <Notice tone="ok">
                  <p>
                    <FormattedMessage id="followup.message.sent" />
                  </p>
                </Notice>
              )}
              {messageState === 'error' && (
                <Notice tone="danger">
                  <p>
                    <FormattedMessage id="app.networkError" />
                  </p>
                </Notice>
              )}
              {messageState === 'quota' && (
                <Notice tone="warn">
                  <p>
                    <FormattedMessage id="followup.message.quota" />
                  </p>
                </Notice>
              )}
            </div>
            <div className="actions">
              <button type="submit" className="btn" disabled={sending || draft.trim() === ''}>
                <FormattedMessage id={sending ? 'intake.review.sending' : 'followup.message.send'} />
              </button>
            </div>
          </form>
        </section>
      )}

      {canWrite && (
        <section className="card" aria-labelledby="add-files">
          <h2 id="add-files">
            <FormattedMessage id="followup.files.title" />
          </h2>
          <FilePicker files={files} onChange={setFiles} maxFileBytes={trust.limits.maxFileBytes} />
          {files.length > 0 && (
            <div className="actions">
              <button
                type="button"
                className="btn"
                disabled={!filesReady(files)}
                onClick={() => {
                  setUploadFiles([...uploadFiles, ...files])
                  setFiles([])
                }}
              >
                <FormattedMessage id="followup.message.send" />
              </button>
            </div>
          )}
          {uploadFiles.length > 0 && <UploadList files={uploadFiles} progress={uploads.progress} />}
          {uploads.anyFailed && (
            <Notice tone="warn">
              <p>
                <FormattedMessage id="intake.upload.someFailed" />
              </p>
              <button type="button" className="btn btn-secondary" onClick={() => void uploads.run()}>
                <FormattedMessage id="intake.upload.retry" />
              </button>
            </Notice>
          )}
        </section>
      )}

      <section className="card" aria-labelledby="proof">
        <h2 id="proof">
          <FormattedMessage id="followup.proof.title" />
        </h2>
        {proof === null ? (
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() =>
              setProof(checkProof(trust, view.proof, view.keys.lookupId, view.reportEnvelope ?? undefined))
            }
          >
            <FormattedMessage id="followup.proof.show" />
          </button>
        ) : proof.valid ? (
          <Notice tone="ok">
            <p>
              <FormattedMessage id="followup.proof.valid" values={{ date: dateOf(proof.receivedOn) }} />
            </p>
            <p className="proof-hash">
              <FormattedMessage id="followup.proof.hash" values={{ hash: proof.hash }} />
            </p>
          </Notice>
        ) : (
          <Notice tone="danger">
            <p>
              <FormattedMessage id="followup.proof.invalid" />
            </p>
          </Notice>
        )}
      </section>

      <section className="card" aria-labelledby="erase">
        <h2 id="erase">
          <FormattedMessage id="followup.erase.title" />
        </h2>
        <p>
          <FormattedMessage id="followup.erase.lead" />
        </p>
        <ul className="points">
          <li>
            {trust.backupDays !== undefined ? (
              <FormattedMessage id="followup.erase.backups" values={{ days: trust.backupDays }} />
            ) : (
              <FormattedMessage id="followup.erase.backupsUnknown" />
            )}
          </li>
          <li>
            <FormattedMessage id="followup.erase.caseworkers" />
          </li>
        </ul>
        {!eraseOpen ? (
          <button type="button" className="btn btn-secondary" onClick={() => setEraseOpen(true)}>
            <FormattedMessage id="followup.erase.start" />
          </button>
        ) : (
          <div className="notice notice-danger">
            <label className="choice">
              <input
                type="checkbox"
                checked={eraseConfirmed}
                onChange={(e) => setEraseConfirmed(e.target.checked)}
              />
              <span>
                <FormattedMessage id="followup.erase.confirmLabel" />
              </span>
            </label>
            <div className="actions">
              <button type="button" className="btn btn-secondary" onClick={() => setEraseOpen(false)}>
                <FormattedMessage id="app.cancel" />
              </button>
              <button
                type="button"
                className="btn btn-danger"
                disabled={!eraseConfirmed}
                onClick={() => void erase()}
              >
                <FormattedMessage id="followup.erase.confirm" />
              </button>
            </div>
            {eraseError && (
              <p className="field-error" role="alert">
                <FormattedMessage id="app.networkError" />
              </p>
            )}
          </div>
        )}
      </section>

      <div className="actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          <FormattedMessage id="followup.leave" />
        </button>
      </div>
    </StepFrame>
  )
}
