/**
 * @module crypto/ed25519
 * Ed25519 signing and the one verification function every caller uses (SPEC.md §8, DESIGN §5a).
 *
 * Why shared checks: libsodium verifies with the cofactorless equation and noble (zip215: false)
 * with the cofactored one, and they differ on mixed-order keys and nonces; the reporter pages
 * and the console must accept exactly the same signatures, or a forger could show one story to
 * one side. So before either backend runs we require S < L, A and R canonical, neither of small
 * order, both torsion-free. With A and R in the prime-order subgroup and S < L both equations
 * accept exactly the same (R, S).
 *
 * The point checks are a specification check, not a fast implementation: plain BigInt over
 * extended twisted-Edwards coordinates, variable time (every input is public). Checking A costs a
 * scalar multiplication by L, so results are cached per public key; R costs one decode and one
 * multiplication by L per verify (about 1 ms, measured in ed25519.test.ts). A backend with a
 * native check of the same predicate (`ed25519IsPrimeOrderPoint`, libsodium sumo in the console)
 * runs that instead, ≈ 0.1 ms: a release builder verifies 100,000 coding signatures (issue 8 #4).
 */

import type { CryptoBackend } from './backend.ts'
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SEED_BYTES, ED25519_SIGNATURE_BYTES } from './backend.ts'
import { toHex } from './bytes.ts'
import { CryptoError } from './errors.ts'

/** The field prime p = 2^255 − 19. */
const P = (1n << 255n) - 19n
/** The prime order L of the base point (RFC 8032 §5.1). */
const L = (1n << 252n) + 27742317777372353535851937790883648493n

function mod(a: bigint): bigint {
  const r = a % P
  return r >= 0n ? r : r + P
}

const LOW_255 = (1n << 255n) - 1n

/**
 * Multiplication with a weak reduction: 2^255 ≡ 19 (mod p), folded twice, leaves a value in
 * (−2^14, 2^255 + 2^15) that is congruent to a·b. Intermediate values need no more; everything
 * compared is first reduced fully with `mod`. About a third faster than `%` (the R check runs on
 * every verify).
 */
function mul(a: bigint, b: bigint): bigint {
  let r = a * b
  r = (r & LOW_255) + 19n * (r >> 255n)
  return (r & LOW_255) + 19n * (r >> 255n)
}

function square(a: bigint, times = 1): bigint {
  let r = a
  for (let i = 0; i < times; i++) r = mul(r, r)
  return r
}

function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n
  let b = base
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = mul(result, b)
    b = mul(b, b)
  }
  return mod(result)
}

/** z^((p−5)/8) = z^(2^252 − 3) by the usual addition chain (254 squarings, 11 multiplications). */
function pow2523(z: bigint): bigint {
  const z2 = square(z)
  const z9 = mul(square(z2, 2), z)
  const z11 = mul(z9, z2)
  const z2_5_0 = mul(square(z11), z9) // z^(2^5 − 1)
  const z2_10_0 = mul(square(z2_5_0, 5), z2_5_0)
  const z2_20_0 = mul(square(z2_10_0, 10), z2_10_0)
  const z2_40_0 = mul(square(z2_20_0, 20), z2_20_0)
  const z2_50_0 = mul(square(z2_40_0, 10), z2_10_0)
  const z2_100_0 = mul(square(z2_50_0, 50), z2_50_0)
  const z2_200_0 = mul(square(z2_100_0, 100), z2_100_0)
  const z2_250_0 = mul(square(z2_200_0, 50), z2_50_0)
  return mod(mul(square(z2_250_0, 2), z))
}

/** d = −121665 / 121666 (RFC 8032 §5.1). */
const D = mod(-121665n * pow(121666n, P - 2n))
const D2 = mod(2n * D)
/** sqrt(−1) = 2^((p−1)/4), used when the first square-root candidate is off by that factor. */
const SQRT_M1 = pow(2n, (P - 1n) / 4n)

/**
 * Projective (X : Y : Z) with x = X/Z, y = Y/Z, and T = XY/Z (extended coordinates, Hisil et al.
 * 2008); coordinates are weakly reduced (see `mul`).
 */
interface Point {
  readonly X: bigint
  readonly Y: bigint
  readonly Z: bigint
  readonly T: bigint
}

const IDENTITY: Point = { X: 0n, Y: 1n, Z: 1n, T: 0n }

/** add-2008-hwcd-3 for a = −1: complete (d is not a square), so no special cases. */
function add(p: Point, q: Point): Point {
  const a = mul(p.Y - p.X, q.Y - q.X)
  const b = mul(p.Y + p.X, q.Y + q.X)
  const c = mul(mul(p.T, D2), q.T)
  const d = mul(2n * p.Z, q.Z)
  const e = b - a
  const f = d - c
  const g = d + c
  const h = b + a
  return { X: mul(e, f), Y: mul(g, h), Z: mul(f, g), T: mul(e, h) }
}

