/**
 * @module crypto/release
 * Statistics releases (DESIGN §9, issue 6; docs/release-format.md): pure functions from decoded
 * units (one per coded case) to a signed, verifiable, mergeable release file.
 *
 * The order is DESIGN §9's, and it is the whole privacy argument:
 *   bound contributions per `person_key` → aggregate cells AND margins → add exact discrete
 *   Laplace noise (crypto/laplace.ts) to every one of them → only then compare the NOISY value
 *   with the threshold k and show "< k" → sign.
 * Thresholding on the noisy value is post-processing, so the ε claim holds; thresholding on true
 * counts would leak (a "< k" would reveal the true count is small). `buildRelease` never lets the
 * threshold see a true count in the noise mode: `noisyEntries` replaces the counts before
 * `publishNoisy` runs.
 *
 * The no-noise mode (suppression on true counts with complementary suppression) exists for
 * organisations that must publish exact figures; it makes no differential-privacy claim
 * (`privacy.mode = "suppression"`, `epsilon = null`), and every suppressed entry's range that a
 * reader can derive from the published cells and margins is checked exactly (`derivableRanges`)
 * to be at least k wide.
 *
 * No floating point: ε and scales are rationals of bigints, intervals are computed with integer
 * arithmetic from rational upper bounds of logarithms (so they are conservative: coverage ≥ 95%).
 *
 * Signing (DESIGN §9): organisation key → analyst `user-key` → `release` statement (format 1 of
 * crypto/statements.ts), whose `dataHash` = hex `H("tnr/v1/release-data", JCS(body))`. The chain
 * travels in the file, so anyone holding the organisation's fingerprint can verify it offline.
 */
import { z } from 'zod'
import { type CryptoBackend, ED25519_PUBLIC_KEY_BYTES } from './backend.ts'
import { fromBase64, toBase64, toHex, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { fingerprint } from './fingerprint.ts'
import { H } from './hash.ts'
import { jcs } from './jcs.ts'
import { laplaceScale, type RandomSource, type Rational, sampleDiscreteLaplace } from './laplace.ts'
import { signedStatementSchema, signStatement, verifyStatement, verifyUserKeyChain } from './statements.ts'

/** The release body's schema tag; a change of meaning gets a new number. */
export const RELEASE_SCHEMA = 'tnr-release/1'
export const MERGE_SCHEMA = 'tnr-merge/1'
/** Defaults of issue 6: ε ≤ 1, k = 10. */
export const DEFAULT_THRESHOLD = 10
export const DEFAULT_EPSILON: Rational = { num: 1n, den: 1n }
/** At most two dimensions per table (cells, row and column margins, total). */
export const MAX_DIMENSIONS = 2

// --- inputs -------------------------------------------------------------------------------------

/** One dimension of a table: a coding field and its (possibly coarsened) published categories. */
export interface Dimension {
  readonly field: string
  readonly categories: readonly string[]
  /**
   * How many categories one unit may count in (1 for single-valued fields; for multi-select
   * fields extra values are dropped in category order). It enters the sensitivity.
   */
  readonly maxValues: number
}

export interface TableSpec {
  readonly id: string
  readonly dims: readonly Dimension[]
}

/** One coded case as the builder decoded it: its person key and its values per field. */
export interface Unit {
  /** Pseudonym linking cases of one person; empty means "not linked" (the case is its own person). */
  readonly personKey: string
  readonly values: Readonly<Record<string, readonly string[]>>
}

// --- rationals ----------------------------------------------------------------------------------

export function formatRational(r: Rational): string {
  const g = gcd(r.num, r.den)
  return `${r.num / g}/${r.den / g}`
}

export function parseRational(text: string): Rational {
  const match = /^([1-9][0-9]{0,17})\/([1-9][0-9]{0,17})$/.exec(text)
  if (match === null || match[1] === undefined || match[2] === undefined)
    throw new CryptoError('bad_argument', 'expected a positive rational "n/d"')
  return { num: BigInt(match[1]), den: BigInt(match[2]) }
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a
  let y = b < 0n ? -b : b
  while (y !== 0n) {
    const r = x % y
    x = y
    y = r
  }
  return x
}

function addRationals(a: Rational, b: Rational): Rational {
  const num = a.num * b.den + b.num * a.den
  const den = a.den * b.den
  const g = gcd(num, den)
  return { num: num / g, den: den / g }
}

/** a ≤ b */
function rationalAtMost(a: Rational, b: Rational): boolean {
  return a.num * b.den <= b.num * a.den
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b
}

// --- step 1: bound contributions ----------------------------------------------------------------

/**
 * Keeps at most `cap` units per person key (the first ones in the given order; callers pass a
 * deterministic order), units without a person key each count as their own person. This bounds
 * what one person can change in any table: the privacy unit is "a person, as far as caseworkers
 * could link cases; otherwise a case" (the methodology says so).
 */
export function boundContributions(units: readonly Unit[], cap: number): Unit[] {
  if (!Number.isSafeInteger(cap) || cap < 1)
    throw new CryptoError('bad_argument', 'cap must be a positive integer')
  const seen = new Map<string, number>()
  const out: Unit[] = []
  for (const unit of units) {
    if (unit.personKey === '') {
      out.push(unit)
      continue
    }
    const count = seen.get(unit.personKey) ?? 0
    if (count < cap) out.push(unit)
    seen.set(unit.personKey, count + 1)
  }
  return out
}

// --- crossings never published --------------------------------------------------------------------

/**
 * Field groups a release never crosses (issue 6): `target_gender` within community × host
 * country would single out, say, the few women of one community in one host country. The first
 * field of a group may be crossed with some of the others, never with all of them, whether in one
 * table or across tables (gender × community beside gender × host narrows the same people).
 */
export const NEVER_CROSSED: readonly (readonly [string, ...string[]])[] = [
  ['target_gender', 'community', 'host_country'],
]

/** The forbidden crossing the tables make, as "a × b × c", or undefined. */
export function forbiddenCrossing(
  tables: readonly { readonly dims: readonly { readonly field: string }[] }[],
): string | undefined {
  for (const [field, ...others] of NEVER_CROSSED) {
    const crossed = new Set<string>()
    for (const table of tables) {
      const fields = table.dims.map((d) => d.field)
      if (fields.includes(field)) for (const f of fields) crossed.add(f)
    }
    if (others.every((o) => crossed.has(o))) return [field, ...others].join(' × ')
  }
  return undefined
}

// --- step 2: aggregate cells and margins --------------------------------------------------------

/** A cell (every position a category) or a margin (`null` where a dimension is summed out). */
export type EntryKey = readonly (string | null)[]

export interface CountedEntry {
  readonly key: EntryKey
  readonly count: number
}

function checkSpec(spec: TableSpec): void {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(spec.id)) throw new CryptoError('bad_argument', 'table id')
  if (spec.dims.length < 1 || spec.dims.length > MAX_DIMENSIONS)
    throw new CryptoError('bad_argument', 'a table has one or two dimensions')
  for (const dim of spec.dims) {
    if (dim.categories.length < 1 || new Set(dim.categories).size !== dim.categories.length)
      throw new CryptoError('bad_argument', 'categories must be distinct and non-empty')
    if (!Number.isSafeInteger(dim.maxValues) || dim.maxValues < 1 || dim.maxValues > dim.categories.length)
      throw new CryptoError('bad_argument', 'maxValues out of range')
  }
}

