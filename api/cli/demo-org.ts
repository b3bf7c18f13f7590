/**
 * @module api/cli/demo-org
 * A demo organisation for development and tests (DESIGN §3 `npm run dev:seed`), until the
 * console's setup flow exists: organisation signing key, desks with X25519 keys, a directory
 * signed for 90 days, and the organisation's `receipt-key` statement over this server's receipt
 * key. In a real deployment all of this happens in the first admin's browser and no private key
 * ever reaches the server; here the caller receives the private keys (the CLI writes them to
 * ./dev-keys/, tests keep them in memory).
 */
import { randomUUID } from 'node:crypto'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { fingerprint } from '../../crypto/fingerprint.ts'
import { type SignedStatement, signStatement } from '../../crypto/statements.ts'
import type { Db } from '../db/index.ts'
import { deskKeys, desks, directories, org } from '../db/schema.ts'
import type { ServerSecrets } from '../secrets.ts'

export const DEMO_DESK_NAMES = ['Uyghur community desk', 'General desk'] as const
/** DESIGN §5: a directory expires after at most 90 days. */
const DIRECTORY_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000

export type DemoDesk = {
  deskId: string
  name: string
  version: number
  publicKey: Uint8Array
  secretKey: Uint8Array
}

export type DemoOrganisation = {
  orgId: string
  name: string
  orgSigningSeed: Uint8Array
  orgSigningKey: Uint8Array
  /** `fingerprint(orgSigningKey)`: what `ORG_KEY_FINGERPRINT` would pin. */
  fingerprint: string
  desks: DemoDesk[]
  directory: SignedStatement
  receiptKey: SignedStatement
}

export class AlreadySeededError extends Error {
  override readonly name = 'AlreadySeededError'
}

/** RFC 3339 without fractional seconds (one spelling per instant, crypto/statements.ts). */
const rfc3339 = (date: Date) => `${date.toISOString().slice(0, 19)}Z`

export async function createDemoOrganisation(
  db: Db,
  backend: CryptoBackend,
  secrets: Pick<ServerSecrets, 'receiptPublicKey'>,
  now: Date,
  options: { name?: string; deskNames?: readonly string[] } = {},
): Promise<DemoOrganisation> {
  const existing = await db.select({ id: org.id }).from(org).limit(1)
  if (existing.length > 0) throw new AlreadySeededError('An organisation already exists in this database.')

  const orgId = randomUUID()
  const name = options.name ?? 'Demo organisation'
  const orgSigningSeed = backend.randomBytes(32)
  const orgSigningKey = backend.ed25519PublicKey(orgSigningSeed)
  const demoDesks: DemoDesk[] = (options.deskNames ?? DEMO_DESK_NAMES).map((deskName) => {
    const secretKey = backend.randomBytes(32)
    return {
      deskId: randomUUID(),
      name: deskName,
      version: 1,
      secretKey,
      publicKey: backend.x25519PublicKey(secretKey),
    }
  })
  const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000)
  const expiresAt = new Date(issuedAt.getTime() + DIRECTORY_LIFETIME_MS)
  const directory = signStatement(backend, orgSigningSeed, {
    type: 'directory',
    orgId,
    seq: 1,
    issuedAt: rfc3339(issuedAt),
    expiresAt: rfc3339(expiresAt),
    desks: demoDesks.map((desk) => ({
      deskId: desk.deskId,
      name: desk.name,
      version: desk.version,
      publicKey: toBase64(desk.publicKey),
    })),
  })
  const receiptKey = signStatement(backend, orgSigningSeed, {
    type: 'receipt-key',
    orgId,
    publicKey: toBase64(secrets.receiptPublicKey),
  })

  await db.transaction(async (tx) => {
    await tx.insert(org).values({
      id: orgId,
      name,
      signingPublicKey: orgSigningKey,
      fingerprint: fingerprint(backend, orgSigningKey),
      receiptKeyStatement: receiptKey.statement,
      receiptKeySignature: fromBase64(receiptKey.signature),
    })
    for (const desk of demoDesks) {
      await tx.insert(desks).values({ id: desk.deskId, name: desk.name })
      await tx
        .insert(deskKeys)
        .values({ deskId: desk.deskId, version: desk.version, publicKey: desk.publicKey })
    }
    await tx.insert(directories).values({
      seq: 1,
      statement: directory.statement,
      signature: fromBase64(directory.signature),
      issuedAt,
      expiresAt,
    })
  })

  return {
    orgId,
    name,
    orgSigningSeed,
    orgSigningKey,
    fingerprint: fingerprint(backend, orgSigningKey),
    desks: demoDesks,
    directory,
    receiptKey,
  }
}

/** The private keys as written to ./dev-keys/ (base64; never into DATA_DIR). */
export function demoKeysJson(demo: DemoOrganisation): string {
  return `${JSON.stringify(
    {
      warning: 'Development keys of a demo organisation. Never use them for real reports.',
      orgId: demo.orgId,
      fingerprint: demo.fingerprint,
      orgSigningSeed: toBase64(demo.orgSigningSeed),
      orgSigningKey: toBase64(demo.orgSigningKey),
      desks: demo.desks.map((desk) => ({
        deskId: desk.deskId,
        name: desk.name,
        version: desk.version,
        publicKey: toBase64(desk.publicKey),
        secretKey: toBase64(desk.secretKey),
      })),
    },
    null,
    2,
  )}\n`
}
