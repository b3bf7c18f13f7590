/**
 * @module test/stats-cli.test
 * `stats:verify` and `stats:merge` as people run them (real processes, real files): a release
 * verifies against its organisation's fingerprint and fails against another, when a count
 * was edited, or when its tables cross gender with community × host country (though signed); two organisations' releases merge into summed counts; an untrusted or
 * incompatible one is refused with the reason and a non-zero exit code.
 */
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from '../crypto/backend.ts'
import { toBase64 } from '../crypto/bytes.ts'
import { fingerprint } from '../crypto/fingerprint.ts'
import { streamRandomSource } from '../crypto/laplace.ts'
import {
  buildRelease,
  type MergedRelease,
  type ReleaseBody,
  signRelease,
  type Unit,
} from '../crypto/release.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { signStatement } from '../crypto/statements.ts'
import { REPO_ROOT } from './support/server.ts'

const run = promisify(execFile)

async function cli(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', `api/cli/${script}.ts`, ...args],
      { cwd: REPO_ROOT },
    )
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

describe('stats:verify and stats:merge', () => {
  let backend: CryptoBackend
  let dir: string
  const fps: string[] = []

  function release(
    name: string,
    seed: string,
    period = { from: '2025-01', to: '2025-12' },
    relabel?: (body: ReleaseBody) => void,
  ): string {
    const orgId = randomUUID()
    const orgSeed = backend.randomBytes(32)
    const orgKey = backend.ed25519PublicKey(orgSeed)
    const analystSeed = backend.randomBytes(32)
    const userKey = signStatement(backend, orgSeed, {
      type: 'user-key',
      orgId,
      userId: randomUUID(),
      username: `analyst-${name}`,
      role: 'analyst',
      identityKey: toBase64(backend.x25519PublicKey(backend.randomBytes(32))),
      signingKey: toBase64(backend.ed25519PublicKey(analystSeed)),
      notAfter: '2030-01-01T00:00:00Z',
    })
    const units: Unit[] = Array.from({ length: 90 }, (_, i) => ({
      personKey: '',
      values: { community: [i % 3 === 0 ? 'iranian' : 'uyghur'], target_gender: ['woman'] },
    }))
    const body = buildRelease(
      units,
      {
        orgId,
        orgName: name,
        releaseId: randomUUID(),
        version: 1,
        createdAt: new Date('2026-02-01T00:00:00Z'),
        period,
        codingScheme: { name: 'tnr-coding', version: 1 },
        tables: [
          {
            id: 'community',
            dims: [{ field: 'community', categories: ['uyghur', 'iranian'], maxValues: 1 }],
          },
          ...(relabel === undefined
            ? []
            : [
                {
                  id: 'gender-by-community',
                  dims: [
                    { field: 'target_gender', categories: ['woman'], maxValues: 1 },
                    { field: 'community', categories: ['uyghur', 'iranian'], maxValues: 1 },
                  ],
                },
              ]),
        ],
        epsilon: { num: 1n, den: 1n },
        threshold: 10,
        contributionCap: 1,
        linkedByPerson: false,
        methodology: 'm',
        citation: 'c',
        licence: 'CC BY 4.0',
        changelog: [],
      },
      streamRandomSource(new TextEncoder().encode(seed), backend),
    )
    relabel?.(body)
    const file = join(dir, `${name}.json`)
    writeFileSync(
      file,
      JSON.stringify(
        signRelease(backend, body, { signingSeed: analystSeed, userKey, orgSigningKey: orgKey }),
      ),
    )
    fps.push(fingerprint(backend, orgKey))
    return file
  }

  beforeAll(async () => {
    backend = await loadSodium()
    dir = mkdtempSync(join(tmpdir(), 'tnr-stats-cli-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('verifies against the right fingerprint only, and catches an edited count', async () => {
    const a = release('a', 'cli-a')
    const b = release('b', 'cli-b')
    const ok = await cli('stats-verify', ['--trust', fps[0] as string, a])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/^OK .*a\.json: a release .* differential-privacy ε=1\/1/)
    const wrong = await cli('stats-verify', ['--trust', fps[0] as string, b])
    expect(wrong.code).toBe(1)
    expect(wrong.stdout).toContain('untrusted_key')
    const edited = JSON.parse(readFileSync(a, 'utf8')) as {
      release: { tables: { entries: { value: number | null }[] }[] }
    }
    const entry = edited.release.tables[0]?.entries.find((e) => e.value !== null)
    if (entry?.value == null) throw new Error('nothing published')
    entry.value += 1
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(edited))
    const refused = await cli('stats-verify', ['--trust', fps[0] as string, join(dir, 'edited.json')])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain('bad_signature')
  })

  it('refuses a signed release that crosses gender with community and host country', async () => {
    // The builder refuses to make one; relabel the first table's field after building, then sign.
    const file = release('crossed', 'cli-crossed', undefined, (body) => {
      const table = body.tables[0]
      if (table === undefined) throw new Error('no table')
      body.tables[0] = {
        ...table,
        id: 'gender-by-host',
        dims: [
          { field: 'target_gender', categories: ['woman'], maxValues: 1 },
          { field: 'host_country', categories: ['uyghur', 'iranian'], maxValues: 1 },
        ],
        entries: table.entries.map((e) => ({ ...e, key: ['woman', ...e.key.slice(0, 1)] })),
      }
    })
    const refused = await cli('stats-verify', ['--trust', fps.at(-1) as string, file])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain(
      'bad_statement: never published: target_gender × community × host_country',
    )
  })

  it('merges two organisations and refuses untrusted or incompatible releases', async () => {
    const before = fps.length
    const c = release('c', 'cli-c')
    const d = release('d', 'cli-d')
    const e = release('e', 'cli-e', { from: '2024-01', to: '2024-12' })
    const [fc, fd, fe] = fps.slice(before) as [string, string, string]
    const out = join(dir, 'merged.json')
    const merged = await cli('stats-merge', ['--trust', fc, '--trust', fd, '--out', out, c, d])
    expect(merged.code, merged.stderr).toBe(0)
    const result = JSON.parse(readFileSync(out, 'utf8')) as MergedRelease
    const sources = [c, d].map(
      (f) =>
        JSON.parse(readFileSync(f, 'utf8')) as {
          release: { tables: { entries: { value: number | null }[] }[] }
        },
    )
    result.tables[0]?.entries.forEach((entry, i) => {
      const parts = sources.map((s) => s.release.tables[0]?.entries[i]?.value ?? null)
      if (parts.includes(null)) expect(entry.suppressed).toBe(true)
      else expect(entry.value).toBe((parts[0] ?? 0) + (parts[1] ?? 0))
    })
    const untrusted = await cli('stats-merge', ['--trust', fc, c, d])
    expect(untrusted.code).toBe(1)
    expect(untrusted.stderr).toContain('untrusted_key')
    const incompatible = await cli('stats-merge', ['--trust', fc, '--trust', fe, c, e])
    expect(incompatible.code).toBe(1)
    expect(incompatible.stderr).toContain('different periods')
  })
})