/** Every key of the table in a fixed order: each position ranges over its categories, then null. */
export function entryKeys(spec: TableSpec): EntryKey[] {
  let keys: (string | null)[][] = [[]]
  for (const dim of spec.dims) {
    const next: (string | null)[][] = []
    for (const prefix of keys) {
      for (const c of dim.categories) next.push([...prefix, c])
      next.push([...prefix, null])
    }
    keys = next
  }
  return keys
}

function keyString(key: EntryKey): string {
  return JSON.stringify(key)
}

/** The unit's values in a dimension: known categories, once each, in category order, capped. */
function unitValues(unit: Unit, dim: Dimension): string[] {
  const given = new Set(unit.values[dim.field] ?? [])
  return dim.categories.filter((c) => given.has(c)).slice(0, dim.maxValues)
}

/**
 * Counts every cell and margin. A unit counts in the cell of each combination of its values, in
 * each margin of its values, and once in the total, provided it has a value in every dimension
 * (units without one, e.g. a missing field, count nowhere in this table).
 */
export function aggregate(units: readonly Unit[], spec: TableSpec): CountedEntry[] {
  checkSpec(spec)
  const counts = new Map<string, number>(entryKeys(spec).map((k) => [keyString(k), 0]))
  for (const unit of units) {
    const perDim = spec.dims.map((dim) => unitValues(unit, dim))
    if (perDim.some((values) => values.length === 0)) continue
    let combos: (string | null)[][] = [[]]
    for (const values of perDim) {
      const next: (string | null)[][] = []
      for (const prefix of combos) {
        for (const v of values) next.push([...prefix, v])
        next.push([...prefix, null])
      }
      combos = next
    }
    for (const combo of combos) {
      const k = keyString(combo)
      counts.set(k, (counts.get(k) ?? 0) + 1)
    }
  }
  return entryKeys(spec).map((key) => ({ key, count: counts.get(keyString(key)) ?? 0 }))
}

/**
 * L1 sensitivity of the whole vector (cells and margins) for one person: each of their ≤ `cap`
 * units changes at most Π(maxValues_d + 1) entries by one (its cells, its margins, the total).
 */
export function sensitivity(spec: TableSpec, cap: number): bigint {
  let perUnit = 1n
  for (const dim of spec.dims) perUnit *= BigInt(dim.maxValues + 1)
  return perUnit * BigInt(cap)
}

// --- step 3: noise -----------------------------------------------------------------------------

export interface NoisyEntry {
  readonly key: EntryKey
  readonly noisy: number
}

/**
 * Adds one discrete Laplace sample of `scale` to every entry, in entry order. Returns ONLY the
 * noisy values: nothing downstream can read a true count by mistake.
 */
