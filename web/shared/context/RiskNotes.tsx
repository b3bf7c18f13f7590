/**
 * @module web/shared/context/RiskNotes
 * Calm, translated notes for a reporter who has said where they live and which state they
 * believe is behind it (issue 9, DESIGN §8): extradition treaties that matter when travelling,
 * what an INTERPOL notice is and how people challenge one, protecting relatives back home, and
 * local help. Computed on this device from the whole dataset (bundled, web/shared/context/data.ts,
 * with the organisation-signed update the page fetched at load merged in, use-context-data.ts):
 * choosing a country fetches nothing, so the server and the network learn nothing before the
 * reporter submits (DESIGN §4).
 *
 * Tone: information, never alarm and never legal advice (the notes say so). Every legal fact shows
 * when it was last checked; facts past their twelve months are left out and the notes say so
 * (web/shared/context/facts.ts). Country and state names come from the browser, sources are
 * cited as written (English titles of documents), everything else from the locale files.
 */
import { useId, useMemo } from 'react'
import { FormattedMessage, useIntl } from 'react-intl'
import type { ContextData, FactSource, TreatyStatus } from '../../../api/contract/context.ts'
import { countryName } from '../countries.ts'
import { formatDay } from '../dates.ts'
import { type Assessment, assess, type TreatyAt } from './assess.ts'
import { loadContextData } from './data.ts'

const COUNTRY = /^[A-Z]{2}$/

export interface RiskNotesProps {
  /** The reporter's answer to "where do you live": a code, 'undisclosed' or ''. */
  readonly host: string
  /** The reporter's answer to "which state is behind it": a code, 'unknown' or ''. */
  readonly origin: string
  /** Tests pin the day; pages use the device clock. */
  readonly now?: Date
  /** The dataset with any verified signed update merged (use-context-data.ts); bundled if omitted. */
  readonly data?: ContextData
}

export function RiskNotes({ host, origin, now, data }: RiskNotesProps) {
  const day = now ?? new Date()
  const dayKey = day.toISOString().slice(0, 10)
  const assessment = useMemo(
    () =>
      COUNTRY.test(origin)
        ? assess(data ?? loadContextData(), COUNTRY.test(host) ? host : '', origin, new Date(dayKey))
        : null,
    [host, origin, dayKey, data],
  )
  const headingId = useId()
  if (assessment === null) return null
  return (
    <section className="card context-notes" aria-labelledby={headingId} data-testid="context-notes">
      <h2 id={headingId}>
        <FormattedMessage id="context.title" />
      </h2>
      <p>
        <FormattedMessage id="context.lead" />
      </p>
      <p className="help">
        <FormattedMessage id="context.notAdvice" />
      </p>
      <Travel a={assessment} />
      <CaseLawNotes a={assessment} />
      <Interpol a={assessment} />
      <Family a={assessment} />
      <Laws a={assessment} />
      <Contacts a={assessment} />
      <Sources a={assessment} />
    </section>
  )
}

function useNames() {
  const intl = useIntl()
  return {
    country: (code: string) => countryName(code, intl.locale),
    day: (d: string) => formatDay(intl, d),
  }
}

function TreatyLine({ at, messageId }: { at: TreatyAt; messageId: string }) {
  const names = useNames()
  const status: TreatyStatus = at.treaty.status
  return (
    <FormattedMessage
      id={messageId}
      values={{
        country: names.country(at.host),
        partner: names.country(at.treaty.origin),
        status,
        checked: names.day(at.treaty.checkedOn),
      }}
    />
  )
}

function Travel({ a }: { a: Assessment }) {
  const names = useNames()
  const intl = useIntl()
  const collator = new Intl.Collator([intl.locale, 'en'])
  const elsewhere = [...a.treatiesElsewhere].sort(
    (x, y) =>
      collator.compare(names.country(x.host), names.country(y.host)) ||
      collator.compare(names.country(x.treaty.origin), names.country(y.treaty.origin)),
  )
  const related = a.requesting.filter((c) => c !== a.origin)
  const any = a.homeTreaties.length + a.treatiesElsewhere.length > 0
  return (
    <>
      <h3>
        <FormattedMessage id="context.travel.title" />
      </h3>
      {a.homeTreaties.map((at) => (
        <p key={`${at.host}-${at.treaty.origin}`} data-testid="context-home-treaty">
          <TreatyLine at={at} messageId="context.travel.home" />
        </p>
      ))}
      {a.treatiesElsewhere.length > 0 && (
        <>
          <p>
            <FormattedMessage id="context.travel.elsewhere" values={{ state: names.country(a.origin) }} />
          </p>
          <ul data-testid="context-treaties">
            {elsewhere.map((at) => (
              <li key={`${at.host}-${at.treaty.origin}`}>
                <TreatyLine at={at} messageId="context.travel.item" />
              </li>
            ))}
          </ul>
        </>
      )}
      {related.map((code) => (
        <p key={code}>
          <FormattedMessage
            id="context.travel.related"
            values={{ related: names.country(code), state: names.country(a.origin) }}
          />
        </p>
      ))}
      {any ? (
        <p>
          <FormattedMessage id="context.travel.protection" />
        </p>
      ) : (
        <p>
          <FormattedMessage id="context.travel.none" values={{ state: names.country(a.origin) }} />
        </p>
      )}
      {a.staleTreaties.length > 0 && (
        <p className="help">
          <FormattedMessage id="context.travel.stale" />
        </p>
      )}
    </>
  )
}

