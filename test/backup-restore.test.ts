/**
 * @module test/backup-restore.test
 * Backups restore (docs/operations.md "Backups and restore"; issue 7 "a script that restores a
 * dump and decrypts a case with a test key, run in CI").
 *
 * - PostgreSQL: `pg_dump --format=custom` of a live deployment's database, `pg_restore` into a
 *   brand-new database, the real server started on the restored database with the same server
 *   secret file, and a case read back through `POST /api/followup` and decrypted with the desk
 *   key. The same restored database with a different secret file refuses to start: the secret
 *   file is part of every backup.
 * - PGlite: the documented offline backup (stop the server, copy DATA_DIR) restored to another
 *   directory, started, and the same case decrypted.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeSecretFile } from '../api/secrets.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64 } from '../crypto/bytes.ts'
import { solvePow } from '../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode, type ReceiptKeys } from '../crypto/receipt.ts'
import { openReport, sealReport } from '../crypto/report.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { databases } from './support/databases.ts'
import { type SeededDeployment, seededDeployment } from './support/seeded-server.ts'
import { startServer } from './support/server.ts'

const NARRATIVE = 'Backed up and restored: the consulate called my father.'

async function submitReport(
  backend: CryptoBackend,
  deployment: SeededDeployment,
  url: string,
): Promise<ReceiptKeys> {
  const desk = deployment.demo.desks[0]
  if (desk === undefined) throw new Error('no desk')
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const receipt = deriveReceiptKeys(backend, generateReceiptCode(backend))
  const { challenge, bits } = (await (await post('/api/pow/challenge', {})).json()) as {
    challenge: string
    bits: number
  }
  const response = await post('/api/reports', {
    deskId: desk.deskId,
    lookupId: receipt.lookupId,
    authToken: receipt.authToken,
    reporterPublicKey: toBase64(receipt.reporterPublicKey),
    reporterSigningKey: toBase64(receipt.reporterSigningKey),
    envelope: toBase64(
      sealReport(backend, {
        recipients: [desk.publicKey],
        lookupId: receipt.lookupId,
        report: {
          reporterPublicKey: toBase64(receipt.reporterPublicKey),
          reporterSigningKey: toBase64(receipt.reporterSigningKey),
          narrative: NARRATIVE,
        },
      }),
    ),
    pow: { challenge, nonce: solvePow(backend, fromBase64(challenge), bits) ?? '0' },
  })
  expect(response.status).toBe(201)
  return receipt
}

/** Reads the case through the API of the server at `url` and decrypts the report with the desk key. */
async function readBack(
  backend: CryptoBackend,
  deployment: SeededDeployment,
  url: string,
  receipt: ReceiptKeys,
): Promise<unknown> {
  const desk = deployment.demo.desks[0]
  if (desk === undefined) throw new Error('no desk')
  const response = await fetch(`${url}/api/followup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ lookupId: receipt.lookupId, authToken: receipt.authToken }),
  })
  expect(response.status).toBe(200)
  const thread = (await response.json()) as { items: Array<{ envelope: string }> }
  const opened = openReport(backend, fromBase64(thread.items[0]?.envelope ?? ''), {
    lookupId: receipt.lookupId,
    secretKey: desk.secretKey,
  })
  return opened.report.narrative
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000 })
  if (result.status !== 0) {
    throw new Error(`${command} failed (${result.status ?? result.signal}): ${result.stderr}`)
  }
}

describe.each(databases)('backup and restore on $name', (factory) => {
  let backend: CryptoBackend
  let deployment: SeededDeployment
  const cleanups: Array<() => Promise<void> | void> = []

  beforeAll(async () => {
    backend = await loadSodium()
    deployment = await seededDeployment(factory, backend, { POW_BASE_BITS: '1', POW_MAX_BITS: '1' })
  })

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    await deployment?.destroy()
  })

  // Three server starts; PGlite's take several seconds each on a busy two-core machine.
  it('restores a backup on which the server starts and a case decrypts with the desk key', {
    timeout: 300_000,
  }, async () => {
    const original = await deployment.start()
    let receipt: ReceiptKeys
    try {
      receipt = await submitReport(backend, deployment, original.url)
    } finally {
      await original.stop()
    }
    const workDir = mkdtempSync(join(tmpdir(), 'tnr-backup-'))
    cleanups.push(() => rmSync(workDir, { recursive: true, force: true }))
    // What an operator restores: the database and the server secret file.
    const restoredDataDir = join(workDir, 'restored-data')
    mkdirSync(restoredDataDir, { mode: 0o700 })
    cpSync(join(deployment.dataDir, 'server-secret'), join(restoredDataDir, 'server-secret'))

    let restoredEnv: Record<string, string> = {}
    if (deployment.databaseUrl !== undefined) {
      const dump = join(workDir, 'tnr.dump')
      run('pg_dump', [
        '--format=custom',
        '--no-owner',
        '--no-privileges',
        '--file',
        dump,
        deployment.databaseUrl,
      ])
      const name = `tnr_restore_${randomBytes(6).toString('hex')}`
      const adminUrl = new URL(deployment.databaseUrl)
      adminUrl.pathname = '/postgres'
      const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} })
      await admin.unsafe(`CREATE DATABASE ${name}`)
      cleanups.push(async () => {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await admin.end()
      })
      const restoredUrl = new URL(deployment.databaseUrl)
      restoredUrl.pathname = `/${name}`
      run('pg_restore', [
        '--no-owner',
        '--no-privileges',
        '--exit-on-error',
        '--dbname',
        restoredUrl.toString(),
        dump,
      ])
      restoredEnv = { DATABASE_URL: restoredUrl.toString() }
    } else {
      // PGlite: the offline backup is a copy of DATA_DIR taken while the server is stopped.
      cpSync(join(deployment.dataDir, 'pglite'), join(restoredDataDir, 'pglite'), { recursive: true })
    }

    const restored = await startServer({
      dataDir: restoredDataDir,
      env: { ...restoredEnv, POW_BASE_BITS: '1', POW_MAX_BITS: '1' },
    })
    try {
      expect(await readBack(backend, deployment, restored.url, receipt)).toBe(NARRATIVE)
    } finally {
      await restored.stop()
    }

    // The database alone is not a backup: with another server secret it refuses to start.
    const otherSecret = join(workDir, 'other-secret')
    writeFileSync(otherSecret, encodeSecretFile(backend.randomBytes(32)), { mode: 0o600 })
    await expect(
      startServer({
        dataDir: restoredDataDir,
        env: { ...restoredEnv, SERVER_SECRET_FILE: otherSecret },
        startTimeoutMs: 60_000,
      }),
    ).rejects.toThrow(/exited before it was healthy/)
    console.log(
      `backup and restore (${factory.name}): ${deployment.databaseUrl === undefined ? 'offline DATA_DIR copy' : 'pg_dump → pg_restore'} → server started → case decrypted with the desk key; a foreign secret file is refused`,
    )
  })
})
