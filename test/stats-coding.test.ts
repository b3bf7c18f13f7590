/**
 * @module test/stats-coding.test
 * The coding scheme's labels and form: every field and every allowed value has its locale key
 * (web/stats/locales/en.json), and the caseworker's form (web/console/coding/CodingForm.tsx)
 * offers every field as closed choices — the only typed input is the person key, which the
 * schema restricts to letters, digits and dashes, so no report text can reach the statistics.
 */
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import {
  codingV1Schema,
  FIELDS,
  fieldLabelKey,
  TACTIC_GROUP_ORDER,
  TACTIC_GROUPS,
  valueLabelKey,
} from '../api/contract/coding.ts'
import labels from '../web/stats/locales/en.json'

const messages = labels as Record<string, string>

describe('coding scheme v1', () => {
  it('labels every field and every value', () => {
    const fields = Object.keys(codingV1Schema.shape).filter((f) => f !== 'scheme' && f !== 'schemeVersion')
    for (const field of fields) expect(messages[fieldLabelKey(field)], field).toBeTypeOf('string')
    for (const [list, values] of Object.entries(FIELDS))
      for (const value of values)
        expect(messages[valueLabelKey(list, value)], `${list}.${value}`).toBeTypeOf('string')
    for (const group of TACTIC_GROUP_ORDER)
      expect(messages[valueLabelKey('tactic_group', group)]).toBeTypeOf('string')
  })

  it('puts every tactic in a group', () => {
    expect(Object.keys(TACTIC_GROUPS).sort()).toEqual([...FIELDS.tactic].sort())
  })

  it('renders a form of closed choices with one free input, the person key', async () => {
    // Imported by a computed path: the form is web code (DOM types), outside tsconfig.node.json.
    const path = '../web/console/coding/CodingForm.tsx'
    const { CodingForm } = (await import(path)) as { CodingForm: (props: { onSubmit: () => void }) => null }
    const html = renderToStaticMarkup(createElement(CodingForm, { onSubmit: () => {} }))
    const textInputs = html.match(/<input(?![^>]*type="(checkbox|number)")[^>]*>/g) ?? []
    expect(textInputs).toHaveLength(1)
    expect(textInputs[0]).toContain('pattern="[A-Za-z0-9-]{0,40}"')
    expect(html).not.toContain('<textarea')
    for (const tactic of FIELDS.tactic)
      expect(html).toContain(messages[valueLabelKey('tactic', tactic)] ?? '?')
  })
})
