/**
 * @module web/intake/questions
 * One component per question of the intake form (DESIGN §8). Each renders fieldsets with real
 * legends and labels; nothing here sends anything.
 */
import { type ReactNode, useId, useMemo } from 'react'
import { FormattedMessage, useIntl } from 'react-intl'
import type { DeskKey } from '../../crypto/statements.ts'
import { Choice, FilePicker, Notice } from '../shared/components.tsx'
import { COMMON_ORIGIN_STATES, countryName, sortedCountries } from '../shared/countries.ts'
import { formatYear, monthNames } from '../shared/dates.ts'
import { COMMUNITIES, MAX_NARRATIVE_CHARS, ONGOING, SUBJECTS, TACTICS } from '../shared/report-schema.ts'
import { type Answers, EARLIEST_YEAR } from './answers.ts'
import { COMMUNITY_LABELS, ONGOING_LABELS, SUBJECT_LABELS, TACTIC_LABELS } from './labels.ts'

export interface QuestionProps {
  answers: Answers
  update: (patch: Partial<Answers>) => void
}

/** One radio choice among fixed codes, each labelled by its locale key; the legend is for screen readers. */
function RadioChoices<T extends string>({
  legend,
  name,
  options,
  labels,
  value,
  onChange,
}: {
  legend: string
  name: string
  options: readonly T[]
  labels: Readonly<Record<T, string>>
  value: T | null
  onChange: (value: T) => void
}) {
  return (
    <fieldset>
      <legend className="visually-hidden">{legend}</legend>
      <div className="choices">
        {options.map((option) => (
          <Choice
            key={option}
            type="radio"
            name={name}
            value={option}
            checked={value === option}
            onChange={() => onChange(option)}
          >
            <FormattedMessage id={labels[option]} />
          </Choice>
        ))}
      </div>
    </fieldset>
  )
}

export function WhoQuestion({ answers, update }: QuestionProps) {
  const intl = useIntl()
  return (
    <>
      <RadioChoices
        legend={intl.formatMessage({ id: 'intake.who.title' })}
        name="subject"
        options={SUBJECTS}
        labels={SUBJECT_LABELS}
        value={answers.subject}
        onChange={(subject) => update({ subject })}
      />
      {answers.subject !== null && answers.subject !== 'self' && (
        <fieldset>
          <legend className="visually-hidden">{intl.formatMessage({ id: 'intake.who.whereabouts' })}</legend>
          <Choice
            type="checkbox"
            name="whereabouts"
            checked={answers.whereaboutsUnknown}
            onChange={(checked) => update({ whereaboutsUnknown: checked })}
          >
            <FormattedMessage id="intake.who.whereabouts" />
          </Choice>
          {answers.whereaboutsUnknown && (
            <p className="help small">
              <FormattedMessage id="intake.who.whereaboutsHelp" />
            </p>
          )}
        </fieldset>
      )}
    </>
  )
}

export function WhatQuestion({ answers, update }: QuestionProps) {
  const intl = useIntl()
  return (
    <fieldset>
      <legend className="visually-hidden">{intl.formatMessage({ id: 'intake.what.title' })}</legend>
      <div className="choices">
        {TACTICS.map((t) => (
          <Choice
            key={t}
            type="checkbox"
            name="tactics"
            value={t}
            checked={answers.tactics.includes(t)}
            onChange={(checked) =>
              update({ tactics: checked ? [...answers.tactics, t] : answers.tactics.filter((x) => x !== t) })
            }
          >
            <FormattedMessage id={TACTIC_LABELS[t]} />
          </Choice>
        ))}
      </div>
    </fieldset>
  )
}

