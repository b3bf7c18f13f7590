/**
 * @module crypto/envelope
 * Envelope v1 (SPEC.md §4, DESIGN §5a): a multi-recipient sealed box built only from primitives
 * both backends reproduce byte for byte (X25519, BLAKE2b, XChaCha20-Poly1305).
 *
 *   envelope = header(6) ‖ slot(96) × count ‖ nonce(24) ‖ ciphertext(≥ 1024 + 16)
 *
 * The payload's associated data binds magic, version, kind and context (the case's lookup id), so
 * a hostile server cannot relabel a note as a reply or move it to another case. Slots stay outside
 * the associated data so key rotation can add recipients without touching the payload; a server
 * can therefore strip a slot (denial of service), never read or alter the content.
 *
 * This file is the one encoder/decoder pair for envelope bytes (STYLE.md): nothing else slices
 * them by hand. Every failure is a `CryptoError` with a precise code, never garbage plaintext.
 */
import {
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  type CryptoBackend,
  X25519_PUBLIC_KEY_BYTES,
  X25519_SECRET_KEY_BYTES,
} from './backend.ts'
import { concat, toHex, u16, utf8 } from './bytes.ts'
import { CryptoError } from './errors.ts'
import { H } from './hash.ts'
import { isPaddedLength, PADDING_FLOOR, pad, unpad } from './padding.ts'

/** "TNR": the first three bytes of every envelope. */
export const ENVELOPE_MAGIC = Uint8Array.of(0x54, 0x4e, 0x52)
/** Bumped (with new vectors) on any change to the byte layout; readers refuse other versions. */
export const ENVELOPE_VERSION = 1

export const ENVELOPE_KINDS = {
  report: 1,
  reporterMessage: 2,
  reply: 3,
  note: 4,
  coding: 5,
  keyGrant: 6,
  attachmentManifest: 7,
} as const
export type EnvelopeKind = (typeof ENVELOPE_KINDS)[keyof typeof ENVELOPE_KINDS]

export const MAX_RECIPIENTS = 16
export const HEADER_BYTES = 6
export const KEY_ID_BYTES = 16
/** AEAD(contentKey) under the slot key: 32-byte key + 16-byte tag. */
export const WRAPPED_KEY_BYTES = AEAD_KEY_BYTES + AEAD_TAG_BYTES
export const SLOT_BYTES = KEY_ID_BYTES + X25519_PUBLIC_KEY_BYTES + WRAPPED_KEY_BYTES
/** The shortest ciphertext a reader accepts: the padding floor plus the tag. */
export const MIN_CIPHERTEXT_BYTES = PADDING_FLOOR + AEAD_TAG_BYTES

/** ASCII prefix of a slot's associated data, followed by the 16-byte key id (SPEC.md §4). */
const SLOT_AD_PREFIX = utf8('tnr/v1/slot')
/**
 * Slot keys are single-use (fresh ephemeral `e` per seal, one key per recipient), so the slot
 * nonce is fixed at 24 zero bytes: there is exactly one message per key.
 */
const SLOT_NONCE = new Uint8Array(AEAD_NONCE_BYTES)

/** Lowercase lookup id (32 hex) for case items, or '' where there is no case (SPEC.md §4). */
const CONTEXT_PATTERN = /^(?:[0-9a-f]{32})?$/

export interface EnvelopeSlot {
  keyId: Uint8Array
  ephemeralPublicKey: Uint8Array
  wrappedKey: Uint8Array
}

export interface ParsedEnvelope {
  kind: EnvelopeKind
  slots: EnvelopeSlot[]
  nonce: Uint8Array
  ciphertext: Uint8Array
}

function isEnvelopeKind(kind: number): kind is EnvelopeKind {
  return Number.isInteger(kind) && kind >= 1 && kind <= 7
}

function checkKind(kind: number): EnvelopeKind {
  if (!isEnvelopeKind(kind)) throw new CryptoError('bad_kind', `unknown envelope kind ${kind}`)
  return kind
}

