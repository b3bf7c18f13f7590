/**
 * @module api/cli/stats-args
 * Shared argument parsing of `stats:verify` and `stats:merge` (DESIGN §9): `--trust <fingerprint>`
 * (repeatable, 64 lowercase hex characters = fingerprint(orgSigningKey)) and release files.
 * A release is trusted only through a fingerprint given on the command line, never through the
 * key embedded in the file itself.
 */
import { readFileSync } from 'node:fs'

export interface StatsArgs {
  trust: string[]
  files: string[]
  out?: string
}

export function parseStatsArgs(argv: readonly string[]): StatsArgs {
  const trust: string[] = []
  const files: string[] = []
  let out: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--trust' || arg === '--out') {
      const value = argv[i + 1]
      if (value === undefined) throw new Error(`${arg} needs a value`)
      i += 1
      if (arg === '--out') out = value
      else {
        if (!/^[0-9a-f]{64}$/.test(value))
          throw new Error('--trust takes a fingerprint: 64 lowercase hex characters')
        trust.push(value)
      }
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`)
    else files.push(arg)
  }
  if (trust.length === 0) throw new Error('give at least one --trust <fingerprint>')
  return out === undefined ? { trust, files } : { trust, files, out }
}

/** Reads a release file as JSON (releases are small: refuse anything over 16 MiB). */
export function readReleaseFile(path: string): unknown {
  const text = readFileSync(path, 'utf8')
  if (text.length > 16 * 1024 * 1024) throw new Error(`${path}: file too large`)
  return JSON.parse(text) as unknown
}
