/**
 * @module crypto/release.test
 * The release pipeline of DESIGN §9 (crypto/release.ts): contribution bounds, cells and margins,
 * noise BEFORE thresholding, the no-noise mode's complementary suppression checked by an
 * independent brute-force enumeration, sign/verify with the embedded chain, the ε ledger and
 * merging. Noise comes from the deterministic test stream, so every run gives the same verdict.
 */
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { toBase64, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { fingerprint } from './fingerprint.ts'
import { laplaceScale, type RandomSource, sampleDiscreteLaplace, streamRandomSource } from './laplace.ts'
import {
  aggregate,
  type BuildOptions,
  boundContributions,
  buildRelease,
  checkBudget,
  derivableRanges,
  entryKeys,
  intervalHalfWidth,
  mergeReleases,
  publishSuppressed,
  type ReleaseBody,
  releaseCsv,
  type SignedRelease,
  sensitivity,
  signRelease,
  type TableSpec,
  type Unit,
  verifyRelease,
} from './release.ts'
import { loadSodium } from './sodium.ts'
import { type SignedStatement, signStatement } from './statements.ts'

let backend: CryptoBackend
beforeAll(async () => {
  backend = await loadSodium()
})

const COMMUNITY = { field: 'community', categories: ['uyghur', 'tibetan', 'iranian'], maxValues: 1 }
const TACTIC = { field: 'tactic_group', categories: ['physical', 'digital', 'family'], maxValues: 2 }
const YEAR = { field: 'year', categories: ['2024', '2025'], maxValues: 1 }

function unit(personKey: string, values: Record<string, string[]>): Unit {
  return { personKey, values }
}

describe('contribution bounds and aggregation', () => {
  it('keeps at most cap cases per person key and every unlinked case', () => {
    const units = [unit('p1', {}), unit('p1', {}), unit('p1', {}), unit('', {}), unit('', {}), unit('p2', {})]
    expect(boundContributions(units, 2)).toHaveLength(5)
    expect(boundContributions(units, 1)).toHaveLength(4)
  })

  it('counts cells, row and column margins and the total, multi-select values in each of their cells', () => {
    const spec: TableSpec = { id: 't', dims: [COMMUNITY, TACTIC] }
    const units = [
      unit('', { community: ['uyghur'], tactic_group: ['physical', 'digital'] }),
      unit('', { community: ['uyghur'], tactic_group: ['digital'] }),
      unit('', { community: ['tibetan'], tactic_group: ['family', 'physical', 'digital'] }),
      unit('', { community: ['iranian'] }), // no tactic: counts nowhere in this table
    ]
    const counts = new Map(aggregate(units, spec).map((e) => [JSON.stringify(e.key), e.count]))
    expect(counts.get('["uyghur","digital"]')).toBe(2)
    expect(counts.get('["uyghur",null]')).toBe(2)
    expect(counts.get('[null,"digital"]')).toBe(3)
    // maxValues 2 keeps the first two in category order: physical, digital (family dropped).
    expect(counts.get('["tibetan","family"]')).toBe(0)
    expect(counts.get('["tibetan","physical"]')).toBe(1)
    expect(counts.get('[null,null]')).toBe(3)
    expect(counts.get('["iranian",null]')).toBe(0)
  })

  it('bounds the L1 sensitivity by cap × Π(maxValues + 1)', () => {
    expect(sensitivity({ id: 't', dims: [COMMUNITY, TACTIC] }, 1)).toBe(6n)
    expect(sensitivity({ id: 't', dims: [YEAR] }, 3)).toBe(6n)
  })
})

/** A source that replays `stream` so a test can draw exactly the noise the pipeline drew. */
function seeded(seed: string): () => RandomSource {
  return () => streamRandomSource(utf8(seed), backend)
}

function options(overrides: Partial<BuildOptions> = {}): BuildOptions {
  return {
    orgId: '0b0c5a4e-8a3c-4c55-9a39-1d4f0c2f9a11',
    orgName: 'Test organisation',
    releaseId: '7d7f7a7b-0000-4000-8000-000000000001',
    version: 1,
    createdAt: new Date('2026-01-15T10:00:00Z'),
    period: { from: '2024-01', to: '2025-12' },
    codingScheme: { name: 'tnr-coding', version: 1 },
    tables: [{ id: 'community-by-year', dims: [COMMUNITY, YEAR] }],
    epsilon: { num: 1n, den: 1n },
    threshold: 10,
    contributionCap: 1,
    linkedByPerson: false,
    methodology: 'm',
    citation: 'c',
    licence: 'CC BY 4.0',
    changelog: [],
    ...overrides,
  }
}

function manyUnits(): Unit[] {
  const out: Unit[] = []
  const mix: [string, string, number][] = [
    ['uyghur', '2024', 60],
    ['uyghur', '2025', 80],
    ['tibetan', '2024', 3],
    ['tibetan', '2025', 25],
    ['iranian', '2024', 0],
    ['iranian', '2025', 14],
  ]
  for (const [community, year, n] of mix)
    for (let i = 0; i < n; i++) out.push(unit('', { community: [community], year: [year] }))
  return out
}

describe('noise precedes thresholding (DESIGN §9)', () => {
  it('suppresses exactly the entries whose NOISY value is under k, never by the true count', () => {
    // ε = 1/20 and Δ = 4: scale 80, so noise routinely moves counts across k = 10 both ways.
    const opts = options({ epsilon: { num: 1n, den: 20n } })
    const units = manyUnits()
    const release = buildRelease(units, opts, seeded('noise-first')())
    const table = release.tables[0]
    if (table === undefined) throw new Error('no table')
    // Replay the same stream: the pipeline draws one sample per entry, in entry order.
    const replay = seeded('noise-first')()
    const scale = laplaceScale({ num: 1n, den: 20n }, 4n)
    const counted = aggregate(units, { id: 't', dims: [COMMUNITY, YEAR] })
    let differsFromTrueCountRule = 0
    counted.forEach((entry, i) => {
      const noisy = entry.count + Number(sampleDiscreteLaplace(replay, scale))
      const published = table.entries[i]
      if (published === undefined) throw new Error('missing entry')
      expect(published.suppressed).toBe(noisy < 10)
      if (!published.suppressed) expect(published.value).toBe(noisy)
      if (published.suppressed !== entry.count < 10) differsFromTrueCountRule += 1
    })
    // The test can fail: with this scale, thresholding true counts gives a different pattern.
    expect(differsFromTrueCountRule).toBeGreaterThan(0)
  })

  it('adds noise to every cell and every margin, and states ε, scale and intervals', () => {
    const release = buildRelease(
      manyUnits(),
      options({ epsilon: { num: 1n, den: 2n } }),
      seeded('all-entries')(),
    )
    const table = release.tables[0]
    expect(table?.entries).toHaveLength(12) // 3×2 cells + 3 row + 2 column margins + total
    expect(table?.epsilon).toBe('1/2')
    expect(table?.scale).toBe('8/1')
    expect(release.privacy).toMatchObject({
      mode: 'differential-privacy',
      epsilon: '1/2',
      noise: 'discrete-laplace',
    })
    const total = table?.entries.at(-1)
    expect(total?.key).toEqual([null, null])
    expect(total?.value).not.toBeNull()
    expect(total?.value).not.toBe(182) // noise reached the total too (fixed stream: checked once)
    const width = intervalHalfWidth({ num: 8n, den: 1n })
    for (const e of table?.entries ?? []) {
      if (e.value !== null)
        expect([e.lower, e.upper]).toEqual([e.value - width < 0 ? 0 : e.value - width, e.value + width])
    }
  })

  it('splits ε over the tables', () => {
    const release = buildRelease(
      manyUnits(),
      options({
        tables: [
          { id: 'a', dims: [COMMUNITY] },
          { id: 'b', dims: [YEAR] },
        ],
      }),
      seeded('split')(),
    )
    expect(release.tables.map((t) => t.epsilon)).toEqual(['1/2', '1/2'])
    expect(release.tables.map((t) => t.scale)).toEqual(['4/1', '4/1'])
  })
})

/**
 * Independent exact check for the no-noise mode: enumerate every non-negative integer
 * assignment of the suppressed CELLS of a rows × cols table, row by row, keep those agreeing with
 * every published cell and margin, and collect each suppressed entry's (cell's or margin's)
 * smallest and largest value. Only for small tables (the test keeps counts under 16).
 */
function bruteForceRanges(
  rows: number,
  cols: number,
  published: { key: (string | null)[]; value: number | null }[],
  rowCats: string[],
  colCats: string[],
): Map<string, { min: number; max: number }> {
  const get = (a: string | null, b: string | null) =>
    published.find((e) => e.key[0] === a && e.key[1] === b)?.value ?? null
  const total = get(null, null)
  // Without a published total nothing bounds the search; capping it shrinks the set searched, so
  // the ranges found are inside the true ones and the "at least k wide" check stays conservative.
  const cap = total ?? published.reduce((s, e) => s + (e.value ?? 0), 0) + 8
  const grid: number[][] = Array.from({ length: rows }, () => Array.from({ length: cols }, () => 0))
  const ranges = new Map<string, { min: number; max: number }>()
  const note = (key: (string | null)[], v: number) => {
    const k = JSON.stringify(key)
    const r = ranges.get(k)
    if (r === undefined) ranges.set(k, { min: v, max: v })
    else ranges.set(k, { min: v < r.min ? v : r.min, max: v > r.max ? v : r.max })
  }
  const finish = () => {
    let sum = 0
    for (let j = 0; j < cols; j++) {
      let col = 0
      for (let i = 0; i < rows; i++) col += grid[i]?.[j] ?? 0
      const published = get(null, colCats[j] ?? '')
      if (published !== null && published !== col) return
    }
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) sum += grid[i]?.[j] ?? 0
    if (total !== null && total !== sum) return
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++)
        if (get(rowCats[i] ?? '', colCats[j] ?? '') === null)
          note([rowCats[i] ?? '', colCats[j] ?? ''], grid[i]?.[j] ?? 0)
      if (get(rowCats[i] ?? '', null) === null)
        note(
          [rowCats[i] ?? '', null],
          (grid[i] ?? []).reduce((s, v) => s + v, 0),
        )
    }
    for (let j = 0; j < cols; j++) {
      if (get(null, colCats[j] ?? '') === null) {
        let col = 0
        for (let i = 0; i < rows; i++) col += grid[i]?.[j] ?? 0
        note([null, colCats[j] ?? ''], col)
      }
    }
    if (total === null) note([null, null], sum)
  }
  const colSum = (j: number, uptoRow: number) => {
    let sum = 0
    for (let i = 0; i < uptoRow; i++) sum += grid[i]?.[j] ?? 0
    return sum
  }
  let placed = 0
  const fill = (cell: number) => {
    if (cell === rows * cols) return finish()
    const i = (cell / cols) | 0
    const j = cell % cols
    const row = grid[i] as number[]
    const known = get(rowCats[i] ?? '', colCats[j] ?? '')
    const rowMargin = get(rowCats[i] ?? '', null)
    const colMargin = get(null, colCats[j] ?? '')
    const rowSoFar = row.slice(0, j).reduce((s, x) => s + x, 0)
    const colSoFar = colSum(j, i)
    // Largest value the published margins and total still allow (pruning only; finish() checks all).
    let high = cap - placed
    if (rowMargin !== null && rowMargin - rowSoFar < high) high = rowMargin - rowSoFar
    if (colMargin !== null && colMargin - colSoFar < high) high = colMargin - colSoFar
    let low = 0
    if (known !== null) low = known
    else if (j === cols - 1 && rowMargin !== null) low = rowMargin - rowSoFar
    else if (i === rows - 1 && colMargin !== null) low = colMargin - colSoFar
    const fixed =
      known !== null || (j === cols - 1 && rowMargin !== null) || (i === rows - 1 && colMargin !== null)
    if (fixed) high = low <= high ? low : -1
    for (let v = low < 0 ? 0 : low; v <= high; v++) {
      if (fixed && v !== low) break
      row[j] = v
      placed += v
      fill(cell + 1)
      placed -= v
    }
    row[j] = 0
  }
  fill(0)
  return ranges
}

