/**
 * @module web/console/admin/RetireKey
 * Desk key versions and the "retire old key" job (DESIGN §5, crypto/SPEC.md §18). Per desk: who
 * holds each key version, and for an older version the job that moves every case item's slot
 * from it to the desk's current key. This browser does the re-wrapping (it holds both versions);
 * the server hands out batches, checks that only the slot changed and swaps each batch in one
 * transaction with one signed audit entry. A closed tab resumes where the server's cursor stands.
 * Once the job has finished, the old version's grants can be revoked.
 */
import { useCallback, useEffect, useState } from 'react'
import type { KeysResponse } from '../../../api/contract/keys.ts'
import { fromBase64, toBase64 } from '../../../crypto/bytes.ts'
import type { EnvelopeKind } from '../../../crypto/envelope.ts'
import { retireSlot } from '../../../crypto/retire.ts'
import { audited, keysApi } from '../api.ts'
import { randomUuid, signAudit } from '../keys.ts'
import { Alert, errorText, type Session, useT } from '../ui.tsx'

type Desk = KeysResponse['desks'][number]
type Job = KeysResponse['jobs'][number]

export function KeyVersions({ session, refresh }: { session: Session; refresh: number }) {
  const t = useT()
  const { backend, ring } = session
  const [data, setData] = useState<KeysResponse | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [notice, setNotice] = useState<string | undefined>()
  const [running, setRunning] = useState<string | undefined>()
  const [progress, setProgress] = useState<{ rewrapped: number; remaining: number } | undefined>()

  const load = useCallback(() => keysApi.keys().then(setData, (e: unknown) => setError(errorText(t, e))), [t])
  useEffect(() => {
    void refresh
    void load()
  }, [load, refresh])

  const sign = (action: string, target: string) => (head: { seq: number; headHash: string }) =>
    signAudit(backend, {
      signingSeed: ring.signingSeed,
      actor: ring.userId,
      action,
      target,
      head,
      now: new Date(),
    })

  /** Runs (or resumes) a job to its end: fetch a batch, re-wrap here, upload, until none is left. */
  const run = async (job: { id: string; deskId: string; fromVersion: number; toVersion: number }) => {
    const oldSecretKey = ring.desks.get(job.deskId)?.get(job.fromVersion)
    const newSecretKey = ring.desks.get(job.deskId)?.get(job.toVersion)
    if (oldSecretKey === undefined || newSecretKey === undefined) return setError(t('retire.needBoth'))
    setError(undefined)
    setNotice(undefined)
    setRunning(job.id)
    let rewrapped = 0
    try {
      for (;;) {
        const batch = await keysApi.retireBatch(job.id)
        setProgress({ rewrapped, remaining: batch.remaining })
        if (batch.items.length === 0) break
        const items: { itemId: string; envelope: string }[] = []
        let failed = 0
        for (const item of batch.items) {
          try {
            const swapped = retireSlot(backend, fromBase64(item.envelope), {
              kind: item.kind as EnvelopeKind,
              context: item.lookupId,
              oldSecretKey,
              newSecretKey,
            })
            items.push({ itemId: item.itemId, envelope: toBase64(swapped) })
          } catch {
            failed++
          }
        }
        if (items.length > 0) {
          const answer = await audited(sign('key.retire-batch', job.id), (audit) =>
            keysApi.uploadRetireBatch(job.id, { items, audit }),
          )
          rewrapped += answer.rewrapped
          setProgress({ rewrapped, remaining: answer.remaining })
        }
        // An item the old key does not open can never be moved: stop rather than loop on it.
        if (failed > 0) {
          setError(t('retire.unreadable', { count: failed }))
          return
        }
      }
      await audited(sign('key.retire-finish', job.id), (audit) => keysApi.finishRetire(job.id, { audit }))
      setNotice(t('retire.finished', { version: job.fromVersion, count: rewrapped }))
    } catch (e) {
      setError(errorText(t, e))
    } finally {
      setRunning(undefined)
      setProgress(undefined)
      await load()
    }
  }

  const start = async (desk: Desk, fromVersion: number, toVersion: number) => {
    setError(undefined)
    const jobId = randomUuid(backend)
    try {
      await audited(sign('key.retire-start', jobId), (audit) =>
        keysApi.startRetire({ jobId, deskId: desk.deskId, fromVersion, toVersion, audit }),
      )
    } catch (e) {
      setError(errorText(t, e))
      return
    }
    await run({ id: jobId, deskId: desk.deskId, fromVersion, toVersion })
  }

  const revoke = async (desk: Desk, version: number) => {
    setError(undefined)
    setNotice(undefined)
    try {
      await audited(sign('key.revoke-version', desk.deskId), (audit) =>
        keysApi.revokeVersion(desk.deskId, { version, audit }),
      )
      setNotice(t('retire.revoked', { version, desk: desk.name }))
      await load()
    } catch (e) {
      setError(errorText(t, e))
    }
  }

  const jobOf = (desk: Desk, version: number): Job | undefined =>
    data?.jobs.find((j) => j.deskId === desk.deskId && j.fromVersion === version)
  const holds = (deskId: string, version: number) => ring.desks.get(deskId)?.has(version) === true

  return (
    <div className="card" data-testid="key-versions">
      <h2>{t('retire.title')}</h2>
      <p className="muted">{t('retire.why')}</p>
      {error && <Alert kind="error">{error}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      {data?.desks.map((desk) => {
        const current = desk.versions.reduce((v, k) => Math.max(v, k.version), 0)
        return (
          <div key={desk.deskId} className="key-desk" data-testid={`keys-${desk.name}`}>
            <h3>{desk.name}</h3>
            {desk.oldKeyListedUntil !== null && (
              <Alert kind="warning">
                {t('retire.oldListed', { date: desk.oldKeyListedUntil.slice(0, 10) })}
              </Alert>
            )}
            <ul className="plain">
              {[...desk.versions]
                .sort((a, b) => b.version - a.version)
                .map((v) => {
                  const job = jobOf(desk, v.version)
                  const isRunning = job !== undefined && running === job.id
                  return (
                    <li key={v.version} data-testid={`version-${desk.name}-${v.version}`}>
                      <strong>{t('admin.keyVersion', { version: v.version })}</strong>
                      {v.version === current ? ` (${t('retire.current')})` : ''} —{' '}
                      {t('admin.holders', { count: v.holders })}
                      {v.version < current && job === undefined && v.holders > 0 && (
                        <div className="actions">
                          <button
                            type="button"
                            disabled={
                              running !== undefined ||
                              !holds(desk.deskId, v.version) ||
                              !holds(desk.deskId, current)
                            }
                            onClick={() => start(desk, v.version, current)}
                          >
                            {t('retire.start', { version: v.version, current })}
                          </button>
                          {(!holds(desk.deskId, v.version) || !holds(desk.deskId, current)) && (
                            <span className="muted">{t('retire.needBoth')}</span>
                          )}
                        </div>
                      )}
                      {job !== undefined && job.finishedAt === null && (
                        <div className="actions">
                          <span>
                            {isRunning && progress !== undefined
                              ? t('retire.progress', {
                                  done: job.rewrapped + progress.rewrapped,
                                  left: progress.remaining,
                                })
                              : t('retire.paused', { done: job.rewrapped, left: job.remaining })}
                          </span>
                          <button type="button" disabled={running !== undefined} onClick={() => run(job)}>
                            {isRunning ? t('retire.running') : t('retire.resume')}
                          </button>
                        </div>
                      )}
                      {job?.finishedAt != null && v.holders > 0 && (
                        <div className="actions">
                          <span>{t('retire.done', { count: job.rewrapped })}</span>
                          <button
                            type="button"
                            disabled={running !== undefined}
                            onClick={() => revoke(desk, v.version)}
                          >
                            {t('retire.revoke', { version: v.version })}
                          </button>
                        </div>
                      )}
                      {job?.finishedAt != null && v.holders === 0 && (
                        <span className="muted"> · {t('retire.retired')}</span>
                      )}
                    </li>
                  )
                })}
            </ul>
          </div>
        )
      })}
    </div>
  )
}

/**
 * The warning every admin screen shows while a desk's current key has fewer than two holders
 * (DESIGN §5: "The console warns whenever a desk key has fewer than two holders").
 */
export function FewHoldersWarning() {
  const t = useT()
  const [desks, setDesks] = useState<string[]>([])
  useEffect(() => {
    keysApi.keys().then(
      (data) =>
        setDesks(
          data.desks
            .filter((d) => {
              const current = d.versions.reduce((v, k) => (k.version > v.version ? k : v), {
                version: 0,
                holders: 0,
              })
              return current.holders < 2
            })
            .map((d) => d.name),
        ),
      () => setDesks([]),
    )
  }, [])
  if (desks.length === 0) return null
  return (
    <Alert kind="warning">{t('shell.fewHolders', { count: desks.length, desks: desks.join(', ') })}</Alert>
  )
}
