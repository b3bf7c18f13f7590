/**
 * @module api/storage/attachments
 * Encrypted attachment streams (DESIGN §5a "Attachment stream", docs/api.md "Attachments"),
 * uploaded in chunks in any order, resumable, idempotent per chunk.
 *
 * The server checks only the shape it can see without keys: the 21-byte header's magic and
 * version; that `size` and `chunks` describe a stream of full 65,552-byte chunks and one final
 * chunk of 17–65,552 bytes; that the plaintext they imply (`size − 16·chunks`) is a Padmé length
 * (so what is stored is padded, DESIGN §4); the file-size limit; and each chunk's exact length.
 * Whether the chunks decrypt is for the reader, who also checks chunk count and real size
 * against the kind-7 manifest.
 */
import { and, asc, count, eq } from 'drizzle-orm'
import { AEAD_TAG_BYTES } from '../../crypto/backend.ts'
import { isPaddedLength } from '../../crypto/padding.ts'
import {
  STREAM_HEADER_BYTES,
  STREAM_MAGIC,
  STREAM_SEALED_CHUNK_BYTES,
  STREAM_VERSION,
  streamLayout,
} from '../../crypto/stream.ts'
import type { Db } from '../db/index.ts'
import { attachmentChunks, attachments } from '../db/schema.ts'
import { AppError } from '../errors.ts'

/** Bytes of all chunk ciphertexts for the largest allowed file (header excluded). */
export function maxStreamBytes(maxFileBytes: number): number {
  return streamLayout(maxFileBytes).streamLength - STREAM_HEADER_BYTES
}

/** Length of chunk `index` in a stream of `chunks` chunks totalling `size` bytes. */
export function chunkLength(index: number, chunks: number, size: number): number {
  return index < chunks - 1 ? STREAM_SEALED_CHUNK_BYTES : size - STREAM_SEALED_CHUNK_BYTES * (chunks - 1)
}

export function checkStreamShape(
  header: Uint8Array,
  chunks: number,
  size: number,
  maxFileBytes: number,
): void {
  if (
    header.length !== STREAM_HEADER_BYTES ||
    !STREAM_MAGIC.every((byte, i) => header[i] === byte) ||
    header[STREAM_MAGIC.length] !== STREAM_VERSION
  ) {
    throw new AppError('invalid_request', 'header: not a version 1 attachment stream header')
  }
  if (size > maxStreamBytes(maxFileBytes))
    throw new AppError('payload_too_large', 'size: the file is larger than allowed')
  const last = chunkLength(chunks - 1, chunks, size)
  if (
    last < AEAD_TAG_BYTES + 1 ||
    last > STREAM_SEALED_CHUNK_BYTES ||
    !isPaddedLength(size - AEAD_TAG_BYTES * chunks)
  ) {
    throw new AppError('invalid_request', 'size: does not describe a padded stream of this many chunks')
  }
}

export async function createAttachment(
  db: Db,
  input: { caseId: string; header: Uint8Array; chunks: number; size: number; createdOn: string },
): Promise<string> {
  const [row] = await db
    .insert(attachments)
    .values({
      caseId: input.caseId,
      header: input.header,
      chunksExpected: input.chunks,
      size: input.size,
      createdOn: input.createdOn,
    })
    .returning({ id: attachments.id })
  if (row === undefined) throw new Error('attachment insert returned nothing')
  return row.id
}

export type AttachmentRecord = { id: string; chunksExpected: number; size: number; complete: boolean }

/** The attachment if it belongs to this case; `not_found` otherwise (no hint which). */
export async function findAttachment(
  db: Db,
  caseId: string,
  attachmentId: string,
): Promise<AttachmentRecord> {
  const [row] = await db
    .select({
      id: attachments.id,
      chunksExpected: attachments.chunksExpected,
      size: attachments.size,
      complete: attachments.complete,
    })
    .from(attachments)
    .where(and(eq(attachments.id, attachmentId), eq(attachments.caseId, caseId)))
    .limit(1)
  if (row === undefined) throw new AppError('not_found', 'No such attachment in this case.')
  return row
}

export function checkChunk(attachment: AttachmentRecord, index: number, bytes: Uint8Array): void {
  if (index >= attachment.chunksExpected)
    throw new AppError('invalid_request', 'index: beyond the last chunk')
  if (bytes.length !== chunkLength(index, attachment.chunksExpected, attachment.size)) {
    throw new AppError('invalid_request', 'data: not the length this chunk must have')
  }
}

/**
 * Stores a chunk once. The same bytes again are fine (`created: false`, a retried upload);
 * different bytes for a stored index are a `conflict`, never an overwrite.
 */
export async function putChunk(
  db: Db,
  attachment: AttachmentRecord,
  index: number,
  bytes: Uint8Array,
): Promise<{ created: boolean; complete: boolean }> {
  return await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(attachmentChunks)
      .values({ attachmentId: attachment.id, index, bytes })
      .onConflictDoNothing()
      .returning({ index: attachmentChunks.index })
    if (inserted.length === 0) {
      const [existing] = await tx
        .select({ bytes: attachmentChunks.bytes })
        .from(attachmentChunks)
        .where(and(eq(attachmentChunks.attachmentId, attachment.id), eq(attachmentChunks.index, index)))
      // Ciphertext the client already sent: a plain comparison leaks nothing secret.
      const same =
        existing !== undefined &&
        existing.bytes.length === bytes.length &&
        existing.bytes.every((byte, i) => byte === bytes[i])
      if (!same) throw new AppError('conflict', 'A different chunk is already stored at this index.')
    }
    const [stored] = await tx
      .select({ chunks: count() })
      .from(attachmentChunks)
      .where(eq(attachmentChunks.attachmentId, attachment.id))
    const complete = Number(stored?.chunks ?? 0) === attachment.chunksExpected
    if (complete && !attachment.complete) {
      await tx.update(attachments).set({ complete: true }).where(eq(attachments.id, attachment.id))
    }
    return { created: inserted.length > 0, complete }
  })
}

export async function receivedChunks(db: Db, attachmentId: string): Promise<number[]> {
  const rows = await db
    .select({ index: attachmentChunks.index })
    .from(attachmentChunks)
    .where(eq(attachmentChunks.attachmentId, attachmentId))
    .orderBy(asc(attachmentChunks.index))
  return rows.map((row) => row.index)
}
