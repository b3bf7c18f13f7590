/**
 * @module api/storage/retention
 * Retention (DESIGN §6 "Erasure … by retention", issue 5 "Retention"): each desk keeps its
 * closed cases for a number of days (`desks.retention_days`), or until an admin purges them by
 * hand (null). Closing a case stamps `closed_on` and sets `retention_on` = closed day + period,
 * the last day the case is kept; reopening clears both; changing a desk's period recomputes its
 * closed cases. All days are UTC calendar dates.
 *
 * Erasure is the reporter's own (`eraseCase`): the case with its items, attachments, chunks,
 * labels, links and read markers goes by `ON DELETE CASCADE`; the audit log, which names the
 * case id only, stays. Every erased case gets a server-signed `case.purge` entry in the same
 * transaction, so the log shows what retention removed and nothing else can be removed quietly.
 *
 * Several instances (DESIGN §3) may run the job at once: each erasure picks one case with
 * `FOR UPDATE SKIP LOCKED`, so instances share the work and never erase (or log) a case twice.
 * On PGlite, one connection already serialises the transactions.
 */
import { and, asc, count, eq, inArray, lt, not, sql } from 'drizzle-orm'
import type { CryptoBackend } from '../../crypto/backend.ts'
import type { AuditWire } from '../contract/staff.ts'
import type { Db } from '../db/index.ts'
import { type CaseStatus, caseItems, caseReads, cases, desks } from '../db/schema.ts'
import { AppError } from '../errors.ts'
import { appendServerEntry, appendStaffEntry } from './audit.ts'
import { eraseCase } from './cases.ts'

const DAY_MS = 24 * 60 * 60 * 1000

/** The UTC calendar day of an instant, `YYYY-MM-DD`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10)
}

/** `day` plus `days` (which may be negative), as a UTC calendar day. */
export function addDays(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS))
}

/** The last day a case closed on `closedOn` is kept under `retentionDays`; null: kept until purged by hand. */
export function retentionDate(closedOn: string, retentionDays: number | null): string | null {
  return retentionDays === null ? null : addDays(closedOn, retentionDays)
}

/**
 * Call in the transaction that sets a case's status: closing stamps the closed day (unless it
 * was already closed) and the retention date from the desk's period; any other status clears
 * both, so a reopened case is kept until it is closed again.
 */
export async function applyRetentionOnStatus(
  tx: Db,
  caseId: string,
  status: CaseStatus,
  now: Date,
): Promise<void> {
  if (status !== 'closed') {
    await tx.update(cases).set({ closedOn: null, retentionOn: null }).where(eq(cases.id, caseId))
    return
  }
  const [row] = await tx
    .select({ closedOn: cases.closedOn, retentionDays: desks.retentionDays })
    .from(cases)
    .innerJoin(desks, eq(desks.id, cases.deskId))
    .where(eq(cases.id, caseId))
    .limit(1)
  if (row === undefined) return
  const closedOn = row.closedOn ?? utcDay(now)
  await tx
    .update(cases)
    .set({ closedOn, retentionOn: retentionDate(closedOn, row.retentionDays) })
    .where(eq(cases.id, caseId))
}

/**
 * Sets a desk's period and recomputes the retention date of its closed cases (a case closed
 * before closing days were recorded counts as closed today: it is kept longer, never shorter).
 * Returns how many closed cases the desk has. Call inside the transaction of the audit entry.
 */
export async function setDeskRetention(
  tx: Db,
  deskId: string,
  retentionDays: number | null,
  now: Date,
): Promise<number> {
  const updated = await tx
    .update(desks)
    .set({ retentionDays })
    .where(eq(desks.id, deskId))
    .returning({ id: desks.id })
  if (updated.length === 0) throw new AppError('not_found')
  const today = utcDay(now)
  const closedOn = sql`coalesce(${cases.closedOn}, ${today}::date)`
  const recomputed = await tx
    .update(cases)
    .set({
      closedOn,
      retentionOn: retentionDays === null ? null : sql`${closedOn} + ${retentionDays}::integer`,
    })
    .where(and(eq(cases.deskId, deskId), eq(cases.status, 'closed')))
    .returning({ id: cases.id })
  return recomputed.length
}

/**
 * Whether the reporter wrote something (a message or a file: `author_id` null after the report)
 * that no staff member has read yet. Such a closed case is never erased by retention: the
 * reporter may have reached out again after closing. The queue shows it as unread; once someone
 * has read it (or reopened the case), retention applies again.
 */
const unreadReporterItem = sql`exists (select 1 from ${caseItems} where ${caseItems.caseId} = ${cases.id} and ${caseItems.authorId} is null and ${caseItems.seq} > coalesce((select max(${caseReads.seenSeq}) from ${caseReads} where ${caseReads.caseId} = ${cases.id}), 0))`

/** Closed cases past their retention date: what the job erases (the day after `retention_on`). */
const pastRetention = (today: string) =>
  and(eq(cases.status, 'closed'), lt(cases.retentionOn, today), not(unreadReporterItem))

/**
 * What "purge now" erases on one desk: with a period, the same as the job; on a desk that keeps
 * cases until purged by hand, every closed case.
 */
