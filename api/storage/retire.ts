/**
 * @module api/storage/retire
 * The server's half of the "retire old key" job (DESIGN §5, crypto/SPEC.md §18). The server
 * holds no key: it hands an admin's browser batches of a desk's case items that still carry a
 * slot for the old desk key version, and swaps in what comes back once `checkRetiredSlot` says
 * only that slot changed. Each swap is a compare-and-set on the stored bytes, so two tabs (or a
 * case erased meanwhile) never lose or mix up an item; the whole batch and its audit entry commit
 * together or not at all.
 *
 * Candidates are found in SQL by the key ids at the slot offsets of SPEC.md §4 (a pre-filter:
 * every candidate is parsed again with `parseEnvelope` before anything is done with it).
 */
import { and, asc, count, eq, gt, sql } from 'drizzle-orm'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { toBase64, toHex } from '../../crypto/bytes.ts'
import { HEADER_BYTES, KEY_ID_BYTES, keyId, SLOT_BYTES } from '../../crypto/envelope.ts'
import { checkRetiredSlot } from '../../crypto/retire.ts'
import type { Db } from '../db/index.ts'
import { caseItems, cases, deskKeys, type RetireJob, retireJobs } from '../db/schema.ts'
import { AppError } from '../errors.ts'

/** Items per batch (DESIGN §5: "a few hundred per transaction"). */
export const RETIRE_BATCH_SIZE = 200
/** A batch also stops at this many envelope bytes, so its upload fits the route's body limit. */
export const RETIRE_BATCH_BYTES = 2 * 1024 * 1024

export type RetireKeyIds = { oldKeyId: Uint8Array; newKeyId: Uint8Array }

/** The key ids of the job's two desk key versions (404 when either is unknown). */
export async function retireKeyIds(
  db: Db,
  backend: CryptoBackend,
  job: Pick<RetireJob, 'deskId' | 'fromVersion' | 'toVersion'>,
): Promise<RetireKeyIds> {
  const rows = await db.select().from(deskKeys).where(eq(deskKeys.deskId, job.deskId))
  const from = rows.find((k) => k.version === job.fromVersion)
  const to = rows.find((k) => k.version === job.toVersion)
  if (from === undefined || to === undefined) throw new AppError('not_found', 'desk key version: unknown')
  return { oldKeyId: keyId(backend, from.publicKey), newKeyId: keyId(backend, to.publicKey) }
}

/** True for a case item whose envelope has a slot with key id `id` (count is header byte 6). */
function hasSlotFor(id: Uint8Array) {
  return sql`exists (select 1 from generate_series(0, get_byte(${caseItems.envelope}, ${HEADER_BYTES - 1}) - 1) as slot(i)
    where encode(substring(${caseItems.envelope} from ${HEADER_BYTES + 1} + ${SLOT_BYTES} * slot.i for ${KEY_ID_BYTES}), 'hex') = ${toHex(id)})`
}

function pending(job: Pick<RetireJob, 'deskId'>, ids: RetireKeyIds) {
  return and(eq(cases.deskId, job.deskId), hasSlotFor(ids.oldKeyId))
}

/** How many items of the desk still have a slot for the old key. */
export async function remainingItems(
  db: Db,
  job: Pick<RetireJob, 'deskId'>,
  ids: RetireKeyIds,
): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(caseItems)
    .innerJoin(cases, eq(cases.id, caseItems.caseId))
    .where(pending(job, ids))
  return Number(row?.n ?? 0)
}

export type RetireCandidate = { itemId: string; lookupId: string; kind: number; envelope: string }

/**
 * The next batch after the job's cursor; when nothing is left after it, the first batch from the
 * start (items that arrived behind the cursor), so an empty answer means the job is complete.
 */
export async function nextRetireBatch(db: Db, job: RetireJob, ids: RetireKeyIds): Promise<RetireCandidate[]> {
  const page = (after: string | null) =>
    db
      .select({
        itemId: caseItems.id,
        lookupId: cases.lookupId,
        kind: caseItems.kind,
        envelope: caseItems.envelope,
      })
      .from(caseItems)
      .innerJoin(cases, eq(cases.id, caseItems.caseId))
      .where(after === null ? pending(job, ids) : and(pending(job, ids), gt(caseItems.id, after)))
      .orderBy(asc(caseItems.id))
      .limit(RETIRE_BATCH_SIZE)
  let rows = await page(job.cursor)
  if (rows.length === 0 && job.cursor !== null) rows = await page(null)
  let bytes = 0
  const fitting = rows.filter((r, i) => {
    bytes += r.envelope.length
    return i === 0 || bytes <= RETIRE_BATCH_BYTES
  })
  return fitting.map((r) => ({
    itemId: r.itemId,
    lookupId: r.lookupId,
    kind: r.kind,
    envelope: toBase64(r.envelope),
  }))
}

/**
 * Swaps the uploaded envelopes in (inside the caller's transaction) and moves the cursor to the
 * batch's last item. An item erased meanwhile is skipped; one that changed since it was handed
 * out (another tab) aborts the batch with 409. Returns how many items were re-wrapped.
 */
export async function applyRetireBatch(
  tx: Db,
  job: RetireJob,
  ids: RetireKeyIds,
  items: readonly { itemId: string; envelope: Uint8Array }[],
): Promise<number> {
  let done = 0
  for (const item of items) {
    const [stored] = await tx
      .select({ envelope: caseItems.envelope, deskId: cases.deskId })
      .from(caseItems)
      .innerJoin(cases, eq(cases.id, caseItems.caseId))
      .where(eq(caseItems.id, item.itemId))
      .limit(1)
    if (stored === undefined) continue
    if (stored.deskId !== job.deskId) throw new AppError('unprocessable', 'items: not an item of this desk')
    checkRetiredSlot(stored.envelope, item.envelope, ids)
    const swapped = await tx
      .update(caseItems)
      .set({ envelope: item.envelope })
      .where(and(eq(caseItems.id, item.itemId), eq(caseItems.envelope, stored.envelope)))
      .returning({ id: caseItems.id })
    if (swapped.length !== 1)
      throw new AppError('conflict', 'items: changed while re-wrapping; fetch the batch again')
    done++
  }
  const last = [...items]
    .map((i) => i.itemId)
    .sort()
    .at(-1)
  await tx
    .update(retireJobs)
    .set({
      rewrapped: sql`${retireJobs.rewrapped} + ${done}`,
      ...(last === undefined ? {} : { cursor: last }),
    })
    .where(eq(retireJobs.id, job.id))
  return done
}

export async function findRetireJob(db: Db, id: string): Promise<RetireJob> {
  const [row] = await db.select().from(retireJobs).where(eq(retireJobs.id, id)).limit(1)
  if (row === undefined) throw new AppError('not_found')
  return row
}
