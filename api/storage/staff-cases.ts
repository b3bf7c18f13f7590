/**
 * @module api/storage/staff-cases
 * Cases as staff see them (DESIGN §6, §8): the queue of the desks a user belongs to, filtered,
 * sorted and paged on metadata the server holds (status, priority, assignee, spam, UTC receipt
 * date); case detail with every envelope; staff items; triage. The server never decrypts: the
 * queue carries each case's report envelope for the browser's worker.
 *
 * Desk membership is the server-side gate (DESIGN §5 "enforced only by the server" for what
 * predates a rotation): every read and write here is filtered by the caller's desks, and a case
 * of another desk answers exactly like a case that does not exist.
 */
import { and, asc, count, desc, eq, gte, inArray, lt, max, type SQL, sql } from 'drizzle-orm'
import { toBase64 } from '../../crypto/bytes.ts'
import type { CaseSummary, QueueQuery } from '../contract/staff.ts'
import { QUEUE_PAGE_SIZE } from '../contract/staff.ts'
import type { Db } from '../db/index.ts'
import {
  attachmentChunks,
  attachments,
  caseItems,
  caseLabels,
  caseReads,
  cases,
  deskMembers,
  labels,
  users,
} from '../db/schema.ts'
import { AppError } from '../errors.ts'

export async function deskIdsOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .select({ deskId: deskMembers.deskId })
    .from(deskMembers)
    .where(eq(deskMembers.userId, userId))
  return rows.map((r) => r.deskId)
}

