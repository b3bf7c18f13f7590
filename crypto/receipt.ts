/**
 * @module crypto/receipt
 * Receipt codes (SPEC.md §7, DESIGN §5, §5a): 20 Crockford base32 symbols (100 random bits) and a
 * check symbol, the reporter's only way back to their case. The server never sees the code: it
 * stores a lookup id and the hash of an auth token, both derived from it; the reporter's X25519
 * and Ed25519 keys are derived from it too.
 *
 * Input is forgiving because reporters type on Persian, Arabic, Uyghur, Russian, Kazakh and phone
 * keyboards, often from a note written in a hurry. The check symbol catches a typo in the browser
 * before anything is sent (a wrong lookup id would otherwise look like "no such case").
 */
import { type CryptoBackend, ED25519_SEED_BYTES, X25519_SECRET_KEY_BYTES } from './backend.ts'
import { fromHex, toHex, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { H } from './hash.ts'

/** Crockford base32: digits and upper-case letters without I, L, O, U. */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
export const RECEIPT_SYMBOLS = 20
/** Displayed as 7 groups of 3 symbols (20 code symbols + 1 check symbol), joined by '-'. */
export const RECEIPT_GROUP_SIZE = 3
export const RECEIPT_SEPARATOR = '-'

const CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{20}$/

function checkCode(code: string): void {
  if (!CODE_PATTERN.test(code))
    throw new CryptoError('bad_receipt', 'expected 20 normalised Crockford symbols')
}

/** 100 bits from a CSPRNG: 13 random bytes, the first 100 bits read 5 at a time, MSB first. */
export function generateReceiptCode(backend: CryptoBackend): string {
  const random = backend.randomBytes(13)
  let code = ''
  for (let i = 0; i < RECEIPT_SYMBOLS; i++) {
    const bit = i * 5
    const byte = bit >> 3
    // Two bytes cover any 5-bit window; the 13th byte's low 4 bits are never read.
    const window = (random[byte]! << 8) | (random[byte + 1] ?? 0)
    code += CROCKFORD_ALPHABET[(window >> (11 - (bit & 7))) & 31]!
  }
  backend.wipe(random)
  return code
}

/** The Crockford symbol of the first 5 bits of `H("tnr/v1/receipt-check", code)`. */
export function checkSymbol(backend: CryptoBackend, code: string): string {
  checkCode(code)
  const digest = H(backend, 'tnr/v1/receipt-check', [utf8(code)])
  return CROCKFORD_ALPHABET[digest[0]! >> 3]!
}

/** `ABC-DEF-GHJ-KMN-PQR-STV-WXC`: the code, its check symbol, in 7 groups of 3. */
export function formatReceipt(backend: CryptoBackend, code: string): string {
  const full = code + checkSymbol(backend, code)
  const groups: string[] = []
  for (let i = 0; i < full.length; i += RECEIPT_GROUP_SIZE) groups.push(full.slice(i, i + RECEIPT_GROUP_SIZE))
  return groups.join(RECEIPT_SEPARATOR)
}

/**
 * Look-alikes mapped to Latin (SPEC.md §7 prints this table). Applied after NFKC, so every key is
 * an NFKC-stable character (a test checks it). Upper and lower case of each letter are listed: a
 * reporter reading "B" on paper may type Cyrillic В or, without shift, в. Mapped lower case ends
 * up upper-cased with everything else.
 */
export const LOOKALIKES: Readonly<Record<string, string>> = {
  // Cyrillic (Russian, Ukrainian, Kazakh, Serbian…)
  '\u0410': 'A', // CYRILLIC CAPITAL LETTER A
  '\u0430': 'a', // CYRILLIC SMALL LETTER A
  '\u0412': 'B', // CYRILLIC CAPITAL LETTER VE
  '\u0432': 'b', // CYRILLIC SMALL LETTER VE
  '\u0415': 'E', // CYRILLIC CAPITAL LETTER IE
  '\u0435': 'e', // CYRILLIC SMALL LETTER IE
  '\u0417': '3', // CYRILLIC CAPITAL LETTER ZE
  '\u0437': '3', // CYRILLIC SMALL LETTER ZE
  '\u0406': 'I', // CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I
  '\u0456': 'i', // CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
  '\u0408': 'J', // CYRILLIC CAPITAL LETTER JE
  '\u0458': 'j', // CYRILLIC SMALL LETTER JE
  '\u041A': 'K', // CYRILLIC CAPITAL LETTER KA
  '\u043A': 'k', // CYRILLIC SMALL LETTER KA
  '\u041C': 'M', // CYRILLIC CAPITAL LETTER EM
  '\u043C': 'm', // CYRILLIC SMALL LETTER EM
  '\u041D': 'H', // CYRILLIC CAPITAL LETTER EN
  '\u043D': 'h', // CYRILLIC SMALL LETTER EN
  '\u041E': 'O', // CYRILLIC CAPITAL LETTER O
  '\u043E': 'o', // CYRILLIC SMALL LETTER O
  '\u0420': 'P', // CYRILLIC CAPITAL LETTER ER
  '\u0440': 'p', // CYRILLIC SMALL LETTER ER
  '\u0421': 'C', // CYRILLIC CAPITAL LETTER ES
  '\u0441': 'c', // CYRILLIC SMALL LETTER ES
  '\u0405': 'S', // CYRILLIC CAPITAL LETTER DZE
  '\u0455': 's', // CYRILLIC SMALL LETTER DZE
  '\u0422': 'T', // CYRILLIC CAPITAL LETTER TE
  '\u0442': 't', // CYRILLIC SMALL LETTER TE
  '\u0423': 'Y', // CYRILLIC CAPITAL LETTER U
  '\u0443': 'y', // CYRILLIC SMALL LETTER U
  '\u0425': 'X', // CYRILLIC CAPITAL LETTER HA
  '\u0445': 'x', // CYRILLIC SMALL LETTER HA
  '\u04AE': 'Y', // CYRILLIC CAPITAL LETTER STRAIGHT U
  '\u04AF': 'y', // CYRILLIC SMALL LETTER STRAIGHT U
  '\u04BA': 'H', // CYRILLIC CAPITAL LETTER SHHA
  '\u04BB': 'h', // CYRILLIC SMALL LETTER SHHA
  '\u051A': 'Q', // CYRILLIC CAPITAL LETTER QA
  '\u051B': 'q', // CYRILLIC SMALL LETTER QA
  '\u051C': 'W', // CYRILLIC CAPITAL LETTER WE
  '\u051D': 'w', // CYRILLIC SMALL LETTER WE
  // Greek
  '\u0391': 'A', // GREEK CAPITAL LETTER ALPHA
  '\u03B1': 'a', // GREEK SMALL LETTER ALPHA
  '\u0392': 'B', // GREEK CAPITAL LETTER BETA
  '\u03B2': 'b', // GREEK SMALL LETTER BETA
  '\u0395': 'E', // GREEK CAPITAL LETTER EPSILON
  '\u03B5': 'e', // GREEK SMALL LETTER EPSILON
  '\u0396': 'Z', // GREEK CAPITAL LETTER ZETA
  '\u03B6': 'z', // GREEK SMALL LETTER ZETA
  '\u0397': 'H', // GREEK CAPITAL LETTER ETA
  '\u03B7': 'h', // GREEK SMALL LETTER ETA
  '\u0399': 'I', // GREEK CAPITAL LETTER IOTA
  '\u03B9': 'i', // GREEK SMALL LETTER IOTA
  '\u039A': 'K', // GREEK CAPITAL LETTER KAPPA
  '\u03BA': 'k', // GREEK SMALL LETTER KAPPA
  '\u039C': 'M', // GREEK CAPITAL LETTER MU
  '\u03BC': 'm', // GREEK SMALL LETTER MU
  '\u039D': 'N', // GREEK CAPITAL LETTER NU
  '\u03BD': 'n', // GREEK SMALL LETTER NU
  '\u039F': 'O', // GREEK CAPITAL LETTER OMICRON
  '\u03BF': 'o', // GREEK SMALL LETTER OMICRON
  '\u03A1': 'P', // GREEK CAPITAL LETTER RHO
  '\u03C1': 'p', // GREEK SMALL LETTER RHO
  '\u03A4': 'T', // GREEK CAPITAL LETTER TAU
  '\u03C4': 't', // GREEK SMALL LETTER TAU
  '\u03A5': 'Y', // GREEK CAPITAL LETTER UPSILON
  '\u03C5': 'y', // GREEK SMALL LETTER UPSILON
  '\u03A7': 'X', // GREEK CAPITAL LETTER CHI
  '\u03C7': 'x', // GREEK SMALL LETTER CHI
  // Latin letters outside ASCII that Turkish and Azerbaijani keyboards produce for I
  '\u0130': 'I', // LATIN CAPITAL LETTER I WITH DOT ABOVE
  '\u0131': 'i', // LATIN SMALL LETTER DOTLESS I
}

/** Arabic-Indic (U+0660–0669), Extended Arabic-Indic / Persian (U+06F0–06F9), full-width (U+FF10–FF19). */
function digitValue(cp: number): number | undefined {
  if (cp >= 0x0660 && cp <= 0x0669) return cp - 0x0660
  if (cp >= 0x06f0 && cp <= 0x06f9) return cp - 0x06f0
  if (cp >= 0xff10 && cp <= 0xff19) return cp - 0xff10 // NFKC already maps these; kept for clarity
  return undefined
}

/**
 * Removed before upper-casing: all White_Space, all dash punctuation (Pd: '-', U+2010–2015,
 * U+FE58, U+FE63, U+FF0D…), the minus sign U+2212, low lines ('_', and via NFKC U+FE4D–FE4F,
 * U+FF3F), the hyphen bullet U+2043, and every format character (Cf: bidi marks, LRM/RLM, ZWJ,
 * ZWNJ, ZWSP, BOM, soft hyphen, Arabic letter mark…).
 */
const REMOVED = /[\p{White_Space}\p{Pd}\p{Cf}\u2212\u2043_]/u

/**
 * §5's forgiving input, in this order: NFKC; digits and look-alikes to ASCII; removal of
 * whitespace, dashes and format characters; ASCII upper-casing; I, L → 1 and O → 0. Then any
 * character outside Crockford base32 other than U → `bad_receipt`; otherwise a U →
 * `receipt_has_u` (the UI asks "perhaps V?"). No length check: see `parseReceipt`.
 */
export function normaliseReceipt(input: string): string {
  let out = ''
  let sawU = false
  let sawOther = false
  for (const ch of input.normalize('NFKC')) {
    const cp = ch.codePointAt(0)!
    const digit = digitValue(cp)
    let c = digit === undefined ? (LOOKALIKES[ch] ?? ch) : String(digit)
    if (REMOVED.test(c)) continue
    // ASCII-only upper-casing: toUpperCase on other scripts could turn ß into "SS".
    if (c >= 'a' && c <= 'z') c = String.fromCharCode(c.charCodeAt(0) - 32)
    if (c === 'I' || c === 'L') c = '1'
    else if (c === 'O') c = '0'
    if (c === 'U') sawU = true
    else if (c.length !== 1 || !CROCKFORD_ALPHABET.includes(c)) sawOther = true
    out += c
  }
  if (sawOther) throw new CryptoError('bad_receipt', 'a character that is never part of a receipt')
  if (sawU) throw new CryptoError('receipt_has_u', 'U is never used in a receipt')
  return out
}

/**
 * Normalises and checks what a reporter typed: exactly 21 symbols (`bad_length` otherwise —
 * the check symbol is required, so every typo is caught before anything is sent), and the check
 * symbol (`bad_check_symbol`). Returns the 20-symbol code.
 */
export function parseReceipt(backend: CryptoBackend, input: string): string {
  const normalised = normaliseReceipt(input)
  if (normalised.length !== RECEIPT_SYMBOLS + 1)
    throw new CryptoError('bad_length', 'a receipt has 21 symbols')
  const code = normalised.slice(0, RECEIPT_SYMBOLS)
  if (normalised[RECEIPT_SYMBOLS] !== checkSymbol(backend, code)) throw new CryptoError('bad_check_symbol')
  return code
}

export interface ReceiptKeys {
  /** Hex (32) of `H16("tnr/v1/lookup", m)`: the case's public handle. */
  lookupId: string
  /** Hex (64) of `H("tnr/v1/auth-token", m)`: sent to prove possession of the receipt. */
  authToken: string
  /** Hex (64) of `H("tnr/v1/auth-hash", authToken as 32 raw bytes)`: what the server stores. */
  authHash: string
  reporterSecretKey: Uint8Array
  reporterPublicKey: Uint8Array
  reporterSigningSeed: Uint8Array
  reporterSigningKey: Uint8Array
}

/** SPEC.md §7: `m = H("tnr/v1/receipt", code)` and everything derived from it. */
export function deriveReceiptKeys(backend: CryptoBackend, code: string): ReceiptKeys {
  checkCode(code)
  const m = H(backend, 'tnr/v1/receipt', [utf8(code)])
  try {
    const lookupId = toHex(H(backend, 'tnr/v1/lookup', [m], 16))
    const token = H(backend, 'tnr/v1/auth-token', [m])
    const authToken = toHex(token)
    const authHash = toHex(H(backend, 'tnr/v1/auth-hash', [token]))
    backend.wipe(token)
    const reporterSecretKey = H(backend, 'tnr/v1/reporter-key', [m], X25519_SECRET_KEY_BYTES)
    const reporterSigningSeed = H(backend, 'tnr/v1/reporter-sign', [m], ED25519_SEED_BYTES)
    return {
      lookupId,
      authToken,
      authHash,
      reporterSecretKey,
      reporterPublicKey: backend.x25519PublicKey(reporterSecretKey),
      reporterSigningSeed,
      reporterSigningKey: backend.ed25519PublicKey(reporterSigningSeed),
    }
  } finally {
    backend.wipe(m)
  }
}

/** For the server: the stored hash of a submitted auth token (64 lowercase hex, else `bad_encoding`/`bad_length`). */
export function authHashFromToken(backend: CryptoBackend, authTokenHex: string): string {
  const token = fromHex(authTokenHex, 32)
  try {
    return toHex(H(backend, 'tnr/v1/auth-hash', [token]))
  } finally {
    backend.wipe(token)
  }
}
