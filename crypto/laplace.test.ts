/**
 * @module crypto/laplace.test
 * Known answers from a fixed stream (crypto/vectors/laplace.json), the exact byte consumption of
 * SPEC.md §14, and a chi-square goodness-of-fit test against the exact pmf. Every draw comes from
 * the deterministic test stream, so the statistical tests give the same verdict on every run.
 */
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  chiSquareSurvival,
  chiSquareTest,
  discreteLaplaceAbsProbabilities,
} from '../test/helpers/chi-square.ts'
import type { CryptoBackend } from './backend.ts'
import { fromHex, toHex, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import {
  addNoise,
  bernoulli,
  bernoulliExp,
  cryptoRandomSource,
  laplaceScale,
  type RandomSource,
  sampleDiscreteLaplace,
  streamRandomSource,
  uniformBelow,
} from './laplace.ts'
import { nobleBackend } from './noble.ts'
import { loadSodium } from './sodium.ts'
import vectors from './vectors/laplace.json' with { type: 'json' }

let sodium: CryptoBackend
beforeAll(async () => {
  sodium = await loadSodium()
})

/** A source that replays given bytes and counts what was read; running out is a test failure. */
function scripted(bytes: number[]): RandomSource & { read: number } {
  const source = {
    read: 0,
    nextBytes(n: number) {
      if (source.read + n > bytes.length) throw new Error('scripted source exhausted')
      const out = Uint8Array.from(bytes.slice(source.read, source.read + n))
      source.read += n
      return out
    },
  }
  return source
}

function draw(rng: RandomSource, scale: { num: bigint; den: bigint }, count: number): bigint[] {
  const out: bigint[] = []
  for (let i = 0; i < count; i++) out.push(sampleDiscreteLaplace(rng, scale))
  return out
}

describe('known answers (laplace.json)', () => {
  it.each(vectors.map((v) => [v.comment, v] as const))('reproduces %s with both backends', (_, v) => {
    const scale = { num: BigInt(v.scaleNum), den: BigInt(v.scaleDen) }
    for (const backend of [sodium, nobleBackend]) {
      expect(toHex(streamRandomSource(fromHex(v.seed), backend).nextBytes(128))).toBe(v.streamPrefix)
      const samples = draw(streamRandomSource(fromHex(v.seed), backend), scale, v.samples.length)
      expect(samples.map(String)).toEqual(v.samples)
    }
  })
})

describe('the test stream', () => {
  it('hands out the same bytes however the requests are sized', () => {
    const seed = utf8('sizes')
    const whole = streamRandomSource(seed, sodium).nextBytes(200)
    const pieces = streamRandomSource(seed, sodium)
    const joined = [
      ...pieces.nextBytes(1),
      ...pieces.nextBytes(63),
      ...pieces.nextBytes(0),
      ...pieces.nextBytes(136),
    ]
    expect(toHex(Uint8Array.from(joined))).toBe(toHex(whole))
  })

  it('differs between seeds', () => {
    expect(toHex(streamRandomSource(utf8('a'), sodium).nextBytes(64))).not.toBe(
      toHex(streamRandomSource(utf8('b'), sodium).nextBytes(64)),
    )
  })
})

describe('cryptoRandomSource', () => {
  it('returns the requested number of fresh bytes across pool refills on both backends', () => {
    for (const backend of [sodium, nobleBackend]) {
      const rng = cryptoRandomSource(backend)
      const first = rng.nextBytes(1000)
      const second = rng.nextBytes(1000)
      expect(first.length).toBe(1000)
      expect(second.length).toBe(1000)
      expect(toHex(first)).not.toBe(toHex(second))
      expect(rng.nextBytes(0).length).toBe(0)
    }
  })
})

describe('uniformBelow (SPEC.md §14 byte consumption)', () => {
  it('reads nothing for a range of one', () => {
    const rng = scripted([])
    expect(uniformBelow(rng, 1n)).toBe(0n)
    expect(rng.read).toBe(0)
  })

  it('masks to bitLength(n − 1) bits and rejects values at or above n', () => {
    // n = 3: k = 2, one byte, keep the low 2 bits. 0xff → 3 (rejected), 0xfe → 2 (accepted).
    const rng = scripted([0xff, 0xfe])
    expect(uniformBelow(rng, 3n)).toBe(2n)
    expect(rng.read).toBe(2)
  })

  it('reads big-endian multi-byte values, on the bigint path too', () => {
    // n = 300: k = 9, two bytes, top byte masked to 1 bit: 0x81 0x2b → 0x12b = 299.
    expect(uniformBelow(scripted([0x81, 0x2b]), 300n)).toBe(299n)
    // n = 2^56 + 1: k = 57, eight bytes, top byte masked to 1 bit; 2^56 + 1 itself is rejected.
    const rng = scripted([0x03, 0, 0, 0, 0, 0, 0, 1, 0xfe, 0, 0, 0, 0, 0, 0, 7])
    expect(uniformBelow(rng, (1n << 56n) + 1n)).toBe(7n)
    expect(rng.read).toBe(16)
  })

  it('refuses an empty range', () => {
    expect(() => uniformBelow(scripted([]), 0n)).toThrow(CryptoError)
  })
})

describe('Bernoulli draws', () => {
  it('decides certain outcomes without reading bytes', () => {
    const rng = scripted([])
    expect(bernoulli(rng, 0n, 5n)).toBe(false)
    expect(bernoulli(rng, 5n, 5n)).toBe(true)
    expect(bernoulliExp(rng, 0n, 7n)).toBe(true)
    expect(rng.read).toBe(0)
  })

  it('refuses probabilities outside [0, 1]', () => {
    expect(() => bernoulli(scripted([]), 3n, 2n)).toThrow(CryptoError)
    expect(() => bernoulli(scripted([]), -1n, 2n)).toThrow(CryptoError)
  })

  it.each([
    [1n, 1n, 0.36787944117144233],
    [1n, 3n, 0.7165313105737893],
    [5n, 2n, 0.0820849986238988],
  ])('draws Bernoulli(exp(−%i/%i)) with the right frequency', (num, den, p) => {
    const rng = streamRandomSource(utf8(`bernoulli-exp ${num}/${den}`), sodium)
    const n = 40_000
    let ones = 0
    for (let i = 0; i < n; i++) if (bernoulliExp(rng, num, den)) ones += 1
    const sd = (p * (1 - p) * n) ** 0.5
    expect((ones - p * n) ** 2).toBeLessThan((5 * sd) ** 2)
  })
})

describe('distribution', () => {
  const N = 200_000
  const scale = { num: 2n, den: 1n } // ε = 1/2, Δ = 1
  let samples: bigint[] = []
  beforeAll(() => {
    samples = draw(streamRandomSource(utf8('distribution scale 2'), sodium), scale, N)
  })

  function absHistogram(values: bigint[], categories: number): number[] {
    const counts: number[] = new Array(categories).fill(0)
    for (const x of values) {
      const a = Number(x < 0n ? -x : x)
      let bin = categories - 1
      if (a < bin) bin = a
      counts[bin] = counts[bin]! + 1
    }
    return counts
  }

  it('fits the exact pmf (1 − q)/(1 + q) · q^|x| in a chi-square test', () => {
    const result = chiSquareTest(absHistogram(samples, 60), discreteLaplaceAbsProbabilities(2, 60))
    expect(result.degreesOfFreedom).toBeGreaterThan(10)
    expect(result.pValue).toBeGreaterThan(1e-6)
  })

  it('would notice a scale off by 10% (the test has power)', () => {
    const result = chiSquareTest(absHistogram(samples, 60), discreteLaplaceAbsProbabilities(2.2, 60))
    expect(result.pValue).toBeLessThan(1e-6)
  })

  it('has mean zero and is symmetric', () => {
    const q = 0.6065306597126334 // e^(−1/2)
    const variance = (2 * q) / (1 - q) ** 2
    let sum = 0
    let positive = 0
    let negative = 0
    for (const x of samples) {
      sum += Number(x)
      if (x > 0n) positive += 1
      if (x < 0n) negative += 1
    }
    const mean = sum / N
    expect(mean ** 2).toBeLessThan(25 * (variance / N))
    // Given x ≠ 0, the sign is a fair coin.
    const nonZero = positive + negative
    expect((positive - nonZero / 2) ** 2).toBeLessThan(25 * (nonZero / 4))
  })

  it('fits a non-integer scale (10/3) too', () => {
    const values = draw(
      streamRandomSource(utf8('distribution scale 10/3'), sodium),
      { num: 10n, den: 3n },
      50_000,
    )
    const result = chiSquareTest(absHistogram(values, 80), discreteLaplaceAbsProbabilities(10 / 3, 80))
    expect(result.pValue).toBeGreaterThan(1e-6)
  })

  it('relies on a chi-square survival function that matches published quantiles', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 10)
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 10)
    expect(chiSquareSurvival(0, 4)).toBe(1)
    expect(chiSquareSurvival(100, 2) / 1.9287498479639178e-22).toBeCloseTo(1, 8)
  })
})

