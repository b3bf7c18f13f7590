/**
 * @module test/vectors/generate-envelope
 * Writes crypto/vectors/envelope.json, padding.json, stream.json, receipt.json and normalise.json
 * (SPEC.md §3, §4, §6, §7, §15). Run: `npx tsx test/vectors/generate-envelope.ts`.
 *
 * Deterministic: the libsodium backend's randomBytes is replaced by a BLAKE2b counter stream with
 * a fixed seed (only here, never in product code), so a rerun reproduces the files byte for byte;
 * a change in the output means a change in the format, which needs a version bump, not a
 * regeneration. Every vector is checked against the noble backend before it is written, and the
 * expected values written by hand below (padding examples of DESIGN §5a, the normalisation
 * table) are asserted against the implementation rather than copied from it.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { concat, toHex, u64, utf8 } from '../../crypto/bytes.ts'
import {
  ENVELOPE_KINDS,
  type EnvelopeKind,
  HEADER_BYTES,
  openEnvelope,
  SLOT_BYTES,
  sealEnvelope,
} from '../../crypto/envelope.ts'
import { CryptoError } from '../../crypto/errors.ts'
import { nobleBackend } from '../../crypto/noble.ts'
import { paddedLength } from '../../crypto/padding.ts'
import {
  checkSymbol,
  deriveReceiptKeys,
  formatReceipt,
  generateReceiptCode,
  normaliseReceipt,
} from '../../crypto/receipt.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import {
  decryptStream,
  encryptStream,
  STREAM_HEADER_BYTES,
  STREAM_SEALED_CHUNK_BYTES,
} from '../../crypto/stream.ts'

const SOURCE = 'test/vectors/generate-envelope.ts (libsodium-wrappers 0.8.4, checked against @noble 2.4.0)'
const outDir = fileURLToPath(new URL('../../crypto/vectors/', import.meta.url))
const sodium = await loadSodium()

function write(name: string, vectors: object[]): void {
  writeFileSync(`${outDir}${name}`, `${JSON.stringify(vectors, null, 2)}\n`)
}

/** A backend whose randomness is a BLAKE2b counter stream: reproducible vectors. */
function seeded(base: CryptoBackend, seed: string): CryptoBackend {
  let counter = 0n
  return {
    ...base,
    randomBytes(length) {
      const out = new Uint8Array(length)
      for (let offset = 0; offset < length; offset += 64) {
        const block = base.blake2b(concat(utf8(`generate-envelope/${seed}`), u64(counter++)), 64)
        out.set(block.subarray(0, length - offset), offset)
      }
      return out
    },
  }
}

function assert(condition: boolean, what: string): void {
  if (!condition) throw new Error(`vector check failed: ${what}`)
}

function errorCode(run: () => unknown): string | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    if (error instanceof CryptoError) return error.code
    throw error
  }
}

function testBytes(length: number, salt: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 31 + salt * 101 + (i >> 8)) & 0xff
  return out
}

// --- padding.json ----------------------------------------------------------------------------
const paddingExamples: [number, number][] = [
  [0, 1024],
  [1023, 1024],
  [1024, 1088],
  [2047, 2048],
  [2048, 2176],
  [6000, 6144],
]
const paddingVectors: object[] = []
for (const [plaintextLength, expected] of paddingExamples) {
  assert(paddedLength(plaintextLength) === expected, `DESIGN §5a example ${plaintextLength}`)
  paddingVectors.push({ source: 'DESIGN.md §5a examples', plaintextLength, paddedLength: expected })
}
for (const plaintextLength of [
  1, 1022, 1025, 1087, 1088, 1151, 4095, 4096, 65535, 65536, 131071, 131072, 1_000_000, 16_777_215,
  16_777_216, 1_073_741_824, 4_294_967_296,
]) {
  paddingVectors.push({
    source: 'test/vectors/generate-envelope.ts (crypto/padding.ts, integer Padmé of SPEC.md §3)',
    plaintextLength,
    paddedLength: paddedLength(plaintextLength),
  })
}
write('padding.json', paddingVectors)

// --- envelope.json ---------------------------------------------------------------------------
const LOOKUP_ID = 'c0ffee00112233445566778899aabbcc'
const kindValues = Object.values(ENVELOPE_KINDS) as EnvelopeKind[]
const plaintextLengths = [0, 1, 1023, 1024, 5000, 17, 2047, 2048]
const envelopeVectors: object[] = []
const random = seeded(sodium, 'envelope')

