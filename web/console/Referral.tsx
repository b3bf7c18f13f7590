/**
 * @module web/console/Referral
 * Referral export (DESIGN §8): a decrypted, redacted plain-text document of a case for a lawyer or
 * a UN procedure. The caseworker chooses what goes in (the narrative, the facts, the reporter's
 * messages; never the contact channel unless ticked); the export is recorded in the audit log
 * before the file is offered, and the file is built here, from memory, as text/plain — no HTML.
 */
import { useState } from 'react'
import { api, audited } from './api.ts'
import { signAudit } from './keys.ts'
import type { OpenedCase } from './thread.ts'
import { Alert, errorText, type Session, useT } from './ui.tsx'

type Parts = { facts: boolean; narrative: boolean; messages: boolean; replies: boolean; contact: boolean }

export function Referral({
  session,
  caseId,
  receivedOn,
  opened,
}: {
  session: Session
  caseId: string
  receivedOn: string
  opened: Extract<OpenedCase, { ok: true }>
}) {
  const t = useT()
  const { backend, ring } = session
  const [parts, setParts] = useState<Parts>({
    facts: true,
    narrative: true,
    messages: true,
    replies: false,
    contact: false,
  })
  const [url, setUrl] = useState<string | undefined>()
  const [error, setError] = useState<string | undefined>()

  const build = async () => {
    setError(undefined)
    try {
      await audited(
        (head) =>
          signAudit(backend, {
            signingSeed: ring.signingSeed,
            actor: ring.userId,
            action: 'case.export',
            target: caseId,
            head,
            now: new Date(),
          }),
        (audit) => api.recordExport(caseId, { audit }),
      )
      const lines: string[] = [t('referral.docTitle'), t('referral.docReceived', { date: receivedOn }), '']
      const answers = opened.parsed?.answers
      if (parts.facts && answers) {
        lines.push(`${t('case.tactics')}: ${answers.tactics.join(', ')}`)
        lines.push(`${t('case.where')}: ${answers.hostCountry ?? '-'} / ${answers.originState ?? '-'}`)
        lines.push(`${t('case.community')}: ${answers.community ?? '-'}`, '')
      }
      if (parts.narrative) lines.push(t('case.report'), answers?.narrative ?? '', '')
      for (const entry of opened.entries) {
        if (!entry.ok) continue
        const isContact = entry.body.type === 'contact'
        const include =
          (entry.kind === 2 && !isContact && parts.messages) ||
          (isContact && parts.contact) ||
          (entry.kind === 3 && parts.replies)
        if (!include) continue
        const text = isContact ? String(entry.body.contact ?? '') : String(entry.body.text ?? '')
        lines.push(`[${entry.createdOn}] ${t(`kind.${entry.kind}`)}`, text, '')
      }
      if (url) URL.revokeObjectURL(url)
      setUrl(URL.createObjectURL(new Blob([lines.join('\n')], { type: 'text/plain;charset=utf-8' })))
    } catch (e) {
      setError(errorText(t, e))
    }
  }

  const toggle = (key: keyof Parts) => (
    <label className="check" key={key}>
      <input
        type="checkbox"
        checked={parts[key]}
        onChange={(e) => setParts((p) => ({ ...p, [key]: e.target.checked }))}
      />
      {t(`referral.part.${key}`)}
    </label>
  )
  return (
    <details className="card referral">
      <summary>{t('referral.title')}</summary>
      <p className="muted">{t('referral.why')}</p>
      {error && <Alert kind="error">{error}</Alert>}
      {(['facts', 'narrative', 'messages', 'replies', 'contact'] as const).map(toggle)}
      <button type="button" onClick={build}>
        {t('referral.build')}
      </button>
      {url && (
        <a className="button" href={url} download={`referral-${receivedOn}.txt`}>
          {t('referral.download')}
        </a>
      )}
    </details>
  )
}
