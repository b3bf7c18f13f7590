/**
 * @module web/intake/IntakeApp
 * The guided intake form (DESIGN §8): one question per screen, state in memory only, steps
 * replace each other without touching history (one history entry: DESIGN §4), then the sealed
 * submission, the receipt shown once, and evidence uploads.
 *
 * Submission order: receipt code generated here → keys derived → report sealed to the chosen
 * desk's current key (plus the reporter's own key only if they chose read-back) → POST
 * /api/reports with proof of work (re-solved and resent on `409 pow_spent`/`pow_expired`; a network failure
 * resends the very same envelope and lookup id, which the server answers idempotently) → the
 * contact channel, if any, as a separate desk-only item → receipt → files.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { FormattedMessage, useIntl } from 'react-intl'
import type { SubmitReportRequest } from '../../api/contract/reporter.ts'
import { toBase64 } from '../../crypto/bytes.ts'
import type { DeskKey } from '../../crypto/statements.ts'
import { ApiError, api } from '../shared/api.ts'
import { CaseSession, withPow } from '../shared/case-session.ts'
import { filesReady, GroupedCode, Notice, StepFrame } from '../shared/components.tsx'
import { RiskNotes } from '../shared/context/RiskNotes.tsx'
import { useReporterContext } from '../shared/context/reporter-context.ts'
import { countryName } from '../shared/countries.ts'
import { formatMonthYear, formatYear } from '../shared/dates.ts'
import { useLocale } from '../shared/i18n.tsx'
import { PageLink, useLeaveWarning } from '../shared/layout.tsx'
import { PowSolver } from '../shared/pow.ts'
import { onWipe, quickExit } from '../shared/quick-exit.ts'
import { MAX_NARRATIVE_CHARS } from '../shared/report-schema.ts'
import {
  type NewReceipt,
  newReceipt,
  reporterPublicKeys,
  sealReportEnvelope,
  type Trust,
} from '../shared/reporter-crypto.ts'
import { useTrust } from '../shared/use-trust.ts'
import { type Answers, buildReport, EARLIEST_YEAR, EMPTY_ANSWERS, hasContent } from './answers.ts'
import { COMMUNITY_LABELS, ONGOING_LABELS, SUBJECT_LABELS, TACTIC_LABELS } from './labels.ts'
import {
  ChoicesQuestion,
  CommunityQuestion,
  ContactQuestion,
  FilesQuestion,
  StateQuestion,
  StoryQuestion,
  UrgencyQuestion,
  WhatQuestion,
  WhenQuestion,
  WhereQuestion,
  WhoQuestion,
} from './questions.tsx'
import { ReceiptStep } from './ReceiptStep.tsx'
import { UploadPanel } from './UploadStep.tsx'

const QUESTIONS = [
  'who',
  'what',
  'when',
  'urgency',
  'where',
  'state',
  'community',
  'story',
  'files',
  'contact',
  'choices',
  'review',
] as const
type Question = (typeof QUESTIONS)[number]
type Step = 'welcome' | Question | 'receipt' | 'upload' | 'done'

const TITLES: Record<Question, string> = {
  who: 'intake.who.title',
  what: 'intake.what.title',
  when: 'intake.when.title',
  urgency: 'intake.urgency.title',
  where: 'intake.where.title',
  state: 'intake.state.title',
  community: 'intake.community.title',
  story: 'intake.story.title',
  files: 'intake.files.title',
  contact: 'intake.contact.title',
  choices: 'intake.choices.title',
  review: 'intake.review.title',
}

const HELP: Partial<Record<Question, string>> = {
  what: 'intake.what.help',
  when: 'intake.when.help',
  where: 'intake.where.help',
  state: 'intake.state.help',
  community: 'intake.community.help',
  story: 'intake.story.help',
  files: 'intake.files.help',
  contact: 'intake.contact.help',
  review: 'intake.review.lead',
}

interface Sent {
  receipt: NewReceipt
  receivedOn: string
  session: CaseSession
}

/** What a retry must resend unchanged (idempotent submission, DESIGN §5). */
interface PendingSubmission {
  receipt: NewReceipt
  body: Omit<SubmitReportRequest, 'pow'>
  desk: DeskKey
  readBack: boolean
}

