/**
 * @module web/brief/model
 * The figures of a one-page advocacy brief (issue 9), read from a verified statistics release
 * (crypto/release.ts, docs/release-format.md) for a host country or a region (the EU, the Council
 * of Europe). Pure: no rendering, no I/O.
 *
 * Honest by construction:
 * - figures are taken only from what the release publishes. A breakdown is scoped to the host
 *   country or region only when the release has a table crossing `host_country` with that field;
 *   otherwise the brief shows the release-wide breakdown and says so (`scoped: false`);
 * - a suppressed entry stays suppressed: a sum over member countries that includes a suppressed
 *   cell is not published (never un-suppress);
 * - a sum of m noisy entries gets the interval of m summed sources (crypto/release.ts
 *   `intervalHalfWidth(scale, m)` each, union bound), so it still covers the true sum with ≥ 95%.
 */
import { TACTIC_GROUP_ORDER } from '../../api/contract/coding.ts'
import {
  intervalHalfWidth,
  parseRational,
  type ReleaseBody,
  type ReleaseTable,
} from '../../crypto/release.ts'

export type Scope =
  | { readonly kind: 'country'; readonly code: string }
  | { readonly kind: 'eu' | 'council_of_europe' }

export interface Figure {
  /** Null when not published (suppressed, or a sum including a suppressed entry). */
  readonly value: number | null
  readonly lower: number | null
  readonly upper: number | null
  /** As the release shows it: a number, or "< k" for a suppressed single entry. */
  readonly display: string
}

export interface Row {
  readonly category: string
  readonly figure: Figure
}

export interface Breakdown {
  /** True when the rows count only the scope's host countries. */
  readonly scoped: boolean
  readonly rows: readonly Row[]
}

export interface ScopeCount {
  readonly figure: Figure
  /** Scope countries the release lists separately (their entries were summed). */
  readonly listed: readonly string[]
}

export interface BriefFigures {
  /** Reports from the scope's host countries; null when the release has no host-country table. */
  readonly scopeCount: ScopeCount | null
  /** Cases of the whole release, for context. */
  readonly total: Figure | null
  readonly tactics: Breakdown | null
  readonly trend: Breakdown | null
  readonly communities: Breakdown | null
  readonly threshold: number
}

type Entry = ReleaseTable['entries'][number]

const fieldsOf = (t: ReleaseTable) => t.dims.map((d) => d.field)

function single(entry: Entry): Figure {
  return { value: entry.value, lower: entry.lower, upper: entry.upper, display: entry.display }
}

/** The sum of entries of one table, with an interval that keeps ≥ 95% coverage. */
export function sumEntries(table: ReleaseTable, entries: readonly Entry[]): Figure {
  const [first] = entries
  if (entries.length === 1 && first !== undefined) return single(first)
  if (entries.length === 0) return { value: 0, lower: 0, upper: 0, display: '0' }
  if (entries.some((e) => e.value === null)) return { value: null, lower: null, upper: null, display: '' }
  const value = entries.reduce((s, e) => s + (e.value ?? 0), 0)
  const half =
    table.scale === null ? 0 : entries.length * intervalHalfWidth(parseRational(table.scale), entries.length)
  return { value, lower: Math.max(0, value - half), upper: value + half, display: String(value) }
}

/** The entries of `table` whose key matches `pattern` (null = the "all" margin). */
function where(table: ReleaseTable, pattern: readonly (string | null)[]): Entry[] {
  return table.entries.filter((e) => pattern.every((p, i) => e.key[i] === p))
}

/** Countries of `scope` that a table lists as `host_country` categories. */
function listedMembers(categories: readonly string[], members: ReadonlySet<string>): string[] {
  return categories.filter((c) => members.has(c))
}

/**
 * The breakdown of `field` for the scope: from a host_country × field table when the release has
 * one (scoped), else from a one-dimensional table of `field`, else from the margin of any
 * two-dimensional table that has `field` (release-wide).
 */
