/**
 * @module crypto/bytes
 * Strict encoders and decoders for the wire formats of SPEC.md: lowercase hex, standard base64
 * with padding, UTF-8, big-endian integers. Decoders refuse every non-canonical form, because a
 * second spelling of the same bytes is a second lookup key, a second signature input, a bug.
 */
import { CryptoError } from './errors.ts'

const HEX = '0123456789abcdef'

export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!
  return out
}

/** Lowercase hex only (SPEC.md §encodings); `expectedBytes` checks the decoded length. */
export function fromHex(hex: string, expectedBytes?: number): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex))
    throw new CryptoError('bad_encoding', 'expected lowercase hex')
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  if (expectedBytes !== undefined && out.length !== expectedBytes) throw new CryptoError('bad_length')
  return out
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

export function toBase64(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!
    const b = bytes[i + 1]
    const c = bytes[i + 2]
    out += B64[a >> 2]! + B64[((a & 3) << 4) | ((b ?? 0) >> 4)]!
    out += b === undefined ? '=' : B64[((b & 15) << 2) | ((c ?? 0) >> 6)]!
    out += c === undefined ? '=' : B64[c & 63]!
  }
  return out
}

/** Sextet of each ASCII code in the standard alphabet, −1 for everything else. */
const B64_VALUE = (() => {
  const table = new Int8Array(128).fill(-1)
  for (let i = 0; i < B64.length; i++) table[B64.charCodeAt(i)] = i
  return table
})()

function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i)
  const v = code < 128 ? (B64_VALUE[code] ?? -1) : -1
  if (v < 0) throw new CryptoError('bad_encoding', 'expected standard base64 with padding')
  return v
}

/**
 * Standard alphabet with padding, canonical (unused bits zero); anything else is refused. One
 * pass over character codes: a release builder decodes 100,000 envelopes (issue 8 #4).
 */
export function fromBase64(text: string, expectedBytes?: number): Uint8Array {
  if (text.length % 4 !== 0) throw new CryptoError('bad_encoding', 'expected standard base64 with padding')
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const out = new Uint8Array((text.length / 4) * 3 - pad)
  const full = pad === 0 ? text.length : text.length - 4
  let o = 0
  for (let i = 0; i < full; i += 4) {
    const n =
      (sextet(text, i) << 18) | (sextet(text, i + 1) << 12) | (sextet(text, i + 2) << 6) | sextet(text, i + 3)
    out[o++] = n >> 16
    out[o++] = (n >> 8) & 255
    out[o++] = n & 255
  }
  if (pad > 0) {
    const a = sextet(text, full)
    const b = sextet(text, full + 1)
    out[o++] = (a << 2) | (b >> 4)
    if (pad === 1) {
      const c = sextet(text, full + 2)
      out[o++] = ((b & 15) << 4) | (c >> 2)
      if ((c & 3) !== 0) throw new CryptoError('bad_encoding', 'non-canonical base64')
    } else if ((b & 15) !== 0) throw new CryptoError('bad_encoding', 'non-canonical base64')
  }
  if (expectedBytes !== undefined && out.length !== expectedBytes) throw new CryptoError('bad_length')
  return out
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

export function fromUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes)
  } catch (cause) {
    throw new CryptoError('bad_encoding', 'invalid UTF-8', { cause })
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

export function u8(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new CryptoError('bad_argument', 'u8 out of range')
  return Uint8Array.of(n)
}

export function u16(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new CryptoError('bad_argument', 'u16 out of range')
  return Uint8Array.of(n >> 8, n & 0xff)
}

/** Big-endian 64-bit unsigned; takes a bigint so values above 2^53 stay exact. */
export function u64(n: bigint | number): Uint8Array {
  const v = BigInt(n)
  if (v < 0n || v >= 1n << 64n) throw new CryptoError('bad_argument', 'u64 out of range')
  const out = new Uint8Array(8)
  for (let i = 0; i < 8; i++) out[7 - i] = Number((v >> BigInt(8 * i)) & 0xffn)
  return out
}

/** The 16 raw bytes of a UUID in its canonical lowercase text form. */
export function uuidBytes(uuid: string): Uint8Array {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid)) {
    throw new CryptoError('bad_encoding', 'expected a lowercase UUID')
  }
  return fromHex(uuid.replaceAll('-', ''), 16)
}
