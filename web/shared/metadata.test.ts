/**
 * @module web/shared/metadata.test
 * Metadata stripping on real small images carrying EXIF GPS, XMP, comments and trailers
 * (DESIGN §5 "Attachments"): nothing identifying survives, and the picture's own bytes are
 * copied, never re-encoded.
 */
import { describe, expect, it } from 'vitest'
import {
  CANARY,
  crc32,
  exifTiff,
  GPS_LATITUDE,
  jpegWithGps,
  plainJpeg,
  pngWithGps,
  webpWithGps,
} from './metadata.fixtures.ts'
import { detectImageFormat, MetadataError, stripMetadata } from './metadata.ts'

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

const text = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)))
/** The GPS latitude as EXIF writes it: big-endian rationals 39/1, 54/1, 27/1. */
const latitudeBytes = Uint8Array.from(GPS_LATITUDE.flatMap((v) => [0, 0, 0, v, 0, 0, 0, 1]))

function expectNoMetadata(bytes: Uint8Array): void {
  expect(indexOf(bytes, text(CANARY))).toBe(-1)
  expect(indexOf(bytes, latitudeBytes)).toBe(-1)
  expect(indexOf(bytes, text('Exif'))).toBe(-1)
  expect(indexOf(bytes, text('xmpmeta'))).toBe(-1)
}

describe('the test fixtures', () => {
  it('really carry the GPS position and the canary before stripping', () => {
    for (const image of [jpegWithGps(), pngWithGps(), webpWithGps()]) {
      expect(indexOf(image, text(CANARY))).toBeGreaterThan(0)
      expect(indexOf(image, latitudeBytes)).toBeGreaterThan(0)
    }
    expect(indexOf(exifTiff(), latitudeBytes)).toBeGreaterThan(0)
  })
})

describe('stripMetadata on JPEG', () => {
  it('removes EXIF with GPS, XMP, comments, the ICC segment and the trailer', () => {
    const result = stripMetadata(jpegWithGps())
    expect(result?.format).toBe('jpeg')
    expectNoMetadata(result!.bytes)
    expect(result!.removed).toEqual(['APP1', 'APP1', 'COM', 'APP2', 'trailer'])
  })

  it('copies the picture bytes unchanged from the quantisation tables to the end of the image', () => {
    const plain = plainJpeg()
    const imageData = plain.subarray(indexOf(plain, Uint8Array.of(0xff, 0xdb)))
    const stripped = stripMetadata(jpegWithGps())!.bytes
    expect(stripped.subarray(0, 2)).toEqual(Uint8Array.of(0xff, 0xd8))
    expect(stripped.subarray(stripped.length - imageData.length)).toEqual(imageData)
  })

  it('keeps the JFIF header and gives the same bytes when run twice', () => {
    const once = stripMetadata(jpegWithGps())!.bytes
    expect(indexOf(once, text('JFIF'))).toBeGreaterThan(0)
    const twice = stripMetadata(once)!
    expect(twice.bytes).toEqual(once)
    expect(twice.removed).toEqual([])
  })

  it('keeps a plain Adobe APP14 segment, which decoders need for CMYK colours', () => {
    const adobe = Uint8Array.of(0xff, 0xee, 0, 14, ...text('Adobe'), 0, 100, 0, 0, 0, 0, 1)
    const plain = plainJpeg()
    const withAdobe = new Uint8Array([...plain.subarray(0, 2), ...adobe, ...plain.subarray(2)])
    const result = stripMetadata(withAdobe)!
    expect(indexOf(result.bytes, adobe)).toBe(2)
  })

  it('refuses a truncated JPEG rather than guessing', () => {
    const image = jpegWithGps()
    expect(() => stripMetadata(image.subarray(0, 40))).toThrow(MetadataError)
    const noEnd = plainJpeg().subarray(0, plainJpeg().length - 2)
    expect(() => stripMetadata(noEnd)).toThrow(MetadataError)
  })
})

function pngChunks(bytes: Uint8Array): { type: string; data: Uint8Array; crcOk: boolean }[] {
  const out: { type: string; data: Uint8Array; crcOk: boolean }[] = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let i = 8
  while (i < bytes.length) {
    const length = view.getUint32(i)
    const type = String.fromCharCode(...bytes.subarray(i + 4, i + 8))
    const data = bytes.subarray(i + 8, i + 8 + length)
    const crcOk = view.getUint32(i + 8 + length) === crc32(bytes.subarray(i + 4, i + 8 + length))
    out.push({ type, data, crcOk })
    i += 12 + length
  }
  return out
}

describe('stripMetadata on PNG', () => {
  it('removes eXIf, text chunks, the timestamp and the trailer, keeping valid image chunks', () => {
    const original = pngWithGps()
    const result = stripMetadata(original)!
    expect(result.format).toBe('png')
    expectNoMetadata(result.bytes)
    expect(result.removed).toEqual(['eXIf', 'tEXt', 'iTXt', 'zTXt', 'tIME', 'trailer'])
    const chunks = pngChunks(result.bytes)
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND'])
    expect(chunks.every((c) => c.crcOk)).toBe(true)
    const idat = pngChunks(original.subarray(0, original.length - CANARY.length)).find(
      (c) => c.type === 'IDAT',
    )!
    expect(chunks[1]!.data).toEqual(idat.data)
  })
})

describe('stripMetadata on WebP', () => {
  it('removes EXIF and XMP chunks and clears their VP8X flags, keeping the picture and colour profile', () => {
    const result = stripMetadata(webpWithGps())!
    expect(result.format).toBe('webp')
    expectNoMetadata(result.bytes)
    expect(result.removed).toEqual(['EXIF', 'XMP', 'trailer'])
    const view = new DataView(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength)
    expect(view.getUint32(4, true)).toBe(result.bytes.length - 8)
    expect(String.fromCharCode(...result.bytes.subarray(12, 16))).toBe('VP8X')
    expect(result.bytes[20]! & 0x0c).toBe(0)
    expect(result.bytes[20]! & 0x20).toBe(0x20) // ICC flag stays with its ICCP chunk
    expect(indexOf(result.bytes, text('ICCP'))).toBeGreaterThan(0)
    expect(indexOf(result.bytes, text('VP8 '))).toBeGreaterThan(0)
  })
})

describe('files that cannot be cleaned', () => {
  it('are recognised by their bytes, not their name or claimed type', () => {
    expect(detectImageFormat(text('%PDF-1.7\n'))).toBeNull()
    expect(stripMetadata(text('%PDF-1.7\n'))).toBeNull()
    expect(detectImageFormat(Uint8Array.of(0, 0, 0, 0x18, ...text('ftypheic')))).toBeNull()
    expect(detectImageFormat(jpegWithGps())).toBe('jpeg')
  })
})
