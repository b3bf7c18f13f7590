/**
 * @module crypto/jcs.test
 * RFC 8785 canonical JSON: the examples of the RFC and the inputs we refuse.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jcs } from './jcs.ts'

describe('jcs', () => {
  it('sorts members by UTF-16 code units and drops all whitespace', () => {
    // RFC 8785 §3.2.3 sorting example: "\u20ac" < "\r" ... ordered by code units.
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    }
    expect(jcs(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
  })

  it('writes numbers as ECMAScript does, as RFC 8785 §3.2.2.3 requires', () => {
    expect(jcs([1e21, 1e-7, -0, 333333333.3333333, 4.5, 0.002, 1e23, 9007199254740991])).toBe(
      '[1e+21,1e-7,0,333333333.3333333,4.5,0.002,1e+23,9007199254740991]',
    )
  })

  it('escapes strings as RFC 8785 §3.2.2.2 requires', () => {
    expect(jcs('\u000f\n"\\/\u2028')).toBe('"\\u000f\\n\\"\\\\/\u2028"')
  })

  it('refuses what JSON cannot carry instead of dropping it', () => {
    const sparse: unknown[] = []
    sparse[1] = 1
    for (const bad of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      undefined,
      1n,
      () => 1,
      Symbol('x'),
      { a: undefined },
      new Date(0),
      '\ud800',
      sparse,
    ]) {
      expect(() => jcs(bad)).toThrow(expect.objectContaining({ code: 'bad_statement' }))
    }
  })

  it('round-trips: parsing the output and serialising again gives the same text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = jcs(value)
        expect(jcs(JSON.parse(text))).toBe(text)
      }),
      { numRuns: 200 },
    )
  })
})