describe('the no-noise mode (complementary suppression on true counts)', () => {
  // 2 × 3 keeps the independent enumeration fast; the solver is the same for any shape.
  const rowCats = ['a', 'b']
  const colCats = ['x', 'y', 'z']
  const spec: TableSpec = {
    id: 'small',
    dims: [
      { field: 'r', categories: rowCats, maxValues: 1 },
      { field: 'c', categories: colCats, maxValues: 1 },
    ],
  }
  const k = 4

  /** Deterministic small tables (counts 0–15) from the test stream. */
  function tables(count: number): number[][][] {
    const rng = streamRandomSource(utf8('suppression-tables'), backend)
    return Array.from({ length: count }, () =>
      rowCats.map(() => colCats.map(() => (rng.nextBytes(1)[0] as number) % 16)),
    )
  }

  it('leaves every suppressed entry a derivable range at least k wide (brute-force enumeration)', () => {
    let suppressedSeen = 0
    for (const grid of tables(8)) {
      const units: Unit[] = []
      grid.forEach((row, i) => {
        row.forEach((n, j) => {
          for (let u = 0; u < n; u++) units.push(unit('', { r: [rowCats[i] ?? ''], c: [colCats[j] ?? ''] }))
        })
      })
      const published = publishSuppressed(spec, aggregate(units, spec), k)
      for (const e of published) if (e.value !== null) expect(e.value).toBeGreaterThanOrEqual(k)
      const view = published.map((e) => ({ key: [...e.key], value: e.value }))
      const brute = bruteForceRanges(2, 3, view, rowCats, colCats)
      for (const e of published.filter((p) => p.suppressed)) {
        suppressedSeen += 1
        const range = brute.get(JSON.stringify(e.key))
        expect(range, JSON.stringify(e.key)).toBeDefined()
        if (range === undefined) continue
        expect(
          range.max - range.min,
          `${JSON.stringify(e.key)} in ${JSON.stringify(grid)}`,
        ).toBeGreaterThanOrEqual(k)
      }
      // The solver the release uses agrees with the enumeration wherever the enumeration is bounded.
      const solver = derivableRanges(spec, view)
      for (const [key, range] of brute) {
        const found = solver.get(key)
        if (found !== undefined && Number.isFinite(found.max)) expect(found).toEqual(range)
      }
    }
    expect(suppressedSeen).toBeGreaterThan(10)
  })

  it('shows that primary suppression alone is not enough (the check can fail)', () => {
    // Row a: 2 (suppressed) + 9 + 9 with the margin 20 published gives the cell away exactly.
    const view = entryKeys(spec).map((key) => ({ key: [...key], value: null as number | null }))
    const grid = [
      [2, 9, 9],
      [9, 9, 9],
    ]
    for (const e of view) {
      const [a, b] = e.key
      const i = rowCats.indexOf(a ?? '')
      const j = colCats.indexOf(b ?? '')
      if (i >= 0 && j >= 0) e.value = grid[i]?.[j] ?? 0
      else if (i >= 0) e.value = (grid[i] ?? []).reduce((s, v) => s + v, 0)
      else if (j >= 0) e.value = grid.reduce((s, row) => s + (row[j] ?? 0), 0)
      else e.value = 47
    }
    const first = view[0]
    if (first === undefined) throw new Error('no entry')
    first.value = null
    expect(bruteForceRanges(2, 3, view, rowCats, colCats).get('["a","x"]')).toEqual({ min: 2, max: 2 })
  })

  it('makes no differential-privacy claim', () => {
    const release = buildRelease(manyUnits(), options({ epsilon: null }), null)
    expect(release.privacy).toMatchObject({ mode: 'suppression', epsilon: null, noise: 'none' })
    expect(release.tables[0]?.scale).toBeNull()
  })
})

