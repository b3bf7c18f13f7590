/**
 * @module web/shared/metadata
 * Removes hidden metadata (EXIF with GPS position and camera serials, XMP, comments, embedded
 * thumbnails) from evidence images by rewriting the container without re-encoding the picture
 * (DESIGN §5 "Attachments"). Canvas re-encoding is not an option: Tor Browser blocks canvas
 * readback (it returns a blank image) and large phone photos exhaust memory.
 *
 * What is removed, by format (the type is decided from magic bytes, never the claimed MIME type):
 * - JPEG: APP1–APP15 segments (EXIF, XMP, ICC, MPF, Photoshop IRB with IPTC…) and COM comments,
 *   wherever they occur, and everything after the end-of-image marker (phones append trailers
 *   there: Samsung "SEFT" blocks, motion-photo videos, secondary MPF images). One exception:
 *   an `Adobe` APP14 segment of the standard 12-byte form is kept, because decoders need its
 *   colour-transform flag to show CMYK/YCCK images correctly; it holds no other data.
 * - PNG: eXIf, tEXt, iTXt, zTXt and tIME chunks, and anything after IEND.
 * - WebP: EXIF and XMP chunks, the matching VP8X flags, and anything after the RIFF size.
 * Anything else is not cleanable: the caller warns the reporter and sends it unchanged only
 * after an explicit confirmation; the manifest records `metadataStripped: false`.
 */

export type ImageFormat = 'jpeg' | 'png' | 'webp'

export class MetadataError extends Error {
  override readonly name = 'MetadataError'
}

export interface StripResult {
  format: ImageFormat
  bytes: Uint8Array
  /** Names of what was removed (segment/chunk names), for tests and diagnostics. */
  removed: string[]
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

function startsWith(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false
  return prefix.every((b, i) => bytes[offset + i] === b)
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let out = ''
  for (let i = start; i < start + length && i < bytes.length; i++) out += String.fromCharCode(bytes[i]!)
  return out
}

/** The container format from magic bytes, or null for anything we cannot clean. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg'
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png'
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp'
  return null
}

/** Strips metadata; null when the format is not one we can clean. Throws MetadataError on a broken file. */
export function stripMetadata(bytes: Uint8Array): StripResult | null {
  const format = detectImageFormat(bytes)
  switch (format) {
    case 'jpeg':
      return { format, ...stripJpeg(bytes) }
    case 'png':
      return { format, ...stripPng(bytes) }
    case 'webp':
      return { format, ...stripWebp(bytes) }
    default:
      return null
  }
}

class Output {
  #parts: Uint8Array[] = []
  #length = 0
  push(part: Uint8Array): void {
    this.#parts.push(part)
    this.#length += part.length
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length)
    let offset = 0
    for (const part of this.#parts) {
      out.set(part, offset)
      offset += part.length
    }
    return out
  }
}

// JPEG markers (ITU T.81 Table B.1).
const SOI = 0xd8
const EOI = 0xd9
const SOS = 0xda
const TEM = 0x01
const COM = 0xfe
const APP0 = 0xe0
const APP14 = 0xee
const APP15 = 0xef

function isRestart(marker: number): boolean {
  return marker >= 0xd0 && marker <= 0xd7
}

/** `Adobe` APP14 in its standard form: length 14 = 2 + "Adobe" + version + flags0 + flags1 + transform. */
function isPlainAdobeSegment(bytes: Uint8Array, start: number, length: number): boolean {
  return length === 14 && ascii(bytes, start + 4, 5) === 'Adobe'
}