function dueOnDesk(deskId: string, retentionDays: number | null, today: string) {
  return retentionDays === null
    ? and(eq(cases.deskId, deskId), eq(cases.status, 'closed'), not(unreadReporterItem))
    : and(eq(cases.deskId, deskId), pastRetention(today))
}

export type DeskRetention = {
  deskId: string
  name: string
  retentionDays: number | null
  /** Closed cases of the desk. */
  closed: number
  /** Closed cases "purge now" would erase today. */
  due: number
}

/** Every desk that is not archived, with its period and counts, for the admin's retention panel. */
export async function retentionOverview(db: Db, now: Date): Promise<DeskRetention[]> {
  const today = utcDay(now)
  const deskRows = await db
    .select({ id: desks.id, name: desks.name, retentionDays: desks.retentionDays })
    .from(desks)
    .where(eq(desks.archived, false))
    .orderBy(asc(desks.name), asc(desks.id))
  if (deskRows.length === 0) return []
  const counts = await db
    .select({
      deskId: cases.deskId,
      closed: count(),
      expired: sql<number>`count(*) filter (where ${cases.retentionOn} < ${today}::date and not ${unreadReporterItem})`,
      kept: sql<number>`count(*) filter (where not ${unreadReporterItem})`,
    })
    .from(cases)
    .where(
      and(
        inArray(
          cases.deskId,
          deskRows.map((d) => d.id),
        ),
        eq(cases.status, 'closed'),
      ),
    )
    .groupBy(cases.deskId)
  return deskRows.map((desk) => {
    const row = counts.find((c) => c.deskId === desk.id)
    const closed = Number(row?.closed ?? 0)
    return {
      deskId: desk.id,
      name: desk.name,
      retentionDays: desk.retentionDays,
      closed,
      due: desk.retentionDays === null ? Number(row?.kept ?? 0) : Number(row?.expired ?? 0),
    }
  })
}

export type PurgeDeps = {
  readonly db: Db
  readonly backend: CryptoBackend
  /** The server's receipt signing seed: server-side audit entries are signed with it (DESIGN §6). */
  readonly receiptSeed: Uint8Array
}

/**
 * Erases one case past its retention date, with its server-signed `case.purge` entry, in one
 * transaction. Returns the case id, or undefined when none is left (or every one left is being
 * erased by another instance right now).
 */
async function purgeOneExpired(deps: PurgeDeps, now: Date): Promise<string | undefined> {
  const today = utcDay(now)
  return await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: cases.id })
      .from(cases)
      .where(pastRetention(today))
      .orderBy(asc(cases.retentionOn), asc(cases.id))
      .limit(1)
      .for('update', { skipLocked: true })
    if (row === undefined) return undefined
    await eraseCase(tx, row.id)
    await appendServerEntry(tx, deps.backend, {
      receiptSeed: deps.receiptSeed,
      action: 'case.purge',
      target: row.id,
      now,
    })
    return row.id
  })
}

/**
 * The retention job: erases every closed case whose retention date is before today, each in its
 * own transaction. Returns how many this call erased.
 */
export async function purgeExpiredCases(
  deps: PurgeDeps,
  now: () => Date,
  options: { max?: number } = {},
): Promise<number> {
  const max = options.max ?? Number.POSITIVE_INFINITY
  let purged = 0
  while (purged < max) {
    if ((await purgeOneExpired(deps, now())) === undefined) break
    purged += 1
  }
  return purged
}

export type PurgeNowInput = {
  deskId: string
  /** The count the admin confirmed; if it changed meanwhile, nothing is erased (409). */
  expected: number
  actor: { id: string; signingPublicKey: Uint8Array }
  wire: AuditWire
  now: Date
}

/**
 * An admin's "purge now" for one desk, in one transaction: the admin's browser-signed
 * `retention.purge` entry (target: the desk), then each due case erased with its server-signed
 * `case.purge` entry. Returns how many cases were erased.
 */
export async function purgeDeskNow(deps: PurgeDeps, input: PurgeNowInput): Promise<number> {
  const today = utcDay(input.now)
  return await deps.db.transaction(async (tx) => {
    const [desk] = await tx
      .select({ id: desks.id, retentionDays: desks.retentionDays })
      .from(desks)
      .where(and(eq(desks.id, input.deskId), eq(desks.archived, false)))
      .limit(1)
    if (desk === undefined) throw new AppError('not_found')
    // Rows first, then the audit lock (taken by the entries): the job takes them in that order too.
    const due = await tx
      .select({ id: cases.id })
      .from(cases)
      .where(dueOnDesk(desk.id, desk.retentionDays, today))
      .orderBy(asc(cases.id))
      .for('update')
    if (due.length !== input.expected)
      throw new AppError('conflict', 'expected: the number of cases to purge has changed; look again')
    if (due.length === 0) return 0
    await appendStaffEntry(tx, deps.backend, {
      actor: input.actor.id,
      actorSigningKey: input.actor.signingPublicKey,
      action: 'retention.purge',
      target: desk.id,
      wire: input.wire,
      now: input.now,
    })
    for (const row of due) {
      await eraseCase(tx, row.id)
      await appendServerEntry(tx, deps.backend, {
        receiptSeed: deps.receiptSeed,
        action: 'case.purge',
        target: row.id,
        now: input.now,
      })
    }
    return due.length
  })
}