export function noisyEntries(
  rng: RandomSource,
  counted: readonly CountedEntry[],
  scale: Rational,
): NoisyEntry[] {
  return counted.map((entry) => {
    const noisy = BigInt(entry.count) + sampleDiscreteLaplace(rng, scale)
    const n = Number(noisy)
    if (!Number.isSafeInteger(n)) throw new CryptoError('bad_argument', 'noisy count is not a safe integer')
    return { key: entry.key, noisy: n }
  })
}

// --- intervals ---------------------------------------------------------------------------------

/** Rational upper bounds of logarithms (ln 40 = 3.68887…, ln 2 = 0.693147…). */
const LN_40_UPPER: Rational = { num: 36889n, den: 10000n }
const LN_2_UPPER: Rational = { num: 6932n, den: 10000n }

function bitLength(n: bigint): bigint {
  let bits = 0n
  let v = n
  while (v > 0n) {
    v >>= 1n
    bits += 1n
  }
  return bits
}

/**
 * Half-width t of an interval [noisy − t, noisy + t] that covers the true count with probability
 * at least 1 − 0.05/m for discrete Laplace noise of this scale (m = 1: the 95% interval; m > 1:
 * one of m summed sources, so the union bound keeps the merged interval at ≥ 95%).
 *
 * P(|Z| > t) = 2q^(t+1)/(1+q) ≤ 2q^(t+1) with q = e^(−1/scale); that is ≤ 0.05/m once
 * t + 1 ≥ scale·ln(40m). We use rational upper bounds ln(40m) ≤ ln 40 + ⌈log2 m⌉·ln 2, so the
 * interval is conservative (at most a unit or so wider than the exact one).
 */
export function intervalHalfWidth(scale: Rational, sources = 1): number {
  if (!Number.isSafeInteger(sources) || sources < 1) throw new CryptoError('bad_argument', 'sources')
  const extraBits = sources === 1 ? 0n : bitLength(BigInt(sources - 1))
  const ln = addRationals(LN_40_UPPER, { num: LN_2_UPPER.num * extraBits, den: LN_2_UPPER.den })
  const t = ceilDiv(scale.num * ln.num, scale.den * ln.den) - 1n
  return Number(t < 0n ? 0n : t)
}

// --- step 4: publish (threshold the noisy values) ----------------------------------------------

export interface PublishedEntry {
  readonly key: EntryKey
  /** Noisy (noise mode) or true (suppression mode) count; null when suppressed. */
  readonly value: number | null
  /** What a reader sees: the number, or "< k". */
  readonly display: string
  /** 95% interval for the true count (noise mode), exact bounds otherwise; null when suppressed. */
  readonly lower: number | null
  readonly upper: number | null
  readonly suppressed: boolean
}

/** Post-processing of noisy values only: "< k" when the noisy value is under k. */
export function publishNoisy(
  noisy: readonly NoisyEntry[],
  threshold: number,
  halfWidth: number,
): PublishedEntry[] {
  return noisy.map(({ key, noisy: value }) => {
    if (value < threshold)
      return { key, value: null, display: `< ${threshold}`, lower: null, upper: null, suppressed: true }
    return {
      key,
      value,
      display: String(value),
      lower: value - halfWidth < 0 ? 0 : value - halfWidth,
      upper: value + halfWidth,
      suppressed: false,
    }
  })
}

// --- the no-noise mode: complementary suppression -------------------------------------------------

/** One linear identity among entries: Σ children − parent = 0. */
interface Identity {
  readonly parent: string
  readonly children: readonly string[]
}

function identities(spec: TableSpec): Identity[] {
  const out: Identity[] = []
  for (const key of entryKeys(spec)) {
    key.forEach((position, p) => {
      if (position !== null) return
      const dim = spec.dims[p]
      if (dim === undefined) return
      out.push({
        parent: keyString(key),
        children: dim.categories.map((c) => keyString(key.map((v, i) => (i === p ? c : v)))),
      })
    })
  }
  return out
}

/** Thrown (as code 'unsupported') when the exact check would take too long: use the noise mode. */
const SEARCH_BUDGET = 400_000

interface Constraint {
  readonly vars: readonly number[]
  readonly coefs: readonly number[]
  readonly rhs: number
}

/**
 * The exact range [min, max] of every suppressed entry over all non-negative integer tables that
 * agree with the published entries and satisfy every margin identity (what a reader can derive
 * from the published cells and margins; the transportation-polytope LP has integral vertices, so
 * over integers this is the LP range). Depth-first search with bound propagation; ranges may be
 * `Infinity` above when nothing published bounds an entry. Requires single-valued dimensions
 * (margins are sums only then). Throws CryptoError('unsupported') past a search budget.
 */
