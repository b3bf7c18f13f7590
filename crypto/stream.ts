/**
 * @module crypto/stream
 * Attachment encryption (SPEC.md §6, DESIGN §5a): a STREAM construction (Hoang–Reyhanitabar–
 * Rogaway–Vizár) over XChaCha20-Poly1305, so a reader detects chunks that are reordered
 * (the index is in the nonce), dropped (index gap, wrong count) or cut off at a chunk boundary
 * (only the final chunk opens with `last = 1`).
 *
 *   stream = header(21) ‖ chunk_0 ‖ chunk_1 ‖ … ‖ chunk_{n−1}
 *   header = "TNRA" ‖ 0x01 ‖ prefix(16 random bytes)
 *   chunk_i = AEAD(fileKey, prefix ‖ u64(i), "tnr/v1/chunk" ‖ header ‖ u8(last), plain_i)
 *
 * The plaintext is `pad(file)` (crypto/padding.ts) cut into 65,536-byte pieces, the last one 1–
 * 65,536 bytes; every encrypted chunk is its piece plus a 16-byte tag. The file key, prefix, real
 * size and chunk count travel only inside the attachment manifest (envelope kind 7).
 *
 * `createStreamEncryptor` builds each padded piece on demand from the file (no padded copy of the
 * whole file in memory), so the browser can upload chunk by chunk with a progress bar and retry a
 * chunk (re-encrypting a chunk yields identical bytes: same key, nonce and plaintext).
 */
