/**
 * `npm run audit:verify` against a real stored log on both databases (DESIGN §6): an intact log
 * passes with exit 0; an edited row (written by someone who switched the append-only trigger off)
 * is reported at its seq with exit 1.
 */
import { spawnSync } from 'node:child_process'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendServerEntry } from '../api/storage/audit.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { databases } from './support/databases.ts'
import { type SeededDeployment, seededDeployment } from './support/seeded-server.ts'

function auditVerify(deployment: SeededDeployment): { status: number | null; out: string } {
  // The runner's own DATABASE_URL must not leak into the embedded-database run.
  const { DATABASE_URL: _ignored, ...inherited } = process.env
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'api/cli/audit-verify.ts'], {
    env: { ...inherited, ...deployment.env, DATA_DIR: deployment.dataDir, NODE_ENV: 'test' },
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { status: run.status, out: `${run.stdout}${run.stderr}` }
}

describe.each(databases)('npm run audit:verify on the $name database', (factory) => {
  let backend: CryptoBackend
  let deployment: SeededDeployment

  beforeAll(async () => {
    backend = await loadSodium()
    deployment = await seededDeployment(factory, backend)
    const database = await deployment.open()
    try {
      for (const action of ['case.status', 'case.reply', 'case.status']) {
        await database.db.transaction((tx) =>
          appendServerEntry(tx, backend, {
            receiptSeed: deployment.secrets.receiptSeed,
            action,
            target: null,
            now: new Date('2026-11-25T12:00:00Z'),
          }),
        )
      }
    } finally {
      await database.close()
    }
  })

  afterAll(async () => {
    await deployment?.destroy()
  })

  it('reports an intact log with exit code 0', () => {
    const { status, out } = auditVerify(deployment)
    expect(out).toContain('Audit log intact: 3 entries')
    expect(status).toBe(0)
  })

  it('reports an edited row at its seq with exit code 1', async () => {
    const database = await deployment.open()
    try {
      await database.db.execute(sql`alter table audit_log disable trigger user`)
      await database.db.execute(sql`update audit_log set action = 'case.erase' where seq = 2`)
      await database.db.execute(sql`alter table audit_log enable trigger user`)
    } finally {
      await database.close()
    }
    const { status, out } = auditVerify(deployment)
    expect(out).toContain('Audit log BROKEN')
    expect(out).toContain('seq 2: bad_signature')
    expect(status).toBe(1)
  })
})
