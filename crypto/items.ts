/**
 * @module crypto/items
 * Signed case items, envelope kinds 2–7 (SPEC.md §5, DESIGN §5, §5a): reporter messages, replies,
 * notes, codings, key grants, attachment manifests. The plaintext is UTF-8 JSON
 * `{ body, author, sig }`; `sig` is Ed25519 over `H("tnr/v1/sig/item", ad, JCS({ body, author }))`
 * where `ad` is the envelope's payload associated data, so a signature is bound to the kind and
 * the case and cannot be replayed into another.
 *
 * Why sign inside the envelope: the envelope alone proves only that someone holding a recipient's
 * public key wrote it, and every recipient key is public. A seized or hostile server could seal
 * a "reply" to the reporter; the signature by the author's certified key (or the reporter's key
 * from the report) is what makes words attributable. `seq` must equal the item's position in the
 * case, so items cannot be reordered, dropped silently or repeated.
 */
import { type CryptoBackend, ED25519_SIGNATURE_BYTES } from './backend.ts'
import { fromBase64, fromUtf8, toBase64, utf8 } from './bytes.ts'
import { signEd25519, verifyEd25519 } from './ed25519.ts'
import { type EnvelopeKind, openEnvelope, payloadAssociatedData, sealEnvelope } from './envelope.ts'
import { CryptoError } from './errors.ts'
import { H } from './hash.ts'
import { jcs } from './jcs.ts'

/** The author of items written by the reporter (kinds 2 and 7 only). */
export const REPORTER_AUTHOR = 'reporter'

export type ItemKind = Exclude<EnvelopeKind, 1>

export type ItemBody = Record<string, unknown> & {
  /** The item's position in the case's sequence of items. */
  seq: number
  /** UTC date the item was written, YYYY-MM-DD. */
  writtenOn: string
}

export interface Item {
  body: ItemBody
  author: string
}

const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkItemKind(kind: number): ItemKind {
  if (!Number.isInteger(kind) || kind < 2 || kind > 7)
    throw new CryptoError('bad_kind', 'signed items are kinds 2–7')
  return kind as ItemKind
}

/**
 * Who may author which kind: a reporter message (2) only the reporter; attachment manifests (7)
 * either side; everything else staff only (a staff user id, never "reporter").
 */
function checkAuthor(kind: ItemKind, author: string): void {
  if (typeof author !== 'string' || author.length === 0)
    throw new CryptoError('bad_plaintext', 'author missing')
  const isReporter = author === REPORTER_AUTHOR
  if (kind === 2 && !isReporter)
    throw new CryptoError('untrusted_key', 'reporter messages are written by the reporter')
  if (kind !== 2 && kind !== 7 && isReporter)
    throw new CryptoError('untrusted_key', 'the reporter cannot author this kind')
}

function checkBody(body: unknown): asserts body is ItemBody {
  if (!isPlainObject(body)) throw new CryptoError('bad_plaintext', 'body is an object')
  if (!Number.isSafeInteger(body.seq) || (body.seq as number) < 0) {
    throw new CryptoError('bad_plaintext', 'body.seq is a non-negative integer')
  }
  if (typeof body.writtenOn !== 'string' || !DATE_PATTERN.test(body.writtenOn)) {
    throw new CryptoError('bad_plaintext', 'body.writtenOn is YYYY-MM-DD')
  }
}

/** The 32-byte message the author signs (SPEC.md §5). */
export function itemSignatureInput(
  backend: CryptoBackend,
  kind: number,
  context: string,
  item: Item,
): Uint8Array {
  const ad = payloadAssociatedData(backend, kind, context)
  return H(backend, 'tnr/v1/sig/item', [ad, utf8(jcs({ body: item.body, author: item.author }))])
}

export interface SealItemOptions {
  kind: ItemKind
  context: string
  recipients: readonly Uint8Array[]
  body: ItemBody
  /** Staff user id, or "reporter". */
  author: string
  /** The author's 32-byte Ed25519 seed. */
  signingSeed: Uint8Array
}

export function sealItem(backend: CryptoBackend, options: SealItemOptions): Uint8Array {
  const kind = checkItemKind(options.kind)
  checkAuthor(kind, options.author)
  // Round-trip through JSON so what is signed is exactly what a reader will parse back
  // (no undefined members, no toJSON surprises, no class instances).
  const body: unknown = JSON.parse(JSON.stringify(options.body))
  checkBody(body)
  const item: Item = { body, author: options.author }
  const message = itemSignatureInput(backend, kind, options.context, item)
  const sig = toBase64(signEd25519(backend, options.signingSeed, message))
  return sealEnvelope(backend, {
    kind,
    context: options.context,
    recipients: options.recipients,
    plaintext: utf8(JSON.stringify({ body, author: item.author, sig })),
  })
}

export interface OpenItemOptions {
  kind: ItemKind
  context: string
  /** The reader's X25519 secret key. */
  secretKey: Uint8Array
  /** The item's position in the case: `body.seq` must equal it. */
  expectedSeq: number
  /**
   * The author's trusted Ed25519 public key: a certified staff signing key, or for "reporter" the
   * key from the decrypted report (never one the server supplied). Undefined = unknown author.
   */
  signingKeyFor: (author: string) => Uint8Array | undefined
}

/**
 * Opens and verifies a signed item. Errors beyond `openEnvelope`'s: `bad_plaintext` (not
 * `{ body, author, sig }` JSON, extra members, malformed body), `untrusted_key` (unknown author,
 * or an author not allowed for this kind), `bad_signature`, `bad_sequence`.
 */
export function openItem(backend: CryptoBackend, envelope: Uint8Array, options: OpenItemOptions): Item {
  const kind = checkItemKind(options.kind)
  const bytes = openEnvelope(backend, envelope, {
    kind,
    context: options.context,
    secretKey: options.secretKey,
  })
  let parsed: unknown
  try {
    parsed = JSON.parse(fromUtf8(bytes))
  } catch (cause) {
    throw new CryptoError('bad_plaintext', 'not UTF-8 JSON', { cause })
  } finally {
    backend.wipe(bytes)
  }
  if (!isPlainObject(parsed)) throw new CryptoError('bad_plaintext', 'not a JSON object')
  const keys = Object.keys(parsed).sort()
  // Exactly these members: anything else would ride along unsigned.
  if (keys.length !== 3 || keys[0] !== 'author' || keys[1] !== 'body' || keys[2] !== 'sig') {
    throw new CryptoError('bad_plaintext', 'expected exactly { body, author, sig }')
  }
  const { body, author, sig } = parsed
  if (typeof author !== 'string' || typeof sig !== 'string') throw new CryptoError('bad_plaintext')
  checkBody(body)
  checkAuthor(kind, author)
  const publicKey = options.signingKeyFor(author)
  if (!publicKey) throw new CryptoError('untrusted_key', 'unknown author')
  let signature: Uint8Array
  try {
    signature = fromBase64(sig, ED25519_SIGNATURE_BYTES)
  } catch (cause) {
    throw new CryptoError('bad_signature', 'signature is not base64 of 64 bytes', { cause })
  }
  const item: Item = { body, author }
  if (
    !verifyEd25519(backend, signature, itemSignatureInput(backend, kind, options.context, item), publicKey)
  ) {
    throw new CryptoError('bad_signature')
  }
  // Checked after the signature: a signed seq that differs is a replay or a reordering.
  if (body.seq !== options.expectedSeq) throw new CryptoError('bad_sequence')
  return item
}