function stripJpeg(bytes: Uint8Array): { bytes: Uint8Array; removed: string[] } {
  const out = new Output()
  const removed: string[] = []
  out.push(bytes.subarray(0, 2)) // SOI
  let i = 2
  for (;;) {
    if (i >= bytes.length) throw new MetadataError('JPEG ends before its end-of-image marker')
    if (bytes[i] !== 0xff) throw new MetadataError('expected a JPEG marker')
    // Fill bytes: any number of 0xFF may precede a marker.
    while (i < bytes.length && bytes[i] === 0xff) i++
    if (i >= bytes.length) throw new MetadataError('truncated JPEG marker')
    const marker = bytes[i]!
    const markerStart = i - 1
    i++
    if (marker === EOI) {
      out.push(Uint8Array.of(0xff, EOI))
      if (i < bytes.length) removed.push('trailer')
      return { bytes: out.bytes(), removed }
    }
    if (marker === SOI || marker === TEM || isRestart(marker) || marker === 0x00) {
      throw new MetadataError('unexpected JPEG marker outside a scan')
    }
    if (i + 2 > bytes.length) throw new MetadataError('truncated JPEG segment length')
    const length = (bytes[i]! << 8) | bytes[i + 1]!
    if (length < 2 || i + length > bytes.length) throw new MetadataError('JPEG segment runs past the end')
    const segmentEnd = i + length
    const isApp = marker > APP0 && marker <= APP15
    if ((isApp && !(marker === APP14 && isPlainAdobeSegment(bytes, markerStart, length))) || marker === COM) {
      removed.push(marker === COM ? 'COM' : `APP${marker - APP0}`)
      i = segmentEnd
      continue
    }
    out.push(Uint8Array.of(0xff, marker))
    out.push(bytes.subarray(i, segmentEnd))
    i = segmentEnd
    if (marker === SOS) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart.
      const scanStart = i
      while (i < bytes.length) {
        if (bytes[i] === 0xff && i + 1 < bytes.length) {
          const next = bytes[i + 1]!
          if (next !== 0x00 && next !== 0xff && !isRestart(next)) break
        }
        i++
      }
      out.push(bytes.subarray(scanStart, i))
    }
  }
}

function readU32BE(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) >>> 0) +
    (bytes[offset + 1]! << 16) +
    (bytes[offset + 2]! << 8) +
    bytes[offset + 3]!
  )
}

const PNG_REMOVE = new Set(['eXIf', 'tEXt', 'iTXt', 'zTXt', 'tIME'])

function stripPng(bytes: Uint8Array): { bytes: Uint8Array; removed: string[] } {
  const out = new Output()
  const removed: string[] = []
  out.push(bytes.subarray(0, 8))
  let i = 8
  for (;;) {
    if (i + 12 > bytes.length) throw new MetadataError('PNG ends before IEND')
    const length = readU32BE(bytes, i)
    const type = ascii(bytes, i + 4, 4)
    const end = i + 12 + length
    if (length > 0x7fffffff || end > bytes.length) throw new MetadataError('PNG chunk runs past the end')
    if (PNG_REMOVE.has(type)) removed.push(type)
    else out.push(bytes.subarray(i, end))
    i = end
    if (type === 'IEND') {
      if (i < bytes.length) removed.push('trailer')
      return { bytes: out.bytes(), removed }
    }
  }
}

function readU32LE(bytes: Uint8Array, offset: number): number {
  return (
    bytes[offset]! +
    (bytes[offset + 1]! << 8) +
    (bytes[offset + 2]! << 16) +
    ((bytes[offset + 3]! << 24) >>> 0)
  )
}

function writeU32LE(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value & 0xff
  target[offset + 1] = (value >>> 8) & 0xff
  target[offset + 2] = (value >>> 16) & 0xff
  target[offset + 3] = (value >>> 24) & 0xff
}

// VP8X flags byte (WebP container spec): ICC 0x20, alpha 0x10, EXIF 0x08, XMP 0x04, animation 0x02.
const VP8X_EXIF = 0x08
const VP8X_XMP = 0x04

function stripWebp(bytes: Uint8Array): { bytes: Uint8Array; removed: string[] } {
  if (bytes.length < 12) throw new MetadataError('truncated WebP header')
  const riffEnd = 8 + readU32LE(bytes, 4)
  if (riffEnd > bytes.length || riffEnd < 12) throw new MetadataError('WebP RIFF size runs past the end')
  const removed: string[] = []
  const chunks: Uint8Array[] = []
  let i = 12
  while (i < riffEnd) {
    if (i + 8 > riffEnd) throw new MetadataError('truncated WebP chunk header')
    const fourcc = ascii(bytes, i, 4)
    const size = readU32LE(bytes, i + 4)
    const end = i + 8 + size + (size % 2)
    if (end > riffEnd) throw new MetadataError('WebP chunk runs past the end')
    if (fourcc === 'EXIF' || fourcc === 'XMP ') {
      removed.push(fourcc.trim())
    } else if (fourcc === 'VP8X') {
      if (size < 10) throw new MetadataError('short VP8X chunk')
      const copy = bytes.slice(i, end)
      copy[8] = copy[8]! & ~(VP8X_EXIF | VP8X_XMP) & 0xff
      chunks.push(copy)
    } else {
      chunks.push(bytes.subarray(i, end))
    }
    i = end
  }
  if (riffEnd < bytes.length) removed.push('trailer')
  const out = new Output()
  const header = bytes.slice(0, 12)
  writeU32LE(header, 4, 4 + chunks.reduce((sum, c) => sum + c.length, 0))
  out.push(header)
  for (const c of chunks) out.push(c)
  return { bytes: out.bytes(), removed }
}
