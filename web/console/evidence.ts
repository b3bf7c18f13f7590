/**
 * @module web/console/evidence
 * Evidence is hostile until proven otherwise (DESIGN §8): states send booby-trapped files to NGO
 * staff. The type comes from the file's first bytes, never from the name or the claimed MIME
 * type; only the four raster formats below are ever shown, and only inside a sandboxed frame
 * (web/console/Evidence.tsx); everything else is offered as an opaque download.
 */

import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64 } from '../../crypto/bytes.ts'
import { decryptStream } from '../../crypto/stream.ts'
import { ApiError } from './api.ts'

export type Sniffed =
  | { kind: 'image'; mime: 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp' }
  | { kind: 'other' }

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b)

/** Magic-byte typing (the claimed type is ignored). */
export function sniff(bytes: Uint8Array): Sniffed {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'image', mime: 'image/jpeg' }
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { kind: 'image', mime: 'image/png' }
  if (
    startsWith(bytes, [0x47, 0x49, 0x46, 0x38, 0x37, 0x61]) ||
    startsWith(bytes, [0x47, 0x49, 0x46, 0x38, 0x39, 0x61])
  )
    return { kind: 'image', mime: 'image/gif' }
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8))
    return { kind: 'image', mime: 'image/webp' }
  return { kind: 'other' }
}

export type Manifest = { attachmentId: string; fileKey: string; prefix: string; size: number; chunks: number }

export function manifestOf(body: Record<string, unknown>): Manifest | undefined {
  const { attachmentId, fileKey, prefix, size, chunks } = body
  if (
    typeof attachmentId !== 'string' ||
    typeof fileKey !== 'string' ||
    typeof prefix !== 'string' ||
    typeof size !== 'number' ||
    typeof chunks !== 'number'
  )
    return undefined
  return { attachmentId, fileKey, prefix, size, chunks }
}

/** Fetches the encrypted stream and decrypts it with the manifest's key (STREAM checks order and truncation). */
export async function fetchEvidence(
  backend: CryptoBackend,
  caseId: string,
  manifest: Manifest,
): Promise<Uint8Array> {
  const response = await fetch(
    `/api/cases/${encodeURIComponent(caseId)}/attachments/${encodeURIComponent(manifest.attachmentId)}`,
    { credentials: 'same-origin', cache: 'no-store', referrerPolicy: 'no-referrer', redirect: 'error' },
  )
  if (!response.ok) throw new ApiError(response.status, response.status === 404 ? 'not_found' : 'http_error')
  const stream = new Uint8Array(await response.arrayBuffer())
  return decryptStream(backend, stream, {
    fileKey: fromBase64(manifest.fileKey, 32),
    prefix: fromBase64(manifest.prefix, 16),
    size: manifest.size,
    chunks: manifest.chunks,
  })
}