/** dbl-2008-hwcd for a = −1 (does not read T). */
function double(p: Point): Point {
  const a = mul(p.X, p.X)
  const b = mul(p.Y, p.Y)
  const c = 2n * mul(p.Z, p.Z)
  const e = mul(p.X + p.Y, p.X + p.Y) - a - b
  const g = b - a // D + B with D = −A
  const f = g - c
  const h = -a - b // D − B
  return { X: mul(e, f), Y: mul(g, h), Z: mul(f, g), T: mul(e, h) }
}

function isIdentity(p: Point): boolean {
  return mod(p.X) === 0n && mod(p.Y - p.Z) === 0n
}

/** Left-to-right double-and-add; n > 0. */
function multiply(p: Point, n: bigint): Point {
  let acc = IDENTITY
  for (let bit = BigInt(n.toString(2).length - 1); bit >= 0n; bit--) {
    acc = double(acc)
    if ((n >> bit) & 1n) acc = add(acc, p)
  }
  return acc
}

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0)
  return n
}

/**
 * RFC 8032 §5.1.3 decoding, strict: y < p, and x = 0 with the sign bit set is refused (the
 * second spelling of (0, ±1)). Returns undefined when the bytes are not a canonical point.
 */
function decodeCanonical(bytes: Uint8Array): Point | undefined {
  const word = littleEndian(bytes)
  const sign = word >> 255n
  const y = word & ((1n << 255n) - 1n)
  if (y >= P) return undefined
  // RFC 8032 §5.1.3: x = u v^3 (u v^7)^((p−5)/8) with u = y² − 1, v = d y² + 1.
  const y2 = mul(y, y)
  const u = mod(y2 - 1n)
  const v = mod(mul(D, y2) + 1n)
  const v3 = mul(mul(v, v), v)
  let x = mod(mul(mul(u, v3), pow2523(mul(mul(u, v3), mul(v3, v)))))
  const vx2 = mod(mul(v, mul(x, x)))
  if (vx2 === u) {
    // x is a square root of u/v
  } else if (vx2 === mod(-u)) {
    x = mod(mul(x, SQRT_M1))
  } else {
    return undefined
  }
  if (x === 0n && sign === 1n) return undefined
  if ((x & 1n) !== sign) x = P - x
  return { X: x, Y: y, Z: 1n, T: mod(mul(x, y)) }
}

/**
 * True iff `bytes` is the canonical encoding of a point of order exactly L: canonical, not of
 * small order ([8]P ≠ O), torsion-free ([L]P = O). The same test applies to A and to R.
 */
function isCanonicalPrimeOrderPoint(bytes: Uint8Array): boolean {
  const point = decodeCanonical(bytes)
  if (point === undefined) return false
  if (isIdentity(double(double(double(point))))) return false
  return isIdentity(multiply(point, L))
}

/** Small and bounded: enough for every signer a console page meets, cheap to flood. */
const PUBLIC_KEY_CACHE_SIZE = 512
const publicKeyCache = new Map<string, boolean>()

/** The point check of §8, natively where the backend offers it (same predicate, see above). */
function isPrimeOrderPoint(backend: CryptoBackend | undefined, bytes: Uint8Array): boolean {
  return backend?.ed25519IsPrimeOrderPoint?.(bytes) ?? isCanonicalPrimeOrderPoint(bytes)
}

/** The shared public-key check of §8, cached by key (public data, so caching leaks nothing). */
export function isValidEd25519PublicKey(publicKey: Uint8Array, backend?: CryptoBackend): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false
  const key = toHex(publicKey)
  const cached = publicKeyCache.get(key)
  if (cached !== undefined) return cached
  const valid = isPrimeOrderPoint(backend, publicKey)
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_SIZE) {
    // Map iterates in insertion order: drop the oldest entry.
    const oldest = publicKeyCache.keys().next()
    if (!oldest.done) publicKeyCache.delete(oldest.value)
  }
  publicKeyCache.set(key, valid)
  return valid
}

/** Signs with a 32-byte seed (never libsodium's 64-byte secret key form, SPEC.md §1). */
export function signEd25519(backend: CryptoBackend, seed: Uint8Array, message: Uint8Array): Uint8Array {
  if (seed.length !== ED25519_SEED_BYTES) throw new CryptoError('bad_length', 'Ed25519 seed must be 32 bytes')
  return backend.ed25519Sign(seed, message)
}

/**
 * Verifies under the rules of SPEC.md §8 identically on both backends. Returns false for any
 * invalid signature; throws CryptoError('bad_length') only for inputs of the wrong size, which
 * are programming errors rather than forgeries.
 */
export function verifyEd25519(
  backend: CryptoBackend,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES) {
    throw new CryptoError('bad_length', 'Ed25519 signature must be 64 bytes')
  }
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new CryptoError('bad_length', 'Ed25519 public key must be 32 bytes')
  }
  if (littleEndian(signature.subarray(32, 64)) >= L) return false
  if (!isValidEd25519PublicKey(publicKey, backend)) return false
  if (!isPrimeOrderPoint(backend, signature.subarray(0, 32))) return false
  try {
    return backend.ed25519VerifyRaw(signature, message, publicKey) === true
  } catch {
    return false
  }
}