describe('addNoise', () => {
  it('adds one sample of scale Δ/ε per count, in order', () => {
    const epsilon = { num: 1n, den: 2n }
    const noisy = addNoise(streamRandomSource(utf8('add'), sodium), [10n, 0n, 3n], epsilon, 3)
    const noise = draw(streamRandomSource(utf8('add'), sodium), { num: 6n, den: 1n }, 3)
    expect(noisy).toEqual([10n + noise[0]!, noise[1]!, 3n + noise[2]!])
  })

  it('keeps numbers as numbers and bigints as bigints', () => {
    const epsilon = { num: 1n, den: 1n }
    const asNumbers = addNoise(streamRandomSource(utf8('types'), sodium), [5, 7], epsilon, 1)
    const asBigints = addNoise(streamRandomSource(utf8('types'), sodium), [5n, 7n], epsilon, 1n)
    expect(asNumbers.every((n) => typeof n === 'number')).toBe(true)
    expect(asNumbers.map(BigInt)).toEqual(asBigints)
  })

  it('computes the scale Δ/ε exactly', () => {
    expect(laplaceScale({ num: 3n, den: 10n }, 2)).toEqual({ num: 20n, den: 3n })
  })

  it('refuses a non-positive ε, a zero sensitivity and non-integer counts', () => {
    const rng = streamRandomSource(utf8('refuse'), sodium)
    expect(() => addNoise(rng, [1n], { num: 0n, den: 1n }, 1)).toThrow(CryptoError)
    expect(() => addNoise(rng, [1n], { num: -1n, den: 1n }, 1)).toThrow(CryptoError)
    expect(() => addNoise(rng, [1n], { num: 1n, den: 1n }, 0)).toThrow(CryptoError)
    expect(() => addNoise(rng, [1.5], { num: 1n, den: 1n }, 1)).toThrow(CryptoError)
    expect(() => sampleDiscreteLaplace(rng, { num: 1n, den: 0n })).toThrow(CryptoError)
  })
})

describe('source hygiene', () => {
  it('has no floating-point literal or Math in the sampler (Mironov)', () => {
    const code = readFileSync(new URL('./laplace.ts', import.meta.url), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '')
    expect(code).not.toMatch(/\bMath\b|parseFloat|\d\.\d|\d[eE][+-]?\d/)
  })
})
