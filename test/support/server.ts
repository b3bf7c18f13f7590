/**
 * @module test/support/server
 * Starts the real server (`node --import tsx api/server.ts`) the way an operator would, on
 * 127.0.0.1 with a free port and a fresh temporary DATA_DIR, serving the pages
 * test/global-setup.ts built for this run (its snapshot of dist/web; plain dist/web outside vitest). Browser suites drive it; leak scans read
 * `output()` (everything the server printed) and the files under `dataDir`.
 *
 * The child gets a minimal environment: nothing from the test runner's environment leaks in
 * (notably DATABASE_URL — a suite that wants PostgreSQL passes it explicitly).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { injectedWebDist } from './web-build.ts'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export interface StartServerOptions {
  /** Extra environment for the server (DATABASE_URL, COMMIT_DELAY_MS, …). */
  readonly env?: Readonly<Record<string, string>>
  /**
   * Reuse this data directory (restart after a crash). When given, `stop()` leaves it in place;
   * otherwise a fresh temporary directory is created and removed by `stop()`.
   */
  readonly dataDir?: string
  /** Built pages to serve (WEB_DIST); default: this run's snapshot, or dist/web outside vitest. */
  readonly webDist?: string
  /** Keep the port of a previous run (restart tests); default: a free port. */
  readonly port?: number
  /** How long to wait for /api/health; default 90 s (PGlite start-up and migrations on a busy 2-core machine). */
  readonly startTimeoutMs?: number
}

export interface RunningServer {
  /** Origin without a trailing slash, e.g. http://127.0.0.1:43127 */
  readonly url: string
  readonly port: number
  readonly dataDir: string
  readonly child: ChildProcess
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string
  /** SIGTERM, wait for exit (SIGKILL after 10 s), then remove a temporary data directory. */
  stop(): Promise<void>
  /** SIGKILL without cleanup, for crash tests; the data directory stays. */
  kill(): Promise<void>
}

export async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => (port > 0 ? resolvePort(port) : reject(new Error('no free port'))))
    })
  })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((done) => child.once('exit', () => done()))
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const ownsDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tnr-data-'))
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const chunks: Buffer[] = []
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      WEB_DIST: options.webDist ?? injectedWebDist() ?? join(REPO_ROOT, 'dist/web'),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk))
  const output = () => Buffer.concat(chunks).toString('utf8')

  const removeDataDir = () => {
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true })
  }
  const kill = async () => {
    child.kill('SIGKILL')
    await exited(child)
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited(child)
      clearTimeout(timer)
    }
    removeDataDir()
  }

  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000)
  while (true) {
    if (child.exitCode !== null || child.signalCode !== null) {
      removeDataDir()
      throw new Error(
        `server exited before it was healthy (${child.exitCode ?? child.signalCode}):\n${output()}`,
      )
    }
    try {
      const response = await fetch(`${url}/api/health`)
      if (response.ok) break
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`server did not answer ${url}/api/health in time:\n${output()}`)
    }
    await sleep(100)
  }
  return { url, port, dataDir, child, output, stop, kill }
}
