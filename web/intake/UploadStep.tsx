/**
 * @module web/intake/UploadStep
 * Cleans, encrypts and uploads evidence files one after another, each with a progress bar
 * (DESIGN §5 "Attachments", §8). Shared with the follow-up page, which adds files the same way.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { FormattedMessage, useIntl } from 'react-intl'
import type { CaseSession, UploadProgress } from '../shared/case-session.ts'
import type { PickedFile } from '../shared/components.tsx'
import { Notice } from '../shared/components.tsx'

export function useUploads(session: CaseSession | null, files: readonly PickedFile[]) {
  const [progress, setProgress] = useState<Record<number, UploadProgress>>({})
  // The loop reads the latest phases from here (state updates are asynchronous).
  const latest = useRef<Record<number, UploadProgress>>({})
  const running = useRef(false)

  const set = useCallback((id: number, update: UploadProgress) => {
    latest.current = { ...latest.current, [id]: update }
    setProgress(latest.current)
  }, [])

  const run = useCallback(async () => {
    if (!session || running.current) return
    running.current = true
    try {
      for (const f of files) {
        if (latest.current[f.id]?.phase === 'done') continue
        try {
          await session.uploadFile(f, (update) => set(f.id, update))
        } catch {
          set(f.id, { ...(latest.current[f.id] ?? { fraction: 0 }), phase: 'failed' })
        }
      }
    } finally {
      running.current = false
    }
  }, [session, files, set])

  const allDone = files.every((f) => progress[f.id]?.phase === 'done')
  const anyFailed = files.some((f) => progress[f.id]?.phase === 'failed')
  return { progress, run, allDone, anyFailed }
}

export function UploadList({
  files,
  progress,
}: {
  files: readonly PickedFile[]
  progress: Record<number, UploadProgress>
}) {
  const intl = useIntl()
  return (
    <ul className="file-list">
      {files.map((f) => {
        const p = progress[f.id]
        const phase = p?.phase ?? 'waiting'
        return (
          <li key={f.id} className="file-item">
            <div className="file-head">
              <span className="file-name" dir="auto">
                {f.file.name}
              </span>
              <span className="small muted">
                {phase === 'stripping' && <FormattedMessage id="intake.upload.stripping" />}
                {phase === 'uploading' && <FormattedMessage id="intake.upload.encrypting" />}
                {phase === 'done' && <FormattedMessage id="intake.upload.done" />}
                {phase === 'failed' && <FormattedMessage id="intake.upload.failed" />}
              </span>
            </div>
            <progress
              max={1}
              value={p?.fraction ?? 0}
              aria-label={intl.formatMessage(
                { id: 'intake.upload.progress' },
                { name: f.file.name, percent: p?.fraction ?? 0 },
              )}
            />
            {p?.metadataStripped !== undefined && (
              <p className="file-note muted">
                <FormattedMessage
                  id={p.metadataStripped ? 'intake.upload.cleaned' : 'intake.upload.unchanged'}
                />
              </p>
            )}
          </li>
        )
      })}
    </ul>
  )
}

export function UploadPanel({
  session,
  files,
  onFinished,
}: {
  session: CaseSession
  files: readonly PickedFile[]
  onFinished: () => void
}) {
  const { progress, run, allDone, anyFailed } = useUploads(session, files)
  useEffect(() => {
    void run()
  }, [run])
  useEffect(() => {
    if (allDone) onFinished()
  }, [allDone, onFinished])
  return (
    <>
      <UploadList files={files} progress={progress} />
      <div aria-live="polite">
        {allDone && (
          <Notice tone="ok">
            <p>
              <FormattedMessage id="intake.upload.allDone" />
            </p>
          </Notice>
        )}
        {anyFailed && (
          <Notice tone="warn">
            <p>
              <FormattedMessage id="intake.upload.someFailed" />
            </p>
            <button type="button" className="btn btn-secondary" onClick={() => void run()}>
              <FormattedMessage id="intake.upload.retry" />
            </button>
          </Notice>
        )}
      </div>
    </>
  )
}
