/**
 * @module web/safety/SafetyPage
 * The safety page (DESIGN §4), in every locale: private browsing, clearing history, clipboard
 * history on phones, what a receipt reveals if someone forces it out of you, Tor Browser,
 * checking the safety code, and what to do when a device may be watched.
 */
import { FormattedMessage } from 'react-intl'
import { StepFrame } from '../shared/components.tsx'
import { PageLink } from '../shared/layout.tsx'

const SECTIONS = ['private', 'history', 'clipboard', 'receipt', 'tor', 'code', 'device'] as const

export function SafetyPage() {
  return (
    <StepFrame focusKey="welcome" title={<FormattedMessage id="safety.title" />}>
      <p className="lead">
        <FormattedMessage id="safety.lead" />
      </p>
      <div className="safety-sections">
        {SECTIONS.map((s) => (
          <section key={s} className="card" aria-labelledby={`safety-${s}`}>
            <h2 id={`safety-${s}`}>
              <FormattedMessage id={`safety.${s}.title`} />
            </h2>
            <p>
              <FormattedMessage id={`safety.${s}.body`} />
            </p>
          </section>
        ))}
      </div>
      <p>
        <PageLink to="intake" className="btn btn-secondary">
          <FormattedMessage id="safety.back" />
        </PageLink>
      </p>
    </StepFrame>
  )
}
