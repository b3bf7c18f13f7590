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
import { and, asc, count, desc, eq, gt, gte, inArray, lt, type SQL, sql } from 'drizzle-orm'
import { toBase64 } from '../../crypto/bytes.ts'
import type { CaseSummary, QueueIndexQuery, QueueQuery } from '../contract/staff.ts'
import { QUEUE_INDEX_PAGE_SIZE, QUEUE_PAGE_SIZE } from '../contract/staff.ts'
import type { Db } from '../db/index.ts'
import {
  attachmentChunks,
  attachments,
  caseItems,
  caseLabels,
  caseLinks,
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

/** The WHERE terms of the queue's server-side filters (every one but status), or undefined: none visible. */
function queueFilters(deskIds: readonly string[], query: Omit<QueueQuery, 'page' | 'sort' | 'status'>) {
  const visible = query.desk === undefined ? [...deskIds] : deskIds.filter((d) => d === query.desk)
  if (visible.length === 0) return undefined
  // A merged case leaves the queue; it stays readable from the case it was merged into.
  const base: SQL[] = [inArray(cases.deskId, visible), sql`${cases.mergedInto} is null`]
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
  return base
}

/**
 * The columns of a queue row. The last seq is a correlated `max(seq)` per returned row: an index
 * lookup on `case_items (case_id, seq)` for each of the page's cases, where a grouped subquery
 * over every case's items was a full scan (issue 8 #6). No `last_seq` column: it would add a
 * write to every reporter and staff item for what one index probe per shown row answers.
 */
function queueColumns(userId: string) {
  return {
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
    lastSeq: sql<number | null>`(select max(li.seq) from case_items li where li.case_id = ${cases.id})`,
    seenSeq: sql<
      number | null
    >`(select cr.seen_seq from case_reads cr where cr.case_id = ${cases.id} and cr.user_id = ${userId})`,
  }
}

type QueueRow = {
  id: string
  deskId: string
  lookupId: string
  receivedOn: string
  status: CaseSummary['status']
  priority: CaseSummary['priority']
  assigneeId: string | null
  spam: boolean
  reporterPublicKey: Uint8Array
  reporterSigningKey: Uint8Array
  report: Uint8Array
  lastSeq: number | string | null
  seenSeq: number | string | null
}

/** Node's native base64: an index page carries 500 envelopes of several KB each. */
const base64 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')

async function summaries(db: Db, rows: readonly QueueRow[]): Promise<CaseSummary[]> {
  const labelRows = await labelsOfCases(
    db,
    rows.map((r) => r.id),
  )
  const labelsOf = new Map<string, string[]>()
  for (const l of labelRows) labelsOf.set(l.caseId, [...(labelsOf.get(l.caseId) ?? []), l.labelId])
  return rows.map((r) => ({
    id: r.id,
    deskId: r.deskId,
    lookupId: r.lookupId,
    receivedOn: r.receivedOn,
    status: r.status,
    priority: r.priority,
    assigneeId: r.assigneeId,
    spam: r.spam,
    labels: labelsOf.get(r.id) ?? [],
    lastSeq: Number(r.lastSeq ?? 0),
    seenSeq: r.seenSeq === null ? -1 : Number(r.seenSeq),
    reporterPublicKey: base64(r.reporterPublicKey),
    reporterSigningKey: base64(r.reporterSigningKey),
    report: base64(r.report),
  }))
}

export async function queue(
  db: Db,
  userId: string,
  deskIds: readonly string[],
  query: QueueQuery,
): Promise<{ cases: CaseSummary[]; total: number; page: number; counts: Record<string, number> }> {
  const page = Math.max(0, Number(query.page ?? '0'))
  const base = queueFilters(deskIds, query)
  if (base === undefined) return { cases: [], total: 0, page, counts: {} }
  // Counts per status ignore the status filter, so the tabs show what each would hold.
  const countRows = await db
    .select({ status: cases.status, n: count() })
    .from(cases)
    .where(and(...base))
    .groupBy(cases.status)
  const counts = Object.fromEntries(countRows.map((r) => [r.status, Number(r.n)]))
  const where = query.status === undefined ? and(...base) : and(...base, eq(cases.status, query.status))
  const total =
    query.status === undefined
      ? Object.values(counts).reduce((a, b) => a + b, 0)
      : (counts[query.status] ?? 0)
  const order =
    query.sort === 'received_asc'
      ? // The newest-first index read backwards: ties in reverse id order.
        [asc(cases.receivedOn), desc(cases.id)]
      : query.sort === 'priority'
        ? // The enum is declared low → urgent, so descending is urgent first (cases_priority_idx).
          [desc(cases.priority), desc(cases.receivedOn), asc(cases.id)]
        : [desc(cases.receivedOn), asc(cases.id)]
  const rows = await db
    .select(queueColumns(userId))
    .from(cases)
    .innerJoin(caseItems, and(eq(caseItems.caseId, cases.id), eq(caseItems.seq, 0)))
    .where(where)
    .orderBy(...order)
    .limit(QUEUE_PAGE_SIZE)
    .offset(page * QUEUE_PAGE_SIZE)
  return { cases: await summaries(db, rows), total, page, counts }
}

/**
 * One page of the queue's decrypted index (`GET /api/cases/index`): the cases matching the
 * server-side filters but not the status, in id order after `after`. The browser's worker pages
 * through all of them, decrypts and keeps summaries in memory for search and the language and
 * flag filters (DESIGN §8); what it searches for never reaches the server.
 */
export async function queueIndex(
  db: Db,
  userId: string,
  deskIds: readonly string[],
  query: QueueIndexQuery,
): Promise<{ cases: CaseSummary[]; next: string | null; total: number | null }> {
  const base = queueFilters(deskIds, query)
  if (base === undefined) return { cases: [], next: null, total: query.after === undefined ? 0 : null }
  const limit = Number(query.limit ?? QUEUE_INDEX_PAGE_SIZE)
  let total: number | null = null
  if (query.after === undefined) {
    const [row] = await db
      .select({ n: count() })
      .from(cases)
      .where(and(...base))
    total = Number(row?.n ?? 0)
  }
  const where = query.after === undefined ? and(...base) : and(...base, gt(cases.id, query.after))
  const rows = await db
    .select(queueColumns(userId))
    .from(cases)
    .innerJoin(caseItems, and(eq(caseItems.caseId, cases.id), eq(caseItems.seq, 0)))
    .where(where)
    .orderBy(asc(cases.id))
    .limit(limit)
  const last = rows.at(-1)
  return { cases: await summaries(db, rows), next: rows.length === limit && last ? last.id : null, total }
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

// --- related cases: links and merges (appended by the case view; DESIGN §8) --------------------

/** What the case view shows of a related case: metadata and the report envelope, for its worker. */
const relatedColumns = {
  id: cases.id,
  deskId: cases.deskId,
  lookupId: cases.lookupId,
  receivedOn: cases.receivedOn,
  status: cases.status,
  mergedInto: cases.mergedInto,
  reporterPublicKey: cases.reporterPublicKey,
  reporterSigningKey: cases.reporterSigningKey,
  report: caseItems.envelope,
}
type RelatedRow = {
  id: string
  deskId: string
  lookupId: string
  receivedOn: string
  status: (typeof cases.$inferSelect)['status']
  mergedInto: string | null
  reporterPublicKey: Uint8Array
  reporterSigningKey: Uint8Array
  report: Uint8Array
}
const relatedWire = (r: RelatedRow) => ({
  ...r,
  reporterPublicKey: toBase64(r.reporterPublicKey),
  reporterSigningKey: toBase64(r.reporterSigningKey),
  report: toBase64(r.report),
})
const reportItem = and(eq(caseItems.caseId, cases.id), eq(caseItems.seq, 0))

/** One spelling per pair (the table's check: `case_a < case_b`). */
function linkPair(one: string, other: string): { caseA: string; caseB: string } {
  return one < other ? { caseA: one, caseB: other } : { caseA: other, caseB: one }
}

/** Links two cases (idempotent). Both must already have passed `caseForStaff` and share a desk. */
export async function linkCases(db: Db, one: string, other: string): Promise<void> {
  await db.insert(caseLinks).values(linkPair(one, other)).onConflictDoNothing()
}

export async function unlinkCases(db: Db, one: string, other: string): Promise<void> {
  const { caseA, caseB } = linkPair(one, other)
  await db.delete(caseLinks).where(and(eq(caseLinks.caseA, caseA), eq(caseLinks.caseB, caseB)))
}

/**
 * Links, merges and the retention date of a case, limited to the caller's desks (a link never
 * crosses desks, but the filter keeps that true even if a row somehow did).
 */
export async function caseRelations(db: Db, deskIds: readonly string[], found: typeof cases.$inferSelect) {
  const visible = [...deskIds]
  const linked = await db
    .select(relatedColumns)
    .from(caseLinks)
    .innerJoin(
      cases,
      sql`${cases.id} = case when ${caseLinks.caseA} = ${found.id} then ${caseLinks.caseB} else ${caseLinks.caseA} end`,
    )
    .innerJoin(caseItems, reportItem)
    .where(
      and(
        sql`(${caseLinks.caseA} = ${found.id} or ${caseLinks.caseB} = ${found.id})`,
        inArray(cases.deskId, visible),
      ),
    )
    .orderBy(desc(cases.receivedOn), asc(cases.id))
  const mergedFrom = await db
    .select(relatedColumns)
    .from(cases)
    .innerJoin(caseItems, reportItem)
    .where(and(eq(cases.mergedInto, found.id), inArray(cases.deskId, visible)))
    .orderBy(desc(cases.receivedOn), asc(cases.id))
  const [mergedInto] =
    found.mergedInto === null
      ? []
      : await db
          .select(relatedColumns)
          .from(cases)
          .innerJoin(caseItems, reportItem)
          .where(and(eq(cases.id, found.mergedInto), inArray(cases.deskId, visible)))
          .limit(1)
  return {
    links: linked.map(relatedWire),
    mergedFrom: mergedFrom.map(relatedWire),
    mergedInto: mergedInto === undefined ? null : relatedWire(mergedInto),
    retentionOn: found.retentionOn,
  }
}

/**
 * Merges `source` into `target` inside the caller's transaction. Refused (409) when the source is
 * already merged, when the target is itself merged (no chains), or when other cases were merged
 * into the source (merge those into the target one by one first, so nothing points at a merged
 * case). Both rows are locked in id order first, so concurrent merges of the same cases queue
 * behind each other instead of deadlocking, and the checks see committed state.
 */
export async function mergeCase(tx: Db, sourceId: string, targetId: string): Promise<void> {
  const rows = await tx
    .select({ id: cases.id, mergedInto: cases.mergedInto })
    .from(cases)
    .where(inArray(cases.id, [sourceId, targetId]))
    .orderBy(asc(cases.id))
    .for('update')
  const source = rows.find((r) => r.id === sourceId)
  const target = rows.find((r) => r.id === targetId)
  if (source === undefined || target === undefined) throw new AppError('not_found')
  if (source.mergedInto !== null) throw new AppError('conflict', 'this case is already merged')
  if (target.mergedInto !== null)
    throw new AppError('conflict', 'into: that case is itself merged into another case')
  const [child] = await tx.select({ id: cases.id }).from(cases).where(eq(cases.mergedInto, sourceId)).limit(1)
  if (child !== undefined) throw new AppError('conflict', 'other cases are merged into this one')
  await tx.update(cases).set({ mergedInto: targetId }).where(eq(cases.id, sourceId))
}

/** Undoes a merge (admins only, checked by the route); 409 if the case is not merged. */
export async function unmergeCase(tx: Db, caseId: string): Promise<void> {
  const updated = await tx
    .update(cases)
    .set({ mergedInto: null })
    .where(and(eq(cases.id, caseId), sql`${cases.mergedInto} is not null`))
    .returning({ id: cases.id })
  if (updated.length !== 1) throw new AppError('conflict', 'this case is not merged')
}