export function derivableRanges(
  spec: TableSpec,
  published: readonly { key: EntryKey; value: number | null }[],
): Map<string, { min: number; max: number }> {
  const values = new Map(published.map((e) => [keyString(e.key), e.value]))
  const unknown = [...values.entries()].filter(([, v]) => v === null).map(([k]) => k)
  const index = new Map(unknown.map((k, i) => [k, i]))
  const constraints: Constraint[] = []
  for (const id of identities(spec)) {
    const terms = new Map<number, number>()
    let rhs = 0
    const add = (k: string, coef: number) => {
      const i = index.get(k)
      if (i === undefined) rhs -= coef * (values.get(k) ?? 0)
      else terms.set(i, (terms.get(i) ?? 0) + coef)
    }
    for (const child of id.children) add(child, 1)
    add(id.parent, -1)
    if (terms.size > 0) constraints.push({ vars: [...terms.keys()], coefs: [...terms.values()], rhs })
    else if (rhs !== 0) throw new CryptoError('bad_argument', 'published entries are inconsistent')
  }
  // Upper bounds by propagation; an unbounded entry gets a cap that only shrinks the searched set
  // (so ranges found are inside the true ones: the check stays on the safe side).
  const lb = unknown.map(() => 0)
  const ub = unknown.map(() => Number.POSITIVE_INFINITY)
  const propagate = (lo: number[], hi: number[]): boolean => {
    for (let round = 0; round < 50; round++) {
      let changed = false
      for (const c of constraints) {
        for (let t = 0; t < c.vars.length; t++) {
          const v = c.vars[t] as number
          const coef = c.coefs[t] as number
          // coef·v = rhs − Σ others
          let othersMin = 0
          let othersMax = 0
          for (let u = 0; u < c.vars.length; u++) {
            if (u === t) continue
            const w = c.vars[u] as number
            const cu = c.coefs[u] as number
            othersMin += cu > 0 ? cu * (lo[w] as number) : cu * (hi[w] as number)
            othersMax += cu > 0 ? cu * (hi[w] as number) : cu * (lo[w] as number)
          }
          // Coefficients are ±1 (a child +1, its parent −1), so this is exact integer arithmetic;
          // ±Infinity stands for "unbounded" and never meets its opposite here.
          const newLo = coef > 0 ? c.rhs - othersMax : othersMin - c.rhs
          const newHi = coef > 0 ? c.rhs - othersMin : othersMax - c.rhs
          if (newLo > (lo[v] as number)) {
            lo[v] = newLo
            changed = true
          }
          if (newHi < (hi[v] as number)) {
            hi[v] = newHi
            changed = true
          }
          if ((lo[v] as number) > (hi[v] as number)) return false
        }
      }
      if (!changed) return true
    }
    return true
  }
  if (!propagate(lb, ub)) throw new CryptoError('bad_argument', 'published entries are inconsistent')
  const finiteCap = published.reduce((s, e) => s + (e.value ?? 0), 0) + 1
  const unbounded = new Set<number>()
  for (let i = 0; i < ub.length; i++) {
    if (!Number.isFinite(ub[i] as number)) {
      unbounded.add(i)
      ub[i] = finiteCap
    }
  }
  let budget = SEARCH_BUDGET
  const feasible = (lo: number[], hi: number[]): boolean => {
    budget -= 1
    if (budget < 0) throw new CryptoError('unsupported', 'table too large for the exact suppression check')
    if (!propagate(lo, hi)) return false
    let pick = -1
    for (let i = 0; i < lo.length; i++) {
      if ((lo[i] as number) < (hi[i] as number)) {
        pick = i
        break
      }
    }
    if (pick === -1)
      return constraints.every(
        (c) => c.vars.reduce((s, v, t) => s + (c.coefs[t] as number) * (lo[v] as number), 0) === c.rhs,
      )
    for (let val = lo[pick] as number; val <= (hi[pick] as number); val++) {
      const l2 = [...lo]
      const h2 = [...hi]
      l2[pick] = val
      h2[pick] = val
      if (feasible(l2, h2)) return true
    }
    return false
  }
  const out = new Map<string, { min: number; max: number }>()
  unknown.forEach((k, i) => {
    let min = lb[i] as number
    while (min <= (ub[i] as number)) {
      const l2 = [...lb]
      const h2 = [...ub]
      l2[i] = min
      h2[i] = min
      if (feasible(l2, h2)) break
      min++
    }
    let max = ub[i] as number
    while (max >= min) {
      const l2 = [...lb]
      const h2 = [...ub]
      l2[i] = max
      h2[i] = max
      if (feasible(l2, h2)) break
      max--
    }
    out.set(k, { min, max: unbounded.has(i) ? Number.POSITIVE_INFINITY : max })
  })
  return out
}

/**
 * Suppression on TRUE counts (no noise, no differential-privacy claim): primary suppression of
 * every entry under k, then complementary suppression until every suppressed entry's derivable
 * range (derivableRanges) is at least k wide. The extra cell chosen is the smallest published
 * entry that shares an identity with an under-protected one (a cell of its row or column, or a
 * margin), which keeps the loss small and always terminates (each round suppresses one more).
 */