function recipientsFor(count: number): { secretKeys: Uint8Array[]; publicKeys: Uint8Array[] } {
  const secretKeys = Array.from({ length: count }, () => random.randomBytes(32))
  return { secretKeys, publicKeys: secretKeys.map((k) => sodium.x25519PublicKey(k)) }
}

function checkOpens(
  envelope: Uint8Array,
  kind: EnvelopeKind,
  context: string,
  secretKey: Uint8Array,
  plaintext: Uint8Array,
) {
  for (const backend of [sodium, nobleBackend]) {
    const opened = openEnvelope(backend, envelope, { kind, context, secretKey })
    assert(toHex(opened) === toHex(plaintext), `envelope opens with ${backend.name}`)
  }
}

for (let count = 1; count <= 16; count++) {
  const kind = kindValues[(count - 1) % kindValues.length]!
  const context = kind === ENVELOPE_KINDS.keyGrant || count % 5 === 0 ? '' : LOOKUP_ID
  const plaintext = testBytes(plaintextLengths[(count - 1) % plaintextLengths.length]!, count)
  const { secretKeys, publicKeys } = recipientsFor(count)
  const envelope = sealEnvelope(random, { kind, context, recipients: publicKeys, plaintext })
  // The recipient whose secret key is published: a different slot position each time.
  const which = (count * 7) % count
  checkOpens(envelope, kind, context, secretKeys[which]!, plaintext)
  envelopeVectors.push({
    source: SOURCE,
    comment: `kind ${kind}, ${count} slot(s), key of slot ${which}, ${plaintext.length}-byte plaintext`,
    recipientSecretKey: toHex(secretKeys[which]!),
    kind,
    context,
    envelope: toHex(envelope),
    plaintext: toHex(plaintext),
  })
}

/** Invalid envelopes: `error` is the CryptoError code both backends must produce. */
function invalid(
  comment: string,
  kind: EnvelopeKind,
  context: string,
  secretKey: Uint8Array,
  envelope: Uint8Array,
  error: string,
) {
  for (const backend of [sodium, nobleBackend]) {
    const code = errorCode(() => openEnvelope(backend, envelope, { kind, context, secretKey }))
    assert(code === error, `${comment}: expected ${error}, got ${code} with ${backend.name}`)
  }
  envelopeVectors.push({
    source: SOURCE,
    comment,
    recipientSecretKey: toHex(secretKey),
    kind,
    context,
    envelope: toHex(envelope),
    error,
  })
}

