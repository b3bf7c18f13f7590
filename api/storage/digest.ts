/**
 * @module api/storage/digest
 * What the daily digest (api/jobs/digest.ts) reads and records: totals of new reports and new
 * reporter messages over whole UTC days, across every desk (DESIGN §4: the digest names no
 * desk), and which day it has covered so far (`job_state`), shared by every instance.
 *
 * A day is claimed (committed) before the mail is sent, so a slow relay never holds a
 * transaction (on PGlite that would stall the whole server), and given back if sending fails.
 */
import { and, between, count, eq } from 'drizzle-orm'
import type { Db } from '../db/index.ts'
import { caseItemKinds, caseItems, cases, jobState } from '../db/schema.ts'
import { addDays } from './retention.ts'

const DIGEST_JOB = 'digest'
/** After an outage, the first digest covers at most this many days. */
export const MAX_DIGEST_DAYS = 31

export type DigestClaim = {
  /** First and last UTC day covered, inclusive. */
  from: string
  through: string
  /** The value to restore if the mail cannot be sent. */
  previous: string
}

/**
 * Claims the days after the last covered one up to `through` (normally yesterday), or returns
 * undefined when another run (this or another instance) already covered them.
 */
export async function claimDigestDays(db: Db, through: string): Promise<DigestClaim | undefined> {
  return await db.transaction(async (tx) => {
    // The first run ever covers one day; the row lock then orders concurrent instances.
    await tx
      .insert(jobState)
      .values({ name: DIGEST_JOB, doneThrough: addDays(through, -1) })
      .onConflictDoNothing()
    const [row] = await tx
      .select({ doneThrough: jobState.doneThrough })
      .from(jobState)
      .where(eq(jobState.name, DIGEST_JOB))
      .for('update')
    if (row === undefined || row.doneThrough >= through) return undefined
    const earliest = addDays(through, -(MAX_DIGEST_DAYS - 1))
    const next = addDays(row.doneThrough, 1)
    await tx.update(jobState).set({ doneThrough: through }).where(eq(jobState.name, DIGEST_JOB))
    // ISO dates order as strings.
    const from = next.localeCompare(earliest) > 0 ? next : earliest
    return { from, through, previous: row.doneThrough }
  })
}

/** Gives a claim back (the mail was not sent), unless a later run has moved on meanwhile. */
export async function releaseDigestClaim(db: Db, claim: DigestClaim): Promise<void> {
  await db
    .update(jobState)
    .set({ doneThrough: claim.previous })
    .where(and(eq(jobState.name, DIGEST_JOB), eq(jobState.doneThrough, claim.through)))
}

export type Activity = { reports: number; messages: number }

/** New reports (by day of receipt) and new reporter messages (kind 2) on these days, all desks. */
export async function activityBetween(db: Db, from: string, through: string): Promise<Activity> {
  const [reports] = await db
    .select({ n: count() })
    .from(cases)
    .where(between(cases.receivedOn, from, through))
  const [messages] = await db
    .select({ n: count() })
    .from(caseItems)
    .where(
      and(eq(caseItems.kind, caseItemKinds.reporterMessage), between(caseItems.createdOn, from, through)),
    )
  return { reports: Number(reports?.n ?? 0), messages: Number(messages?.n ?? 0) }
}