import { AEAD_KEY_BYTES, AEAD_TAG_BYTES, type CryptoBackend } from './backend.ts'
import { concat, u8, u64, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { paddedLength, unpad } from './padding.ts'

/** "TNRA": attachment stream magic. */
export const STREAM_MAGIC = Uint8Array.of(0x54, 0x4e, 0x52, 0x41)
export const STREAM_VERSION = 1
export const STREAM_PREFIX_BYTES = 16
export const STREAM_HEADER_BYTES = STREAM_MAGIC.length + 1 + STREAM_PREFIX_BYTES
/** Plaintext bytes per chunk (all but the last chunk are exactly this long). */
export const STREAM_CHUNK_BYTES = 65_536
/** An encrypted full chunk on the wire. */
export const STREAM_SEALED_CHUNK_BYTES = STREAM_CHUNK_BYTES + AEAD_TAG_BYTES
/** ASCII prefix of each chunk's associated data (followed by the header and the last flag). */
const CHUNK_AD_PREFIX = utf8('tnr/v1/chunk')

export interface StreamLayout {
  /** Real file size in bytes (before padding). */
  size: number
  /** `paddedLength(size)`: the plaintext actually encrypted. */
  paddedSize: number
  /** Number of chunks, `ceil(paddedSize / 65536)` (always ≥ 1, since paddedSize ≥ 1024). */
  chunks: number
  /** Total stream bytes: header + paddedSize + 16 per chunk. */
  streamLength: number
}

/** Derives everything a reader can check from the manifest's real size. */
export function streamLayout(size: number): StreamLayout {
  const paddedSize = paddedLength(size)
  const chunks =
    (paddedSize - (paddedSize % STREAM_CHUNK_BYTES)) / STREAM_CHUNK_BYTES +
    (paddedSize % STREAM_CHUNK_BYTES === 0 ? 0 : 1)
  return {
    size,
    paddedSize,
    chunks,
    streamLength: STREAM_HEADER_BYTES + paddedSize + chunks * AEAD_TAG_BYTES,
  }
}

function header(prefix: Uint8Array): Uint8Array {
  return concat(STREAM_MAGIC, Uint8Array.of(STREAM_VERSION), prefix)
}

function chunkNonce(prefix: Uint8Array, index: number): Uint8Array {
  return concat(prefix, u64(index))
}

function chunkAd(headerBytes: Uint8Array, last: boolean): Uint8Array {
  return concat(CHUNK_AD_PREFIX, headerBytes, u8(last ? 1 : 0))
}

export interface StreamEncryptor extends StreamLayout {
  readonly fileKey: Uint8Array
  readonly prefix: Uint8Array
  /** The 21 header bytes; they come first on the wire. */
  readonly header: Uint8Array
  /** Chunk `index` (0 ≤ index < chunks) encrypted: its padded piece plus the 16-byte tag. */
  encryptChunk(index: number): Uint8Array
  /** The header, then each encrypted chunk in order: concatenated, they are the stream. */
  parts(): Generator<Uint8Array, void, undefined>
}

/**
 * Prepares to encrypt `file` under a fresh file key and prefix. Keep `fileKey`, `prefix`,
 * `size` and `chunks` for the attachment manifest; wipe `fileKey` once the manifest is sealed.
 */
export function createStreamEncryptor(backend: CryptoBackend, file: Uint8Array): StreamEncryptor {
  const layout = streamLayout(file.length)
  const fileKey = backend.randomBytes(AEAD_KEY_BYTES)
  const prefix = backend.randomBytes(STREAM_PREFIX_BYTES)
  const headerBytes = header(prefix)

  /** The padded plaintext of chunk `index`, built from the file without padding all of it. */
  function piece(index: number): Uint8Array {
    const start = index * STREAM_CHUNK_BYTES
    const end = index === layout.chunks - 1 ? layout.paddedSize : start + STREAM_CHUNK_BYTES
    const out = new Uint8Array(end - start)
    // subarray clamps `end` to the file's length.
    if (start < file.length) out.set(file.subarray(start, end))
    if (file.length >= start && file.length < end) out[file.length - start] = 0x80
    return out
  }

  function encryptChunk(index: number): Uint8Array {
    if (!Number.isSafeInteger(index) || index < 0 || index >= layout.chunks) {
      throw new CryptoError('bad_argument', 'chunk index out of range')
    }
    const plain = piece(index)
    try {
      return backend.aeadEncrypt(
        fileKey,
        chunkNonce(prefix, index),
        chunkAd(headerBytes, index === layout.chunks - 1),
        plain,
      )
    } finally {
      backend.wipe(plain)
    }
  }

  return {
    ...layout,
    fileKey,
    prefix,
    header: headerBytes,
    encryptChunk,
    *parts() {
      yield headerBytes
      for (let i = 0; i < layout.chunks; i++) yield encryptChunk(i)
    },
  }
}

export interface EncryptedStream {
  fileKey: Uint8Array
  prefix: Uint8Array
  stream: Uint8Array
  chunks: number
  size: number
}

/** One-shot form of `createStreamEncryptor` for files that fit comfortably in memory. */
export function encryptStream(backend: CryptoBackend, file: Uint8Array): EncryptedStream {
  const encryptor = createStreamEncryptor(backend, file)
  const stream = concat(...encryptor.parts())
  return {
    fileKey: encryptor.fileKey,
    prefix: encryptor.prefix,
    stream,
    chunks: encryptor.chunks,
    size: encryptor.size,
  }
}

export interface DecryptStreamOptions {
  fileKey: Uint8Array
  /** Chunk count from the manifest. */
  chunks: number
  /** Real file size from the manifest. */
  size: number
  /** Prefix from the manifest, when known: the header must carry exactly this one. */
  prefix?: Uint8Array
}

/**
 * Decrypts a whole stream and returns the file. Every failure — wrong header, length or chunk
 * count not matching the manifest, a chunk that does not open at its position with its `last`
 * flag (reordering, dropping, truncation, wrong key), bad padding, a size mismatch — is
 * `CryptoError('bad_stream')`, with the underlying error as `cause`.
 */
export function decryptStream(
  backend: CryptoBackend,
  stream: Uint8Array,
  options: DecryptStreamOptions,
): Uint8Array {
  if (options.fileKey.length !== AEAD_KEY_BYTES) throw new CryptoError('bad_length', 'file keys are 32 bytes')
  let layout: StreamLayout
  try {
    layout = streamLayout(options.size)
  } catch (cause) {
    throw new CryptoError('bad_stream', 'invalid size', { cause })
  }
  if (options.chunks !== layout.chunks)
    throw new CryptoError('bad_stream', 'chunk count does not match the size')
  if (stream.length !== layout.streamLength)
    throw new CryptoError('bad_stream', 'stream length does not match the manifest')
  const headerBytes = stream.subarray(0, STREAM_HEADER_BYTES)
  for (let i = 0; i < STREAM_MAGIC.length; i++) {
    if (headerBytes[i] !== STREAM_MAGIC[i]) throw new CryptoError('bad_stream', 'bad magic')
  }
  if (headerBytes[STREAM_MAGIC.length] !== STREAM_VERSION)
    throw new CryptoError('bad_stream', 'unsupported version')
  const prefix = headerBytes.subarray(STREAM_MAGIC.length + 1)
  if (options.prefix && !backend.equal(prefix, options.prefix)) {
    throw new CryptoError('bad_stream', 'prefix differs from the manifest')
  }
  const padded = new Uint8Array(layout.paddedSize)
  try {
    let offset = STREAM_HEADER_BYTES
    for (let i = 0; i < layout.chunks; i++) {
      const last = i === layout.chunks - 1
      const sealedLength = last ? stream.length - offset : STREAM_SEALED_CHUNK_BYTES
      const sealed = stream.subarray(offset, offset + sealedLength)
      const plain = backend.aeadDecrypt(
        options.fileKey,
        chunkNonce(prefix, i),
        chunkAd(headerBytes, last),
        sealed,
      )
      padded.set(plain, i * STREAM_CHUNK_BYTES)
      backend.wipe(plain)
      offset += sealedLength
    }
    const file = Uint8Array.from(unpad(padded))
    if (file.length !== options.size) throw new CryptoError('bad_stream', 'size differs from the manifest')
    return file
  } catch (cause) {
    if (cause instanceof CryptoError && cause.code === 'bad_stream') throw cause
    throw new CryptoError('bad_stream', 'a chunk failed to open', { cause })
  } finally {
    backend.wipe(padded)
  }
}
