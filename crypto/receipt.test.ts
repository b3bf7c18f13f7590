/**
 * @module crypto/receipt.test
 * Receipt codes (SPEC.md §7): generation, check symbol, display grouping, the forgiving
 * normalisation table, and the derivations of DESIGN §5a on both backends.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { toHex } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { nobleBackend } from './noble.ts'
import {
  authHashFromToken,
  CROCKFORD_ALPHABET,
  checkSymbol,
  deriveReceiptKeys,
  formatReceipt,
  generateReceiptCode,
  LOOKALIKES,
  normaliseReceipt,
  parseReceipt,
} from './receipt.ts'
import { loadSodium } from './sodium.ts'
import normaliseVectors from './vectors/normalise.json'
import receiptVectors from './vectors/receipt.json'

let sodium: CryptoBackend
let backends: CryptoBackend[]
beforeAll(async () => {
  sodium = await loadSodium()
  backends = [sodium, nobleBackend]
})

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    if (error instanceof CryptoError) return error.code
    throw error
  }
  return undefined
}

const codeArbitrary = fc
  .array(fc.constantFrom(...CROCKFORD_ALPHABET), { minLength: 20, maxLength: 20 })
  .map((symbols) => symbols.join(''))

describe('receipt vectors', () => {
  it('derive identically with libsodium and noble', () => {
    for (const backend of backends) {
      for (const v of receiptVectors) {
        const keys = deriveReceiptKeys(backend, v.code)
        expect(checkSymbol(backend, v.code)).toBe(v.checkSymbol)
        expect(formatReceipt(backend, v.code)).toBe(v.display)
        expect(parseReceipt(backend, v.display)).toBe(v.code)
        expect(keys.lookupId).toBe(v.lookupId)
        expect(keys.authToken).toBe(v.authToken)
        expect(keys.authHash).toBe(v.authHash)
        expect(authHashFromToken(backend, v.authToken)).toBe(v.authHash)
        expect(toHex(keys.reporterSecretKey)).toBe(v.reporterSecretKey)
        expect(toHex(keys.reporterPublicKey)).toBe(v.reporterPublicKey)
        expect(toHex(keys.reporterSigningSeed)).toBe(v.reporterSigningSeed)
        expect(toHex(keys.reporterSigningKey)).toBe(v.reporterSigningKey)
      }
    }
  })

  it('normalise as written in normalise.json', () => {
    expect(normaliseVectors.length).toBeGreaterThan(20)
    for (const v of normaliseVectors) {
      if (v.error !== undefined)
        expect(
          codeOf(() => normaliseReceipt(v.input)),
          v.comment,
        ).toBe(v.error)
      else expect(normaliseReceipt(v.input), v.comment).toBe(v.output)
    }
  })
})

describe('generateReceiptCode', () => {
  it('makes 20 Crockford symbols that parse back through their display form', () => {
    for (let i = 0; i < 50; i++) {
      const code = generateReceiptCode(nobleBackend)
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{20}$/)
      expect(parseReceipt(sodium, formatReceipt(sodium, code))).toBe(code)
    }
  })

  it('reads the first 100 random bits, 5 at a time, most significant first', () => {
    const fixed: CryptoBackend = { ...nobleBackend, randomBytes: (n) => new Uint8Array(n).fill(0xff) }
    expect(generateReceiptCode(fixed)).toBe('Z'.repeat(20))
    // 0x08 0x86 0x42 … = 00001 00010 00011 00100 00101 …
    const counting: CryptoBackend = {
      ...nobleBackend,
      randomBytes: () =>
        Uint8Array.of(0x08, 0x86, 0x42, 0x98, 0xe8, 0x4a, 0x96, 0xc6, 0xb9, 0xf0, 0x84, 0x48, 0x0f),
    }
    expect(generateReceiptCode(counting).slice(0, 8)).toBe('12345678')
  })

  it('uses every symbol in every position (no dead bits)', () => {
    const seen = Array.from({ length: 20 }, () => new Set<string>())
    for (let i = 0; i < 600; i++) {
      const code = generateReceiptCode(sodium)
      for (let p = 0; p < 20; p++) seen[p]!.add(code[p]!)
    }
    for (const set of seen) expect(set.size).toBe(32)
  })
})

describe('formatReceipt and parseReceipt', () => {
  it('shows 7 groups of 3 joined by hyphens, the check symbol last', () => {
    const display = formatReceipt(sodium, '0123456789ABCDEFGHJK')
    expect(display).toMatch(/^([0-9A-Z]{3}-){6}[0-9A-Z]{3}$/)
    expect(display.replaceAll('-', '').slice(20)).toBe(checkSymbol(sodium, '0123456789ABCDEFGHJK'))
  })

  it('catches about 31 in 32 single-symbol typos through the check symbol', () => {
    // A 5-bit check catches 31/32 of random substitutions; count how many slip through.
    let missed = 0
    let tried = 0
    fc.assert(
      fc.property(
        codeArbitrary,
        fc.integer({ min: 0, max: 20 }),
        fc.constantFrom(...CROCKFORD_ALPHABET),
        (code, at, symbol) => {
          const full = code + checkSymbol(sodium, code)
          if (full[at] === symbol) return
          tried++
          const typo = full.slice(0, at) + symbol + full.slice(at + 1)
          const result = codeOf(() => parseReceipt(sodium, typo))
          if (result === undefined) missed++
          else expect(result).toBe('bad_check_symbol')
        },
      ),
      { numRuns: 400 },
    )
    expect(missed * 8).toBeLessThan(tried)
  })

  it('requires exactly 21 symbols', () => {
    const code = '0123456789ABCDEFGHJK'
    expect(codeOf(() => parseReceipt(sodium, code))).toBe('bad_length')
    expect(codeOf(() => parseReceipt(sodium, `${code}${checkSymbol(sodium, code)}0`))).toBe('bad_length')
    expect(codeOf(() => parseReceipt(sodium, ''))).toBe('bad_length')
  })

  it('accepts what a reporter types: lower case, Persian digits, Cyrillic look-alikes, no dashes', () => {
    fc.assert(
      fc.property(codeArbitrary, (code) => {
        const full = code + checkSymbol(sodium, code)
        const typed = [...full]
          .map((c, i) => {
            if (/[0-9]/.test(c) && i % 2 === 0) return String.fromCharCode(0x06f0 + Number(c))
            if (c === 'A') return '\u0430'
            if (c === 'H') return '\u041d'
            if (c === '0') return 'o'
            if (c === '1') return 'l'
            return c.toLowerCase()
          })
          .join(' ')
        expect(parseReceipt(nobleBackend, `\u200f${typed}\u200e`)).toBe(code)
      }),
      { numRuns: 100 },
    )
  })

  it('refuses a code with a wrong check symbol, and U with its own code', () => {
    const code = '0123456789ABCDEFGHJK'
    const right = checkSymbol(sodium, code)
    const wrong = right === '0' ? '1' : '0'
    expect(codeOf(() => parseReceipt(sodium, code + wrong))).toBe('bad_check_symbol')
    expect(codeOf(() => parseReceipt(sodium, `U${code}`))).toBe('receipt_has_u')
  })
})

describe('normaliseReceipt', () => {
  it('maps only NFKC-stable characters, each to one ASCII letter or digit', () => {
    for (const [from, to] of Object.entries(LOOKALIKES)) {
      expect(from.normalize('NFKC')).toBe(from)
      expect(to).toMatch(/^[0-9A-Za-z]$/)
    }
  })

  it('never returns anything but Crockford symbols, and never throws anything but a CryptoError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (input) => {
        let out: string | undefined
        const code = codeOf(() => {
          out = normaliseReceipt(input)
        })
        if (code === undefined) expect(out).toMatch(/^[0-9A-HJKMNP-TV-Z]*$/)
        else expect(['bad_receipt', 'receipt_has_u']).toContain(code)
      }),
      { numRuns: 500 },
    )
  })

  it('is idempotent on its output', () => {
    fc.assert(
      fc.property(codeArbitrary, (code) => {
        expect(normaliseReceipt(normaliseReceipt(code.toLowerCase()))).toBe(code)
      }),
    )
  })
})

describe('deriveReceiptKeys', () => {
  it('derives hex of the stated lengths and keys that match their public halves', () => {
    const keys = deriveReceiptKeys(sodium, generateReceiptCode(sodium))
    expect(keys.lookupId).toMatch(/^[0-9a-f]{32}$/)
    expect(keys.authToken).toMatch(/^[0-9a-f]{64}$/)
    expect(keys.authHash).toMatch(/^[0-9a-f]{64}$/)
    expect(toHex(nobleBackend.x25519PublicKey(keys.reporterSecretKey))).toBe(toHex(keys.reporterPublicKey))
    expect(toHex(nobleBackend.ed25519PublicKey(keys.reporterSigningSeed))).toBe(
      toHex(keys.reporterSigningKey),
    )
  })

  it('refuses a code that is not 20 normalised symbols', () => {
    for (const bad of [
      '0123456789abcdefghjk',
      '0123456789ABCDEFGHJ',
      '0123456789ABCDEFGHJKU',
      '0123456789ABCDEFGHJI',
    ]) {
      expect(codeOf(() => deriveReceiptKeys(sodium, bad))).toBe('bad_receipt')
    }
  })

  it('authHashFromToken accepts only 64 lowercase hex', () => {
    expect(codeOf(() => authHashFromToken(sodium, 'A'.repeat(64)))).toBe('bad_encoding')
    expect(codeOf(() => authHashFromToken(sodium, 'a'.repeat(62)))).toBe('bad_length')
  })
})