export function WhenQuestion({ answers, update }: QuestionProps) {
  const intl = useIntl()
  const yearId = useId()
  const monthId = useId()
  const thisYear = new Date().getUTCFullYear()
  const years = useMemo(
    () => Array.from({ length: thisYear - EARLIEST_YEAR + 1 }, (_, i) => thisYear - i),
    [thisYear],
  )
  // Gregorian month names from our locale files, whatever the browser's ICU has: web/shared/dates.ts.
  const months = useMemo(() => monthNames(intl), [intl])
  const disabled = answers.whenNotSure
  return (
    <fieldset>
      <legend className="visually-hidden">{intl.formatMessage({ id: 'intake.when.title' })}</legend>
      <div className="row">
        <div className="field">
          <label htmlFor={monthId}>
            <FormattedMessage id="intake.when.month" />
          </label>
          <select
            id={monthId}
            value={answers.whenMonth}
            disabled={disabled || answers.whenYear === 'before'}
            onChange={(e) => update({ whenMonth: e.target.value })}
          >
            <option value="">{intl.formatMessage({ id: 'intake.when.monthUnknown' })}</option>
            {months.map((name, i) => (
              <option key={name} value={String(i + 1)}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={yearId}>
            <FormattedMessage id="intake.when.year" />
          </label>
          <select
            id={yearId}
            value={answers.whenYear}
            disabled={disabled}
            onChange={(e) => update({ whenYear: e.target.value })}
          >
            <option value="">—</option>
            {years.map((y) => (
              <option key={y} value={String(y)}>
                {formatYear(y, intl.locale)}
              </option>
            ))}
            <option value="before">
              {intl.formatMessage(
                { id: 'intake.when.earlier' },
                { year: formatYear(EARLIEST_YEAR, intl.locale) },
              )}
            </option>
          </select>
        </div>
      </div>
      <Choice
        type="checkbox"
        name="when-not-sure"
        checked={answers.whenNotSure}
        onChange={(checked) => update({ whenNotSure: checked })}
      >
        <FormattedMessage id="intake.when.notSure" />
      </Choice>
    </fieldset>
  )
}

export function UrgentGuidance() {
  return (
    <div aria-live="polite">
      <Notice tone="danger">
        <p>
          <strong>
            <FormattedMessage id="intake.urgency.emergency" />
          </strong>
        </p>
      </Notice>
      <Notice tone="warn">
        <h2>
          <FormattedMessage id="intake.urgency.guidanceTitle" />
        </h2>
        <ul className="points">
          <li>
            <FormattedMessage id="intake.urgency.guidance1" />
          </li>
          <li>
            <FormattedMessage id="intake.urgency.guidance2" />
          </li>
          <li>
            <FormattedMessage id="intake.urgency.guidance3" />
          </li>
          <li>
            <FormattedMessage id="intake.urgency.guidance4" />
          </li>
        </ul>
      </Notice>
    </div>
  )
}

export function UrgencyQuestion({ answers, update }: QuestionProps) {
  const intl = useIntl()
  return (
    <>
      <RadioChoices
        legend={intl.formatMessage({ id: 'intake.urgency.title' })}
        name="ongoing"
        options={ONGOING}
        labels={ONGOING_LABELS}
        value={answers.ongoing}
        onChange={(ongoing) => update({ ongoing })}
      />
      <fieldset>
        <legend>
          <FormattedMessage id="intake.urgency.urgentLegend" />
        </legend>
        <div className="choices choices-two">
          <Choice
            type="radio"
            name="urgent"
            value="yes"
            checked={answers.urgent === true}
            onChange={() => update({ urgent: true })}
          >
            <FormattedMessage id="intake.urgency.urgentYes" />
          </Choice>
          <Choice
            type="radio"
            name="urgent"
            value="no"
            checked={answers.urgent === false}
            onChange={() => update({ urgent: false })}
          >
            <FormattedMessage id="intake.urgency.urgentNo" />
          </Choice>
        </div>
      </fieldset>
      {answers.urgent === true && <UrgentGuidance />}
    </>
  )
}

export function WhereQuestion({ answers, update }: QuestionProps) {
  const intl = useIntl()
  const id = useId()
  const countries = useMemo(() => sortedCountries(intl.locale), [intl.locale])
  return (
    <div className="field">
      <label htmlFor={id}>
        <FormattedMessage id="intake.where.label" />
      </label>
      <select id={id} value={answers.hostCountry} onChange={(e) => update({ hostCountry: e.target.value })}>
        <option value="">{intl.formatMessage({ id: 'intake.where.placeholder' })}</option>
        <option value="undisclosed">{intl.formatMessage({ id: 'intake.where.preferNot' })}</option>
        {countries.map((c) => (
          <option key={c.code} value={c.code}>
            {c.name}
          </option>
        ))}
      </select>
    </div>
  )
}

export function StateQuestion({ answers, update }: QuestionProps) {
  const intl = useIntl()
  const id = useId()
  const countries = useMemo(() => sortedCountries(intl.locale), [intl.locale])
  return (
    <div className="field">
      <label htmlFor={id}>
        <FormattedMessage id="intake.state.label" />
      </label>
      <select id={id} value={answers.originState} onChange={(e) => update({ originState: e.target.value })}>
        <option value="">{intl.formatMessage({ id: 'intake.state.placeholder' })}</option>
        <option value="unknown">{intl.formatMessage({ id: 'intake.state.notSure' })}</option>
        <optgroup label={intl.formatMessage({ id: 'intake.state.common' })}>
          {COMMON_ORIGIN_STATES.map((code) => (
            <option key={code} value={code}>
              {countryName(code, intl.locale)}
            </option>
          ))}
        </optgroup>
        <optgroup label={intl.formatMessage({ id: 'intake.state.all' })}>
          {countries.map((c) => (
            <option key={c.code} value={`${c.code}`}>
              {c.name}
            </option>
          ))}
        </optgroup>
      </select>
    </div>
  )
}

export function CommunityQuestion({ answers, update }: QuestionProps) {
  const intl = useIntl()
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>
        <FormattedMessage id="intake.community.label" />
      </label>
      <select
        id={id}
        value={answers.community ?? ''}
        onChange={(e) => {
          const value = COMMUNITIES.find((c) => c === e.target.value) ?? null
          update({ community: value })
        }}
      >
        <option value="">—</option>
        {COMMUNITIES.map((c) => (
          <option key={c} value={c}>
            {intl.formatMessage({ id: COMMUNITY_LABELS[c] })}
          </option>
        ))}
      </select>
    </div>
  )
}

export function StoryQuestion({ answers, update }: QuestionProps) {
  const id = useId()
  const tooLong = answers.narrative.length > MAX_NARRATIVE_CHARS
  return (
    <div className="field">
      <label htmlFor={id}>
        <FormattedMessage id="intake.story.label" />
      </label>
      <textarea
        id={id}
        dir="auto"
        value={answers.narrative}
        onChange={(e) => update({ narrative: e.target.value })}
        aria-describedby={`${id}-count`}
        aria-invalid={tooLong}
        spellCheck={false}
        autoComplete="off"
      />
      <p className="counter" id={`${id}-count`}>
        <FormattedMessage
          id="intake.story.counter"
          values={{ count: answers.narrative.length, max: MAX_NARRATIVE_CHARS }}
        />
      </p>
      {tooLong && (
        <p className="field-error" role="alert">
          <FormattedMessage id="intake.story.tooLong" />
        </p>
      )}
    </div>
  )
}

export function FilesQuestion({
  answers,
  update,
  maxFileBytes,
  onLater,
}: QuestionProps & { maxFileBytes: number; onLater: () => void }) {
  return (
    <>
      <FilePicker files={answers.files} onChange={(files) => update({ files })} maxFileBytes={maxFileBytes} />
      {answers.files.length === 0 && (
        <Notice tone="info">
          <h2>
            <FormattedMessage id="intake.files.laterTitle" />
          </h2>
          <p>
            <FormattedMessage id="intake.files.laterHelp" />
          </p>
          <button type="button" className="btn btn-secondary" onClick={onLater}>
            <FormattedMessage id="intake.files.later" />
          </button>
        </Notice>
      )}
    </>
  )
}

export function ContactQuestion({ answers, update }: QuestionProps) {
  const id = useId()
  return (
    <>
      <div className="field">
        <label htmlFor={id}>
          <FormattedMessage id="intake.contact.label" />
        </label>
        <input
          id={id}
          type="text"
          dir="auto"
          value={answers.contact}
          maxLength={1000}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => update({ contact: e.target.value })}
          aria-describedby={`${id}-privacy`}
        />
      </div>
      <Notice tone="info">
        <p id={`${id}-privacy`}>
          <FormattedMessage id="intake.contact.privacy" />
        </p>
      </Notice>
    </>
  )
}

/** An explicit yes/no choice; `messages` prefixes its Legend, Help, Yes and No locale keys. */
function YesNoQuestion({
  name,
  messages,
  value,
  onChange,
  error,
}: {
  name: string
  messages: 'intake.choices.readBack' | 'intake.choices.stats'
  value: boolean | null
  onChange: (value: boolean) => void
  error: ReactNode
}) {
  const help = useId()
  return (
    <fieldset aria-describedby={help}>
      <legend>
        <FormattedMessage id={`${messages}Legend`} />
      </legend>
      <p className="help small" id={help}>
        <FormattedMessage id={`${messages}Help`} />
      </p>
      <div className="choices">
        {([true, false] as const).map((choice) => (
          <Choice
            key={String(choice)}
            type="radio"
            name={name}
            value={choice ? 'yes' : 'no'}
            checked={value === choice}
            onChange={() => onChange(choice)}
          >
            <FormattedMessage id={`${messages}${choice ? 'Yes' : 'No'}`} />
          </Choice>
        ))}
      </div>
      {error}
    </fieldset>
  )
}

export function ChoicesQuestion({
  answers,
  update,
  desks,
  showErrors,
}: QuestionProps & { desks: readonly DeskKey[]; showErrors: boolean }) {
  const deskHelp = useId()
  const missing = (value: unknown) =>
    showErrors && value === null ? (
      <p className="field-error" role="alert">
        <FormattedMessage id="intake.choices.required" />
      </p>
    ) : null
  return (
    <>
      <YesNoQuestion
        name="readback"
        messages="intake.choices.readBack"
        value={answers.readBack}
        onChange={(readBack) => update({ readBack })}
        error={missing(answers.readBack)}
      />
      <YesNoQuestion
        name="stats"
        messages="intake.choices.stats"
        value={answers.statisticsConsent}
        onChange={(statisticsConsent) => update({ statisticsConsent })}
        error={missing(answers.statisticsConsent)}
      />
      {desks.length > 1 && (
        <fieldset aria-describedby={deskHelp}>
          <legend>
            <FormattedMessage id="intake.choices.deskLegend" />
          </legend>
          <p className="help small" id={deskHelp}>
            <FormattedMessage id="intake.choices.deskHelp" />
          </p>
          <div className="choices">
            {desks.map((d) => (
              <Choice
                key={d.deskId}
                type="radio"
                name="desk"
                value={d.deskId}
                checked={answers.deskId === d.deskId}
                onChange={() => update({ deskId: d.deskId })}
              >
                <span dir="auto">{d.name}</span>
              </Choice>
            ))}
          </div>
          {missing(answers.deskId)}
        </fieldset>
      )}
    </>
  )
}
