/**
 * @module web/shared/context/facts
 * The freshness rule of issue 9: a legal fact (membership, treaty, case law, a law) is shown as
 * "unknown" twelve months after the day it was checked, until someone re-checks it. Treaties are
 * suspended and laws amended without notice to us; a stale "no treaty" or "treaty in force" told
 * to a person deciding whether to travel is worse than an honest "we do not know".
 *
 * Pure: `now` is always passed in (tests pin it; pages pass `new Date()`), dates are UTC days.
 */

/** How long a legal fact stays shown after its check date. */
export const FRESHNESS_MONTHS = 12

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/** Midnight UTC of a YYYY-MM-DD day; throws on anything else (the schema guarantees the shape). */
export function utcDay(day: string): Date {
  const m = DAY.exec(day)
  if (m === null) throw new RangeError(`not a YYYY-MM-DD day: ${day}`)
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  if (date.toISOString().slice(0, 10) !== day) throw new RangeError(`no such day: ${day}`)
  return date
}

/**
 * The first UTC day on which a fact checked on `checkedOn` is no longer shown: the same calendar
 * day twelve months later (29 February rolls over to 1 March, erring towards expiring early).
 */
export function expiresOn(checkedOn: string): string {
  const d = utcDay(checkedOn)
  const e = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + FRESHNESS_MONTHS, d.getUTCDate()))
  return e.toISOString().slice(0, 10)
}

/** True while a legal fact checked on `checkedOn` may still be shown at `now`. */
export function isCurrent(checkedOn: string, now: Date): boolean {
  return now.getTime() < utcDay(expiresOn(checkedOn)).getTime()
}

/** A check date after `now` is a data error (a typo, or a clock that cannot be trusted). */
export function isInFuture(checkedOn: string, now: Date): boolean {
  return utcDay(checkedOn).getTime() > now.getTime()
}

export type Known<T> =
  | { readonly known: true; readonly fact: T; readonly checkedOn: string; readonly expiresOn: string }
  | { readonly known: false; readonly reason: 'missing' }
  | { readonly known: false; readonly reason: 'stale'; readonly checkedOn: string }
  | { readonly known: false; readonly reason: 'future'; readonly checkedOn: string }

/**
 * A legal fact as it may be shown at `now`: known while fresh, otherwise unknown with the reason.
 * A fact dated in the future is treated as unknown rather than as eternally fresh.
 */
export function legalFact<T extends { readonly checkedOn: string }>(
  fact: T | undefined,
  now: Date,
): Known<T> {
  if (fact === undefined) return { known: false, reason: 'missing' }
  if (isInFuture(fact.checkedOn, now)) return { known: false, reason: 'future', checkedOn: fact.checkedOn }
  if (!isCurrent(fact.checkedOn, now)) return { known: false, reason: 'stale', checkedOn: fact.checkedOn }
  return { known: true, fact, checkedOn: fact.checkedOn, expiresOn: expiresOn(fact.checkedOn) }
}
