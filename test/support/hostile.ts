/**
 * @module test/support/hostile
 * Generators of hostile input (DESIGN §10 "Bad input of any kind"), shared by the fuzz suites:
 * strings an attacker or a broken client would send — SQL and HTML injection, bidi overrides,
 * NUL, lone surrogates, invalid UTF-8, huge and deeply nested JSON, bad base64 — and the
 * percent-encodings that smuggle them into paths and query strings.
 *
 * Everything is a fast-check arbitrary, so a run is reproducible from its seed.
 */
import fc from 'fast-check'

/** Strings that have broken real parsers, databases and renderers. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  "' OR 1=1 --",
  "'; DROP TABLE cases; --",
  '"; SELECT pg_sleep(10); --',
  '\\x00\\x27',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  'javascript:alert(1)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, meant literally
  '{{7*7}}${7*7}<%= 7*7 %>',
  '\u202e\u0000evil\u202c',
  '\u202d\u2066\u2067\u2068\u2069\u200f\u200e',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  'a\ud83dz',
  '\ufeff\ufffe\uffff',
  '\u0085\u2028\u2029',
  'ﷺ'.repeat(64),
  'Z̸̡̢̛̗͇̝̘̙̥̬̪̦̯͚̳͕̠̙̔̽̽͒̍̂̐̐̽̆͊͑̄͗̚a̵̢̢̨̰̫̱̘̜͇̗̟͓̘͙̘̫͋̋̄̃̽͋̈́̿̓̀̆l̸g̷o̸',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '9007199254740993',
  '__proto__',
  'constructor',
  'AAAA',
  'VE5SAQ=',
  'VE5SAR==',
  '====',
  'A'.repeat(5000),
  '0'.repeat(32),
  'f'.repeat(64),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
]

/** A hostile string: a known-nasty one, random Unicode (lone surrogates included), or a long run. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 32 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...NASTY_STRINGS), fc.integer({ min: 1, max: 2000 }))
      .map(([s, n]) => s.repeat(Math.min(n, Math.ceil(20_000 / Math.max(1, s.length))))),
  },
)

/** A JSON value of the wrong type for almost any field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(-1, 0, 1, 1.5, -0, 2 ** 31, 2 ** 53, Number.MAX_VALUE, 1e-300),
  },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(fc.integer(), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, fc.integer(), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }).map((text) => JSON.parse(text) as unknown) },
)

/** `depth` nested arrays or objects around a value, as JSON text. */
export function deeplyNested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
}

/** Every byte percent-encoded: reaches the router as-is, invalid UTF-8 and NUL included. */
export function percentEncodeBytes(bytes: Uint8Array): string {
  return [...bytes].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('')
}

/** Encodes a string for a URL, keeping lone surrogates (which encodeURIComponent refuses) as CESU-8 bytes. */
export function percentEncodeString(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = text.charCodeAt(i + 1)
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += encodeURIComponent(text.slice(i, i + 2))
        i++
      } else {
        // The three bytes a lone surrogate would have in CESU-8: invalid UTF-8.
        out += percentEncodeBytes(
          Uint8Array.of(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)),
        )
      }
    } else {
      out += encodeURIComponent(text[i] ?? '')
    }
  }
  return out
}

/** A hostile path segment or query string, as it appears in the URL. */
export const hostileUrlPart: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((s) => percentEncodeString(s.slice(0, 2000))),
  fc.uint8Array({ minLength: 1, maxLength: 48 }).map(percentEncodeBytes),
  fc.constantFrom('..', '.', '%2e%2e', '%2F', '%', '%zz', '%E0%80', '%C0%AE', ';', '%00', '*'),
)

/** Bytes allowed in an HTTP header value (ByteString without CR, LF and NUL). */
export const hostileHeaderValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "' OR 1=1 --",
    '<script>alert(1)</script>',
    '\xff\xfe\x80',
    'A'.repeat(8000),
    '1.2.3.4, 5.6.7.8, ::1',
    'https://evil.example',
    'null',
  ),
  fc
    .array(fc.integer({ min: 0x20, max: 0xff }), { maxLength: 80 })
    .map((codes) => String.fromCharCode(...codes).trim()),
)

/** Content types a confused or hostile client sends with a body. */
export const hostileContentType: fc.Arbitrary<string | undefined> = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-16',
  'application/json; charset=iso-8859-1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json, text/html',
  '*/*',
)

/** Raw bodies that are not what any route expects. */
export const hostileRawBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"lookupId": ',
    '[',
    'null',
    'true',
    '0',
    '"just a string"',
    '{"a":1,"a":2}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '\ufeff{}',
    '{}garbage',
    '{"x":"\\ud800"}',
    '{"x":"\\u0000"}',
    'NaN',
    '1e999999',
  ),
  fc
    .constantFrom(1_000, 20_000)
    .chain((depth) =>
      fc.constantFrom('array', 'object').map((kind) => deeplyNested(depth, kind as 'array' | 'object')),
    ),
  fc.json({ maxDepth: 4 }),
  hostileString,
  // Invalid UTF-8 (overlong encodings, lone continuation bytes, surrogates in CESU-8).
  fc.uint8Array({ maxLength: 256 }),
  fc.constantFrom(
    Uint8Array.of(0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d),
    Uint8Array.of(0xed, 0xa0, 0x80),
  ),
  // Just under and just over the default 64 KiB body limit.
  fc.constantFrom(63 * 1024, 70 * 1024, 400 * 1024).map((n) => `{"x":"${'A'.repeat(n)}"}`),
)
