/**
 * @module test/context-notes
 * The reporter's risk notes rendered to HTML (issue 9): what a reporter in a few (host, origin)
 * situations is told, in English, with the check date of every legal fact, and what is left out
 * once facts are past their twelve months. The Chromium suite (test/browser/context.test.ts)
 * covers Uyghur, the real page and the absence of requests.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { IntlProvider } from 'react-intl'
import { describe, expect, it } from 'vitest'
import { RiskNotes } from '../web/shared/context/RiskNotes.tsx'

const messages = Object.fromEntries(
  Object.entries(
    JSON.parse(readFileSync(join(import.meta.dirname, '../web/locales/en.json'), 'utf8')) as Record<
      string,
      unknown
    >,
  ).filter((e): e is [string, string] => typeof e[1] === 'string'),
)
const REVIEW_DAY = new Date('2026-11-26T12:00:00Z')

function render(host: string, origin: string, now = REVIEW_DAY): string {
  return renderToStaticMarkup(
    createElement(IntlProvider, { locale: 'en', messages }, createElement(RiskNotes, { host, origin, now })),
  )
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
}

describe('risk notes in English', () => {
  it('tell a reporter in Belgium targeted by China about Belgium’s treaty, when it was checked, and that this is not legal advice', () => {
    const text = render('BE', 'CN')
    expect(text).toContain(
      'There is an extradition treaty between Belgium and China (in force). Last checked: ',
    )
    expect(text).toContain('not legal advice')
    expect(text).toContain('Greece — China: signed, not ratified.')
    expect(text).toContain('Czechia — Hong Kong')
    // Listed in the reader's alphabetical order, not by ISO code.
    expect(text.indexOf('France — China')).toBeLessThan(text.indexOf('Spain — China'))
    // Each source once.
    expect(text.split('(background document 003)').length - 1).toBe(1)
    expect(text).toContain(
      'Treaties with Hong Kong are included too, because people can be transferred between Hong Kong and China.',
    )
    expect(text).toContain('Liu v. Poland')
    expect(text).toContain(
      'It is binding on Poland; courts in other Council of Europe member states, Belgium among them',
    )
    expect(text).toContain('Commission for the Control of INTERPOL’s Files (CCF)')
    expect(text).toContain('Pressure on relatives who still live in China is a documented tactic.')
    expect(text).toContain('This service has not listed local help contacts yet.')
    expect(text).not.toMatch(/\{[a-z]+/) // every argument was filled
  })

  it('tell a reporter in Poland that the judgment binds Poland', () => {
    expect(render('PL', 'CN')).toContain('The judgment is binding on Poland.')
  })

  it('bring no Council of Europe judgment to a reporter in Morocco, but Morocco’s own treaty', () => {
    const text = render('MA', 'CN')
    expect(text).not.toContain('Liu v. Poland')
    expect(text).toContain('There is an extradition treaty between Morocco and China (in force).')
  })

  it('say plainly when the sources list no treaty, without claiming there is none', () => {
    const text = render('DE', 'RU')
    expect(text).toContain(
      'Our sources list no current extradition treaty with Russia. That does not mean there is none',
    )
    expect(text).not.toContain('documented tactic')
  })

  it('leave out facts past their twelve months and say so', () => {
    const text = render('BE', 'CN', new Date('2028-01-01T00:00:00Z'))
    expect(text).not.toContain('There is an extradition treaty')
    expect(text).not.toContain('Liu v. Poland')
    expect(text).toContain('Some treaty information has not been re-checked in the last twelve months')
    const kyrgyz = render('BE', 'KG')
    expect(kyrgyz).toContain('Some information about laws in Kyrgyzstan has not been re-checked')
  })

  it('show nothing until a state is chosen, and nothing for "I am not sure"', () => {
    expect(render('BE', '')).toBe('')
    expect(render('BE', 'unknown')).toBe('')
  })

  it('work for a reporter who prefers not to say where they live', () => {
    const text = render('undisclosed', 'CN')
    expect(text).not.toContain('There is an extradition treaty between')
    expect(text).toContain('Belgium — China: in force.')
  })
})
