/**
 * @module web/console/case/TemplatePicker
 * Reply templates above the reply box: a built-in template (../templates/) in the report's
 * language by default, or another language picked here, inserted into the reply for the
 * caseworker to read and adjust before sending. Draft translations say so, and the English
 * source is shown beside them so a caseworker who does not read the language knows what it says.
 */
import { useEffect, useState } from 'react'
import { LOCALES, type LocaleCode } from '../../shared/locale-list.ts'
import {
  fillTemplate,
  isDraft,
  isTemplateLanguage,
  loadTemplates,
  TEMPLATE_IDS,
  type TemplateFile,
  type TemplateId,
} from '../templates/index.ts'
import { useT } from '../ui.tsx'

const DEFAULT_DAYS = 7

export function TemplatePicker({
  reportLanguage,
  onInsert,
  disabled,
}: {
  reportLanguage: string | undefined
  onInsert: (text: string) => void
  disabled: boolean
}) {
  const t = useT()
  const [language, setLanguage] = useState<LocaleCode>(
    isTemplateLanguage(reportLanguage) ? reportLanguage : 'en',
  )
  const [template, setTemplate] = useState<TemplateId>('acknowledge')
  const [days, setDays] = useState(DEFAULT_DAYS)
  const [files, setFiles] = useState<{ chosen: TemplateFile; english: TemplateFile } | undefined>()
  const [failed, setFailed] = useState(false)

  useEffect(() => {
    let cancelled = false
    setFiles(undefined)
    setFailed(false)
    Promise.all([loadTemplates(language), loadTemplates('en')])
      .then(([chosen, english]) => {
        if (!cancelled) setFiles({ chosen, english })
      })
      .catch(() => {
        if (!cancelled) setFailed(true)
      })
    return () => {
      cancelled = true
    }
  }, [language])

  const validDays = Number.isInteger(days) && days >= 1 && days <= 90
  const fill = (file: TemplateFile, code: LocaleCode): string | undefined => {
    try {
      return fillTemplate(file, code, template, { days: validDays ? days : DEFAULT_DAYS })
    } catch {
      return undefined
    }
  }
  const text = files === undefined ? undefined : fill(files.chosen, language)
  const english = files === undefined || language === 'en' ? undefined : fill(files.english, 'en')
  const dir = LOCALES.find((l) => l.code === language)?.dir ?? 'ltr'

  return (
    <fieldset className="template-picker" data-testid="template-picker">
      <legend>{t('template.title')}</legend>
      <div className="template-row">
        <label>
          {t('template.which')}
          <select value={template} onChange={(e) => setTemplate(e.target.value as TemplateId)}>
            {TEMPLATE_IDS.map((id) => (
              <option key={id} value={id}>
                {t(`template.${id}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('template.language')}
          <select value={language} onChange={(e) => setLanguage(e.target.value as LocaleCode)}>
            {LOCALES.map((l) => (
              <option key={l.code} value={l.code}>
                {l.code === reportLanguage ? t('template.reportLanguage', { name: l.name }) : l.name}
              </option>
            ))}
          </select>
        </label>
        {template === 'acknowledge' && (
          <label className="template-days">
            {t('template.days')}
            <input
              type="number"
              min={1}
              max={90}
              value={Number.isFinite(days) ? days : ''}
              onChange={(e) => setDays(e.target.valueAsNumber)}
            />
          </label>
        )}
      </div>
      {failed && <p className="muted">{t('template.loadFailed')}</p>}
      {text !== undefined && (
        <blockquote className="template-preview" lang={language} dir={dir} data-testid="template-preview">
          {text}
        </blockquote>
      )}
      {files !== undefined && isDraft(files.chosen, language) && <small>{t('template.draft')}</small>}
      {english !== undefined && (
        <details className="template-english">
          <summary>{t('template.english')}</summary>
          <p>{english}</p>
        </details>
      )}
      <button
        type="button"
        disabled={disabled || text === undefined || !validDays}
        onClick={() => text && onInsert(text)}
      >
        {t('template.insert')}
      </button>
    </fieldset>
  )
}
