/**
 * @module web/console/queue/BulkClose
 * "Close selected" (issue 5 "bulk close"): after a confirmation, each selected case is closed by
 * its own triage request carrying its own browser-signed audit entry (`audited` + `signAudit`,
 * as the case view does), one after the other so each entry chains onto the last. Progress is
 * shown as it goes; cases that fail are listed with the reason, the others stay closed.
 */
import { useState } from 'react'
import { api, audited } from '../api.ts'
import { signAudit } from '../keys.ts'
import { Alert, errorText, type Session, useT } from '../ui.tsx'

type Outcome = { closed: string[]; failed: { id: string; reason: string }[] }

export function BulkClose(props: {
  session: Session
  selected: string[]
  receivedOf: (id: string) => string
  onClosed: (ids: string[]) => void
}) {
  const t = useT()
  const { session, selected } = props
  const [confirming, setConfirming] = useState(false)
  const [running, setRunning] = useState<{ done: number; total: number } | undefined>()
  const [outcome, setOutcome] = useState<Outcome | undefined>()

  const run = async () => {
    setConfirming(false)
    setOutcome(undefined)
    const ids = [...selected]
    const result: Outcome = { closed: [], failed: [] }
    setRunning({ done: 0, total: ids.length })
    for (const [i, id] of ids.entries()) {
      try {
        await audited(
          (head) =>
            signAudit(session.backend, {
              signingSeed: session.ring.signingSeed,
              actor: session.ring.userId,
              action: 'case.status',
              target: id,
              head,
              now: new Date(),
            }),
          (audit) => api.triage(id, { status: 'closed', audit }),
        )
        result.closed.push(id)
      } catch (error) {
        result.failed.push({ id, reason: errorText(t, error) })
      }
      setRunning({ done: i + 1, total: ids.length })
    }
    setRunning(undefined)
    setOutcome(result)
    props.onClosed(result.closed)
  }

  return (
    <div className="bulk">
      {running === undefined && selected.length > 0 && !confirming && (
        <div className="bulk-bar">
          <span>{t('queue.selected', { count: selected.length })}</span>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            {t('queue.closeSelected')}
          </button>
        </div>
      )}
      {confirming && (
        <div className="bulk-bar confirm" role="alertdialog" aria-label={t('queue.closeSelected')}>
          <span>{t('queue.closeConfirm', { count: selected.length })}</span>
          <button type="button" className="danger" onClick={() => void run()}>
            {t('queue.closeConfirmYes', { count: selected.length })}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            {t('queue.cancel')}
          </button>
        </div>
      )}
      {running !== undefined && (
        <p role="status" className="bulk-bar">
          {t('queue.closing', { done: running.done, total: running.total })}
          <progress value={running.done} max={running.total} />
        </p>
      )}
      {outcome !== undefined && outcome.failed.length === 0 && (
        <Alert kind="success">{t('queue.closedAll', { count: outcome.closed.length })}</Alert>
      )}
      {outcome !== undefined && outcome.failed.length > 0 && (
        <Alert kind="warning">
          {t('queue.closedSome', { closed: outcome.closed.length, failed: outcome.failed.length })}
          <ul>
            {outcome.failed.map((f) => (
              <li key={f.id}>
                {t('queue.closeFailure', {
                  date: props.receivedOf(f.id),
                  id: f.id.slice(0, 8),
                  reason: f.reason,
                })}
              </li>
            ))}
          </ul>
        </Alert>
      )}
    </div>
  )
}