function CaseLawNotes({ a }: { a: Assessment }) {
  const names = useNames()
  // Only judgments of the European Court of Human Rights reach reporters: national decisions bind
  // no one else and would read as a prediction about the reporter's own case.
  const cases = a.caseLaw.filter(
    (c) => c.fact.persuasiveIn === 'council_of_europe' && c.fact.decided !== undefined,
  )
  if (cases.length === 0) return null
  return (
    <>
      <h3>
        <FormattedMessage id="context.caseLaw.title" />
      </h3>
      {cases.map(({ fact, binding }) => (
        <p key={fact.id} data-testid="context-case-law">
          <FormattedMessage
            id="context.caseLaw.echr"
            values={{
              name: <bdi>{fact.name}</bdi>,
              date: names.day(fact.decided?.length === 10 ? fact.decided : fact.checkedOn),
              state: names.country(fact.requestingState),
              checked: names.day(fact.checkedOn),
            }}
          />{' '}
          {binding ? (
            <FormattedMessage id="context.caseLaw.binding" values={{ country: names.country(a.host) }} />
          ) : (
            <FormattedMessage
              id="context.caseLaw.persuasive"
              values={{ respondent: names.country(fact.decidingState), country: names.country(a.host) }}
            />
          )}
        </p>
      ))}
    </>
  )
}

function Interpol({ a }: { a: Assessment }) {
  const names = useNames()
  const abuse = a.patterns.some((p) => p.kind === 'interpol_abuse')
  const ccf = a.general.find((g) => g.id === 'interpol_ccf')
  const rules = a.general.find((g) => g.id === 'interpol_article_3')
  return (
    <>
      <h3>
        <FormattedMessage id="context.interpol.title" />
      </h3>
      <p>
        <FormattedMessage id="context.interpol.what" />
      </p>
      {rules && (
        <p>
          <FormattedMessage id="context.interpol.rules" />
        </p>
      )}
      {abuse && (
        <p data-testid="context-interpol-pattern">
          <FormattedMessage id="context.interpol.pattern" values={{ state: names.country(a.origin) }} />
        </p>
      )}
      {ccf && (
        <p>
          <FormattedMessage
            id="context.interpol.challenge"
            values={{ url: <bdi dir="ltr">{ccf.source.url ?? ccf.source.title}</bdi> }}
          />
        </p>
      )}
    </>
  )
}

function Family({ a }: { a: Assessment }) {
  const names = useNames()
  const documented = a.patterns.some((p) => p.kind === 'pressure_on_relatives')
  return (
    <>
      <h3>
        <FormattedMessage id="context.family.title" />
      </h3>
      {documented && (
        <p>
          <FormattedMessage id="context.family.pattern" values={{ state: names.country(a.origin) }} />
        </p>
      )}
      <p>
        <FormattedMessage id="context.family.body" />
      </p>
    </>
  )
}

function Laws({ a }: { a: Assessment }) {
  const names = useNames()
  const state = names.country(a.origin)
  const laws = a.patterns.filter(
    (p) => p.kind === 'foreign_agent_law' || p.kind === 'extraterritorial_security_law',
  )
  if (laws.length === 0 && a.stalePatterns.length === 0) return null
  return (
    <>
      <h3>
        <FormattedMessage id="context.laws.title" />
      </h3>
      {laws.length > 0 && (
        <ul>
          {laws.map((p) => (
            <li key={`${p.kind}|${p.checkedOn}|${p.summary}`}>
              <FormattedMessage
                id={p.kind === 'foreign_agent_law' ? 'context.laws.foreignAgent' : 'context.laws.security'}
                values={{ state, status: p.lawStatus ?? 'other', checked: names.day(p.checkedOn) }}
              />
            </li>
          ))}
        </ul>
      )}
      {a.stalePatterns.length > 0 && (
        <p className="help">
          <FormattedMessage id="context.laws.stale" values={{ state }} />
        </p>
      )}
    </>
  )
}

function Contacts({ a }: { a: Assessment }) {
  return (
    <>
      <h3>
        <FormattedMessage id="context.contacts.title" />
      </h3>
      {a.contacts.length === 0 ? (
        <p>
          <FormattedMessage id="context.contacts.none" />
        </p>
      ) : (
        <ul>
          {a.contacts.map((c) => (
            <li key={c.id}>
              <bdi>{c.name}</bdi>
              {c.phone && (
                <>
                  {' · '}
                  <bdi dir="ltr">{c.phone}</bdi>
                </>
              )}
              {c.url && (
                <>
                  {' · '}
                  <bdi dir="ltr">{c.url}</bdi>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  )
}

/**
 * The documents behind what is shown, by title and address as written (not translated); internal
 * citations (background document paths) are for caseworkers and briefs, not for reporters.
 */
function Sources({ a }: { a: Assessment }) {
  const seen = new Map<string, FactSource>()
  const add = (s: FactSource) => seen.set(`${s.title}|${s.url ?? ''}`, s)
  for (const t of [...a.homeTreaties, ...a.treatiesElsewhere]) add(t.treaty.source)
  for (const c of a.caseLaw) add(c.fact.source)
  for (const p of a.patterns) add(p.source)
  for (const g of a.general) add(g.source)
  if (seen.size === 0) return null
  return (
    <details>
      <summary>
        <FormattedMessage id="context.sources" />
      </summary>
      <ul lang="en" dir="ltr">
        {[...seen.values()].map((s) => (
          <li key={`${s.title}|${s.url ?? ''}`}>
            {s.title}
            {s.url && ` — ${s.url}`}
          </li>
        ))}
      </ul>
    </details>
  )
}