// --- signing --------------------------------------------------------------------------------------

interface Org {
  orgId: string
  orgSeed: Uint8Array
  orgKey: Uint8Array
  analystSeed: Uint8Array
  userKey: SignedStatement
  fingerprint: string
}

function makeOrg(role: 'analyst' | 'caseworker' = 'analyst', orgId: string = randomUUID()): Org {
  const orgSeed = backend.randomBytes(32)
  const orgKey = backend.ed25519PublicKey(orgSeed)
  const analystSeed = backend.randomBytes(32)
  const userKey = signStatement(backend, orgSeed, {
    type: 'user-key',
    orgId,
    userId: randomUUID(),
    username: 'analyst',
    role,
    identityKey: toBase64(backend.x25519PublicKey(backend.randomBytes(32))),
    signingKey: toBase64(backend.ed25519PublicKey(analystSeed)),
    notAfter: '2027-01-01T00:00:00Z',
  })
  return { orgId, orgSeed, orgKey, analystSeed, userKey, fingerprint: fingerprint(backend, orgKey) }
}

function releaseOf(org: Org, seed: string, overrides: Partial<BuildOptions> = {}): SignedRelease {
  const body = buildRelease(
    manyUnits(),
    options({ orgId: org.orgId, releaseId: randomUUID(), ...overrides }),
    seeded(seed)(),
  )
  return signRelease(backend, body, {
    signingSeed: org.analystSeed,
    userKey: org.userKey,
    orgSigningKey: org.orgKey,
  })
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (error) {
    return error instanceof CryptoError ? error.code : 'other'
  }
}