function checkContext(context: string): Uint8Array {
  if (!CONTEXT_PATTERN.test(context)) {
    throw new CryptoError('bad_argument', 'context is a lowercase 32-hex lookup id or empty')
  }
  return utf8(context)
}

function checkPublicKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== X25519_PUBLIC_KEY_BYTES) {
    throw new CryptoError('bad_length', 'X25519 public keys are 32 bytes')
  }
}

function checkSecretKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== X25519_SECRET_KEY_BYTES) {
    throw new CryptoError('bad_length', 'X25519 secret keys are 32 bytes')
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  // Key ids are public; a plain comparison is fine here.
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** `keyId(R)` = BLAKE2b-128 (digest-length parameter 16) of "tnr/v1/key-id" ‖ 0x00 ‖ R. */
export function keyId(backend: CryptoBackend, publicKey: Uint8Array): Uint8Array {
  checkPublicKey(publicKey)
  return H(backend, 'tnr/v1/key-id', [publicKey], KEY_ID_BYTES)
}

/** `prefix5` = magic ‖ version ‖ kind: the header without the slot count. */
function prefix5(kind: EnvelopeKind): Uint8Array {
  return concat(ENVELOPE_MAGIC, Uint8Array.of(ENVELOPE_VERSION, kind))
}

/**
 * The payload's associated data, `H("tnr/v1/payload", prefix5, u16(len(context)), context)`.
 * Signed items (crypto/items.ts) sign over it too, so a signature cannot be replayed under
 * another kind or in another case.
 */
export function payloadAssociatedData(backend: CryptoBackend, kind: number, context: string): Uint8Array {
  const contextBytes = checkContext(context)
  return H(backend, 'tnr/v1/payload', [prefix5(checkKind(kind)), u16(contextBytes.length), contextBytes])
}

function slotKey(
  backend: CryptoBackend,
  shared: Uint8Array,
  ephemeral: Uint8Array,
  recipient: Uint8Array,
): Uint8Array {
  return H(backend, 'tnr/v1/slot-key', [shared, ephemeral, recipient])
}

/**
 * Wraps `contentKey` for each recipient under one fresh ephemeral key `e` (never stored, wiped
 * here). Throws `weak_key` for a small-order recipient key (all-zero X25519 output).
 */
function makeSlots(
  backend: CryptoBackend,
  contentKey: Uint8Array,
  recipients: readonly Uint8Array[],
): Uint8Array[] {
  const ephemeralSecret = backend.randomBytes(X25519_SECRET_KEY_BYTES)
  try {
    const ephemeralPublic = backend.x25519PublicKey(ephemeralSecret)
    return recipients.map((recipient) => {
      const id = keyId(backend, recipient)
      const shared = backend.x25519(ephemeralSecret, recipient)
      const kSlot = slotKey(backend, shared, ephemeralPublic, recipient)
      backend.wipe(shared)
      try {
        const wrapped = backend.aeadEncrypt(kSlot, SLOT_NONCE, concat(SLOT_AD_PREFIX, id), contentKey)
        return concat(id, ephemeralPublic, wrapped)
      } finally {
        backend.wipe(kSlot)
      }
    })
  } finally {
    backend.wipe(ephemeralSecret)
  }
}

function checkRecipients(
  backend: CryptoBackend,
  recipients: readonly Uint8Array[],
  existing: Uint8Array[] = [],
): void {
  if (recipients.length < 1 || existing.length + recipients.length > MAX_RECIPIENTS) {
    throw new CryptoError('bad_count', `an envelope has 1–${MAX_RECIPIENTS} recipients`)
  }
  const seen = new Set(existing.map(toHex))
  for (const recipient of recipients) {
    const id = toHex(keyId(backend, recipient))
    if (seen.has(id)) throw new CryptoError('duplicate_key_id', 'a recipient appears twice')
    seen.add(id)
  }
}

/** The encoder half of the pair: assembles the bytes from parts, checking lengths and count. */
export function encodeEnvelope(parts: ParsedEnvelope): Uint8Array {
  const kind = checkKind(parts.kind)
  const count = parts.slots.length
  if (count < 1 || count > MAX_RECIPIENTS) throw new CryptoError('bad_count')
  for (const slot of parts.slots) {
    if (
      slot.keyId.length !== KEY_ID_BYTES ||
      slot.ephemeralPublicKey.length !== X25519_PUBLIC_KEY_BYTES ||
      slot.wrappedKey.length !== WRAPPED_KEY_BYTES
    ) {
      throw new CryptoError('bad_length', 'slot field of the wrong length')
    }
  }
  if (parts.nonce.length !== AEAD_NONCE_BYTES) throw new CryptoError('bad_length')
  return concat(
    prefix5(kind),
    Uint8Array.of(count),
    ...parts.slots.flatMap((s) => [s.keyId, s.ephemeralPublicKey, s.wrappedKey]),
    parts.nonce,
    parts.ciphertext,
  )
}

/**
 * The decoder half: a structure-only check needing no keys (the server runs it on every upload).
 * Refuses, in this order: fewer than 6 bytes (`truncated`), bad magic, bad version, unknown kind,
 * count outside 1–16, slots or nonce cut short (`truncated`), duplicate key ids, a ciphertext
 * shorter than 1024 + 16 bytes or whose length minus the tag is not a padded length
 * (`bad_length`; such a payload could only fail `unpad` after decryption anyway).
 * The returned fields are views into `bytes`.
 */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  if (!(bytes instanceof Uint8Array)) throw new CryptoError('bad_argument')
  if (bytes.length < HEADER_BYTES) throw new CryptoError('truncated', 'shorter than the header')
  if (!sameBytes(bytes.subarray(0, 3), ENVELOPE_MAGIC)) throw new CryptoError('bad_magic')
  if (bytes[3] !== ENVELOPE_VERSION) throw new CryptoError('bad_version')
  const kind = checkKind(bytes[4]!)
  const count = bytes[5]!
  if (count < 1 || count > MAX_RECIPIENTS) throw new CryptoError('bad_count')
  const slotsEnd = HEADER_BYTES + count * SLOT_BYTES
  if (bytes.length < slotsEnd + AEAD_NONCE_BYTES)
    throw new CryptoError('truncated', 'slots or nonce cut short')
  const slots: EnvelopeSlot[] = []
  const seen = new Set<string>()
  for (let offset = HEADER_BYTES; offset < slotsEnd; offset += SLOT_BYTES) {
    const id = bytes.subarray(offset, offset + KEY_ID_BYTES)
    const idHex = toHex(id)
    if (seen.has(idHex)) throw new CryptoError('duplicate_key_id')
    seen.add(idHex)
    slots.push({
      keyId: id,
      ephemeralPublicKey: bytes.subarray(
        offset + KEY_ID_BYTES,
        offset + KEY_ID_BYTES + X25519_PUBLIC_KEY_BYTES,
      ),
      wrappedKey: bytes.subarray(offset + KEY_ID_BYTES + X25519_PUBLIC_KEY_BYTES, offset + SLOT_BYTES),
    })
  }
  const nonce = bytes.subarray(slotsEnd, slotsEnd + AEAD_NONCE_BYTES)
  const ciphertext = bytes.subarray(slotsEnd + AEAD_NONCE_BYTES)
  if (ciphertext.length < MIN_CIPHERTEXT_BYTES)
    throw new CryptoError('bad_length', 'ciphertext shorter than 1040 bytes')
  if (!isPaddedLength(ciphertext.length - AEAD_TAG_BYTES)) {
    throw new CryptoError('bad_length', 'ciphertext length is not a padded length plus the tag')
  }
  return { kind, slots, nonce, ciphertext }
}