export function publishSuppressed(
  spec: TableSpec,
  counted: readonly CountedEntry[],
  threshold: number,
): PublishedEntry[] {
  if (spec.dims.some((d) => d.maxValues !== 1))
    throw new CryptoError('bad_argument', 'the no-noise mode needs single-valued dimensions')
  const suppressed = new Set(counted.filter((e) => e.count < threshold).map((e) => keyString(e.key)))
  const count = new Map(counted.map((e) => [keyString(e.key), e.count]))
  const ids = identities(spec)
  for (;;) {
    const view = counted.map((e) => ({
      key: e.key,
      value: suppressed.has(keyString(e.key)) ? null : e.count,
    }))
    const ranges = derivableRanges(spec, view)
    const weak = [...ranges.entries()].filter(([, r]) => r.max - r.min < threshold).map(([k]) => k)
    if (weak.length === 0) break
    let best: string | undefined
    for (const k of weak) {
      for (const id of ids) {
        const members = [id.parent, ...id.children]
        if (!members.includes(k)) continue
        for (const m of members) {
          if (suppressed.has(m)) continue
          if (best === undefined || (count.get(m) ?? 0) < (count.get(best) ?? 0)) best = m
        }
      }
      if (best !== undefined) break
    }
    if (best === undefined) break
    suppressed.add(best)
  }
  return counted.map(({ key, count: c }) =>
    suppressed.has(keyString(key))
      ? { key, value: null, display: `< ${threshold}`, lower: null, upper: null, suppressed: true }
      : { key, value: c, display: String(c), lower: c, upper: c, suppressed: false },
  )
}

// --- the release body ---------------------------------------------------------------------------

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/)
const rational = z.string().regex(/^[1-9][0-9]{0,17}\/[1-9][0-9]{0,17}$/)
const text = z.string().max(20_000)
const count = z.int().min(-1_000_000_000).max(1_000_000_000)

const entrySchema = z.strictObject({
  key: z.array(z.string().max(100).nullable()).min(1).max(MAX_DIMENSIONS),
  value: count.nullable(),
  display: z.string().max(40),
  lower: count.nullable(),
  upper: count.nullable(),
  suppressed: z.boolean(),
})

const dimensionSchema = z.strictObject({
  field: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  categories: z.array(z.string().min(1).max(100)).min(1).max(300),
  maxValues: z.int().min(1).max(300),
})

const tableSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
  dims: z.array(dimensionSchema).min(1).max(MAX_DIMENSIONS),
  /** Per-table ε share (noise mode) and the Laplace scale Δ/ε_t; null in the no-noise mode. */
  epsilon: rational.nullable(),
  scale: rational.nullable(),
  sensitivity: z.int().min(1),
  /** Half-width of the 95% intervals (noise mode), 0 in the no-noise mode. */
  halfWidth: z.int().min(0),
  entries: z.array(entrySchema).max(100_000),
})

export const releaseBodySchema = z.strictObject({
  schema: z.literal(RELEASE_SCHEMA),
  orgId: uuid,
  orgName: z.string().min(1).max(200),
  releaseId: uuid,
  version: z.int().min(1),
  createdAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
  period: z.strictObject({ from: month, to: month }),
  codingScheme: z.strictObject({ name: z.string().min(1).max(100), version: z.int().min(1) }),
  privacy: z.strictObject({
    mode: z.enum(['differential-privacy', 'suppression']),
    /** Total ε of this release (sum over tables); null in the no-noise mode. */
    epsilon: rational.nullable(),
    noise: z.enum(['discrete-laplace', 'none']),
    /** "person" where cases are linked by person_key, else "case"; capped at `contributionCap`. */
    unit: z.string().min(1).max(200),
    contributionCap: z.int().min(1).max(100),
    threshold: z.int().min(1).max(1000),
    intervalLevel: z.literal('95%'),
  }),
  tables: z.array(tableSchema).min(1).max(50),
  methodology: text,
  citation: text,
  licence: z.string().min(1).max(200),
  changelog: z.array(z.strictObject({ version: z.int().min(1), note: z.string().max(2000) })).max(100),
})
export type ReleaseBody = z.infer<typeof releaseBodySchema>
export type ReleaseTable = ReleaseBody['tables'][number]

export interface BuildOptions {
  readonly orgId: string
  readonly orgName: string
  readonly releaseId: string
  readonly version: number
  readonly createdAt: Date
  readonly period: { from: string; to: string }
  readonly codingScheme: { name: string; version: number }
  readonly tables: readonly TableSpec[]
  /** null: the no-noise mode (suppression on true counts, no DP claim). */
  readonly epsilon: Rational | null
  readonly threshold: number
  readonly contributionCap: number
  /** True when any unit carries a person key. */
  readonly linkedByPerson: boolean
  readonly methodology: string
  readonly citation: string
  readonly licence: string
  readonly changelog: readonly { version: number; note: string }[]
}

