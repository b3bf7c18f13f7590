/**
 * @module web/console/Audit
 * The audit log (DESIGN §6): admins see every entry, others their own. The browser verifies the
 * chain, every signature (actors' keys from organisation-certified statements, the server's from
 * its receipt key) and, for admins, the latest checkpoint, and reports the first problem.
 */
import { useEffect, useState } from 'react'
import { type AuditChainResult, verifyAuditChain } from '../../crypto/audit.ts'
import { fromBase64 } from '../../crypto/bytes.ts'
import { verifyStatement } from '../../crypto/statements.ts'
import { api } from './api.ts'
import { rememberSigner } from './keys.ts'
import { Alert, errorText, type Session, useT } from './ui.tsx'

type Entry = { seq: number; actor: string; action: string; target: string | null; at: string }

export function AuditLog({ session }: { session: Session }) {
  const t = useT()
  const { backend, ring, me } = session
  const [entries, setEntries] = useState<Entry[]>([])
  const [result, setResult] = useState<AuditChainResult | undefined>()
  const [error, setError] = useState<string | undefined>()

  useEffect(() => {
    api.auditLog().then(
      (log) => {
        for (const signer of log.signers) rememberSigner(backend, ring, signer, new Date(0))
        const receiptKey = fromBase64(log.receiptPublicKey, 32)
        setEntries(log.entries)
        if (me.user.role === 'admin') {
          let checkpoint: { seq: number; headHash: string } | undefined
          if (log.checkpoint !== null) {
            // The checkpoint is signed by an admin's certified key; find which one.
            for (const [, user] of ring.certified) {
              try {
                checkpoint = verifyStatement(backend, log.checkpoint, user.signingKey, 'audit-checkpoint')
                break
              } catch {
                // another admin
              }
            }
          }
          setResult(
            verifyAuditChain(backend, log.entries, {
              signingKeyFor: (actor) =>
                actor === 'server' ? receiptKey : ring.certified.get(actor)?.signingKey,
              ...(checkpoint === undefined ? {} : { checkpoint }),
            }),
          )
        }
      },
      (e: unknown) => setError(errorText(t, e)),
    )
  }, [backend, ring, me, t])

  const name = (actor: string) =>
    actor === 'server' ? t('audit.server') : (ring.certified.get(actor)?.username ?? actor.slice(0, 8))
  const first = result?.problems[0]
  return (
    <section>
      <h1>{t('audit.title')}</h1>
      {error && <Alert kind="error">{error}</Alert>}
      {result?.ok && <Alert kind="success">{t('audit.ok', { count: result.headSeq })}</Alert>}
      {first && (
        <Alert kind="error">
          {t('audit.problem', { seq: first.seq, code: t(`audit.code.${first.code}`) })}
        </Alert>
      )}
      {me.user.role !== 'admin' && <p className="muted">{t('audit.ownOnly')}</p>}
      <table className="audit">
        <thead>
          <tr>
            <th>#</th>
            <th>{t('audit.at')}</th>
            <th>{t('audit.actor')}</th>
            <th>{t('audit.action')}</th>
          </tr>
        </thead>
        <tbody>
          {[...entries].reverse().map((e) => (
            <tr key={e.seq}>
              <td>{e.seq}</td>
              <td>{e.at.slice(0, 19).replace('T', ' ')}</td>
              <td>{name(e.actor)}</td>
              <td>{e.action}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
