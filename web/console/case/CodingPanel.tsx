/**
 * @module web/console/case/CodingPanel
 * The coding form (issue 6, ../coding/CodingForm.tsx) mounted in the case view. Saving seals the
 * coding as a signed kind-5 item to the statistics key — trusted only through its
 * organisation-signed `stats-key` statement — and the desk (../coding/seal.ts), posted as the
 * case's next item with an audit entry. The latest coding the desk key opens is shown and
 * prefilled; earlier ones stay in the case's record. A reporter who did not consent to
 * anonymised statistics is never coded.
 */
import { useMemo } from 'react'
import { type CodingV1, codingItemBodySchema } from '../../../api/contract/coding.ts'
import type { CaseDetailResponse } from '../../../api/contract/staff.ts'
import { api } from '../api.ts'
import { CodingForm } from '../coding/CodingForm.tsx'
import { sealCoding, statsPublicKeyOf } from '../coding/seal.ts'
import type { ThreadEntry } from '../thread.ts'
import { Alert, type Session, useT } from '../ui.tsx'
import type { Act } from './types.ts'

export type LatestCoding = { seq: number; coding: CodingV1; createdOn: string; authorName: string }

/** The newest kind-5 item that opened and verified, with a coding of the current scheme. */
export function latestCoding(entries: readonly ThreadEntry[]): LatestCoding | undefined {
  for (const entry of [...entries].reverse()) {
    if (!entry.ok || entry.kind !== 5) continue
    const parsed = codingItemBodySchema.safeParse(entry.body)
    if (parsed.success)
      return {
        seq: entry.seq,
        coding: parsed.data.coding,
        createdOn: entry.createdOn,
        authorName: entry.authorName,
      }
  }
  return undefined
}

export function CodingPanel({
  session,
  caseId,
  detail,
  entries,
  deskPublicKey,
  consent,
  suggested,
  act,
  busy,
}: {
  session: Session
  caseId: string
  detail: CaseDetailResponse
  entries: readonly ThreadEntry[]
  deskPublicKey: Uint8Array
  consent: boolean | undefined
  /** A draft from the reporter's own answers, offered while the case has no coding yet. */
  suggested?: CodingV1
  act: Act
  busy: boolean
}) {
  const t = useT()
  const { backend, ring, me } = session
  const latest = useMemo(() => latestCoding(entries), [entries])
  const statsKey = useMemo(() => {
    if (me.statsKey === null) return undefined
    try {
      return statsPublicKeyOf(backend, me.statsKey, ring.orgSigningKey, ring.orgId).publicKey
    } catch {
      return undefined
    }
  }, [backend, me.statsKey, ring])

  const save = (coding: CodingV1) => {
    if (statsKey === undefined) return
    const seq = (detail.items.at(-1)?.seq ?? 0) + 1
    const envelope = sealCoding(backend, {
      coding,
      lookupId: detail.case.lookupId,
      seq,
      statsPublicKey: statsKey,
      deskPublicKey,
      author: { userId: ring.userId, signingSeed: ring.signingSeed },
    })
    return act(
      'case.coding',
      (audit) => api.postItem(caseId, { kind: 5, seq, envelope, audit }),
      'codingPanel.saved',
    )
  }

  return (
    <section className="card coding-panel" aria-labelledby={`coding-${caseId}`}>
      <h2 id={`coding-${caseId}`}>{t('codingPanel.title')}</h2>
      <p data-testid="coding-status">
        {latest === undefined
          ? t('codingPanel.none')
          : t('codingPanel.codedBy', { date: latest.createdOn, name: latest.authorName || '—' })}
      </p>
      {consent === undefined ? (
        <Alert kind="info">{t('codingPanel.consentUnknown')}</Alert>
      ) : !consent ? (
        <Alert kind="info">{t('codingPanel.noConsent')}</Alert>
      ) : statsKey === undefined ? (
        <Alert kind="warning">{t('codingPanel.noStatsKey')}</Alert>
      ) : (
        <details className="coding-details" open={latest === undefined}>
          <summary>{latest === undefined ? t('codingPanel.start') : t('codingPanel.edit')}</summary>
          <small>{t('codingPanel.hint')}</small>
          {latest === undefined && suggested !== undefined && (
            <p className="muted" data-testid="coding-suggested">
              {t('codingPanel.suggested')}
            </p>
          )}
          {/* Keyed by the coding's seq: after a save the form restarts from what was stored. */}
          <CodingForm
            key={latest?.seq ?? 'new'}
            initial={latest?.coding ?? suggested}
            onSubmit={save}
            disabled={busy}
          />
        </details>
      )}
    </section>
  )
}
