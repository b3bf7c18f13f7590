/**
 * @module test/global-setup
 * Builds the web once per `npm test` run so browser suites always test the current code
 * (`vite build --config web/vite.config.ts`, the same command as `npm run build`).
 *
 * Kept quick: a stamp beside the output records a hash of every build input (web/, crypto/,
 * api/contract/, the lock file, tsconfig.base.json, ORG_KEY_FINGERPRINT) and of the output; when
 * both still match, the build is skipped. Several test runs may share the tree (parallel
 * helpers, an editor's watcher), so the build runs under a lock directory.
 *
 * The suites then use a private snapshot of the output (copied under the lock, removed after the
 * run), so another test run rebuilding dist/web meanwhile cannot pull files from under a page.
 *
 * A failed build does not stop the run: unit suites still report, and every suite that needs the
 * pages calls `requireWebBuild()` (test/support/web-build.ts), which fails with the build's output.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { listFiles } from '../web/build/reachable.ts'
import { REPO_ROOT } from './support/server.ts'

const OUT_DIR = join(REPO_ROOT, 'dist/web')
const STAMP = join(REPO_ROOT, 'dist/web-build-stamp.json')
const LOCK = join(REPO_ROOT, 'dist/web-build.lock')
const INPUT_DIRS = ['web', 'crypto', 'api/contract']
const INPUT_FILES = ['package-lock.json', 'tsconfig.base.json']

function hashTree(root: string, dirs: readonly string[], files: readonly string[]): string {
  const hash = createHash('sha256')
  const add = (relative: string) => {
    hash.update(`${relative}\0`)
    hash.update(readFileSync(join(root, relative)))
    hash.update('\0')
  }
  for (const dir of dirs) {
    if (!existsSync(join(root, dir))) continue
    for (const file of listFiles(join(root, dir))) add(`${dir}/${file}`)
  }
  for (const file of files) if (existsSync(join(root, file))) add(file)
  return hash.digest('hex')
}

function inputHash(): string {
  return createHash('sha256')
    .update(hashTree(REPO_ROOT, INPUT_DIRS, INPUT_FILES))
    .update(`ORG_KEY_FINGERPRINT=${process.env.ORG_KEY_FINGERPRINT ?? ''}`)
    .digest('hex')
}

function outputHash(): string | null {
  return existsSync(OUT_DIR) ? hashTree(OUT_DIR, ['.'], []) : null
}

function isUpToDate(inputs: string): boolean {
  if (!existsSync(STAMP)) return false
  try {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8')) as { inputs?: unknown; outputs?: unknown }
    return stamp.inputs === inputs && stamp.outputs === outputHash()
  } catch {
    return false
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function withLock<T>(body: () => T): Promise<T> {
  mkdirSync(join(REPO_ROOT, 'dist'), { recursive: true })
  const deadline = Date.now() + 180_000
  while (true) {
    try {
      mkdirSync(LOCK)
      writeFileSync(join(LOCK, 'pid'), String(process.pid))
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      let holder = Number.NaN
      try {
        holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'))
      } catch {
        // The holder has not written its pid yet.
      }
      if (Number.isInteger(holder) && !processAlive(holder)) rmSync(LOCK, { recursive: true, force: true })
      if (Date.now() > deadline) throw new Error(`web build lock ${LOCK} held too long`)
      await new Promise((done) => setTimeout(done, 200))
    }
  }
  try {
    return body()
  } finally {
    rmSync(LOCK, { recursive: true, force: true })
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** null when dist/web is current; otherwise why the build failed. */
    webBuildError: string | null
    /** This run's snapshot of dist/web (test/support/web-build.ts). */
    webDist: string
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const snapshot = mkdtempSync(join(tmpdir(), 'tnr-web-dist-'))
  const error = await withLock(() => {
    const built = build()
    if (built === null && existsSync(OUT_DIR)) cpSync(OUT_DIR, snapshot, { recursive: true })
    return built
  })
  project.provide('webBuildError', error)
  project.provide('webDist', snapshot)
  return () => rmSync(snapshot, { recursive: true, force: true })
}

/** Builds dist/web unless it is current; returns null or why the build failed. */
function build(): string | null {
  const inputs = inputHash()
  if (isUpToDate(inputs)) {
    console.log('web build: dist/web is up to date')
    return null
  }
  const started = Date.now()
  const vite = join(REPO_ROOT, 'node_modules/vite/bin/vite.js')
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } },
  )
  if (result.status !== 0) {
    rmSync(STAMP, { force: true })
    const message = `web build failed (vite build --config web/vite.config.ts):\n${result.stdout}\n${result.stderr}`
    console.error(`\n${'!'.repeat(72)}\n${message}\n${'!'.repeat(72)}\n`)
    return message
  }
  writeFileSync(STAMP, `${JSON.stringify({ inputs, outputs: outputHash() }, null, 2)}\n`)
  console.log(`web build: rebuilt dist/web in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return null
}
