/**
 * @module crypto/stream.test
 * The attachment STREAM (SPEC.md §6): vectors on both backends, the incremental encryptor, and
 * the refusals that make it a STREAM — reordered, dropped, duplicated or cut-off chunks, a wrong
 * `last` flag, and a manifest (size, chunk count, prefix) that does not match.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { AEAD_TAG_BYTES, type CryptoBackend } from './backend.ts'
import { concat, fromHex, toHex, u8, u64, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { nobleBackend } from './noble.ts'
import { pad, paddedLength } from './padding.ts'
import { loadSodium } from './sodium.ts'
import {
  createStreamEncryptor,
  decryptStream,
  encryptStream,
  STREAM_CHUNK_BYTES,
  STREAM_HEADER_BYTES,
  STREAM_SEALED_CHUNK_BYTES,
  streamLayout,
} from './stream.ts'
import vectors from './vectors/stream.json'

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

/** Splits a stream by position, as a reader does. */
function chunksOf(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let offset = STREAM_HEADER_BYTES; offset < stream.length; offset += STREAM_SEALED_CHUNK_BYTES) {
    out.push(stream.subarray(offset, offset + STREAM_SEALED_CHUNK_BYTES))
  }
  return out
}

describe('stream vectors', () => {
  it('cover sizes 0, 1, 65535, 65536, 131071, 131072 and a truncated stream', () => {
    const sizes = vectors.filter((v) => v.valid).map((v) => v.plaintext.length / 2)
    expect(sizes).toEqual([0, 1, 65_535, 65_536, 131_071, 131_072])
    expect(vectors.some((v) => !v.valid)).toBe(true)
  })

  it('open (or are refused where marked) identically with libsodium and noble', () => {
    for (const backend of backends) {
      for (const v of vectors) {
        const file = fromHex(v.plaintext)
        const { chunks } = streamLayout(file.length)
        const open = () =>
          decryptStream(backend, fromHex(v.stream), {
            fileKey: fromHex(v.fileKey, 32),
            chunks,
            size: file.length,
          })
        if (v.valid) expect(toHex(open()), `${backend.name}: ${v.comment}`).toBe(v.plaintext)
        else expect(codeOf(open), `${backend.name}: ${v.comment}`).toBe('bad_stream')
      }
    }
  })

  it('refuse the truncated vector even under a manifest that matches its length (the last flag)', () => {
    for (const v of vectors.filter((x) => !x.valid)) {
      const stream = fromHex(v.stream)
      // The largest size whose stream is exactly this long: the reader has no length to complain about.
      let size = fromHex(v.plaintext).length
      while (size > 0 && streamLayout(size).streamLength > stream.length) size--
      const layout = streamLayout(size)
      expect(layout.streamLength).toBe(stream.length)
      for (const backend of backends) {
        const code = codeOf(() =>
          decryptStream(backend, stream, { fileKey: fromHex(v.fileKey, 32), chunks: layout.chunks, size }),
        )
        expect(code).toBe('bad_stream')
      }
    }
  })

  it('match an independent re-derivation of chunk 0 from SPEC.md §6', () => {
    const v = vectors.find((x) => x.plaintext.length / 2 === 1)!
    const stream = fromHex(v.stream)
    const header = stream.subarray(0, STREAM_HEADER_BYTES)
    expect(toHex(header.subarray(0, 5))).toBe('544e524101')
    const nonce = concat(header.subarray(5), u64(0))
    const ad = concat(utf8('tnr/v1/chunk'), header, u8(1))
    const expected = sodium.aeadEncrypt(fromHex(v.fileKey), nonce, ad, pad(fromHex(v.plaintext)))
    expect(toHex(stream.subarray(STREAM_HEADER_BYTES))).toBe(toHex(expected))
  })
})

