/**
 * @module crypto/padding.test
 * Padmé with the 1024-byte floor (SPEC.md §3): the examples of DESIGN §5a, the vectors, and the
 * properties a reader relies on (one padded form per message, outputs are fixed points).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CryptoError } from './errors.ts'
import { isPaddedLength, pad, paddedLength, unpad } from './padding.ts'
import vectors from './vectors/padding.json'

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    if (error instanceof CryptoError) return error.code
    throw error
  }
  return undefined
}

describe('paddedLength', () => {
  it.each([
    [0, 1024],
    [1023, 1024],
    [1024, 1088],
    [2047, 2048],
    [2048, 2176],
    [6000, 6144],
  ])('pads %i bytes to %i as in DESIGN §5a', (n, t) => {
    expect(paddedLength(n)).toBe(t)
  })

  it('matches every vector in padding.json', () => {
    expect(vectors.length).toBeGreaterThan(10)
    for (const v of vectors) expect(paddedLength(v.plaintextLength)).toBe(v.paddedLength)
  })

  it('never shrinks, always leaves room for the marker, and overhead stays within 12% above the floor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (n) => {
        const t = paddedLength(n)
        expect(t).toBeGreaterThan(n)
        if (n >= 1024) expect((t - n - 1) * 100).toBeLessThanOrEqual((n + 1) * 12)
      }),
    )
  })

  it('is monotonic and its outputs are exactly its fixed points', () => {
    const bad: number[] = []
    let previous = 0
    const outputs = new Set<number>()
    for (let n = 0; n < 70_000; n++) {
      const t = paddedLength(n)
      if (t < previous) bad.push(n)
      previous = t
      outputs.add(t)
    }
    for (let p = 1024; p < 70_000; p++) if (isPaddedLength(p) !== outputs.has(p)) bad.push(p)
    expect(bad).toEqual([])
  })

  it('refuses negative, fractional and unsafe lengths', () => {
    for (const n of [-1, 1.5, Number.NaN, 2 ** 53]) expect(codeOf(() => paddedLength(n))).toBe('bad_argument')
  })
})

describe('pad and unpad', () => {
  it('round-trips any message and pads to paddedLength', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (m) => {
        const p = pad(m)
        expect(p.length).toBe(paddedLength(m.length))
        expect(unpad(p)).toEqual(m)
      }),
    )
  })

  it('keeps trailing 0x80 and 0x00 bytes of the message itself', () => {
    for (const m of [Uint8Array.of(0x80), Uint8Array.of(0), Uint8Array.of(1, 0, 0x80, 0)])
      expect(unpad(pad(m))).toEqual(m)
  })

  it('refuses a buffer without the 0x80 marker', () => {
    expect(codeOf(() => unpad(new Uint8Array(1024)))).toBe('bad_padding')
    const p = pad(Uint8Array.of(1, 2, 3))
    p[3] = 0x81
    expect(codeOf(() => unpad(p))).toBe('bad_padding')
  })

  it('refuses an empty buffer and one that is all marker-less data', () => {
    expect(codeOf(() => unpad(new Uint8Array(0)))).toBe('bad_padding')
    expect(codeOf(() => unpad(new Uint8Array(1024).fill(7)))).toBe('bad_padding')
  })

  it('refuses a second spelling: extra zeros, a short buffer, a non-Padmé length', () => {
    const m = Uint8Array.of(1, 2, 3)
    const p = pad(m)
    const longer = new Uint8Array(2048)
    longer.set(p)
    expect(codeOf(() => unpad(longer))).toBe('bad_padding')
    expect(codeOf(() => unpad(p.subarray(0, 512)))).toBe('bad_padding')
    const odd = new Uint8Array(1100)
    odd.set(pad(new Uint8Array(1050)).subarray(0, 1051))
    expect(codeOf(() => unpad(odd))).toBe('bad_padding')
  })
})