describe('signing and verification (organisation → analyst → release)', () => {
  it('verifies a signed release against the trusted organisation fingerprint, through JSON', () => {
    const org = makeOrg()
    const file = JSON.parse(JSON.stringify(releaseOf(org, 'sign')))
    const verified = verifyRelease(backend, file, [org.fingerprint])
    expect(verified.release.orgId).toBe(org.orgId)
    expect(verified.signer.username).toBe('analyst')
  })

  it('refuses a tampered count, a changed threshold and a swapped signature', () => {
    const org = makeOrg()
    const file = releaseOf(org, 'tamper')
    const tampered = structuredClone(file) as { release: ReleaseBody }
    const entry = tampered.release.tables[0]?.entries.find((e) => e.value !== null)
    if (entry?.value == null) throw new Error('no published entry')
    entry.value += 1
    expect(codeOf(() => verifyRelease(backend, tampered, [org.fingerprint]))).toBe('bad_signature')
    const threshold = structuredClone(file) as { release: ReleaseBody }
    threshold.release.privacy.threshold = 5
    expect(codeOf(() => verifyRelease(backend, threshold, [org.fingerprint]))).toBe('bad_signature')
    const other = releaseOf(org, 'other')
    expect(
      codeOf(() => verifyRelease(backend, { ...file, signature: other.signature }, [org.fingerprint])),
    ).toBe('key_mismatch')
  })

  it('refuses an untrusted organisation, a chain from another key, and a caseworker signer', () => {
    const org = makeOrg()
    const file = releaseOf(org, 'chain')
    expect(codeOf(() => verifyRelease(backend, file, [makeOrg().fingerprint]))).toBe('untrusted_key')
    const impostor = makeOrg('analyst', org.orgId)
    // The impostor's user-key with the real organisation key in the chain: the chain breaks.
    const forged = {
      ...releaseOf(impostor, 'forged'),
      chain: { orgSigningKey: toBase64(org.orgKey), userKey: impostor.userKey },
    }
    expect(codeOf(() => verifyRelease(backend, forged, [org.fingerprint]))).toBe('bad_signature')
    const caseworker = makeOrg('caseworker')
    expect(codeOf(() => verifyRelease(backend, releaseOf(caseworker, 'cw'), [caseworker.fingerprint]))).toBe(
      'key_mismatch',
    )
  })
})

