/**
 * @module web/shared/receipt-input
 * Friendly checking of a typed receipt code (DESIGN §5 "Receipt code"), before anything is sent:
 * the forgiving normalisation of crypto/receipt.ts, then a status the page turns into one plain
 * sentence (a U that should be a V, a character codes never use, how many symbols are missing,
 * a wrong check symbol).
 */
import { CryptoError } from '../../crypto/errors.ts'
import { checkSymbol, normaliseReceipt, RECEIPT_SYMBOLS } from '../../crypto/receipt.ts'
import { backend } from './reporter-crypto.ts'

export type ReceiptInputStatus =
  | { status: 'empty' }
  | { status: 'has_u' }
  | { status: 'bad_character'; character: string }
  | { status: 'too_short'; missing: number }
  | { status: 'too_long' }
  | { status: 'bad_check' }
  | { status: 'ok'; normalised: string }

const FULL_LENGTH = RECEIPT_SYMBOLS + 1

/** A character as the reporter can recognise it: invisible or combining ones by code point. */
function visible(character: string): string {
  if (/^[\p{L}\p{N}\p{P}\p{S}]$/u.test(character)) return character
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

export function checkReceiptInput(input: string): ReceiptInputStatus {
  let normalised: string
  try {
    normalised = normaliseReceipt(input)
  } catch (error) {
    if (error instanceof CryptoError && error.code === 'receipt_has_u') return { status: 'has_u' }
    for (const character of input.normalize('NFKC')) {
      try {
        normaliseReceipt(character)
      } catch (inner) {
        if (inner instanceof CryptoError && inner.code === 'bad_receipt') {
          return { status: 'bad_character', character: visible(character) }
        }
      }
    }
    return { status: 'bad_character', character: '?' }
  }
  if (normalised.length === 0) return { status: 'empty' }
  if (normalised.length < FULL_LENGTH)
    return { status: 'too_short', missing: FULL_LENGTH - normalised.length }
  if (normalised.length > FULL_LENGTH) return { status: 'too_long' }
  const code = normalised.slice(0, RECEIPT_SYMBOLS)
  if (normalised[RECEIPT_SYMBOLS] !== checkSymbol(backend, code)) return { status: 'bad_check' }
  return { status: 'ok', normalised }
}

/** Groups normalised symbols as the receipt step showed them (3 by 3), for display while typing. */
export function groupSymbols(normalised: string): string {
  return normalised.match(/.{1,3}/g)?.join('-') ?? ''
}
