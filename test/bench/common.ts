/**
 * @module test/bench/common
 * What every benchmark module shares (DESIGN §11): result rows that carry their baseline and
 * ratio, the printed table, timing helpers and the machine description written beside the
 * figures. A figure without a baseline from the same run means little on a noisy 2-core machine,
 * so every row names the baseline it is compared with (or the target, where the issue sets an
 * absolute one).
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'

export type Row = {
  /** The benchmark module that produced it (run.ts sets it), e.g. "ingest". */
  readonly bench?: string
  /** Benchmark group, e.g. "ingest/postgres". */
  readonly group: string
  readonly metric: string
  readonly value: number
  readonly unit: string
  /** What the value is compared with, measured in the same run (or a fixed target). */
  readonly baseline?: string
  readonly baselineValue?: number
  /** value / baselineValue (or baselineValue / value where lower is better; see `lowerIsBetter`). */
  readonly ratio?: number
  /** Human-readable target, e.g. "≥ 0.7×" or "< 50 ms". */
  readonly target?: string
  readonly met?: boolean
  readonly note?: string
}

export class Results {
  readonly rows: Row[] = []
  readonly notes: { bench?: string; text: string }[] = []
  /** The benchmark now running; stamped on every row and note. */
  current: string | undefined

  add(row: Row): Row {
    const stamped = this.current === undefined ? row : { bench: this.current, ...row }
    this.rows.push(stamped)
    return stamped
  }

  /** A row compared with a baseline; `higherIsBetter` decides how the ratio reads. */
  compare(
    base: Omit<Row, 'ratio' | 'baselineValue' | 'baseline'> & {
      baseline: string
      baselineValue: number
      /** Minimum acceptable ratio (value / baseline, or baseline / value for times). */
      minRatio?: number
      lowerIsBetter?: boolean
    },
  ): Row {
    const { minRatio, lowerIsBetter, ...rest } = base
    const ratio = lowerIsBetter === true ? base.baselineValue / base.value : base.value / base.baselineValue
    const row: Row = {
      ...rest,
      ratio,
      ...(minRatio === undefined ? {} : { target: rest.target ?? `≥ ${minRatio}×`, met: ratio >= minRatio }),
    }
    return this.add(row)
  }

  note(text: string): void {
    this.notes.push(this.current === undefined ? { text } : { bench: this.current, text })
  }
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    /** 1-minute load average when the results were written: other work on the machine skews every figure. */
    loadAverage: Number(os.loadavg()[0]?.toFixed(1)),
  }
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

/**
 * Runs `fn` repeatedly for at least `minMs` (after `warmup` calls) and returns calls per second.
 * Synchronous work only; see `opsPerSecondAsync` for promises.
 */
export function opsPerSecond(fn: () => unknown, minMs = 700, warmup = 20): number {
  for (let i = 0; i < warmup; i++) fn()
  let n = 0
  const start = performance.now()
  let elapsed = 0
  do {
    for (let i = 0; i < 10; i++) fn()
    n += 10
    elapsed = performance.now() - start
  } while (elapsed < minMs)
  return (n * 1000) / elapsed
}

export async function opsPerSecondAsync(
  fn: () => Promise<unknown>,
  minMs = 700,
  warmup = 5,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  let n = 0
  const start = performance.now()
  let elapsed = 0
  do {
    await fn()
    n += 1
    elapsed = performance.now() - start
  } while (elapsed < minMs)
  return (n * 1000) / elapsed
}

/**
 * Measures several tasks in interleaved rounds (A B C, A B C, …) and returns each task's median
 * rate. On a shared, noisy machine a baseline measured minutes apart from its subject can see a
 * different load; interleaving exposes both to the same conditions.
 */
export async function interleavedRates(
  tasks: Record<string, () => unknown>,
  options: { rounds?: number; minMs?: number } = {},
): Promise<Record<string, number>> {
  const rounds = options.rounds ?? 3
  const minMs = options.minMs ?? 400
  const samples: Record<string, number[]> = {}
  for (const name of Object.keys(tasks)) {
    samples[name] = []
    const fn = tasks[name]
    if (fn !== undefined) for (let i = 0; i < 3; i++) await fn()
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(tasks)) {
      let n = 0
      const start = performance.now()
      let elapsed = 0
      do {
        await fn()
        n += 1
        elapsed = performance.now() - start
      } while (elapsed < minMs)
      samples[name]?.push((n * 1000) / elapsed)
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, percentile(s, 50)]))
}

/** Median of `runs` timings (ms) of `fn`, after one untimed warm-up call. */
export async function medianMs(fn: () => Promise<unknown>, runs = 7): Promise<number> {
  await fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await fn()
    times.push(performance.now() - start)
  }
  return percentile(times, 50)
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] ?? Number.NaN
}

function format(value: number | undefined, digits = 3): string {
  if (value === undefined || Number.isNaN(value)) return ''
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US')
  return Number(value.toPrecision(digits)).toString()
}

/** The table `npm run bench` prints. */
export function renderTable(rows: readonly Row[]): string {
  const header = [
    'group',
    'metric',
    'value',
    'unit',
    'baseline (same run)',
    'base value',
    'ratio',
    'target',
    'met',
  ]
  const body = rows.map((r) => [
    r.group,
    r.metric,
    format(r.value),
    r.unit,
    r.baseline ?? '',
    format(r.baselineValue),
    r.ratio === undefined ? '' : `${format(r.ratio)}×`,
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => (line[i] ?? '').length)))
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' │ ')
  return [line(header), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...body.map(line)].join('\n')
}