export function IntakeApp() {
  const trustState = useTrust()
  const pow = useMemo(() => new PowSolver(), [])
  const [step, setStep] = useState<Step>('welcome')
  const [answers, setAnswers] = useState<Answers>(EMPTY_ANSWERS)
  const [returnToReview, setReturnToReview] = useState(false)
  const [showErrors, setShowErrors] = useState(false)
  const [sending, setSending] = useState<null | 'pow' | 'send'>(null)
  const [sendError, setSendError] = useState<string | null>(null)
  const [sent, setSent] = useState<Sent | null>(null)
  const [receiptShown, setReceiptShown] = useState(false)
  const [contactFailed, setContactFailed] = useState(false)
  const pending = useRef<PendingSubmission | null>(null)
  /** Kept until the desk-only contact item is posted, so a failure can be retried. */
  const contactToSend = useRef('')
  const { locale } = useLocale()

  // Proof of work starts as soon as the form opens (DESIGN §5).
  useEffect(() => {
    pow.prepare()
    return () => pow.dispose()
  }, [pow])

  // Quick exit forgets everything this page holds.
  useEffect(
    () =>
      onWipe(() => {
        setAnswers(EMPTY_ANSWERS)
        sent?.session.wipe()
        pending.current = null
        contactToSend.current = ''
        setSent(null)
      }),
    [sent],
  )

  useLeaveWarning((hasContent(answers) && step !== 'done') || step === 'receipt' || step === 'upload')

  const update = useCallback((patch: Partial<Answers>) => setAnswers((a) => ({ ...a, ...patch })), [])

  const trust = trustState.status === 'ready' ? trustState.trust : null
  // Loaded once the key is trusted, before any choice: the request never depends on an answer.
  const context = useReporterContext(trust)

  const go = (next: Step) => {
    setShowErrors(false)
    setStep(next)
  }

  const nextOf = (q: Question): Step => {
    if (returnToReview && q !== 'review') return 'review'
    const i = QUESTIONS.indexOf(q)
    return QUESTIONS[i + 1] ?? 'review'
  }

  const choicesComplete = (a: Answers, t: Trust) =>
    a.readBack !== null && a.statisticsConsent !== null && (t.desks.length === 1 || a.deskId !== null)

  const desk = trust
    ? trust.desks.length === 1
      ? trust.desks[0]
      : trust.desks.find((d) => d.deskId === answers.deskId)
    : undefined

  const postContact = useCallback(async (session: CaseSession, contact: string) => {
    try {
      await session.postContact(contact)
      contactToSend.current = ''
      setContactFailed(false)
    } catch {
      setContactFailed(true)
    }
  }, [])

  const submit = async () => {
    if (!trust || !desk || answers.readBack === null) return
    setSendError(null)
    setSending('pow')
    try {
      let submission = pending.current
      if (!submission || submission.desk.deskId !== desk.deskId || submission.readBack !== answers.readBack) {
        const receipt = newReceipt()
        const keys = reporterPublicKeys(receipt.keys)
        const report = buildReport(answers, {
          language: locale,
          deskId: desk.deskId,
          ...keys,
          filesToFollow: answers.files.length,
        })
        const recipients = answers.readBack
          ? [desk.publicKey, receipt.keys.reporterPublicKey]
          : [desk.publicKey]
        const envelope = sealReportEnvelope({ recipients, lookupId: receipt.keys.lookupId, report })
        if (envelope.length > trust.limits.maxReportBytes) {
          setSendError('intake.review.tooLarge')
          setSending(null)
          return
        }
        submission = {
          receipt,
          desk,
          readBack: answers.readBack,
          body: {
            deskId: desk.deskId,
            lookupId: receipt.keys.lookupId,
            authToken: receipt.keys.authToken,
            ...keys,
            envelope: toBase64(envelope),
          },
        }
        pending.current = submission
      }
      const body = submission.body
      const result = await withPow(pow, async (solution) => {
        setSending('send')
        return api.submitReport({ ...body, pow: solution })
      })
      const session = new CaseSession({
        keys: submission.receipt.keys,
        desk: submission.desk,
        readBack: submission.readBack,
        nextSeq: 1,
        pow,
      })
      pending.current = null
      contactToSend.current = answers.contact.trim()
      if (contactToSend.current !== '') await postContact(session, contactToSend.current)
      setSent({ receipt: submission.receipt, receivedOn: result.receivedOn, session })
      setReceiptShown(true)
      // The form's answers are no longer needed: forget them (files stay until uploaded).
      setAnswers((a) => ({ ...EMPTY_ANSWERS, files: a.files }))
      go('receipt')
    } catch (error) {
      if (error instanceof ApiError && error.status === 413) setSendError('intake.review.tooLarge')
      else if (error instanceof ApiError && error.status === 429) setSendError('app.rateLimited')
      else if (error instanceof ApiError && error.status === 0) setSendError('app.networkError')
      else setSendError('intake.review.failed')
    } finally {
      setSending(null)
    }
  }

  if (step === 'welcome') return <Welcome trustState={trustState} onStart={() => go('who')} />

  if (step === 'receipt' && sent && receiptShown) {
    return (
      <ReceiptStep
        display={sent.receipt.display}
        receivedOn={sent.receivedOn}
        contactFailed={contactFailed}
        onRetryContact={() => void postContact(sent.session, contactToSend.current)}
        onContinue={() => {
          // Shown once: drop the code from what this page renders.
          setReceiptShown(false)
          go(answers.files.length > 0 ? 'upload' : 'done')
        }}
      />
    )
  }

  if (step === 'upload' && sent) {
    return (
      <StepFrame
        focusKey="upload"
        title={<FormattedMessage id="intake.upload.title" />}
        help={<FormattedMessage id="intake.upload.lead" />}
      >
        <UploadPanel session={sent.session} files={answers.files} onFinished={() => undefined} />
        <div className="actions">
          <button type="button" className="btn" onClick={() => go('done')}>
            <FormattedMessage id="app.next" />
          </button>
        </div>
      </StepFrame>
    )
  }

  if (step === 'done' || step === 'receipt' || step === 'upload') {
    return <Done />
  }

  if (!trust) return <Welcome trustState={trustState} onStart={() => undefined} />

  const index = QUESTIONS.indexOf(step)
  const progress = { current: index + 1, total: QUESTIONS.length }

  const onNext = () => {
    if (step === 'choices' && !choicesComplete(answers, trust)) {
      setShowErrors(true)
      return
    }
    if (step === 'story' && answers.narrative.length > MAX_NARRATIVE_CHARS) return
    if (step === 'files' && !filesReady(answers.files)) return
    go(nextOf(step))
  }
  const onBack = () => {
    if (index === 0) go('welcome')
    else go(QUESTIONS[index - 1] ?? 'welcome')
  }

  return (
    <StepFrame
      focusKey={step}
      title={<FormattedMessage id={TITLES[step]} />}
      help={HELP[step] ? <FormattedMessage id={HELP[step]} /> : undefined}
      progress={progress}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (step === 'review') void submit()
          else onNext()
        }}
        noValidate
      >
        {step === 'who' && <WhoQuestion answers={answers} update={update} />}
        {step === 'what' && <WhatQuestion answers={answers} update={update} />}
        {step === 'when' && <WhenQuestion answers={answers} update={update} />}
        {step === 'urgency' && <UrgencyQuestion answers={answers} update={update} />}
        {step === 'where' && <WhereQuestion answers={answers} update={update} />}
        {step === 'state' && <StateQuestion answers={answers} update={update} />}
        {step === 'state' && (
          <RiskNotes host={answers.hostCountry} origin={answers.originState} data={context.data} />
        )}
        {step === 'community' && <CommunityQuestion answers={answers} update={update} />}
        {step === 'story' && <StoryQuestion answers={answers} update={update} />}
        {step === 'files' && (
          <FilesQuestion
            answers={answers}
            update={update}
            maxFileBytes={trust.limits.maxFileBytes}
            onLater={() => go(nextOf('files'))}
          />
        )}
        {step === 'contact' && <ContactQuestion answers={answers} update={update} />}
        {step === 'choices' && (
          <ChoicesQuestion answers={answers} update={update} desks={trust.desks} showErrors={showErrors} />
        )}
        {step === 'review' && (
          <Review
            answers={answers}
            deskName={desk?.name ?? ''}
            onEdit={(q) => {
              setReturnToReview(true)
              go(q)
            }}
          />
        )}
        {step === 'review' && sending && (
          <p className="muted" role="status">
            <span className="spinner" aria-hidden="true" />{' '}
            <FormattedMessage id={sending === 'pow' ? 'intake.review.powWaiting' : 'intake.review.sending'} />
          </p>
        )}
        {step === 'review' && sendError && (
          <Notice tone="danger" role="alert">
            <p>
              <FormattedMessage id={sendError} />
            </p>
          </Notice>
        )}
        <div className="actions">
          <button type="button" className="btn btn-secondary" onClick={onBack} disabled={sending !== null}>
            <FormattedMessage id="app.back" />
          </button>
          <span className="spacer" />
          {step === 'review' ? (
            <button
              type="submit"
              className="btn"
              disabled={sending !== null || !choicesComplete(answers, trust)}
            >
              <FormattedMessage id="intake.review.send" />
            </button>
          ) : (
            <button type="submit" className="btn">
              <FormattedMessage id="app.next" />
            </button>
          )}
        </div>
      </form>
    </StepFrame>
  )
}

