/**
 * @module crypto/jcs
 * RFC 8785 (JSON Canonicalization Scheme), the only JSON serialiser allowed for bytes that are
 * signed or hashed (SPEC.md §9). Written here rather than taken from the `canonicalize` package
 * because that package follows `toJSON`, silently drops `undefined` and accepts lone surrogates:
 * every one of those is a second way to reach the same signature input. This version accepts
 * only what JSON can carry and throws on anything else.
 *
 * Rules (RFC 8785 §3.2): no whitespace; object members sorted by the UTF-16 code units of their
 * names; strings escaped as ECMAScript `JSON.stringify` does (which is what the RFC specifies);
 * numbers in ECMAScript `Number.prototype.toString` form (again `JSON.stringify`), with NaN and
 * ±Infinity refused and −0 written as `0`. Our statements use only strings, safe integers,
 * booleans, arrays and objects, but other finite numbers are serialised exactly as the RFC says.
 */
import { CryptoError } from './errors.ts'

/** Lone surrogates cannot be UTF-8 encoded, so RFC 8785 §3.2.2.2 requires refusing them. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function serialiseString(value: string): string {
  if (LONE_SURROGATE.test(value)) throw new CryptoError('bad_statement', 'JCS: lone surrogate in string')
  return JSON.stringify(value)
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function serialise(value: unknown, depth: number): string {
  // A hostile input should fail cleanly rather than overflow the stack.
  if (depth > 64) throw new CryptoError('bad_statement', 'JCS: nesting too deep')
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'string':
      return serialiseString(value)
    case 'number':
      if (!Number.isFinite(value)) throw new CryptoError('bad_statement', 'JCS: non-finite number')
      // ECMAScript Number-to-String is exactly RFC 8785 §3.2.2.3; JSON.stringify(-0) is "0".
      return JSON.stringify(value)
    case 'object': {
      if (Array.isArray(value)) {
        const items: string[] = []
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) throw new CryptoError('bad_statement', 'JCS: sparse array')
          items.push(serialise(value[i], depth + 1))
        }
        return `[${items.join(',')}]`
      }
      if (!isPlainObject(value))
        throw new CryptoError('bad_statement', 'JCS: only plain objects are serialisable')
      // Default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 requires.
      const keys = Object.keys(value).sort()
      const members: string[] = []
      for (const key of keys) members.push(`${serialiseString(key)}:${serialise(value[key], depth + 1)}`)
      return `{${members.join(',')}}`
    }
    default:
      // undefined, bigint, function, symbol: JSON has no spelling for them.
      throw new CryptoError('bad_statement', `JCS: cannot serialise a ${typeof value}`)
  }
}

/** The RFC 8785 canonical JSON text of `value`; throws CryptoError('bad_statement') otherwise. */
export function jcs(value: unknown): string {
  return serialise(value, 0)
}
