/**
 * @module crypto/padding
 * Padmé padding with a 1024-byte floor (SPEC.md §3, DESIGN §5a). Every envelope payload and every
 * attachment is padded before encryption so the server, which sees ciphertext lengths, learns at
 * most O(log log n) bits of a plaintext's length, and nothing at all below 1 KiB: a one-line
 * report and a five-paragraph one look the same.
 *
 * Integer arithmetic only (BigInt for the rounding), never floating point: Padmé written with
 * `Math.log2` rounds differently across engines near powers of two, and two implementations that
 * disagree by one byte would reject each other's envelopes.
 */
import { CryptoError } from './errors.ts'

/** Below this, every plaintext pads to exactly this many bytes (SPEC.md §3). */
export const PADDING_FLOOR = 1024
/** The marker byte that ends the message inside the padded buffer (ISO/IEC 7816-4 style). */
const PAD_MARKER = 0x80

function bitLength(n: bigint): bigint {
  return n === 0n ? 0n : BigInt(n.toString(2).length)
}

/**
 * `T(n)`: the padded length of an `n`-byte message. With `L = n + 1` (room for the marker):
 * `L ≤ 1024` → 1024; else `E = bitLength(L) − 1`, `S = bitLength(E)`, `z = E − S`, and `L` is
 * rounded up to a multiple of `2^z`.
 */
export function paddedLength(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new CryptoError('bad_argument', 'length must be a non-negative integer')
  const L = BigInt(n) + 1n
  if (L <= BigInt(PADDING_FLOOR)) return PADDING_FLOOR
  const E = bitLength(L) - 1n
  const S = bitLength(E)
  const z = E - S
  const step = 1n << z
  const T = ((L + step - 1n) / step) * step
  return Number(T)
}

/** True iff `p` is a length that `paddedLength` can produce (Padmé outputs are its fixed points). */
export function isPaddedLength(p: number): boolean {
  return Number.isSafeInteger(p) && p >= PADDING_FLOOR && paddedLength(p - 1) === p
}

/** `m ‖ 0x80 ‖ 0x00…` up to `paddedLength(len(m))` bytes. Returns a fresh buffer. */
export function pad(m: Uint8Array): Uint8Array {
  const out = new Uint8Array(paddedLength(m.length))
  out.set(m)
  out[m.length] = PAD_MARKER
  return out
}

/**
 * Inverse of `pad`. Strips trailing zeros, requires the 0x80 marker, and requires the buffer to
 * be exactly `T(len(result))` long — so each message has one padded form and a second spelling
 * (extra zeros, a shorter buffer) is refused rather than silently accepted.
 * Returns a view into `p` (no copy).
 */
export function unpad(p: Uint8Array): Uint8Array {
  let end = p.length
  while (end > 0 && p[end - 1] === 0) end--
  if (end === 0 || p[end - 1] !== PAD_MARKER) throw new CryptoError('bad_padding')
  const length = end - 1
  if (p.length !== paddedLength(length)) throw new CryptoError('bad_padding')
  return p.subarray(0, length)
}