export interface SealOptions {
  kind: EnvelopeKind
  /** ASCII of the case's lowercase lookup id, or '' where there is no case. */
  context: string
  /** X25519 public keys, 1–16, no duplicates. */
  recipients: readonly Uint8Array[]
  /** Plaintext before padding (sealEnvelope pads). */
  plaintext: Uint8Array
}

/** Seals `plaintext` to every recipient: fresh content key, fresh nonce, one fresh ephemeral key. */
export function sealEnvelope(backend: CryptoBackend, options: SealOptions): Uint8Array {
  const kind = checkKind(options.kind)
  const ad = payloadAssociatedData(backend, kind, options.context)
  for (const recipient of options.recipients) checkPublicKey(recipient)
  checkRecipients(backend, options.recipients)
  const contentKey = backend.randomBytes(AEAD_KEY_BYTES)
  const padded = pad(options.plaintext)
  try {
    const slots = makeSlots(backend, contentKey, options.recipients)
    const nonce = backend.randomBytes(AEAD_NONCE_BYTES)
    const ciphertext = backend.aeadEncrypt(contentKey, nonce, ad, padded)
    return concat(prefix5(kind), Uint8Array.of(slots.length), ...slots, nonce, ciphertext)
  } finally {
    backend.wipe(contentKey)
    backend.wipe(padded)
  }
}

