/**
 * @module api/cli/audit-verify
 * `npm run audit:verify`: checks the stored audit log (DESIGN §6) — every entry's signature under
 * its actor's organisation-certified signing key (or the server's receipt key for server
 * events), the hash chain from the genesis hash, and the latest admin-signed checkpoint, so an
 * edited row, a consistently rewritten chain and a cut-off tail are each reported. Exit code 0
 * only when the log is intact.
 *
 * On the embedded database it takes the DATA_DIR lock, so it refuses while the server runs
 * ("stop the server first").
 */
import { asc, desc } from 'drizzle-orm'
import { type AuditProblem, verifyAuditChain } from '../../crypto/audit.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { verifyStatement } from '../../crypto/statements.ts'
import { type Database, openDatabase } from '../db/index.ts'
import { auditCheckpoints, auditLog, org, users } from '../db/schema.ts'
import { ConfigError, parseEnv } from '../env.ts'
import { StartupError } from '../errors.ts'
import { acquireDataDirLock, type DataDirLock } from '../lock.ts'
import { describeInternalError } from '../log.ts'
import { checkSecretId, deriveSecrets, loadSecretFile } from '../secrets.ts'
import { toAuditEntry } from '../storage/audit.ts'

async function main(): Promise<number> {
  const config = parseEnv(process.env)
  const backend = await loadSodium()
  let lock: DataDirLock | undefined
  let database: Database | undefined
  try {
    if (config.databaseUrl === undefined) lock = acquireDataDirLock(config.dataDir, 'cli')
    const loaded = loadSecretFile(config.serverSecretFile, { createIfMissing: false, backend })
    const secrets = deriveSecrets(backend, loaded.secret)
    backend.wipe(loaded.secret)
    database = await openDatabase(config)
    const db = database.db
    await checkSecretId(db, secrets.secretId)

    const [organisation] = await db.select().from(org).limit(1)
    if (organisation === undefined)
      throw new StartupError('No organisation is set up yet: nothing to verify.')

    // Signing keys come only from user-key statements the organisation key signed; expiry does not
    // matter here, since an entry signed while the certificate was valid stays valid.
    const signingKeys = new Map<string, Uint8Array>([['server', secrets.receiptPublicKey]])
    const admins = new Set<string>()
    for (const user of await db.select().from(users)) {
      if (user.userKeyStatement === null || user.userKeySignature === null) continue
      try {
        const certified = verifyStatement(
          backend,
          { statement: user.userKeyStatement, signature: toBase64(user.userKeySignature) },
          organisation.signingPublicKey,
          'user-key',
        )
        if (certified.userId !== user.id || certified.orgId !== organisation.id) continue
        signingKeys.set(user.id, fromBase64(certified.signingKey, 32))
        if (certified.role === 'admin') admins.add(user.id)
      } catch {
        // An uncertified or forged statement certifies nothing: that user's entries fail below.
      }
    }

    const [latest] = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq)).limit(1)
    let checkpoint: { seq: number; headHash: string } | undefined
    let checkpointNote = 'no checkpoint yet (a cut-off tail cannot be detected until an admin signs one)'
    if (latest !== undefined) {
      const signer = latest.signerId === null ? undefined : signingKeys.get(latest.signerId)
      if (signer === undefined || latest.signerId === null || !admins.has(latest.signerId)) {
        throw new StartupError(
          `The latest checkpoint (seq ${latest.seq}) is not signed by a certified admin.`,
        )
      }
      const statement = verifyStatement(
        backend,
        { statement: latest.statement, signature: toBase64(latest.signature) },
        signer,
        'audit-checkpoint',
      )
      checkpoint = { seq: statement.seq, headHash: statement.headHash }
      checkpointNote = `checkpoint at seq ${statement.seq} signed by an admin`
    }

    const rows = await db.select().from(auditLog).orderBy(asc(auditLog.seq))
    const result = verifyAuditChain(backend, rows.map(toAuditEntry), {
      signingKeyFor: (actor) => signingKeys.get(actor),
      ...(checkpoint === undefined ? {} : { checkpoint }),
    })
    if (result.ok) {
      process.stdout.write(
        `Audit log intact: ${rows.length} entries, head ${result.headHash} (seq ${result.headSeq}); ${checkpointNote}.\n`,
      )
      return 0
    }
    const describe = (p: AuditProblem) => `  seq ${p.seq}: ${p.code}`
    process.stdout.write(
      `Audit log BROKEN: ${result.problems.length} problem(s) in ${rows.length} entries; ${checkpointNote}.\n${result.problems.map(describe).join('\n')}\n`,
    )
    return 1
  } finally {
    await database?.close().catch(() => {})
    lock?.release()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const line =
      error instanceof StartupError || error instanceof ConfigError
        ? error.message
        : `audit:verify failed (${describeInternalError(error)}).`
    process.stderr.write(`${line}\n`)
    process.exit(2)
  },
)
