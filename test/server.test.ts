/**
 * The real server process (DESIGN §3, §10): `node --import tsx api/server.ts` with a temporary
 * DATA_DIR and a free port. Start-up failures must be one line and a non-zero exit with no
 * stack trace; the DATA_DIR lock must refuse a second server yet survive a kill -9.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { pgliteDirectory } from '../api/db/index.ts'
import { LOCK_FILE } from '../api/lock.ts'
import { databases, newDataDir, runPostgresSuites, type TestDatabase } from './support/databases.ts'

type Server = {
  child: ChildProcess
  port: number
  output(): string
  waitFor(pattern: RegExp): Promise<void>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const started: Server[] = []
const dirs: string[] = []

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()))
    })
  })
}

/** A DATA_DIR already holding an initialised PGlite (initdb under WebAssembly takes seconds). */
async function preparedDataDir(): Promise<string> {
  const pglite = databases[0]
  if (pglite === undefined) throw new Error('no PGlite')
  const template = await pglite.open({ migrate: false })
  await template.close()
  const dataDir = newDataDir()
  cpSync(pgliteDirectory(template.dataDir), pgliteDirectory(dataDir), { recursive: true })
  await template.destroy()
  dirs.push(dataDir)
  return dataDir
}

function start(env: Record<string, string>, port?: number): Server {
  const resolvedPort = port ?? Number(env.PORT)
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const waiters: Array<() => void> = []
  const collect = (chunk: Buffer) => {
    output += chunk.toString()
    for (const waiter of waiters.splice(0)) waiter()
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const waiter of waiters.splice(0)) waiter()
      resolve({ code, signal })
    }),
  )
  const server: Server = {
    child,
    port: resolvedPort,
    output: () => output,
    async waitFor(pattern) {
      while (!pattern.test(output)) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`server exited before ${pattern}: ${output}`)
        }
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    },
    exited,
  }
  started.push(server)
  return server
}

/** Runs a server that must fail; returns its output after checking exit code and shape. */
async function expectStartFailure(env: Record<string, string>): Promise<string> {
  const server = start(env)
  const { code } = await server.exited
  const output = server.output()
  expect(code, output).not.toBe(0)
  expect(code, output).not.toBeNull()
  const lines = output.trim().split('\n')
  expect(lines, output).toHaveLength(1)
  expect(output).not.toMatch(/^\s+at /m)
  return lines[0] ?? ''
}

afterEach(async () => {
  for (const server of started.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL')
      await server.exited
    }
  }
})

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('the server on PGlite', () => {
  it('serves /api/health, refuses a second server on the same DATA_DIR and restarts after kill -9', async () => {
    const dataDir = await preparedDataDir()
    const port = await freePort()
    const first = start({ DATA_DIR: dataDir, PORT: String(port) })
    await first.waitFor(/setup link/)
    expect(first.output()).toContain(`TNR report server listening on http://127.0.0.1:${port}`)
    const links = first.output().match(/Open this one-time setup link \(expires [^)]+\): (\S+)/g) ?? []
    expect(links).toHaveLength(1)
    expect(links[0]).toMatch(new RegExp(`http://127\\.0\\.0\\.1:${port}/console#setup=[A-Za-z0-9_-]{43}$`))

    const health = await fetch(`http://127.0.0.1:${port}/api/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })

    const line = await expectStartFailure({ DATA_DIR: dataDir, PORT: String(await freePort()) })
    expect(line).toBe(`Another server is using DATA_DIR (pid ${first.child.pid}). Stop it first.`)

    first.child.kill('SIGKILL')
    await first.exited
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(true)

    const second = start({ DATA_DIR: dataDir, PORT: String(port) })
    await second.waitFor(/setup link/)
    expect((await fetch(`http://127.0.0.1:${port}/api/ready`)).status).toBe(200)
    expect(second.output().match(/one-time setup link/g)).toHaveLength(1)

    second.child.kill('SIGTERM')
    expect((await second.exited).code).toBe(0)
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false)
  }, 240_000)

  it('refuses a port in use with one line', async () => {
    const dataDir = await preparedDataDir()
    const blocker = net.createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
    try {
      const line = await expectStartFailure({ DATA_DIR: dataDir, PORT: String(port) })
      expect(line).toBe(`Port ${port} is already in use. Stop the other process or set PORT.`)
      expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false)
    } finally {
      blocker.close()
    }
  }, 120_000)
})

