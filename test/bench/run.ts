/**
 * @module test/bench/run
 * `npm run bench` (DESIGN §11, issue 8): runs every benchmark, prints one table of figures with
 * the baseline each is compared with (measured in the same run), and writes
 * test/bench/results.json (git-ignored). `npm run bench -- crypto ingest` runs only the named
 * ones. PostgreSQL is included when `DATABASE_URL` is set (each benchmark makes and drops its
 * own fresh database); `LONG=1` adds the 100,000-case growth step.
 *
 * Not part of `npm test`: the figures are for people, not pass/fail gates; a missed target is
 * marked "NO" in the table and explained in README's Benchmarks section.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { machine, Results, type Row, renderTable } from './common.ts'
import { benchConsole } from './console.ts'
import { benchCrypto } from './crypto.ts'
import { LONG, postgresVersion, REPO_ROOT } from './env.ts'
import { benchIngest } from './ingest.ts'
import { benchPage } from './page.ts'
import { benchStats } from './stats.ts'

type Output = {
  date: string
  machine: ReturnType<typeof machine> & { postgres: string | undefined }
  long: boolean
  secondsPerBenchmark: Record<string, number>
  /** `from`: the date of the earlier run a kept row was measured in. */
  rows: (Row & { from?: string | undefined })[]
  notes: { bench?: string; text: string }[]
  failures: Record<string, string>
}

const BENCHMARKS: Record<string, (results: Results) => Promise<void>> = {
  ingest: benchIngest,
  crypto: benchCrypto,
  console: benchConsole,
  stats: benchStats,
  page: benchPage,
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((name) => !(name in BENCHMARKS))
  if (unknown.length > 0) {
    throw new Error(
      `unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}`,
    )
  }
  const names = wanted.length > 0 ? wanted : Object.keys(BENCHMARKS)
  const results = new Results()
  const timings: Record<string, number> = {}
  const failures: Record<string, string> = {}
  for (const name of names) {
    const bench = BENCHMARKS[name]
    if (bench === undefined) continue
    process.stdout.write(`▶ ${name} …\n`)
    const start = performance.now()
    results.current = name
    try {
      await bench(results)
    } catch (error) {
      // One broken benchmark must not hide the others' figures.
      failures[name] = error instanceof Error ? (error.stack ?? error.message) : String(error)
      process.stderr.write(`✗ ${name} failed: ${failures[name]}\n`)
    }
    timings[name] = (performance.now() - start) / 1000
    process.stdout.write(`  ${name} took ${timings[name].toFixed(1)} s\n`)
  }
  // A partial run (`npm run bench -- page`) keeps the other benchmarks' figures from the last
  // results.json, each row still marked with the run it came from.
  const file = path.join(REPO_ROOT, 'test/bench/results.json')
  const previous =
    wanted.length > 0 && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Output>) : {}
  const kept = (previous.rows ?? []).filter((r) => r.bench !== undefined && !names.includes(r.bench))
  const keptNotes = (previous.notes ?? []).filter((n) => n.bench !== undefined && !names.includes(n.bench))
  const output: Output = {
    date: new Date().toISOString(),
    machine: { ...machine(), postgres: await postgresVersion().catch(() => undefined) },
    long: LONG,
    secondsPerBenchmark: timings,
    rows: [...kept.map((r) => ({ ...r, from: r.from ?? previous.date })), ...results.rows],
    notes: [...keptNotes, ...results.notes],
    failures,
  }
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`)
  process.stdout.write(`\n${renderTable(results.rows)}\n\n`)
  for (const note of results.notes) process.stdout.write(`• ${note.text}\n`)
  process.stdout.write(
    `\nWrote test/bench/results.json (${output.machine.cpus} cores, Node ${output.machine.node}).\n`,
  )
  if (Object.keys(failures).length > 0) process.exitCode = 1
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