{
  const { secretKeys, publicKeys } = recipientsFor(2)
  const kind = ENVELOPE_KINDS.note
  const plaintext = utf8('{"body":"tamper tests"}')
  const good = sealEnvelope(random, { kind, context: LOOKUP_ID, recipients: publicKeys, plaintext })
  const sk = secretKeys[0]!
  const flipped = (index: number) => {
    const copy = Uint8Array.from(good)
    copy[index]! ^= 0x01
    return copy
  }
  const payloadStart = HEADER_BYTES + 2 * SLOT_BYTES
  invalid('bad magic', kind, LOOKUP_ID, sk, flipped(0), 'bad_magic')
  invalid(
    'version 2',
    kind,
    LOOKUP_ID,
    sk,
    concat(good.subarray(0, 3), Uint8Array.of(2), good.subarray(4)),
    'bad_version',
  )
  invalid(
    'kind byte changed to 5 (coding), opened as 5',
    5,
    LOOKUP_ID,
    sk,
    concat(good.subarray(0, 4), Uint8Array.of(5), good.subarray(5)),
    'decrypt_failed',
  )
  invalid('a note opened as a reply', ENVELOPE_KINDS.reply, LOOKUP_ID, sk, good, 'bad_kind')
  invalid(
    'count 0',
    kind,
    LOOKUP_ID,
    sk,
    concat(good.subarray(0, 5), Uint8Array.of(0), good.subarray(6)),
    'bad_count',
  )
  invalid(
    'count 17',
    kind,
    LOOKUP_ID,
    sk,
    concat(good.subarray(0, 5), Uint8Array.of(17), good.subarray(6)),
    'bad_count',
  )
  invalid(
    'cut inside the second slot',
    kind,
    LOOKUP_ID,
    sk,
    good.subarray(0, HEADER_BYTES + SLOT_BYTES + 50),
    'truncated',
  )
  invalid(
    'ciphertext cut to 1039 bytes',
    kind,
    LOOKUP_ID,
    sk,
    good.subarray(0, payloadStart + 24 + 1039),
    'bad_length',
  )
  invalid(
    'last ciphertext byte dropped',
    kind,
    LOOKUP_ID,
    sk,
    good.subarray(0, good.length - 1),
    'bad_length',
  )
  invalid(
    'slot 1 duplicates slot 0',
    kind,
    LOOKUP_ID,
    sk,
    concat(
      good.subarray(0, HEADER_BYTES + SLOT_BYTES),
      good.subarray(HEADER_BYTES, payloadStart),
      good.subarray(payloadStart),
    ),
    'duplicate_key_id',
  )
  invalid('wrapped content key flipped', kind, LOOKUP_ID, sk, flipped(HEADER_BYTES + 60), 'decrypt_failed')
  invalid('ephemeral key flipped', kind, LOOKUP_ID, sk, flipped(HEADER_BYTES + 20), 'decrypt_failed')
  invalid('nonce flipped', kind, LOOKUP_ID, sk, flipped(payloadStart + 3), 'decrypt_failed')
  invalid('ciphertext flipped', kind, LOOKUP_ID, sk, flipped(payloadStart + 24 + 100), 'decrypt_failed')
  invalid('tag flipped', kind, LOOKUP_ID, sk, flipped(good.length - 1), 'decrypt_failed')
  invalid('wrong context', kind, 'c0ffee00112233445566778899aabbcd', sk, good, 'decrypt_failed')
  invalid('empty context for a case item', kind, '', sk, good, 'decrypt_failed')
  const stranger = random.randomBytes(32)
  invalid('a key without a slot', kind, LOOKUP_ID, stranger, good, 'no_slot_for_key')
  // Slot 0's key id, with slot 1 removed: the count says 1, the key of slot 0 still opens.
  const oneSlot = concat(
    good.subarray(0, 5),
    Uint8Array.of(1),
    good.subarray(HEADER_BYTES, HEADER_BYTES + SLOT_BYTES),
    good.subarray(payloadStart),
  )
  checkOpens(oneSlot, kind, LOOKUP_ID, sk, plaintext)
  envelopeVectors.push({
    source: SOURCE,
    comment: 'slot 1 stripped by the server (count 2 → 1): still opens for slot 0',
    recipientSecretKey: toHex(sk),
    kind,
    context: LOOKUP_ID,
    envelope: toHex(oneSlot),
    plaintext: toHex(plaintext),
  })

  // Authentic ciphertexts whose padding is wrong: only unpad can catch these.
  const badPadding = (label: string, mutate: (padded: Uint8Array) => Uint8Array) => {
    const base = seeded(sodium, `bad-padding/${label}`)
    const crafting: CryptoBackend = {
      ...base,
      aeadEncrypt: (key, nonce, ad, pt) =>
        base.aeadEncrypt(key, nonce, ad, pt.length >= 1024 ? mutate(pt) : pt),
    }
    const envelope = sealEnvelope(crafting, { kind, context: LOOKUP_ID, recipients: publicKeys, plaintext })
    invalid(`padding: ${label}`, kind, LOOKUP_ID, sk, envelope, 'bad_padding')
  }
  badPadding('no 0x80 marker', (p) => {
    const out = Uint8Array.from(p)
    out[plaintext.length] = 0
    return out
  })
  badPadding('marker 0x81', (p) => {
    const out = Uint8Array.from(p)
    out[plaintext.length] = 0x81
    return out
  })
  badPadding('padded to 2048 instead of 1024', (p) => concat(p, new Uint8Array(1024)))
  badPadding('all zero', (p) => new Uint8Array(p.length))
}
write('envelope.json', envelopeVectors)