export function breakdown(
  release: ReleaseBody,
  field: string,
  members: ReadonlySet<string> | null,
): Breakdown | null {
  if (members !== null) {
    const crossed = release.tables.find(
      (t) => t.dims.length === 2 && fieldsOf(t).includes('host_country') && fieldsOf(t).includes(field),
    )
    if (crossed !== undefined) {
      const hostAt = fieldsOf(crossed).indexOf('host_country')
      const fieldAt = 1 - hostAt
      const hosts = listedMembers(crossed.dims[hostAt]?.categories ?? [], members)
      if (hosts.length > 0) {
        const rows = (crossed.dims[fieldAt]?.categories ?? []).map((category) => {
          const entries = hosts.flatMap((h) => {
            const pattern: (string | null)[] = [null, null]
            pattern[hostAt] = h
            pattern[fieldAt] = category
            return where(crossed, pattern)
          })
          return { category, figure: sumEntries(crossed, entries) }
        })
        return { scoped: true, rows }
      }
    }
  }
  const flat = release.tables.find((t) => t.dims.length === 1 && t.dims[0]?.field === field)
  if (flat !== undefined)
    return {
      scoped: false,
      rows: (flat.dims[0]?.categories ?? []).map((category) => ({
        category,
        figure: sumEntries(flat, where(flat, [category])),
      })),
    }
  const margin = release.tables.find((t) => t.dims.length === 2 && fieldsOf(t).includes(field))
  if (margin !== undefined) {
    const at = fieldsOf(margin).indexOf(field)
    return {
      scoped: false,
      rows: (margin.dims[at]?.categories ?? []).map((category) => {
        const pattern: (string | null)[] = [null, null]
        pattern[at] = category
        return { category, figure: sumEntries(margin, where(margin, pattern)) }
      }),
    }
  }
  return null
}

/** Member countries of a scope, as the context dataset knows them (web/shared/context/brief.ts). */
export function briefFigures(release: ReleaseBody, members: readonly string[]): BriefFigures {
  const memberSet = new Set(members)
  const hostTable =
    release.tables.find((t) => t.dims.length === 1 && t.dims[0]?.field === 'host_country') ??
    release.tables.find((t) => fieldsOf(t).includes('host_country'))
  let scopeCount: ScopeCount | null = null
  if (hostTable !== undefined) {
    const at = fieldsOf(hostTable).indexOf('host_country')
    const listed = listedMembers(hostTable.dims[at]?.categories ?? [], memberSet)
    const entries = listed.flatMap((code) => {
      const pattern: (string | null)[] = hostTable.dims.map(() => null)
      pattern[at] = code
      return where(hostTable, pattern)
    })
    scopeCount = { figure: sumEntries(hostTable, entries), listed }
  }
  const totalTable = release.tables[0]
  const totalEntry =
    totalTable === undefined
      ? undefined
      : where(
          totalTable,
          totalTable.dims.map(() => null),
        )[0]

  const tactics = breakdown(release, 'tactic_group', memberSet)
  const order = new Map<string, number>(TACTIC_GROUP_ORDER.map((g, i) => [g, i]))
  const communities = breakdown(release, 'community', memberSet)
  return {
    scopeCount,
    total: totalEntry === undefined ? null : single(totalEntry),
    tactics:
      tactics === null
        ? null
        : {
            ...tactics,
            rows: [...tactics.rows].sort(
              (a, b) => (order.get(a.category) ?? 99) - (order.get(b.category) ?? 99),
            ),
          },
    trend: breakdown(release, 'year', memberSet),
    // Only communities the release publishes a count for (never a suppressed one, never zero).
    communities:
      communities === null
        ? null
        : {
            ...communities,
            rows: communities.rows
              .filter((r) => r.figure.value !== null && r.figure.value > 0)
              .sort((a, b) => (b.figure.value ?? 0) - (a.figure.value ?? 0)),
          },
    threshold: release.privacy.threshold,
  }
}
