/**
 * @module web/console/Evidence
 * One attachment in a case (DESIGN §8). Nothing is fetched or decrypted until asked. Images
 * (typed by magic bytes) are decoded and drawn inside a frame with an empty `sandbox` (no scripts,
 * an opaque origin), blurred by default behind a content warning; everything else is only
 * downloadable, as `application/octet-stream` under a cleaned name, after a warning that
 * recommends a separate machine. Never handed to the browser's PDF or office viewers.
 */
import { useEffect, useState } from 'react'
import { fetchEvidence, type Manifest, type Sniffed, sniff } from './evidence.ts'
import { cleanFileName } from './thread.ts'
import { Alert, errorText, type Session, useT } from './ui.tsx'

type Loaded = { sniffed: Sniffed; url: string; bytes: number }

export function Evidence({
  session,
  caseId,
  manifest,
  name,
}: {
  session: Session
  caseId: string
  manifest: Manifest
  name: string
}) {
  const t = useT()
  const [loaded, setLoaded] = useState<Loaded | undefined>()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const [revealed, setRevealed] = useState(false)
  const [accepted, setAccepted] = useState(false)
  const cleaned = cleanFileName(name) || 'evidence'

  useEffect(
    () => () => {
      if (loaded) URL.revokeObjectURL(loaded.url)
    },
    [loaded],
  )

  const open = async () => {
    setBusy(true)
    setError(undefined)
    try {
      const file = await fetchEvidence(session.backend, caseId, manifest)
      const sniffed = sniff(file)
      const type = sniffed.kind === 'image' ? sniffed.mime : 'application/octet-stream'
      setLoaded({
        sniffed,
        url: URL.createObjectURL(new Blob([file as Uint8Array<ArrayBuffer>], { type })),
        bytes: file.length,
      })
    } catch (e) {
      setError(errorText(t, e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="evidence" data-testid="evidence">
      <p>
        <strong dir="auto">{cleaned}</strong>{' '}
        <span className="muted">({t('evidence.size', { size: manifest.size })})</span>
      </p>
      {error && <Alert kind="error">{error}</Alert>}
      {loaded === undefined && (
        <button type="button" onClick={open} disabled={busy}>
          {busy ? t('evidence.decrypting') : t('evidence.open')}
        </button>
      )}
      {loaded?.sniffed.kind === 'image' && (
        <div className="evidence-image">
          <div className="evidence-clip">
            <iframe
              sandbox=""
              src={loaded.url}
              title={t('evidence.frameTitle', { name: cleaned })}
              className={revealed ? 'evidence-frame' : 'evidence-frame blurred'}
              referrerPolicy="no-referrer"
            />
          </div>
          {!revealed && <p className="muted">{t('evidence.contentWarning')}</p>}
          <button type="button" onClick={() => setRevealed((r) => !r)}>
            {revealed ? t('evidence.blur') : t('evidence.reveal')}
          </button>
        </div>
      )}
      {loaded?.sniffed.kind === 'other' && (
        <div>
          <Alert kind="warning">{t('evidence.downloadWarning')}</Alert>
          <label className="check">
            <input type="checkbox" checked={accepted} onChange={(e) => setAccepted(e.target.checked)} />
            {t('evidence.understand')}
          </label>
          {accepted && (
            <a className="button" href={loaded.url} download={`${cleaned}.bin`}>
              {t('evidence.download')}
            </a>
          )}
        </div>
      )}
    </div>
  )
}