function Welcome({ trustState, onStart }: { trustState: ReturnType<typeof useTrust>; onStart: () => void }) {
  return (
    <StepFrame focusKey="welcome" title={<FormattedMessage id="intake.welcome.title" />}>
      <p className="lead">
        <FormattedMessage id="intake.welcome.lead" />
      </p>
      <ul className="points">
        <li>
          <FormattedMessage id="intake.welcome.point1" />
        </li>
        <li>
          <FormattedMessage id="intake.welcome.point2" />
        </li>
        <li>
          <FormattedMessage id="intake.welcome.point3" />
        </li>
      </ul>
      {trustState.status === 'loading' && (
        <p className="muted" role="status">
          <span className="spinner" aria-hidden="true" /> <FormattedMessage id="trust.loading" />
        </p>
      )}
      {trustState.status === 'failed' && (
        <Notice tone="danger" role="alert">
          <h2>
            <FormattedMessage id="trust.failedTitle" />
          </h2>
          <p>
            <FormattedMessage
              id={
                trustState.reason === 'pin'
                  ? 'trust.failedPin'
                  : trustState.reason === 'expired'
                    ? 'trust.failedExpired'
                    : trustState.reason === 'network'
                      ? 'trust.failedNetwork'
                      : 'trust.failedDirectory'
              }
            />
          </p>
        </Notice>
      )}
      {trustState.status === 'ready' && (
        <>
          <div className="actions">
            <button type="button" className="btn btn-wide" onClick={onStart}>
              <FormattedMessage id="intake.welcome.start" />
            </button>
          </div>
          <div className="notice notice-info safety-code-box">
            <div className="safety-code">
              <strong id="safety-code-label">
                <FormattedMessage id="trust.safetyCodeLabel" />
              </strong>
              <GroupedCode code={trustState.trust.safetyCode} testId="safety-code" />
            </div>
            <p className="small">
              <FormattedMessage id="trust.safetyCodeHelp" />
            </p>
            {trustState.trust.pinned && (
              <p className="small">
                <FormattedMessage id="trust.pinned" />
              </p>
            )}
          </div>
        </>
      )}
      <p>
        <PageLink to="safety">
          <FormattedMessage id="intake.welcome.safetyLink" />
        </PageLink>
      </p>
    </StepFrame>
  )
}