/** Whole seconds, the release's one spelling of an instant. */
export function releaseTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`
}

/**
 * Steps 1–4 of DESIGN §9 for every table. ε is split evenly over the tables (sequential
 * composition: the same people feed every table), and each table's noise scale is its L1
 * sensitivity over its ε share.
 */
export function buildRelease(
  units: readonly Unit[],
  options: BuildOptions,
  rng: RandomSource | null,
): ReleaseBody {
  const crossing = forbiddenCrossing(options.tables)
  if (crossing !== undefined) throw new CryptoError('bad_argument', `never published: ${crossing}`)
  const bounded = boundContributions(units, options.contributionCap)
  const dp = options.epsilon !== null
  if (dp && rng === null) throw new CryptoError('bad_argument', 'the noise mode needs a random source')
  if (!Number.isSafeInteger(options.threshold) || options.threshold < 1)
    throw new CryptoError('bad_argument', 'threshold must be a positive integer')
  const perTable: Rational | null =
    options.epsilon === null
      ? null
      : { num: options.epsilon.num, den: options.epsilon.den * BigInt(options.tables.length) }
  const tables: ReleaseTable[] = options.tables.map((spec) => {
    const counted = aggregate(bounded, spec)
    const delta = sensitivity(spec, options.contributionCap)
    if (perTable === null || rng === null) {
      return {
        id: spec.id,
        dims: spec.dims.map((d) => ({
          field: d.field,
          categories: [...d.categories],
          maxValues: d.maxValues,
        })),
        epsilon: null,
        scale: null,
        sensitivity: Number(delta),
        halfWidth: 0,
        entries: publishSuppressed(spec, counted, options.threshold).map(toJsonEntry),
      }
    }
    const scale = laplaceScale(perTable, delta)
    const halfWidth = intervalHalfWidth(scale)
    // The threshold sees only `noisy`: the true counts go out of scope here.
    const noisy = noisyEntries(rng, counted, scale)
    return {
      id: spec.id,
      dims: spec.dims.map((d) => ({ field: d.field, categories: [...d.categories], maxValues: d.maxValues })),
      epsilon: formatRational(perTable),
      scale: formatRational(scale),
      sensitivity: Number(delta),
      halfWidth,
      entries: publishNoisy(noisy, options.threshold, halfWidth).map(toJsonEntry),
    }
  })
  const body: ReleaseBody = {
    schema: RELEASE_SCHEMA,
    orgId: options.orgId,
    orgName: options.orgName,
    releaseId: options.releaseId,
    version: options.version,
    createdAt: releaseTimestamp(options.createdAt),
    period: { ...options.period },
    codingScheme: { ...options.codingScheme },
    privacy: {
      mode: dp ? 'differential-privacy' : 'suppression',
      epsilon: options.epsilon === null ? null : formatRational(options.epsilon),
      noise: dp ? 'discrete-laplace' : 'none',
      unit: options.linkedByPerson ? 'person (cases linked by caseworkers), else case' : 'case',
      contributionCap: options.contributionCap,
      threshold: options.threshold,
      intervalLevel: '95%',
    },
    tables,
    methodology: options.methodology,
    citation: options.citation,
    licence: options.licence,
    changelog: options.changelog.map((c) => ({ ...c })),
  }
  return releaseBodySchema.parse(body)
}

function toJsonEntry(e: PublishedEntry): ReleaseTable['entries'][number] {
  return {
    key: [...e.key],
    value: e.value,
    display: e.display,
    lower: e.lower,
    upper: e.upper,
    suppressed: e.suppressed,
  }
}

// --- signing and verification -------------------------------------------------------------------

export const signedReleaseSchema = z.strictObject({
  release: releaseBodySchema,
  /** The `release` statement (format 1) signed by the analyst. */
  signature: signedStatementSchema,
  chain: z.strictObject({
    orgSigningKey: z.string(),
    /** The organisation-signed `user-key` statement of the analyst who signed. */
    userKey: signedStatementSchema,
  }),
})
export type SignedRelease = z.infer<typeof signedReleaseSchema>

/** hex of H("tnr/v1/release-data", JCS(body)). */
export function releaseDataHash(backend: CryptoBackend, body: ReleaseBody): string {
  return toHex(H(backend, 'tnr/v1/release-data', [utf8(jcs(body))]))
}

export function signRelease(
  backend: CryptoBackend,
  body: ReleaseBody,
  signer: {
    signingSeed: Uint8Array
    userKey: { statement: string; signature: string }
    orgSigningKey: Uint8Array
  },
): SignedRelease {
  const parsed = releaseBodySchema.parse(body)
  const signature = signStatement(backend, signer.signingSeed, {
    type: 'release',
    format: 1,
    orgId: parsed.orgId,
    releaseId: parsed.releaseId,
    version: parsed.version,
    createdAt: parsed.createdAt,
    dataHash: releaseDataHash(backend, parsed),
  })
  return {
    release: parsed,
    signature,
    chain: { orgSigningKey: toBase64(signer.orgSigningKey), userKey: signer.userKey },
  }
}

export interface VerifiedRelease {
  readonly release: ReleaseBody
  readonly orgFingerprint: string
  readonly signer: { userId: string; username: string }
}

/**
 * Verifies a release file against trusted organisation fingerprints: organisation key in the
 * trust list → its `user-key` for an analyst or admin of that organisation, valid when the
 * release was made → the `release` statement under that user's key → the body's hash and ids.
 * Throws CryptoError: 'untrusted_key', 'bad_signature', 'bad_statement', 'key_mismatch', 'expired'.
 */
export function verifyRelease(
  backend: CryptoBackend,
  file: unknown,
  trusted: readonly string[],
): VerifiedRelease {
  const parsed = signedReleaseSchema.safeParse(file)
  if (!parsed.success) throw new CryptoError('bad_statement', 'not a release file', { cause: parsed.error })
  const { release, signature, chain } = parsed.data
  let orgKey: Uint8Array
  try {
    orgKey = fromBase64(chain.orgSigningKey, ED25519_PUBLIC_KEY_BYTES)
  } catch (cause) {
    throw new CryptoError('bad_statement', 'organisation key', { cause })
  }
  const orgFingerprint = fingerprint(backend, orgKey)
  if (!trusted.includes(orgFingerprint))
    throw new CryptoError('untrusted_key', 'organisation key is not trusted')
  const createdAt = new Date(Date.parse(release.createdAt))
  const user = verifyUserKeyChain(backend, {
    orgSigningKey: orgKey,
    userKey: chain.userKey,
    now: createdAt,
    orgId: release.orgId,
  })
  if (user.statement.role !== 'analyst' && user.statement.role !== 'admin')
    throw new CryptoError('key_mismatch', 'signer is not an analyst')
  const statement = verifyStatement(backend, signature, user.signingKey, 'release')
  if (
    statement.orgId !== release.orgId ||
    statement.releaseId !== release.releaseId ||
    statement.version !== release.version ||
    statement.createdAt !== release.createdAt
  )
    throw new CryptoError('key_mismatch', 'statement does not match the release')
  if (statement.dataHash !== releaseDataHash(backend, release))
    throw new CryptoError('bad_signature', 'release data was changed')
  checkConsistency(release)
  return {
    release,
    orgFingerprint,
    signer: { userId: user.statement.userId, username: user.statement.username },
  }
}

/**
 * Claims a signer could get wrong: a DP claim without noise parameters, values under k shown, a
 * crossing that is never published (NEVER_CROSSED).
 */
function checkConsistency(release: ReleaseBody): void {
  const dp = release.privacy.mode === 'differential-privacy'
  if (dp !== (release.privacy.epsilon !== null) || dp !== (release.privacy.noise === 'discrete-laplace'))
    throw new CryptoError('bad_statement', 'privacy mode and noise disagree')
  const crossing = forbiddenCrossing(release.tables)
  if (crossing !== undefined) throw new CryptoError('bad_statement', `never published: ${crossing}`)
  for (const table of release.tables) {
    if (dp !== (table.epsilon !== null && table.scale !== null))
      throw new CryptoError('bad_statement', 'table noise parameters disagree with the mode')
    const spec: TableSpec = { id: table.id, dims: table.dims }
    const expected = entryKeys(spec).map(keyString)
    if (
      expected.length !== table.entries.length ||
      table.entries.some((e, i) => keyString(e.key) !== expected[i])
    )
      throw new CryptoError('bad_statement', 'table entries do not match its dimensions')
    for (const e of table.entries) {
      if (e.suppressed !== (e.value === null))
        throw new CryptoError('bad_statement', 'suppressed flag disagrees with value')
      if (e.value !== null && e.value < release.privacy.threshold)
        throw new CryptoError('bad_statement', 'a value under the threshold is shown')
    }
  }
}

// --- the ε ledger -------------------------------------------------------------------------------

export interface LedgerEntry {
  readonly releaseId: string
  readonly period: { from: string; to: string }
  readonly tables: readonly string[]
  /** null for a no-noise release (it spends no ε, and claims none). */
  readonly epsilon: string | null
}

function overlaps(a: { from: string; to: string }, b: { from: string; to: string }): boolean {
  return a.from <= b.to && b.from <= a.to
}

/**
 * ε already spent on the cases of `period`: every earlier release whose period overlaps it
 * counts in full (the same cases fed it, whatever its tables), plus `epsilon`. Refuses
 * (CryptoError 'bad_argument') when that exceeds the budget.
 */
export function checkBudget(
  ledger: readonly LedgerEntry[],
  next: { period: { from: string; to: string }; epsilon: Rational | null },
  budget: Rational,
): { spent: Rational; total: Rational } {
  let spent: Rational = { num: 0n, den: 1n }
  for (const entry of ledger) {
    if (entry.epsilon !== null && overlaps(entry.period, next.period))
      spent = addRationals(spent, parseRational(entry.epsilon))
  }
  const total = next.epsilon === null ? spent : addRationals(spent, next.epsilon)
  if (!rationalAtMost(total, budget)) throw new CryptoError('bad_argument', 'privacy budget exceeded')
  return { spent, total }
}

// --- merging --------------------------------------------------------------------------------------

export interface MergedRelease {
  readonly schema: typeof MERGE_SCHEMA
  readonly sources: readonly {
    orgId: string
    orgName: string
    releaseId: string
    version: number
    orgFingerprint: string
  }[]
  readonly period: { from: string; to: string }
  readonly codingScheme: { name: string; version: number }
  readonly mode: ReleaseBody['privacy']['mode']
  readonly tables: readonly { id: string; dims: ReleaseTable['dims']; entries: ReleaseTable['entries'] }[]
}

/**
 * Combines verified releases of different organisations: same coding scheme, period, privacy
 * mode and table layouts, else CryptoError('bad_argument') with the reason. Values are summed; a
 * merged entry is suppressed if it is suppressed anywhere (its sum is then unknown); intervals
 * are widened for the union bound (each source's half-width at level 0.05/m, summed), so the
 * merged interval still covers the true sum with probability ≥ 95%.
 */
export function mergeReleases(
  backend: CryptoBackend,
  files: readonly unknown[],
  trusted: readonly string[],
): MergedRelease {
  if (files.length < 2) throw new CryptoError('bad_argument', 'merge needs at least two releases')
  const verified = files.map((f) => verifyRelease(backend, f, trusted))
  const first = verified[0] as VerifiedRelease
  const base = first.release
  const orgs = new Set<string>()
  for (const v of verified) {
    const r = v.release
    if (orgs.has(r.orgId))
      throw new CryptoError('bad_argument', 'two releases of one organisation would count cases twice')
    orgs.add(r.orgId)
    if (
      r.codingScheme.name !== base.codingScheme.name ||
      r.codingScheme.version !== base.codingScheme.version
    )
      throw new CryptoError('bad_argument', 'different coding schemes')
    if (r.period.from !== base.period.from || r.period.to !== base.period.to)
      throw new CryptoError('bad_argument', 'different periods')
    if (r.privacy.mode !== base.privacy.mode) throw new CryptoError('bad_argument', 'different privacy modes')
    if (r.tables.length !== base.tables.length) throw new CryptoError('bad_argument', 'different tables')
    r.tables.forEach((t, i) => {
      const b = base.tables[i]
      if (b === undefined || t.id !== b.id || jcs(t.dims) !== jcs(b.dims))
        throw new CryptoError('bad_argument', `table ${t.id} differs`)
    })
  }
  const m = verified.length
  const tables = base.tables.map((table, ti) => {
    const widths = verified.map((v) => {
      const t = v.release.tables[ti] as ReleaseTable
      return t.scale === null ? 0 : intervalHalfWidth(parseRational(t.scale), m)
    })
    const halfWidth = widths.reduce((s, w) => s + w, 0)
    const entries = table.entries.map((entry, ei) => {
      const parts = verified.map(
        (v) => (v.release.tables[ti] as ReleaseTable).entries[ei] as ReleaseTable['entries'][number],
      )
      if (parts.some((p) => p.value === null))
        return {
          key: [...entry.key],
          value: null,
          display: 'suppressed',
          lower: null,
          upper: null,
          suppressed: true,
        }
      const value = parts.reduce((s, p) => s + (p.value ?? 0), 0)
      const exact = base.privacy.mode === 'suppression'
      return {
        key: [...entry.key],
        value,
        display: String(value),
        lower: exact ? value : value - halfWidth < 0 ? 0 : value - halfWidth,
        upper: exact ? value : value + halfWidth,
        suppressed: false,
      }
    })
    return { id: table.id, dims: table.dims, entries }
  })
  return {
    schema: MERGE_SCHEMA,
    sources: verified.map((v) => ({
      orgId: v.release.orgId,
      orgName: v.release.orgName,
      releaseId: v.release.releaseId,
      version: v.release.version,
      orgFingerprint: v.orgFingerprint,
    })),
    period: { ...base.period },
    codingScheme: { ...base.codingScheme },
    mode: base.privacy.mode,
    tables,
  }
}

// --- tidy CSV -------------------------------------------------------------------------------------

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/**
 * One row per entry: table, dimension values ("(all)" for a margin), value (empty when
 * suppressed), display, lower, upper, suppressed. Fields are escaped; a leading =, +, - or @ is
 * prefixed with ' so spreadsheets do not run category names as formulas.
 */
export function releaseCsv(release: {
  tables: readonly {
    id: string
    dims: readonly { field: string }[]
    entries: readonly ReleaseTable['entries'][number][]
  }[]
}): string {
  const maxDims = MAX_DIMENSIONS
  const header = [
    'table',
    ...Array.from({ length: maxDims }, (_, i) => [`field_${i + 1}`, `category_${i + 1}`]).flat(),
    'value',
    'display',
    'lower',
    'upper',
    'suppressed',
  ]
  const lines = [header.join(',')]
  const safe = (s: string) => csvField(/^[=+\-@]/.test(s) ? `'${s}` : s)
  for (const table of release.tables) {
    for (const e of table.entries) {
      const dims: string[] = []
      for (let i = 0; i < maxDims; i++) {
        const d = table.dims[i]
        dims.push(d === undefined ? '' : d.field, d === undefined ? '' : (e.key[i] ?? '(all)'))
      }
      lines.push(
        [
          table.id,
          ...dims,
          e.value === null ? '' : String(e.value),
          e.display,
          e.lower === null ? '' : String(e.lower),
          e.upper === null ? '' : String(e.upper),
          String(e.suppressed),
        ]
          .map(safe)
          .join(','),
      )
    }
  }
  return `${lines.join('\n')}\n`
}