describe('the ε ledger', () => {
  const ledger = [
    { releaseId: 'r1', period: { from: '2024-01', to: '2024-12' }, tables: ['a'], epsilon: '1/2' },
    { releaseId: 'r2', period: { from: '2025-01', to: '2025-06' }, tables: ['a'], epsilon: '1/1' },
    { releaseId: 'r3', period: { from: '2024-01', to: '2025-12' }, tables: ['b'], epsilon: null },
  ]
  it('counts every overlapping release against the budget and refuses to exceed it', () => {
    const budget = { num: 2n, den: 1n }
    expect(
      checkBudget(
        ledger,
        { period: { from: '2024-06', to: '2024-09' }, epsilon: { num: 1n, den: 1n } },
        budget,
      ).total,
    ).toEqual({ num: 3n, den: 2n })
    expect(
      checkBudget(
        ledger,
        { period: { from: '2024-06', to: '2025-02' }, epsilon: { num: 1n, den: 2n } },
        budget,
      ).total,
    ).toEqual({ num: 2n, den: 1n })
    expect(
      codeOf(() =>
        checkBudget(
          ledger,
          { period: { from: '2024-06', to: '2025-02' }, epsilon: { num: 1n, den: 1n } },
          budget,
        ),
      ),
    ).toBe('bad_argument')
    expect(
      checkBudget(
        ledger,
        { period: { from: '2026-01', to: '2026-12' }, epsilon: { num: 2n, den: 1n } },
        budget,
      ).spent,
    ).toEqual({ num: 0n, den: 1n })
  })
})