// --- stream.json -----------------------------------------------------------------------------
const streamVectors: object[] = []
const streamRandom = seeded(sodium, 'stream')
for (const size of [0, 1, 65_535, 65_536, 131_071, 131_072]) {
  const file = testBytes(size, size % 251)
  const sealed = encryptStream(streamRandom, file)
  for (const backend of [sodium, nobleBackend]) {
    const opened = decryptStream(backend, sealed.stream, {
      fileKey: sealed.fileKey,
      chunks: sealed.chunks,
      size,
    })
    assert(toHex(opened) === toHex(file), `stream of ${size} opens with ${backend.name}`)
  }
  streamVectors.push({
    source: SOURCE,
    comment: `${size}-byte file, ${sealed.chunks} chunk(s)`,
    fileKey: toHex(sealed.fileKey),
    stream: toHex(sealed.stream),
    plaintext: toHex(file),
    valid: true,
  })
  if (size === 65_536) {
    // Two chunks (65,536 + 2,048 padded bytes); the final chunk is dropped at the boundary.
    const truncated = sealed.stream.subarray(0, STREAM_HEADER_BYTES + STREAM_SEALED_CHUNK_BYTES)
    for (const backend of [sodium, nobleBackend]) {
      assert(
        errorCode(() =>
          decryptStream(backend, truncated, { fileKey: sealed.fileKey, chunks: sealed.chunks, size }),
        ) === 'bad_stream',
        'truncated stream refused',
      )
      // Even a reader told "one chunk" refuses it: the only chunk was sealed with last = 0.
      assert(
        errorCode(() =>
          decryptStream(backend, truncated, { fileKey: sealed.fileKey, chunks: 1, size: 65_000 }),
        ) === 'bad_stream',
        'truncated stream refused with a matching manifest',
      )
    }
    streamVectors.push({
      source: SOURCE,
      comment: `the ${size}-byte file's stream cut after chunk 0 (its final chunk dropped)`,
      fileKey: toHex(sealed.fileKey),
      stream: toHex(truncated),
      plaintext: toHex(file),
      valid: false,
    })
  }
}
write('stream.json', streamVectors)

// --- receipt.json ----------------------------------------------------------------------------
const receiptVectors: object[] = []
const receiptRandom = seeded(sodium, 'receipt')
const codes = ['00000000000000000000', 'ZZZZZZZZZZZZZZZZZZZZ', '0123456789ABCDEFGHJK', 'MNPQRSTVWXYZ01234567']
for (let i = 0; i < 6; i++) codes.push(generateReceiptCode(receiptRandom))
for (const code of codes) {
  const keys = deriveReceiptKeys(sodium, code)
  const other = deriveReceiptKeys(nobleBackend, code)
  assert(
    JSON.stringify(keys, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v)) ===
      JSON.stringify(other, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v)),
    'receipt derivations agree',
  )
  receiptVectors.push({
    source: SOURCE,
    display: formatReceipt(sodium, code),
    code,
    checkSymbol: checkSymbol(sodium, code),
    lookupId: keys.lookupId,
    authToken: keys.authToken,
    authHash: keys.authHash,
    reporterSecretKey: toHex(keys.reporterSecretKey),
    reporterPublicKey: toHex(keys.reporterPublicKey),
    reporterSigningSeed: toHex(keys.reporterSigningSeed),
    reporterSigningKey: toHex(keys.reporterSigningKey),
  })
}
write('receipt.json', receiptVectors)

