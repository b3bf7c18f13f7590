/**
 * @module web/console/admin/Retention
 * Retention per desk (DESIGN §6, issue 5): how long closed cases are kept before the server's
 * retention job erases them (or "until purged by hand"), and "purge now" with the count shown
 * first and a confirmation. Both are signed in this browser for the audit log; the server adds a
 * server-signed entry per erased case. Also says whether the daily e-mail digest is on.
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react'
import { MAX_RETENTION_DAYS, type RetentionResponse } from '../../../api/contract/retention.ts'
import { ApiError, audited, retentionApi } from '../api.ts'
import { signAudit } from '../keys.ts'
import { Alert, errorText, type Session, useT } from '../ui.tsx'

type DeskRow = RetentionResponse['desks'][number]
type Draft = { mode: 'days' | 'manual'; days: string }

const draftOf = (desk: DeskRow): Draft =>
  desk.retentionDays === null
    ? { mode: 'manual', days: '365' }
    : { mode: 'days', days: String(desk.retentionDays) }

/** The period a draft asks for, or undefined when the number is not a whole number in range. */
function periodOf(draft: Draft): number | null | undefined {
  if (draft.mode === 'manual') return null
  if (!/^[0-9]{1,5}$/.test(draft.days)) return undefined
  const days = Number(draft.days)
  return days >= 1 && days <= MAX_RETENTION_DAYS ? days : undefined
}

export function Retention({ session }: { session: Session }) {
  const t = useT()
  const { backend, ring } = session
  const [data, setData] = useState<RetentionResponse | undefined>()
  const [drafts, setDrafts] = useState<Record<string, Draft>>({})
  const [confirming, setConfirming] = useState<DeskRow | undefined>()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const [notice, setNotice] = useState<string | undefined>()

  /** Reloads; unsaved edits of other desks survive, `saved` shows what the server now holds. */
  const load = useCallback(
    (saved?: string) =>
      retentionApi.retention().then(
        (answer) => {
          setData(answer)
          setDrafts((previous) =>
            Object.fromEntries(
              answer.desks.map((d) => [
                d.deskId,
                (d.deskId === saved ? undefined : previous[d.deskId]) ?? draftOf(d),
              ]),
            ),
          )
        },
        (e: unknown) => setError(errorText(t, e)),
      ),
    [t],
  )
  useEffect(() => {
    void load()
  }, [load])

  const sign = (action: string, target: string) => (head: { seq: number; headHash: string }) =>
    signAudit(backend, {
      signingSeed: ring.signingSeed,
      actor: ring.userId,
      action,
      target,
      head,
      now: new Date(),
    })

  const save = async (event: FormEvent, desk: DeskRow) => {
    event.preventDefault()
    const draft = drafts[desk.deskId]
    const retentionDays = draft === undefined ? undefined : periodOf(draft)
    setError(undefined)
    setNotice(undefined)
    if (retentionDays === undefined) return setError(t('retention.badDays', { max: MAX_RETENTION_DAYS }))
    setBusy(true)
    try {
      await audited(sign('desk.retention', desk.deskId), (audit) =>
        retentionApi.setRetention(desk.deskId, { retentionDays, audit }),
      )
      setNotice(
        retentionDays === null
          ? t('retention.savedManual', { desk: desk.name })
          : t('retention.saved', { desk: desk.name, days: retentionDays }),
      )
      setConfirming(undefined)
      await load(desk.deskId)
    } catch (e) {
      setError(errorText(t, e))
    } finally {
      setBusy(false)
    }
  }

  const purge = async (desk: DeskRow) => {
    setError(undefined)
    setNotice(undefined)
    setBusy(true)
    try {
      const answer = await audited(sign('retention.purge', desk.deskId), (audit) =>
        retentionApi.purgeNow(desk.deskId, { expected: desk.due, audit }),
      )
      setNotice(t('retention.purged', { count: answer.purged, desk: desk.name }))
    } catch (e) {
      // Someone closed, reopened or erased a case since the count was shown: show the new count.
      setError(e instanceof ApiError && e.code === 'conflict' ? t('retention.countChanged') : errorText(t, e))
    } finally {
      setConfirming(undefined)
      setBusy(false)
      await load()
    }
  }

  return (
    <div className="card" data-testid="retention">
      <h2>{t('retention.title')}</h2>
      <p className="muted">{t('retention.why')}</p>
      {error && <Alert kind="error">{error}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      <ul className="plain users">
        {data?.desks.map((desk) => {
          const draft = drafts[desk.deskId] ?? draftOf(desk)
          const setDraft = (next: Partial<Draft>) =>
            setDrafts((all) => ({ ...all, [desk.deskId]: { ...draft, ...next } }))
          return (
            <li key={desk.deskId} data-testid={`retention-${desk.deskId}`}>
              <div className="vet">
                <div>
                  <strong>{desk.name}</strong>
                </div>
                <div className="muted">
                  {desk.retentionDays === null
                    ? t('retention.policyManual')
                    : t('retention.policyDays', { days: desk.retentionDays })}{' '}
                  {t('retention.counts', { closed: desk.closed, due: desk.due })}
                </div>
                <form className="inline-form" noValidate onSubmit={(event) => save(event, desk)}>
                  <fieldset>
                    <legend>{t('retention.keep')}</legend>
                    <label className="check">
                      <input
                        type="radio"
                        name={`mode-${desk.deskId}`}
                        checked={draft.mode === 'days'}
                        onChange={() => setDraft({ mode: 'days' })}
                      />
                      {t('retention.forDays')}
                    </label>
                    <label className="check">
                      <input
                        type="radio"
                        name={`mode-${desk.deskId}`}
                        checked={draft.mode === 'manual'}
                        onChange={() => setDraft({ mode: 'manual' })}
                      />
                      {t('retention.untilPurged')}
                    </label>
                    {draft.mode === 'days' && (
                      <label>
                        {t('retention.days')}
                        <input
                          type="number"
                          inputMode="numeric"
                          min={1}
                          max={MAX_RETENTION_DAYS}
                          value={draft.days}
                          onChange={(e) => setDraft({ days: e.target.value })}
                        />
                      </label>
                    )}
                  </fieldset>
                  <button type="submit" disabled={busy}>
                    {t('retention.save')}
                  </button>
                </form>
                {confirming?.deskId === desk.deskId ? (
                  <Alert kind="warning">
                    <p>{t('retention.confirm', { count: desk.due, desk: desk.name })}</p>
                    <div className="actions">
                      <button type="button" className="primary" disabled={busy} onClick={() => purge(desk)}>
                        {t('retention.confirmButton', { count: desk.due })}
                      </button>
                      <button type="button" disabled={busy} onClick={() => setConfirming(undefined)}>
                        {t('retention.cancel')}
                      </button>
                    </div>
                  </Alert>
                ) : (
                  <div className="actions">
                    <button
                      type="button"
                      disabled={busy || desk.due === 0}
                      onClick={() => {
                        setNotice(undefined)
                        setConfirming(desk)
                      }}
                    >
                      {desk.retentionDays === null
                        ? t('retention.purgeAllClosed', { count: desk.due })
                        : t('retention.purgeDue', { count: desk.due })}
                    </button>
                  </div>
                )}
              </div>
            </li>
          )
        })}
      </ul>
      <p className="muted">
        {data === undefined
          ? ''
          : data.digest.enabled
            ? t('retention.digestOn', { hour: String(data.digest.hourUtc ?? 0).padStart(2, '0') })
            : t('retention.digestOff')}
      </p>
    </div>
  )
}