function Review({
  answers,
  deskName,
  onEdit,
}: {
  answers: Answers
  deskName: string
  onEdit: (q: Question) => void
}) {
  const intl = useIntl()
  const t = (id: string, values?: Record<string, string | number>) => intl.formatMessage({ id }, values)
  const empty = t('intake.review.empty')
  const country = (code: string, special: Record<string, string>) =>
    code === '' ? empty : (special[code] ?? countryName(code, intl.locale))

  const when = (() => {
    if (answers.whenNotSure) return t('intake.when.notSure')
    if (answers.whenYear === '') return empty
    // The same calendar and digits as the month and year pickers (web/shared/dates.ts).
    if (answers.whenYear === 'before')
      return t('intake.when.earlier', { year: formatYear(EARLIEST_YEAR, intl.locale) })
    if (answers.whenMonth === '') return formatYear(Number(answers.whenYear), intl.locale)
    return formatMonthYear(intl, Number(answers.whenYear), Number(answers.whenMonth))
  })()

  const rows: { q: Question; value: string }[] = [
    {
      q: 'who',
      value: answers.subject
        ? t(SUBJECT_LABELS[answers.subject]) +
          (answers.whereaboutsUnknown && answers.subject !== 'self'
            ? ` — ${t('intake.who.whereabouts')}`
            : '')
        : empty,
    },
    {
      q: 'what',
      value: answers.tactics.length ? answers.tactics.map((x) => t(TACTIC_LABELS[x])).join('; ') : empty,
    },
    { q: 'when', value: when },
    {
      q: 'urgency',
      value:
        [
          answers.ongoing ? t(ONGOING_LABELS[answers.ongoing]) : null,
          answers.urgent === true ? t('intake.urgency.urgentYes') : null,
        ]
          .filter(Boolean)
          .join('; ') || empty,
    },
    { q: 'where', value: country(answers.hostCountry, { undisclosed: t('intake.where.preferNot') }) },
    { q: 'state', value: country(answers.originState, { unknown: t('intake.state.notSure') }) },
    { q: 'community', value: answers.community ? t(COMMUNITY_LABELS[answers.community]) : empty },
    { q: 'story', value: answers.narrative.trim() || empty },
    { q: 'files', value: t('intake.review.filesCount', { count: answers.files.length }) },
    { q: 'contact', value: answers.contact.trim() || empty },
  ]

  return (
    <>
      <dl className="review">
        {rows.map((row) => (
          <div className="review-row" key={row.q}>
            <dt>{t(TITLES[row.q])}</dt>
            <dd>
              <span dir="auto">{row.value.length > 400 ? `${row.value.slice(0, 400)}…` : row.value}</span>
              <button
                type="button"
                className="btn-link"
                onClick={() => onEdit(row.q)}
                aria-label={`${t('intake.review.edit')}: ${t(TITLES[row.q])}`}
              >
                <FormattedMessage id="intake.review.edit" />
              </button>
            </dd>
          </div>
        ))}
      </dl>
      <Notice tone="info">
        <h2>
          <FormattedMessage id="intake.review.whoReadsTitle" />
        </h2>
        <ul className="points">
          <li>
            <FormattedMessage
              id="intake.review.whoReads1"
              values={{ desk: <strong dir="auto">{deskName}</strong> }}
            />
          </li>
          <li>
            <FormattedMessage id="intake.review.whoReads2" />
          </li>
          <li>
            <FormattedMessage
              id={answers.readBack ? 'intake.review.whoReadsReadBack' : 'intake.review.whoReadsNoReadBack'}
            />
          </li>
        </ul>
      </Notice>
    </>
  )
}

function Done() {
  return (
    <StepFrame focusKey="done" title={<FormattedMessage id="intake.done.title" />}>
      <p className="lead">
        <FormattedMessage id="intake.done.lead" />
      </p>
      <div className="actions">
        <PageLink to="followup" className="btn btn-secondary">
          <FormattedMessage id="intake.done.followup" />
        </PageLink>
        <PageLink to="safety" className="btn btn-secondary">
          <FormattedMessage id="intake.done.safety" />
        </PageLink>
        <button type="button" className="btn btn-danger" onClick={quickExit}>
          <FormattedMessage id="intake.done.leave" />
        </button>
      </div>
    </StepFrame>
  )
}
