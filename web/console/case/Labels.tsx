/**
 * @module web/console/case/Labels
 * The admin's labels as toggle chips in the case's side panel (DESIGN §4: labels come from a
 * list, never free text). Each toggle is one audited `POST /api/cases/:id/labels`.
 */
import type { z } from 'zod'
import type { labelJson } from '../../../api/contract/staff.ts'
import { api } from '../api.ts'
import { useT } from '../ui.tsx'
import type { Act } from './types.ts'

export function Labels({
  caseId,
  labels,
  selected,
  act,
  busy,
}: {
  caseId: string
  labels: readonly z.infer<typeof labelJson>[]
  selected: readonly string[]
  act: Act
  busy: boolean
}) {
  const t = useT()
  return (
    <fieldset className="chips" data-testid="labels">
      <legend>{t('case.labels')}</legend>
      {labels.length === 0 && <p className="muted">{t('labels.none')}</p>}
      {labels.map((label) => {
        const on = selected.includes(label.id)
        return (
          <button
            key={label.id}
            type="button"
            className="chip"
            aria-pressed={on}
            disabled={busy}
            dir="auto"
            onClick={() =>
              act(
                'case.label',
                (audit) => api.setLabel(caseId, { labelId: label.id, on: !on, audit }),
                'case.saved',
              )
            }
          >
            {label.name}
          </button>
        )
      })}
    </fieldset>
  )
}