/**
 * The recipient's public key, remembered per secret-key buffer: a release builder opens 100,000
 * codings with one statistics key, and a scalar multiplication each was a tenth of the work
 * (issue 8 #4). Keyed by the buffer (a WeakMap, so nothing outlives it) and checked against a
 * one-way digest of its current bytes, so a buffer wiped or refilled since is recomputed. Never
 * a copy of the secret.
 */
const recipientPublicKeys = new WeakMap<Uint8Array, { check: Uint8Array; publicKey: Uint8Array }>()

function recipientPublicKey(backend: CryptoBackend, secretKey: Uint8Array): Uint8Array {
  const check = H(backend, 'tnr/v1/local/public-key-cache', [secretKey])
  const cached = recipientPublicKeys.get(secretKey)
  if (cached !== undefined && backend.equal(cached.check, check)) return cached.publicKey
  const publicKey = backend.x25519PublicKey(secretKey)
  recipientPublicKeys.set(secretKey, { check, publicKey })
  return publicKey
}

/** Finds our slot and unwraps the content key. The caller wipes the result. */
function unwrapContentKey(backend: CryptoBackend, parsed: ParsedEnvelope, secretKey: Uint8Array): Uint8Array {
  checkSecretKey(secretKey)
  const publicKey = recipientPublicKey(backend, secretKey)
  const id = keyId(backend, publicKey)
  const slot = parsed.slots.find((s) => sameBytes(s.keyId, id))
  if (!slot) throw new CryptoError('no_slot_for_key')
  const shared = backend.x25519(secretKey, slot.ephemeralPublicKey)
  const kSlot = slotKey(backend, shared, slot.ephemeralPublicKey, publicKey)
  backend.wipe(shared)
  try {
    return backend.aeadDecrypt(kSlot, SLOT_NONCE, concat(SLOT_AD_PREFIX, id), slot.wrappedKey)
  } finally {
    backend.wipe(kSlot)
  }
}

function decryptPayload(
  backend: CryptoBackend,
  parsed: ParsedEnvelope,
  contentKey: Uint8Array,
  context: string,
): Uint8Array {
  const ad = payloadAssociatedData(backend, parsed.kind, context)
  const padded = backend.aeadDecrypt(contentKey, parsed.nonce, ad, parsed.ciphertext)
  // Copy out of the padded buffer so the padding can be wiped and the caller owns the result.
  const plaintext = Uint8Array.from(unpad(padded))
  backend.wipe(padded)
  return plaintext
}