describe('merging releases of several organisations', () => {
  it('sums published counts and widens intervals for the union bound', () => {
    const a = makeOrg()
    const b = makeOrg()
    const ra = releaseOf(a, 'merge-a')
    const rb = releaseOf(b, 'merge-b')
    const merged = mergeReleases(backend, [ra, rb], [a.fingerprint, b.fingerprint])
    expect(merged.sources.map((s) => s.orgId)).toEqual([a.orgId, b.orgId])
    const ta = ra.release.tables[0]
    const tb = rb.release.tables[0]
    const widthEach = intervalHalfWidth({ num: 4n, den: 1n }, 2)
    expect(widthEach).toBeGreaterThan(intervalHalfWidth({ num: 4n, den: 1n }))
    merged.tables[0]?.entries.forEach((e, i) => {
      const x = ta?.entries[i]
      const y = tb?.entries[i]
      if (x?.value == null || y?.value == null) {
        expect(e.suppressed).toBe(true)
        return
      }
      expect(e.value).toBe(x.value + y.value)
      expect(e.upper).toBe(x.value + y.value + 2 * widthEach)
    })
  })

  it('refuses untrusted, same-organisation and incompatible releases with a reason', () => {
    const a = makeOrg()
    const b = makeOrg()
    const ra = releaseOf(a, 'm1')
    expect(codeOf(() => mergeReleases(backend, [ra, releaseOf(b, 'm2')], [a.fingerprint]))).toBe(
      'untrusted_key',
    )
    expect(codeOf(() => mergeReleases(backend, [ra, releaseOf(a, 'm3')], [a.fingerprint]))).toBe(
      'bad_argument',
    )
    const otherPeriod = releaseOf(b, 'm4', { period: { from: '2023-01', to: '2025-12' } })
    expect(() => mergeReleases(backend, [ra, otherPeriod], [a.fingerprint, b.fingerprint])).toThrow(/periods/)
    const otherScheme = releaseOf(b, 'm5', { codingScheme: { name: 'tnr-coding', version: 2 } })
    expect(() => mergeReleases(backend, [ra, otherScheme], [a.fingerprint, b.fingerprint])).toThrow(
      /coding schemes/,
    )
    const noNoise = signRelease(
      backend,
      buildRelease(manyUnits(), options({ orgId: b.orgId, epsilon: null }), null),
      {
        signingSeed: b.analystSeed,
        userKey: b.userKey,
        orgSigningKey: b.orgKey,
      },
    )
    expect(() => mergeReleases(backend, [ra, noNoise], [a.fingerprint, b.fingerprint])).toThrow(
      /privacy modes/,
    )
  })
})

describe('tidy CSV', () => {
  it('writes one row per entry, margins as (all), suppressed values empty, formulas defused', () => {
    const csv = releaseCsv({
      tables: [
        {
          id: 't',
          dims: [{ field: 'community' }],
          entries: [
            { key: ['=cmd'], value: null, display: '< 10', lower: null, upper: null, suppressed: true },
            { key: [null], value: 12, display: '12', lower: 2, upper: 22, suppressed: false },
          ],
        },
      ],
    })
    expect(csv.split('\n')).toEqual([
      'table,field_1,category_1,field_2,category_2,value,display,lower,upper,suppressed',
      "t,community,'=cmd,,,,< 10,,,true",
      't,community,(all),,,12,12,2,22,false',
      '',
    ])
  })
})