function monthRange(month: string): [string, string] {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`
  return [`${month}-01`, `${next}-01`]
}

const PRIORITY_ORDER = sql`case ${cases.priority} when 'urgent' then 0 when 'high' then 1 when 'normal' then 2 else 3 end`

export async function queue(
  db: Db,
  userId: string,
  deskIds: readonly string[],
  query: QueueQuery,
): Promise<{ cases: CaseSummary[]; total: number; page: number; counts: Record<string, number> }> {
  const page = Math.max(0, Number(query.page ?? '0'))
  if (deskIds.length === 0) return { cases: [], total: 0, page, counts: {} }
  const visible = query.desk === undefined ? [...deskIds] : deskIds.filter((d) => d === query.desk)
  if (visible.length === 0) return { cases: [], total: 0, page, counts: {} }
  const base: SQL[] = [inArray(cases.deskId, visible)]
  const spam = query.spam ?? 'exclude'
  if (spam === 'only') base.push(eq(cases.spam, true))
  if (spam === 'exclude') base.push(eq(cases.spam, false))
  if (query.priority !== undefined) base.push(eq(cases.priority, query.priority))
  if (query.assignee === 'none') base.push(sql`${cases.assigneeId} is null`)
  else if (query.assignee !== undefined) base.push(eq(cases.assigneeId, query.assignee))
  if (query.label !== undefined)
    base.push(
      sql`exists (select 1 from ${caseLabels} where ${caseLabels.caseId} = ${cases.id} and ${caseLabels.labelId} = ${query.label})`,
    )
  if (query.month !== undefined) {
    const [from, to] = monthRange(query.month)
    base.push(gte(cases.receivedOn, from), lt(cases.receivedOn, to))
  }
  // Counts per status ignore the status filter, so the tabs show what each would hold.
  const countRows = await db
    .select({ status: cases.status, n: count() })
    .from(cases)
    .where(and(...base))
    .groupBy(cases.status)
  const counts = Object.fromEntries(countRows.map((r) => [r.status, Number(r.n)]))
  const where = query.status === undefined ? and(...base) : and(...base, eq(cases.status, query.status))
  const [totalRow] = await db.select({ n: count() }).from(cases).where(where)
  const order =
    query.sort === 'received_asc'
      ? [asc(cases.receivedOn), asc(cases.id)]
      : query.sort === 'priority'
        ? [asc(PRIORITY_ORDER), desc(cases.receivedOn), asc(cases.id)]
        : [desc(cases.receivedOn), asc(cases.id)]
  const lastSeq = db
    .select({ caseId: caseItems.caseId, lastSeq: max(caseItems.seq).as('last_seq') })
    .from(caseItems)
    .groupBy(caseItems.caseId)
    .as('last_items')
  const rows = await db
    .select({
      id: cases.id,
      deskId: cases.deskId,
      lookupId: cases.lookupId,
      receivedOn: cases.receivedOn,
      status: cases.status,
      priority: cases.priority,
      assigneeId: cases.assigneeId,
      spam: cases.spam,
      reporterPublicKey: cases.reporterPublicKey,
      reporterSigningKey: cases.reporterSigningKey,
      report: caseItems.envelope,
      lastSeq: lastSeq.lastSeq,
      seenSeq: caseReads.seenSeq,
    })
    .from(cases)
    .innerJoin(caseItems, and(eq(caseItems.caseId, cases.id), eq(caseItems.seq, 0)))
    .leftJoin(lastSeq, eq(lastSeq.caseId, cases.id))
    .leftJoin(caseReads, and(eq(caseReads.caseId, cases.id), eq(caseReads.userId, userId)))
    .where(where)
    .orderBy(...order)
    .limit(QUEUE_PAGE_SIZE)
    .offset(page * QUEUE_PAGE_SIZE)
  const labelRows = await labelsOfCases(
    db,
    rows.map((r) => r.id),
  )
  return {
    cases: rows.map((r) => ({
      id: r.id,
      deskId: r.deskId,
      lookupId: r.lookupId,
      receivedOn: r.receivedOn,
      status: r.status,
      priority: r.priority,
      assigneeId: r.assigneeId,
      spam: r.spam,
      labels: labelRows.filter((l) => l.caseId === r.id).map((l) => l.labelId),
      lastSeq: Number(r.lastSeq ?? 0),
      seenSeq: r.seenSeq ?? -1,
      reporterPublicKey: toBase64(r.reporterPublicKey),
      reporterSigningKey: toBase64(r.reporterSigningKey),
      report: toBase64(r.report),
    })),
    total: Number(totalRow?.n ?? 0),
    page,
    counts,
  }
}

/** The case if the user's desks include its desk; otherwise not_found (no existence oracle). */
export async function caseForStaff(db: Db, deskIds: readonly string[], caseId: string) {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(caseId))
    throw new AppError('not_found')
  const [row] = await db.select().from(cases).where(eq(cases.id, caseId)).limit(1)
  if (row === undefined || !deskIds.includes(row.deskId)) throw new AppError('not_found')
  return row
}

export async function caseItemsOf(db: Db, caseId: string) {
  return await db
    .select({
      seq: caseItems.seq,
      kind: caseItems.kind,
      envelope: caseItems.envelope,
      authorId: caseItems.authorId,
      createdOn: caseItems.createdOn,
    })
    .from(caseItems)
    .where(eq(caseItems.caseId, caseId))
    .orderBy(asc(caseItems.seq))
}

export async function staffOfDesk(db: Db, deskId: string) {
  return await db
    .select({ id: users.id, username: users.username, role: users.role })
    .from(deskMembers)
    .innerJoin(users, eq(users.id, deskMembers.userId))
    .where(and(eq(deskMembers.deskId, deskId), eq(users.disabled, false)))
    .orderBy(asc(users.username))
}

export async function staffOfDesks(db: Db, deskIds: readonly string[]) {
  if (deskIds.length === 0) return []
  return await db
    .selectDistinct({ id: users.id, username: users.username, role: users.role })
    .from(deskMembers)
    .innerJoin(users, eq(users.id, deskMembers.userId))
    .where(and(inArray(deskMembers.deskId, [...deskIds]), eq(users.disabled, false)))
    .orderBy(asc(users.username))
}

export async function markRead(db: Db, caseId: string, userId: string, seq: number): Promise<void> {
  await db
    .insert(caseReads)
    .values({ caseId, userId, seenSeq: seq })
    .onConflictDoUpdate({
      target: [caseReads.caseId, caseReads.userId],
      set: { seenSeq: sql`greatest(${caseReads.seenSeq}, ${seq})` },
    })
}

/**
 * A complete attachment's encrypted stream (header ‖ chunks in order) for the case it belongs to,
 * or undefined. The browser decrypts it with the file key from the kind-7 manifest.
 */
export async function attachmentStream(
  db: Db,
  caseId: string,
  attachmentId: string,
): Promise<Uint8Array | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(attachmentId)) return undefined
  const [row] = await db
    .select()
    .from(attachments)
    .where(
      and(eq(attachments.id, attachmentId), eq(attachments.caseId, caseId), eq(attachments.complete, true)),
    )
    .limit(1)
  if (row === undefined) return undefined
  const chunks = await db
    .select({ bytes: attachmentChunks.bytes })
    .from(attachmentChunks)
    .where(eq(attachmentChunks.attachmentId, row.id))
    .orderBy(asc(attachmentChunks.index))
  const total = row.header.length + chunks.reduce((n, c) => n + c.bytes.length, 0)
  const out = new Uint8Array(total)
  out.set(row.header, 0)
  let offset = row.header.length
  for (const chunk of chunks) {
    out.set(chunk.bytes, offset)
    offset += chunk.bytes.length
  }
  return out
}

export async function labelsOfCases(db: Db, caseIds: readonly string[]) {
  if (caseIds.length === 0) return []
  return await db
    .select({ caseId: caseLabels.caseId, labelId: caseLabels.labelId })
    .from(caseLabels)
    .where(inArray(caseLabels.caseId, [...caseIds]))
}

export async function allLabels(db: Db) {
  return await db.select({ id: labels.id, name: labels.name }).from(labels).orderBy(asc(labels.name))
}
