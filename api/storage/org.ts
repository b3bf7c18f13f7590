/**
 * @module api/storage/org
 * What the intake page needs to encrypt (DESIGN §7 `GET /api/intake/config`): the organisation's
 * signing key, its latest signed key directory and its statement over the server's receipt key.
 * The server only relays these; the browser verifies every signature and expiry itself.
 */
import { and, desc, eq } from 'drizzle-orm'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { toBase64 } from '../../crypto/bytes.ts'
import { keyId } from '../../crypto/envelope.ts'
import type { Db } from '../db/index.ts'
import { deskKeys, desks, directories, org } from '../db/schema.ts'

export type SignedStatementJson = { statement: string; signature: string }

export type PublishedOrg = {
  orgId: string
  orgSigningKey: string
  directory: SignedStatementJson
  receiptKey: SignedStatementJson
}

/** The organisation as published to reporters, or undefined while it is not set up. */
export async function publishedOrg(db: Db): Promise<PublishedOrg | undefined> {
  const [organisation] = await db.select().from(org).limit(1)
  if (
    organisation === undefined ||
    organisation.receiptKeyStatement === null ||
    organisation.receiptKeySignature === null
  ) {
    return undefined
  }
  const [directory] = await db.select().from(directories).orderBy(desc(directories.seq)).limit(1)
  if (directory === undefined) return undefined
  return {
    orgId: organisation.id,
    orgSigningKey: toBase64(organisation.signingPublicKey),
    directory: { statement: directory.statement, signature: toBase64(directory.signature) },
    receiptKey: {
      statement: organisation.receiptKeyStatement,
      signature: toBase64(organisation.receiptKeySignature),
    },
  }
}

export async function orgId(db: Db): Promise<string | undefined> {
  const [row] = await db.select({ id: org.id }).from(org).limit(1)
  return row?.id
}

/**
 * The key id (DESIGN §5a `keyId`) of the desk's current key — its highest version — or
 * undefined when the desk does not exist, is archived or has no key.
 */
export async function currentDeskKeyId(
  db: Db,
  backend: CryptoBackend,
  deskId: string,
): Promise<Uint8Array | undefined> {
  const [row] = await db
    .select({ publicKey: deskKeys.publicKey })
    .from(deskKeys)
    .innerJoin(desks, eq(desks.id, deskKeys.deskId))
    .where(and(eq(deskKeys.deskId, deskId), eq(desks.archived, false)))
    .orderBy(desc(deskKeys.version))
    .limit(1)
  return row === undefined ? undefined : keyId(backend, row.publicKey)
}
