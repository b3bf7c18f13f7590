/**
 * @module api/storage/cases
 * Cases and their items as the reporter side sees them (DESIGN §6, §7): create a case with its
 * report (seq 0), authenticate receipt credentials, read the thread, append reporter items,
 * erase. Only ciphertext, dates, hashes and public keys are stored (DESIGN §4).
 *
 * Every write that a 2xx acknowledges is committed before the handler returns (DESIGN §6); the
 * test-only commit delay (`COMMIT_DELAY_MS`, NODE_ENV=test only) sleeps inside the transaction
 * just before COMMIT, so crash tests can kill the server with the write in flight.
 */
import { and, asc, count, desc, eq, inArray, isNotNull, max, sql } from 'drizzle-orm'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromHex, toBase64 } from '../../crypto/bytes.ts'
import { ENVELOPE_KINDS, keyId } from '../../crypto/envelope.ts'
import { authHashFromToken } from '../../crypto/receipt.ts'
import type { Db } from '../db/index.ts'
import { attachments, caseItems, cases, deskKeys, desks, org, users } from '../db/schema.ts'
import { AppError } from '../errors.ts'
import type { SignedStatementJson } from './org.ts'

export type CaseRecord = {
  id: string
  deskId: string
  receivedOn: string
  authHash: Uint8Array
  reporterPublicKey: Uint8Array
  reporterSigningKey: Uint8Array
  proofStatement: string
  proofSignature: Uint8Array
}

const caseColumns = {
  id: cases.id,
  deskId: cases.deskId,
  receivedOn: cases.receivedOn,
  authHash: cases.authHash,
  reporterPublicKey: cases.reporterPublicKey,
  reporterSigningKey: cases.reporterSigningKey,
  proofStatement: cases.proofStatement,
  proofSignature: cases.proofSignature,
}

export async function findCase(db: Db, lookupId: string): Promise<CaseRecord | undefined> {
  const [row] = await db.select(caseColumns).from(cases).where(eq(cases.lookupId, lookupId)).limit(1)
  return row
}

/** A stored submission: the case and its report (seq 0), read in one query. */
export type StoredSubmission = CaseRecord & { envelope: Uint8Array | null }

/** The case stored under this lookup id with its report envelope, in one round trip. */
export async function findSubmission(db: Db, lookupId: string): Promise<StoredSubmission | undefined> {
  const [row] = await db
    .select({ ...caseColumns, envelope: caseItems.envelope })
    .from(cases)
    .leftJoin(caseItems, and(eq(caseItems.caseId, cases.id), eq(caseItems.seq, 0)))
    .where(eq(cases.lookupId, lookupId))
    .limit(1)
  return row
}

export type SubmissionTarget = { deskKeyId: Uint8Array; orgId: string }

/**
 * Everything a submission is checked against, in one query: the case stored under the lookup id
 * with its report (`stored`), and — for a new case — the key id of the desk's current key (its
 * highest version; DESIGN §5a `keyId`) with the organisation id (`target`). `target` is
 * undefined when the desk does not exist, is archived or has no key, or nothing is set up
 * (which leaves no desks).
 */
export async function readSubmission(
  db: Db,
  backend: CryptoBackend,
  request: { lookupId: string; deskId: string },
): Promise<{ stored: StoredSubmission | undefined; target: SubmissionTarget | undefined }> {
  const target = db
    .select({ publicKey: deskKeys.publicKey, orgId: sql<string>`${org.id}`.as('org_id') })
    .from(deskKeys)
    .innerJoin(desks, eq(desks.id, deskKeys.deskId))
    .innerJoin(org, sql`true`)
    .where(and(eq(deskKeys.deskId, request.deskId), eq(desks.archived, false)))
    .orderBy(desc(deskKeys.version))
    .limit(1)
    .as('target')
  // One row whatever exists: a one-row base left-joined with the target and the stored case.
  // A derived table, not a CTE: the insert below is a submission's one `with` statement, where
  // test/idempotency.test.ts injects its simulated crash.
  const [row] = await db
    .select({
      ...caseColumns,
      envelope: caseItems.envelope,
      deskPublicKey: target.publicKey,
      orgId: target.orgId,
    })
    .from(sql`(select 1) as one`)
    .leftJoin(target, sql`true`)
    .leftJoin(cases, eq(cases.lookupId, request.lookupId))
    .leftJoin(caseItems, and(eq(caseItems.caseId, cases.id), eq(caseItems.seq, 0)))
    .limit(1)
  if (row === undefined) return { stored: undefined, target: undefined }
  const { deskPublicKey, orgId, envelope, ...record } = row
  const stored =
    record.id === null ||
    record.deskId === null ||
    record.receivedOn === null ||
    record.authHash === null ||
    record.reporterPublicKey === null ||
    record.reporterSigningKey === null ||
    record.proofStatement === null ||
    record.proofSignature === null
      ? undefined
      : {
          id: record.id,
          deskId: record.deskId,
          receivedOn: record.receivedOn,
          authHash: record.authHash,
          reporterPublicKey: record.reporterPublicKey,
          reporterSigningKey: record.reporterSigningKey,
          proofStatement: record.proofStatement,
          proofSignature: record.proofSignature,
          envelope,
        }
  return {
    stored,
    target:
      deskPublicKey === null || orgId === null
        ? undefined
        : { deskKeyId: keyId(backend, deskPublicKey), orgId },
  }
}

