/**
 * @module api/lock
 * The exclusive lock on DATA_DIR (DESIGN §3): PGlite is one process with one connection, so a
 * second server or a CLI command opening the same files would corrupt them.
 *
 * The lock is a file created with O_EXCL holding the owner's pid and, on Linux, the process
 * start time. A lock whose owner is gone is stale and taken over, so the server restarts after a
 * kill -9. The start time matters in containers: after a restart the new server often gets the
 * very pid recorded in the stale lock (pid 1, or a small number), and a pid check alone would
 * then refuse forever.
 */
import { closeSync, constants, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'
import { StartupError } from './errors.ts'

export const LOCK_FILE = 'server.lock'

export type LockHolder = 'server' | 'cli'

export type DataDirLock = {
  readonly file: string
  release(): void
}

type LockContent = { pid: number; start: string | undefined }

/** Start time of a process in clock ticks since boot (Linux), or undefined where unknown. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 22 (starttime); the command name (field 2) may contain spaces, so split after ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

function isAlive(content: LockContent): boolean {
  if (content.pid === process.pid) return false
  try {
    process.kill(content.pid, 0)
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (content.start === undefined) return true
  const start = processStart(content.pid)
  return start === undefined || start === content.start
}

function parse(text: string): LockContent | undefined {
  const match = /^pid=(\d+)(?: start=(\d+))?\n?$/.exec(text)
  if (match === null) return undefined
  return { pid: Number(match[1]), start: match[2] }
}

function busyError(holder: LockHolder, pid: number | undefined): StartupError {
  const who = pid === undefined ? '' : ` (pid ${pid})`
  return new StartupError(
    holder === 'server'
      ? `Another server is using DATA_DIR${who}. Stop it first.`
      : `The server is using DATA_DIR${who}: stop the server first.`,
  )
}

function unwritable(dataDir: string, code: string | undefined): StartupError {
  return new StartupError(
    `DATA_DIR ${dataDir} is not writable (${code ?? 'error'}). Fix its permissions or set DATA_DIR to another directory.`,
  )
}

export function acquireDataDirLock(dataDir: string, holder: LockHolder): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE)
  const start = processStart(process.pid)
  const mine = `pid=${process.pid}${start === undefined ? '' : ` start=${start}`}\n`
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
      try {
        writeSync(fd, mine)
      } finally {
        closeSync(fd)
      }
      let released = false
      return {
        file,
        release() {
          if (released) return
          released = true
          // Only remove the file if it is still ours.
          try {
            if (readFileSync(file, 'utf8') === mine) rmSync(file, { force: true })
          } catch {
            // Already gone.
          }
        },
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') throw unwritable(dataDir, code)
    }
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue // Removed meanwhile: try again.
    }
    const content = parse(text)
    // A lock being written this instant reads empty; treat unreadable content as live on the
    // first attempts rather than stealing it.
    if (content === undefined && attempt < 2) continue
    if (content !== undefined && isAlive(content)) throw busyError(holder, content.pid)
    // Stale: move it aside and make sure what we moved is what we judged stale, so two
    // processes taking over at once cannot remove each other's fresh lock unnoticed.
    const aside = `${file}.stale.${process.pid}`
    try {
      renameSync(file, aside)
    } catch {
      continue
    }
    const moved = readFileSync(aside, 'utf8')
    if (moved !== text) {
      try {
        renameSync(aside, file)
      } catch {
        // Someone else holds it now; the next attempt reports them.
      }
      continue
    }
    rmSync(aside, { force: true })
  }
  throw busyError(holder, undefined)
}
