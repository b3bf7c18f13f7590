/**
 * @module test/support/seed
 * Test fixtures over a real database: the demo organisation of `npm run dev:seed` (same code,
 * api/cli/demo-org.ts) with its private keys in memory, a certified staff user, and a staff item
 * planted in a case — what a caseworker's browser would write once the console exists.
 */
import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { createDemoOrganisation, type DemoOrganisation } from '../../api/cli/demo-org.ts'
import type { Db } from '../../api/db/index.ts'
import { caseItems, cases, users } from '../../api/db/schema.ts'
import type { ServerSecrets } from '../../api/secrets.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { type SignedStatement, signStatement } from '../../crypto/statements.ts'

export type { DemoDesk, DemoOrganisation } from '../../api/cli/demo-org.ts'

/** Creates the demo organisation in `db` and returns it with every private key. */
export function seedDemoOrganisation(
  db: Db,
  backend: CryptoBackend,
  secrets: Pick<ServerSecrets, 'receiptPublicKey'>,
  now = new Date(),
): Promise<DemoOrganisation> {
  return createDemoOrganisation(db, backend, secrets, now)
}

export type SeededStaff = {
  userId: string
  username: string
  identitySecretKey: Uint8Array
  identityPublicKey: Uint8Array
  signingSeed: Uint8Array
  signingKey: Uint8Array
  userKey: SignedStatement
}

/**
 * A caseworker certified by the organisation (`user-key` statement). Login material (KDF salt,
 * auth hash, wrapped keys, TOTP) is random filler: these tests never log in.
 */
export async function seedStaffUser(
  db: Db,
  backend: CryptoBackend,
  demo: DemoOrganisation,
  options: { username?: string; role?: 'admin' | 'caseworker' | 'analyst'; now?: Date } = {},
): Promise<SeededStaff> {
  const userId = randomUUID()
  const username = options.username ?? `caseworker-${userId.slice(0, 8)}`
  const role = options.role ?? 'caseworker'
  const identitySecretKey = backend.randomBytes(32)
  const identityPublicKey = backend.x25519PublicKey(identitySecretKey)
  const signingSeed = backend.randomBytes(32)
  const signingKey = backend.ed25519PublicKey(signingSeed)
  const notAfter = new Date((options.now ?? new Date()).getTime() + 365 * 24 * 60 * 60 * 1000)
  const userKey = signStatement(backend, demo.orgSigningSeed, {
    type: 'user-key',
    orgId: demo.orgId,
    userId,
    username,
    role,
    identityKey: toBase64(identityPublicKey),
    signingKey: toBase64(signingKey),
    notAfter: `${notAfter.toISOString().slice(0, 19)}Z`,
  })
  await db.insert(users).values({
    id: userId,
    role,
    username,
    kdfSalt: backend.randomBytes(16),
    kdfParams: { version: 1, opsLimit: 3, memLimitBytes: 64 * 1024 * 1024 },
    authHash: backend.randomBytes(32),
    identityPublicKey,
    signingPublicKey: signingKey,
    wrappedIdentityKey: backend.randomBytes(72),
    wrappedSigningKey: backend.randomBytes(72),
    userKeyStatement: userKey.statement,
    userKeySignature: fromBase64(userKey.signature),
    totpSecretEncrypted: backend.randomBytes(60),
  })
  return { userId, username, identitySecretKey, identityPublicKey, signingSeed, signingKey, userKey }
}

/**
 * Appends a staff-written envelope (a reply, kind 3) to the case with this lookup id as the next
 * `seq`, recording the author so `POST /api/followup` serves their `user-key` statement.
 * Returns the seq it used.
 */
export async function plantStaffItem(
  db: Db,
  input: { lookupId: string; kind: number; envelope: Uint8Array; authorId: string; createdOn?: string },
): Promise<number> {
  const [found] = await db.select({ id: cases.id }).from(cases).where(eq(cases.lookupId, input.lookupId))
  if (found === undefined) throw new Error('no case with this lookup id')
  const items = await db.select({ seq: caseItems.seq }).from(caseItems).where(eq(caseItems.caseId, found.id))
  const seq = items.reduce((highest, item) => Math.max(highest, item.seq), -1) + 1
  await db.insert(caseItems).values({
    caseId: found.id,
    seq,
    kind: input.kind,
    envelope: input.envelope,
    authorId: input.authorId,
    createdOn: input.createdOn ?? new Date().toISOString().slice(0, 10),
  })
  return seq
}