/** Compared against when no case matches, so both failures do the same work. */
const NO_HASH = new Uint8Array(32)

/**
 * The case these receipt credentials open, or `unknown_receipt` — the same error, status and
 * body whether the lookup id is unknown or the token wrong (constant-time hash comparison), so
 * nobody learns whether a lookup id exists.
 */
export async function authenticate(
  db: Db,
  backend: CryptoBackend,
  credentials: { lookupId: string; authToken: string },
): Promise<CaseRecord> {
  const presented = fromHex(authHashFromToken(backend, credentials.authToken), 32)
  const found = await findCase(db, credentials.lookupId)
  const matches = backend.equal(presented, found?.authHash ?? NO_HASH)
  if (found === undefined || !matches) throw new AppError('unknown_receipt')
  return found
}

/** The stored answer to a submission: the same JSON for the first 201 and every retried 200. */
export function submissionAnswer(
  record: Pick<CaseRecord, 'receivedOn' | 'proofStatement' | 'proofSignature'>,
) {
  return {
    receivedOn: record.receivedOn,
    proof: { statement: record.proofStatement, signature: toBase64(record.proofSignature) },
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export type NewCase = {
  deskId: string
  lookupId: string
  authHash: Uint8Array
  reporterPublicKey: Uint8Array
  reporterSigningKey: Uint8Array
  envelope: Uint8Array
  receivedOn: string
  proof: { statement: string; signature: Uint8Array }
}

/**
 * Inserts the case and its report (seq 0) in one statement, so in one transaction and one round
 * trip: a data-modifying CTE creates the case unless its lookup id exists (`on conflict do
 * nothing` waits for a concurrent insert of the same lookup id to commit or roll back), and the
 * report is inserted only for a case this statement created. Returns false when the lookup id
 * was taken, with nothing stored: the caller answers from the stored submission.
 *
 * The statement runs on its own (autocommit), committed when it returns. Only the test-only
 * commit delay wraps the same statement in an explicit transaction, to sleep before COMMIT.
 */
export async function insertCase(db: Db, input: NewCase, commitDelayMs: number): Promise<boolean> {
  if (commitDelayMs > 0) {
    return await db.transaction(async (tx) => {
      const created = await insertCaseStatement(tx, input)
      await sleep(commitDelayMs)
      return created
    })
  }
  return await insertCaseStatement(db, input)
}

async function insertCaseStatement(db: Db, input: NewCase): Promise<boolean> {
  const created = db.$with('created').as(
    db
      .insert(cases)
      .values({
        deskId: input.deskId,
        receivedOn: input.receivedOn,
        lookupId: input.lookupId,
        authHash: input.authHash,
        reporterPublicKey: input.reporterPublicKey,
        reporterSigningKey: input.reporterSigningKey,
        proofStatement: input.proof.statement,
        proofSignature: input.proof.signature,
      })
      .onConflictDoNothing({ target: cases.lookupId })
      .returning({ id: cases.id }),
  )
  // insert … select lists every column of case_items in table order (drizzle checks it).
  const inserted = await db
    .with(created)
    .insert(caseItems)
    .select(
      db
        .select({
          id: sql<string>`gen_random_uuid()`.as('id'),
          caseId: created.id,
          seq: sql<number>`0`.as('seq'),
          kind: sql<number>`${ENVELOPE_KINDS.report}::smallint`.as('kind'),
          envelope: sql<Uint8Array>`${input.envelope}::bytea`.as('envelope'),
          authorId: sql<string | null>`null::uuid`.as('author_id'),
          createdOn: sql<string>`${input.receivedOn}::date`.as('created_on'),
        })
        .from(created),
    )
    .returning({ caseId: caseItems.caseId })
  return inserted.length === 1
}

export type ThreadItem = { seq: number; kind: number; envelope: string }

/**
 * Items in `seq` order and the `user-key` statements of every staff author among them
 * (`case_items.author_id`; reporter items have none). Authors whose statement is missing are
 * left out: the page then shows their items as unverifiable, never as trusted.
 */
export async function readThread(
  db: Db,
  caseId: string,
): Promise<{ items: ThreadItem[]; signers: SignedStatementJson[] }> {
  const rows = await db
    .select({
      seq: caseItems.seq,
      kind: caseItems.kind,
      envelope: caseItems.envelope,
      authorId: caseItems.authorId,
    })
    .from(caseItems)
    .where(eq(caseItems.caseId, caseId))
    .orderBy(asc(caseItems.seq))
  const authorIds = [...new Set(rows.flatMap((row) => (row.authorId === null ? [] : [row.authorId])))].sort()
  const signerRows =
    authorIds.length === 0
      ? []
      : await db
          .select({ id: users.id, statement: users.userKeyStatement, signature: users.userKeySignature })
          .from(users)
          .where(and(inArray(users.id, authorIds), isNotNull(users.userKeyStatement)))
          .orderBy(asc(users.id))
  return {
    items: rows.map((row) => ({ seq: row.seq, kind: row.kind, envelope: toBase64(row.envelope) })),
    signers: signerRows.flatMap((row) =>
      row.statement === null || row.signature === null
        ? []
        : [{ statement: row.statement, signature: toBase64(row.signature) }],
    ),
  }
}

export type CaseUsage = { items: number; attachments: number; bytes: number }

/** What counts against the per-case quotas: items, attachments, and their bytes together. */
export async function caseUsage(db: Db, caseId: string): Promise<CaseUsage> {
  const [itemRow] = await db
    .select({ items: count(), bytes: sql<string | number | null>`sum(octet_length(${caseItems.envelope}))` })
    .from(caseItems)
    .where(eq(caseItems.caseId, caseId))
  const [attachmentRow] = await db
    .select({
      attachments: count(),
      bytes: sql<string | number | null>`sum(${attachments.size} + octet_length(${attachments.header}))`,
    })
    .from(attachments)
    .where(eq(attachments.caseId, caseId))
  return {
    items: Number(itemRow?.items ?? 0),
    attachments: Number(attachmentRow?.attachments ?? 0),
    bytes: Number(itemRow?.bytes ?? 0) + Number(attachmentRow?.bytes ?? 0),
  }
}

/** The `seq` the next item of the case gets. */
export async function nextSeq(db: Db, caseId: string): Promise<number> {
  const [last] = await db
    .select({ seq: max(caseItems.seq) })
    .from(caseItems)
    .where(eq(caseItems.caseId, caseId))
  return (last?.seq ?? -1) + 1
}

/** Appends a reporter item (kind 2 or 7) as the next `seq`; the caller holds the lookup lock. */
export async function appendItem(
  db: Db,
  input: {
    caseId: string
    kind: number
    envelope: Uint8Array
    createdOn: string
    expectedSeq?: number | undefined
  },
  commitDelayMs: number,
): Promise<number> {
  return await db.transaction(async (tx) => {
    const seq = await nextSeq(tx, input.caseId)
    if (input.expectedSeq !== undefined && input.expectedSeq !== seq) throw new AppError('seq_mismatch')
    await tx.insert(caseItems).values({
      caseId: input.caseId,
      seq,
      kind: input.kind,
      envelope: input.envelope,
      authorId: null,
      createdOn: input.createdOn,
    })
    if (commitDelayMs > 0) await sleep(commitDelayMs)
    return seq
  })
}

/**
 * Erases the case in one transaction (DESIGN §6): its items, attachments and chunks go with it
 * by `ON DELETE CASCADE`; the audit log, which names no reporter, is untouched.
 */
export async function eraseCase(db: Db, caseId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(cases).where(eq(cases.id, caseId))
  })
}
