/**
 * @module web/console/queue/CaseRow
 * One row of the case queue: a selection checkbox beside a button that opens the case, with the
 * server's metadata, the decrypted excerpt and the triage flags the browser computed from the
 * report and the context data (issue 9), each flag with its reasons in words.
 */
import type { CaseSummary } from '../../../api/contract/staff.ts'
import type { OpenedSummary } from '../crypto.worker.ts'
import { useT } from '../ui.tsx'

export type Row = Omit<CaseSummary, 'report'> & { opened: OpenedSummary | undefined }

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' })

/** "Uyghur (ug)": the name in the console's language, with the code the report recorded. */
export function languageName(code: string): string {
  let name = code
  try {
    name = languageNames.of(code) ?? code
  } catch {
    // Not a well-formed language tag: show it as it is.
  }
  return name === code ? code : `${name} (${code})`
}

export function CaseRow(props: {
  row: Row
  selected: boolean
  onSelect: (on: boolean) => void
  onOpen: () => void
  staffName: string
  labelName: (id: string) => string
}) {
  const t = useT()
  const c = props.row
  const o = c.opened
  const unread = c.lastSeq > c.seenSeq
  return (
    <li className="case-item" data-case={c.id}>
      <input
        type="checkbox"
        className="case-select"
        checked={props.selected}
        onChange={(e) => props.onSelect(e.target.checked)}
        aria-label={t('queue.selectCase', {
          date: c.receivedOn,
          excerpt: o?.ok ? o.excerpt.slice(0, 40) : '',
        })}
      />
      <button type="button" className={`case-row${unread ? ' unread' : ''}`} onClick={props.onOpen}>
        <span className="case-meta">
          {unread && <span className="dot" role="img" aria-label={t('queue.unread')} />}
          <span className={`badge priority-${c.priority}`}>{t(`priority.${c.priority}`)}</span>
          <span className="badge">{t(`status.${c.status}`)}</span>
          {o?.ok && o.urgent && <span className="badge urgent">{t('queue.urgent')}</span>}
          {c.spam && <span className="badge">{t('queue.spamBadge')}</span>}
          {c.labels.map((id) => (
            <span key={id} className="badge label">
              {props.labelName(id)}
            </span>
          ))}
          <span className="muted">{c.receivedOn}</span>
          {o?.ok && o.language && <span className="muted">{languageName(o.language)}</span>}
          <span className="muted">{props.staffName}</span>
        </span>
        {o?.ok && o.flags.length > 0 && (
          <span className="case-flags">
            {o.flags.map(([flag, reasons]) => {
              const why = reasons.map((r) => t(`flagReason.${r}`)).join('; ')
              return (
                <span key={flag} className={`badge flag flag-${flag}`} title={why} data-flag={flag}>
                  {t(`flag.${flag}`)}
                  <span className="flag-why">{why}</span>
                </span>
              )
            })}
          </span>
        )}
        <span className="excerpt" dir="auto">
          {o === undefined
            ? '…'
            : o.ok
              ? o.excerpt || t('queue.noNarrative')
              : t(`queue.refused.${o.error === 'key_mismatch' ? 'keys' : 'other'}`)}
        </span>
      </button>
    </li>
  )
}