describe('encryptStream and decryptStream', () => {
  it('round-trip across backends for sizes around the chunk and padding boundaries', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(0, 1, 1023, 1024, 65_535, 65_536, 65_537, 131_072),
          fc.integer({ min: 0, max: 140_000 }),
        ),
        fc.boolean(),
        (size, sodiumSeals) => {
          const [sealer, opener] = sodiumSeals ? [sodium, nobleBackend] : [nobleBackend, sodium]
          const file = sodium.randomBytes(size) // noble caps randomBytes at 65,536
          const sealed = encryptStream(sealer, file)
          const layout = streamLayout(size)
          expect(sealed.chunks).toBe(layout.chunks)
          expect(sealed.stream.length).toBe(layout.streamLength)
          expect(layout.paddedSize).toBe(paddedLength(size))
          expect(
            sodium.equal(decryptStream(opener, sealed.stream, { ...sealed, prefix: sealed.prefix }), file),
          ).toBe(true)
        },
      ),
      { numRuns: 6 },
    )
  })

  it('yields the same bytes chunk by chunk, and a retried chunk is byte-identical', () => {
    const file = sodium.randomBytes(150_000)
    const encryptor = createStreamEncryptor(sodium, file)
    const parts = [...encryptor.parts()]
    expect(parts.length).toBe(encryptor.chunks + 1)
    expect(parts[0]).toEqual(encryptor.header)
    expect(toHex(encryptor.encryptChunk(1))).toBe(toHex(parts[2]!))
    const stream = concat(...parts)
    expect(
      sodium.equal(
        decryptStream(nobleBackend, stream, {
          fileKey: encryptor.fileKey,
          chunks: encryptor.chunks,
          size: file.length,
        }),
        file,
      ),
    ).toBe(true)
    expect(codeOf(() => encryptor.encryptChunk(encryptor.chunks))).toBe('bad_argument')
  })

  describe('refusals', () => {
    // 150,000 bytes pads to 151,552: chunks of 65,536, 65,536 and 20,480.
    let file: Uint8Array
    let sealed: ReturnType<typeof encryptStream>
    beforeAll(() => {
      file = sodium.randomBytes(150_000)
      sealed = encryptStream(sodium, file)
    })
    const open = (
      stream: Uint8Array,
      overrides: Partial<{ chunks: number; size: number; fileKey: Uint8Array; prefix: Uint8Array }> = {},
    ) =>
      codeOf(() =>
        decryptStream(nobleBackend, stream, {
          fileKey: sealed.fileKey,
          chunks: sealed.chunks,
          size: sealed.size,
          ...overrides,
        }),
      )

    it('refuses two chunks swapped', () => {
      const [c0, c1, c2] = chunksOf(sealed.stream)
      expect(open(concat(sealed.stream.subarray(0, STREAM_HEADER_BYTES), c1!, c0!, c2!))).toBe('bad_stream')
    })

    it('refuses a dropped middle chunk, even when the manifest is adjusted to the shorter stream', () => {
      const [c0, , c2] = chunksOf(sealed.stream)
      const dropped = concat(sealed.stream.subarray(0, STREAM_HEADER_BYTES), c0!, c2!)
      expect(open(dropped)).toBe('bad_stream')
      const size = dropped.length - STREAM_HEADER_BYTES - 2 * AEAD_TAG_BYTES - 200
      expect(streamLayout(size).streamLength === dropped.length || streamLayout(size).chunks === 2).toBe(true)
      expect(open(dropped, { chunks: 2, size })).toBe('bad_stream')
    })

    it('refuses a duplicated chunk in place of another', () => {
      const [c0, , c2] = chunksOf(sealed.stream)
      expect(open(concat(sealed.stream.subarray(0, STREAM_HEADER_BYTES), c0!, c0!, c2!))).toBe('bad_stream')
    })

    it('refuses a stream cut at a chunk boundary (the last flag is missing)', () => {
      const cut = sealed.stream.subarray(0, STREAM_HEADER_BYTES + 2 * STREAM_SEALED_CHUNK_BYTES)
      expect(open(cut)).toBe('bad_stream')
      expect(open(cut, { chunks: 2, size: 2 * STREAM_CHUNK_BYTES - 5000 })).toBe('bad_stream')
    })

    it('refuses a final chunk marked not-last and a middle chunk marked last', () => {
      // Re-seal with the flags inverted, with the same key and nonces, to isolate the flag.
      const header = sealed.stream.subarray(0, STREAM_HEADER_BYTES)
      const prefix = header.subarray(5)
      const padded = pad(file)
      const reseal = (i: number, last: boolean) =>
        sodium.aeadEncrypt(
          sealed.fileKey,
          concat(prefix, u64(i)),
          concat(utf8('tnr/v1/chunk'), header, u8(last ? 1 : 0)),
          padded.subarray(i * STREAM_CHUNK_BYTES, i === 2 ? padded.length : (i + 1) * STREAM_CHUNK_BYTES),
        )
      expect(open(concat(header, reseal(0, false), reseal(1, false), reseal(2, true)))).toBeUndefined()
      expect(open(concat(header, reseal(0, false), reseal(1, false), reseal(2, false)))).toBe('bad_stream')
      expect(open(concat(header, reseal(0, false), reseal(1, true), reseal(2, true)))).toBe('bad_stream')
    })

    it('refuses a manifest whose size or chunk count does not match', () => {
      expect(open(sealed.stream, { size: sealed.size - 1 })).toBe('bad_stream')
      expect(open(sealed.stream, { size: sealed.size + 1 })).toBe('bad_stream')
      expect(open(sealed.stream, { chunks: sealed.chunks + 1 })).toBe('bad_stream')
      expect(open(sealed.stream, { size: -1 })).toBe('bad_stream')
    })

    it('refuses a wrong key, a wrong prefix, a changed header, and any flipped byte', () => {
      expect(open(sealed.stream, { fileKey: sodium.randomBytes(32) })).toBe('bad_stream')
      expect(open(sealed.stream, { prefix: new Uint8Array(16) })).toBe('bad_stream')
      for (const index of [0, 4, 5, 20, 21, 1000, 65_536 + 21 + 15, 65_552 + 21, sealed.stream.length - 1]) {
        const tampered = Uint8Array.from(sealed.stream)
        tampered[index]! ^= 0x80
        expect(open(tampered), `byte ${index}`).toBe('bad_stream')
      }
    })
  })
})