describe('start-up failures', () => {
  it('refuses a bad PORT', async () => {
    expect(await expectStartFailure({ PORT: 'abc', DATA_DIR: '/nonexistent/never-created' })).toBe(
      'Configuration error: PORT must be an integer between 1 and 65535 (got "abc").',
    )
  })

  it('refuses a DATABASE_URL that is not PostgreSQL', async () => {
    expect(await expectStartFailure({ DATABASE_URL: 'mysql://localhost/x', PORT: '8080' })).toMatch(
      /^Configuration error: DATABASE_URL must be a postgres/,
    )
  })

  it('refuses a DATA_DIR that cannot be created', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'tnr-file-'))
    dirs.push(parent)
    const file = path.join(parent, 'not-a-directory')
    writeFileSync(file, '')
    expect(
      await expectStartFailure({ DATA_DIR: path.join(file, 'data'), PORT: String(await freePort()) }),
    ).toMatch(/^DATA_DIR .* cannot be created \(ENOTDIR\)/)
  })

  it('refuses DATABASE_URL without a server secret file, saying how to create one', async () => {
    const dataDir = newDataDir()
    dirs.push(dataDir)
    const line = await expectStartFailure({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
    })
    expect(line).toMatch(/^Server secret file .*server-secret not found\./)
    expect(line).toContain('npm run secret:new')
  })

  it('refuses an unreachable PostgreSQL without printing credentials', async () => {
    const dataDir = newDataDir()
    dirs.push(dataDir)
    const secretFile = path.join(dataDir, 'secret')
    writeFileSync(secretFile, `tnr-server-secret v1\n${'ab'.repeat(32)}\n`, { mode: 0o600 })
    const line = await expectStartFailure({
      DATABASE_URL: `postgres://someone:hunter2@127.0.0.1:${await freePort()}/x`,
      SERVER_SECRET_FILE: secretFile,
      PORT: String(await freePort()),
    })
    expect(line).toMatch(/^Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/x \(connection refused\)/)
    expect(line).not.toContain('hunter2')
  })
})

describe.skipIf(!runPostgresSuites)('the server on PostgreSQL', () => {
  let database: TestDatabase | undefined
  afterAll(async () => {
    await database?.destroy()
  })

  it('starts with a shared secret file, and refuses a different secret for the same database', async () => {
    const postgresFactory = databases.find((factory) => factory.name === 'postgres')
    if (postgresFactory === undefined) throw new Error('no PostgreSQL factory')
    database = await postgresFactory.open({ migrate: false })
    await database.close()
    const secretFile = path.join(database.dataDir, 'secret')
    writeFileSync(secretFile, `tnr-server-secret v1\n${'cd'.repeat(32)}\n`, { mode: 0o600 })
    const env = { DATABASE_URL: database.databaseUrl ?? '', SERVER_SECRET_FILE: secretFile }
    const port = await freePort()
    const server = start({ ...env, PORT: String(port) })
    await server.waitFor(/setup link/)
    expect((await fetch(`http://127.0.0.1:${port}/api/ready`)).status).toBe(200)
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)

    writeFileSync(secretFile, `tnr-server-secret v1\n${'ef'.repeat(32)}\n`, { mode: 0o600 })
    expect(await expectStartFailure({ ...env, PORT: String(await freePort()) })).toBe(
      'The server secret file does not belong to this database (secret id mismatch). Restore the original SERVER_SECRET_FILE.',
    )
  }, 180_000)
})
