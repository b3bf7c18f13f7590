/**
 * @module web/shared/metadata.fixtures
 * Small real images carrying EXIF GPS positions, XMP and comments, for the metadata-stripping
 * tests (web/shared/metadata.test.ts) and the browser end-to-end test. The base pictures are
 * 8×8 images Chromium encoded (JPEG and lossy WebP, each with Chromium's sRGB ICC profile); the
 * PNG is built here from raw pixels. The metadata is written here byte by byte, with `CANARY`
 * in every text field and a recognisable GPS position, so a test can prove none of it survives.
 * No DOM and no Node APIs: usable from both.
 */

export const CANARY = 'CANARY-GPS-7f3a9c'
/** 39°54′27″N 116°23′50″E, written as EXIF rationals. */
export const GPS_LATITUDE = [39, 54, 27] as const
export const GPS_LONGITUDE = [116, 23, 50] as const

const BASE_JPEG =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAP/xAAYEAEAAwEAAAAAAAAAAAAAAAAAEyNigf/EABUBAQEAAAAAAAAAAAAAAAAAAAIF/8QAGxEAAQQDAAAAAAAAAAAAAAAAAQADESESYbH/2gAMAwEAAhEDEQA/AJ2TY4AACkuOZxQECK6dr//Z'

const BASE_WEBP =
  'UklGRiQCAABXRUJQVlA4WAoAAAAgAAAABwAABwAASUNDUMgBAAAAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADZWUDggNgAAAHABAJ0BKggACAACwEwlqAJ0ACFAAPsB8L0Gfsc5Yur7VQ5euvs/8dn8mS//gh/5Wv5WsXgAAA=='

function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

function latin1(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0) & 0xff)
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0)
  const out = new Uint8Array(total)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

const be16 = (n: number) => [(n >> 8) & 0xff, n & 0xff]
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]

/**
 * A big-endian TIFF structure as EXIF uses it: IFD0 with Make, ImageDescription and a GPSInfo
 * pointer; the GPS IFD with latitude and longitude (refs N and E).
 */
export function exifTiff(): Uint8Array {
  const make = [...latin1(`${CANARY}-camera`), 0]
  const description = [...latin1(`${CANARY} taken at home`), 0]
  // Layout: header(8) | IFD0: count(2) + 3 entries(36) + next(4) = 42 | GPS IFD: 2 + 4*12 + 4 = 54 | data
  const ifd0 = 8
  const gpsIfd = ifd0 + 42
  let data = gpsIfd + 54
  const makeOffset = data
  data += make.length
  const descriptionOffset = data
  data += description.length
  const latOffset = data
  data += 24
  const lonOffset = data
  data += 24
  const entry = (tag: number, type: number, count: number, value: number[]) => [
    ...be16(tag),
    ...be16(type),
    ...be32(count),
    ...value,
  ]
  const rationals = (values: readonly number[]) => values.flatMap((v) => [...be32(v), ...be32(1)])
  return concat(
    latin1('MM'),
    be16(42),
    be32(ifd0),
    be16(3),
    entry(0x010e, 2, description.length, be32(descriptionOffset)),
    entry(0x010f, 2, make.length, be32(makeOffset)),
    entry(0x8825, 4, 1, be32(gpsIfd)),
    be32(0),
    be16(4),
    entry(0x0001, 2, 2, [0x4e, 0, 0, 0]),
    entry(0x0002, 5, 3, be32(latOffset)),
    entry(0x0003, 2, 2, [0x45, 0, 0, 0]),
    entry(0x0004, 5, 3, be32(lonOffset)),
    be32(0),
    make,
    description,
    rationals(GPS_LATITUDE),
    rationals(GPS_LONGITUDE),
  )
}

export const XMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="39,54.45N" exif:UserComment="${CANARY}"/></rdf:RDF></x:xmpmeta>`

function jpegSegment(marker: number, payload: Uint8Array | number[]): Uint8Array {
  return concat([0xff, marker], be16(payload.length + 2), payload)
}

/** Chromium's JPEG with EXIF (GPS), XMP and a comment after SOI, and a trailer after EOI. */
export function jpegWithGps(): Uint8Array {
  const base = fromBase64(BASE_JPEG)
  return concat(
    base.subarray(0, 2),
    jpegSegment(0xe1, concat(latin1('Exif'), [0, 0], exifTiff())),
    jpegSegment(0xe1, concat(latin1('http://ns.adobe.com/xap/1.0/'), [0], latin1(XMP))),
    jpegSegment(0xfe, latin1(`${CANARY} comment`)),
    base.subarray(2),
    latin1(`SEFT${CANARY}`),
  )
}

/** The base JPEG exactly as Chromium encoded it (for comparing the image data). */
export function plainJpeg(): Uint8Array {
  return fromBase64(BASE_JPEG)
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function pngChunk(type: string, data: Uint8Array | number[]): Uint8Array {
  const typed = concat(latin1(type), data)
  return concat(be32(data.length), typed, be32(crc32(typed)))
}

function adler32(bytes: Uint8Array): number {
  let a = 1
  let b = 0
  for (const x of bytes) {
    a = (a + x) % 65521
    b = (b + a) % 65521
  }
  return ((b << 16) | a) >>> 0
}

/** A 2×2 RGB PNG (zlib stream with one stored block) with eXIf, tEXt, iTXt, zTXt and tIME. */
export function pngWithGps(): Uint8Array {
  const raw = Uint8Array.of(0, 200, 30, 30, 30, 120, 200, 0, 30, 120, 200, 240, 240, 240)
  const zlib = concat(
    [0x78, 0x01, 0x01],
    [raw.length & 0xff, raw.length >> 8],
    [~raw.length & 0xff, (~raw.length >> 8) & 0xff],
    raw,
    be32(adler32(raw)),
  )
  return concat(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    pngChunk('IHDR', [...be32(2), ...be32(2), 8, 2, 0, 0, 0]),
    pngChunk('eXIf', exifTiff()),
    pngChunk('tEXt', [...latin1('Comment'), 0, ...latin1(CANARY)]),
    pngChunk('iTXt', [...latin1('XML:com.adobe.xmp'), 0, 0, 0, 0, 0, ...latin1(XMP)]),
    pngChunk('zTXt', [
      ...latin1('Author'),
      0,
      0,
      0x78,
      0x01,
      0x01,
      4,
      0,
      0xfb,
      0xff,
      ...latin1('abcd'),
      ...be32(adler32(Uint8Array.from(latin1('abcd')))),
    ]),
    pngChunk('tIME', [...be16(2024), 5, 17, 13, 45, 10]),
    pngChunk('IDAT', zlib),
    pngChunk('IEND', []),
    latin1(CANARY),
  )
}

function riffChunk(fourcc: string, data: Uint8Array | number[]): Uint8Array {
  const pad = data.length % 2 === 1 ? [0] : []
  return concat(latin1(fourcc), le32(data.length), data, pad)
}

/** Chromium's VP8X WebP (with ICCP) plus EXIF and XMP chunks and their VP8X flags. */
export function webpWithGps(): Uint8Array {
  const base = fromBase64(BASE_WEBP)
  const body = base.slice(12)
  // VP8X is the first chunk: its flags byte sits right after the 8-byte chunk header.
  body[8] = body[8]! | 0x08 | 0x04
  const extra = concat(riffChunk('EXIF', exifTiff()), riffChunk('XMP ', latin1(XMP)))
  const chunks = concat(body, extra)
  return concat(latin1('RIFF'), le32(4 + chunks.length), latin1('WEBP'), chunks, latin1(CANARY))
}