export interface OpenOptions {
  /** The kind the caller expects; any other kind is refused before decryption. */
  kind: EnvelopeKind
  context: string
  /** The recipient's 32-byte X25519 secret key. */
  secretKey: Uint8Array
}

/**
 * Opens an envelope: structure check, expected kind, our slot, content key, payload (with kind
 * and context in the associated data), padding. Returns the unpadded plaintext.
 * Errors: everything `parseEnvelope` throws, `bad_kind` (another kind), `no_slot_for_key`,
 * `weak_key`, `decrypt_failed` (slot or payload tag: tampering, wrong key, wrong context),
 * `bad_padding`.
 */
export function openEnvelope(backend: CryptoBackend, envelope: Uint8Array, options: OpenOptions): Uint8Array {
  const parsed = parseEnvelope(envelope)
  if (parsed.kind !== checkKind(options.kind))
    throw new CryptoError('bad_kind', 'not the expected envelope kind')
  checkContext(options.context)
  const contentKey = unwrapContentKey(backend, parsed, options.secretKey)
  try {
    return decryptPayload(backend, parsed, contentKey, options.context)
  } finally {
    backend.wipe(contentKey)
  }
}

export interface AddSlotsOptions {
  /** Secret key of a recipient already in the envelope. */
  secretKey: Uint8Array
  /** New recipients' X25519 public keys; none may already hold a slot. */
  recipients: readonly Uint8Array[]
  /**
   * When given, the payload is decrypted first, so slots are never added for a content key that
   * does not open the payload (a server could hand us a slot wrapping some other key).
   * Recommended whenever the caller knows the context.
   */
  verify?: { kind: EnvelopeKind; context: string }
}

/**
 * Key rotation and grants: unwraps the content key with an existing recipient's secret key and
 * appends one slot per new recipient under a fresh ephemeral key. Nonce and ciphertext are left
 * byte for byte, so `proofHash` (and any receipt proof over it) stays valid.
 */
export function addSlots(backend: CryptoBackend, envelope: Uint8Array, options: AddSlotsOptions): Uint8Array {
  const parsed = parseEnvelope(envelope)
  for (const recipient of options.recipients) checkPublicKey(recipient)
  checkRecipients(
    backend,
    options.recipients,
    parsed.slots.map((s) => s.keyId),
  )
  if (options.verify && parsed.kind !== checkKind(options.verify.kind)) throw new CryptoError('bad_kind')
  const contentKey = unwrapContentKey(backend, parsed, options.secretKey)
  try {
    if (options.verify) backend.wipe(decryptPayload(backend, parsed, contentKey, options.verify.context))
    const newSlots = makeSlots(backend, contentKey, options.recipients)
    const slotsEnd = HEADER_BYTES + parsed.slots.length * SLOT_BYTES
    return concat(
      envelope.subarray(0, 5),
      Uint8Array.of(parsed.slots.length + newSlots.length),
      envelope.subarray(HEADER_BYTES, slotsEnd),
      ...newSlots,
      envelope.subarray(slotsEnd),
    )
  } finally {
    backend.wipe(contentKey)
  }
}

/** Hex of `H("tnr/v1/envelope", envelope)` over all its bytes (grant statements, SPEC.md §4). */
export function envelopeHash(backend: CryptoBackend, envelope: Uint8Array): string {
  return toHex(H(backend, 'tnr/v1/envelope', [envelope]))
}

/**
 * Hex of `H("tnr/v1/proof", prefix5, nonce, ciphertext)`: the receipt-proof hash. Slots and the
 * count byte are excluded so rotation (addSlots) keeps a reporter's proof of receipt valid.
 */
export function proofHash(backend: CryptoBackend, envelope: Uint8Array): string {
  const parsed = parseEnvelope(envelope)
  return toHex(H(backend, 'tnr/v1/proof', [prefix5(parsed.kind), parsed.nonce, parsed.ciphertext]))
}