// --- normalise.json --------------------------------------------------------------------------
/** Hand-written expectations (SPEC.md §7); the generator refuses to write if the code disagrees. */
const normaliseCases: ({ comment: string; input: string } & ({ output: string } | { error: string }))[] = [
  { comment: 'already normal', input: 'ABC0123', output: 'ABC0123' },
  { comment: 'lower case', input: 'abcdefghjk', output: 'ABCDEFGHJK' },
  { comment: 'I, i, L, l → 1; O, o → 0', input: 'IiLlOo', output: '111100' },
  { comment: 'ASCII dashes, underscore and spaces', input: 'ab-cd_ef gh', output: 'ABCDEFGH' },
  {
    comment: 'tab, newline, no-break space, ideographic space',
    input: 'a\tb\nc\u00a0d\u3000e',
    output: 'ABCDE',
  },
  {
    comment: 'hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar',
    input: '1\u20102\u20113\u20124\u20135\u20146\u20157',
    output: '1234567',
  },
  {
    comment: 'minus sign, small em dash, small hyphen-minus, full-width hyphen-minus',
    input: '1\u22122\ufe583\ufe634\uff0d5',
    output: '12345',
  },
  {
    comment: 'Arabic-Indic digits',
    input: '\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669',
    output: '0123456789',
  },
  {
    comment: 'Persian (Extended Arabic-Indic) digits',
    input: '\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9',
    output: '0123456789',
  },
  { comment: 'full-width digits and letters', input: '\uff10\uff19\uff21\uff5a', output: '09AZ' },
  {
    comment: 'Cyrillic capitals АВЕКМНОРСТХУ',
    input: '\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0423',
    output: 'ABEKMH0PCTXY',
  },
  {
    comment: 'Cyrillic small авекмнорстху',
    input: '\u0430\u0432\u0435\u043a\u043c\u043d\u043e\u0440\u0441\u0442\u0445\u0443',
    output: 'ABEKMH0PCTXY',
  },
  {
    comment: 'Cyrillic І Ј Ѕ Ү Һ Ԛ Ԝ З',
    input: '\u0406\u0408\u0405\u04ae\u04ba\u051a\u051c\u0417',
    output: '1JSYHQW3',
  },
  {
    comment: 'Greek capitals ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ',
    input: '\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7',
    output: 'ABEZH1KMN0PTYX',
  },
  {
    comment: 'Greek small αβεζηικμνορτυχ',
    input: '\u03b1\u03b2\u03b5\u03b6\u03b7\u03b9\u03ba\u03bc\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7',
    output: 'ABEZH1KMN0PTYX',
  },
  { comment: 'micro sign (NFKC → μ) and Kelvin sign (NFKC → K)', input: '\u00b5\u212a', output: 'MK' },
  { comment: 'Turkish dotted and dotless I', input: '\u0130\u0131', output: '11' },
  {
    comment: 'ZWJ, ZWNJ, ZWSP, RLM, LRM, ALM, BOM, soft hyphen, bidi isolates',
    input: 'A\u200dB\u200cC\u200bD\u200fE\u200eF\u061cG\ufeffH\u00adJ\u2067K\u2069',
    output: 'ABCDEFGHJK',
  },
  {
    comment: 'a typical display form',
    input: 'ABC-DEF-GHJ-KMN-PQR-STV-WXY',
    output: 'ABCDEFGHJKMNPQRSTVWXY',
  },
  { comment: 'empty input', input: '', output: '' },
  { comment: 'U is never used', input: 'ABCU', error: 'receipt_has_u' },
  { comment: 'lower-case u', input: 'abcu', error: 'receipt_has_u' },
  { comment: 'full-width U', input: 'AB\uff35', error: 'receipt_has_u' },
  { comment: 'another symbol wins over U', input: 'U#', error: 'bad_receipt' },
  { comment: 'punctuation', input: 'ABC.DEF', error: 'bad_receipt' },
  { comment: 'sharp s is not upper-cased to SS', input: 'A\u00df', error: 'bad_receipt' },
  { comment: 'a Cyrillic letter with no look-alike (Д)', input: '\u0414', error: 'bad_receipt' },
  { comment: 'an Arabic letter', input: '\u0628', error: 'bad_receipt' },
  { comment: 'a Devanagari digit is not in the table', input: '\u0967', error: 'bad_receipt' },
]
const normaliseVectors: object[] = []
for (const { comment, ...rest } of normaliseCases) {
  const code = errorCode(() => normaliseReceipt(rest.input))
  if ('output' in rest) {
    assert(code === undefined && normaliseReceipt(rest.input) === rest.output, `normalise: ${comment}`)
  } else {
    assert(code === rest.error, `normalise: ${comment} (got ${code})`)
  }
  normaliseVectors.push({ source: 'hand-written from crypto/SPEC.md §7', comment, ...rest })
}
// A displayed receipt with its check symbol survives a trip through a Persian keyboard and RLM marks.
{
  const code = codes[2]!
  const display = formatReceipt(sodium, code)
  const persian = display
    .replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)))
    .replaceAll('-', '\u200f \u2013 ')
  normaliseVectors.push({
    source: SOURCE,
    comment: 'display form typed with Persian digits, RLM and en dashes',
    input: persian,
    output: code + checkSymbol(sodium, code),
  })
  assert(normaliseReceipt(persian) === code + checkSymbol(sodium, code), 'persian display form')
}
write('normalise.json', normaliseVectors)
