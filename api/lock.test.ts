import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { acquireDataDirLock, LOCK_FILE } from './lock.ts'

const dirs: string[] = []
const dataDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tnr-lock-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(result.stdout.toString())
}

describe('the DATA_DIR lock', () => {
  it('is exclusive, private and released', () => {
    const dir = dataDir()
    const lock = acquireDataDirLock(dir, 'server')
    expect(readFileSync(lock.file, 'utf8')).toMatch(new RegExp(`^pid=${process.pid}( start=\\d+)?\\n$`))
    expect(statSync(lock.file).mode & 0o777).toBe(0o600)
    lock.release()
    expect(() => statSync(lock.file)).toThrow()
    acquireDataDirLock(dir, 'server').release()
  })

  it('refuses while a live process holds it, naming the pid', () => {
    const dir = dataDir()
    writeFileSync(path.join(dir, LOCK_FILE), `pid=${process.ppid}\n`)
    expect(() => acquireDataDirLock(dir, 'server')).toThrow(
      `Another server is using DATA_DIR (pid ${process.ppid}). Stop it first.`,
    )
    expect(() => acquireDataDirLock(dir, 'cli')).toThrow(/stop the server first/)
  })

  it('takes over a lock whose process is gone (restart after kill -9)', () => {
    const dir = dataDir()
    writeFileSync(path.join(dir, LOCK_FILE), `pid=${deadPid()}\n`)
    const lock = acquireDataDirLock(dir, 'server')
    expect(readFileSync(lock.file, 'utf8')).toContain(`pid=${process.pid}`)
    lock.release()
  })

  it('takes over a lock whose pid was reused by another process (container restart)', () => {
    const dir = dataDir()
    // The parent is alive, but it started at another time than the stale lock records.
    writeFileSync(path.join(dir, LOCK_FILE), `pid=${process.ppid} start=1\n`)
    const lock = acquireDataDirLock(dir, 'server')
    lock.release()
  })

  it('does not remove a lock file that is no longer its own', () => {
    const dir = dataDir()
    const lock = acquireDataDirLock(dir, 'server')
    writeFileSync(lock.file, 'pid=1\n')
    lock.release()
    expect(readFileSync(lock.file, 'utf8')).toBe('pid=1\n')
  })

  it('reports an unwritable DATA_DIR in one line', () => {
    const dir = dataDir()
    const file = path.join(dir, 'file')
    writeFileSync(file, '')
    expect(() => acquireDataDirLock(file, 'server')).toThrow(/^DATA_DIR .* is not writable \(ENOTDIR\)/)
  })
})
