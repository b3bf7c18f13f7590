/**
 * @module crypto/retire
 * Retiring an old desk key version (SPEC.md §18, DESIGN §5): an envelope's slot for the old desk
 * key is replaced by a slot for the new one, in place. Only the slot changes: `prefix5`, nonce and
 * ciphertext stay byte for byte, so item signatures (which cover the payload's associated data,
 * never the slots, §5) and receipt proofs (`proofHash`, slots excluded, §4) still verify.
 *
 * - `retireSlot` (the admin's browser): unwrap the content key with the old secret, confirm it
 *   opens the payload, add a slot for the new key, drop the old slot, and open the result with
 *   the new secret before handing it back.
 * - `checkRetiredSlot` (the server, no keys): the upload is the stored envelope with exactly the
 *   old slot swapped for one new slot, every other byte unchanged.
 */
import type { CryptoBackend } from './backend.ts'
import {
  addSlots,
  type EnvelopeKind,
  encodeEnvelope,
  keyId,
  openEnvelope,
  parseEnvelope,
} from './envelope.ts'
import { CryptoError } from './errors.ts'

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export interface RetireSlotOptions {
  kind: EnvelopeKind
  /** The case's lookup id (the payload's context, §4). */
  context: string
  oldSecretKey: Uint8Array
  newSecretKey: Uint8Array
}

/**
 * Returns `envelope` with its slot for `oldSecretKey`'s public key replaced by a slot for
 * `newSecretKey`'s (appended last, under a fresh ephemeral key). Errors: whatever
 * `openEnvelope`/`addSlots` throw (`no_slot_for_key`, `decrypt_failed`, `duplicate_key_id` when
 * the envelope already has a slot for the new key, …).
 */
export function retireSlot(
  backend: CryptoBackend,
  envelope: Uint8Array,
  options: RetireSlotOptions,
): Uint8Array {
  const oldId = keyId(backend, backend.x25519PublicKey(options.oldSecretKey))
  const newPublicKey = backend.x25519PublicKey(options.newSecretKey)
  const added = parseEnvelope(
    addSlots(backend, envelope, {
      secretKey: options.oldSecretKey,
      recipients: [newPublicKey],
      verify: { kind: options.kind, context: options.context },
    }),
  )
  const swapped = encodeEnvelope({ ...added, slots: added.slots.filter((s) => !same(s.keyId, oldId)) })
  // The new slot must open the payload before the old one is given up.
  backend.wipe(
    openEnvelope(backend, swapped, {
      kind: options.kind,
      context: options.context,
      secretKey: options.newSecretKey,
    }),
  )
  return swapped
}

/**
 * Structure check of a re-wrapped envelope against the stored one, by key ids only: same kind,
 * nonce and ciphertext; the stored envelope has a slot for `oldKeyId` and none for `newKeyId`;
 * the upload has the stored slots in the same order minus the old one, plus exactly one slot for
 * `newKeyId` at the end. Throws `CryptoError('key_mismatch')` otherwise (after `parseEnvelope`'s
 * own errors). The server cannot check that the new slot wraps the right content key; the
 * uploading browser opened it with the new key first, and every reader opens it again.
 */
export function checkRetiredSlot(
  stored: Uint8Array,
  uploaded: Uint8Array,
  ids: { oldKeyId: Uint8Array; newKeyId: Uint8Array },
): void {
  const before = parseEnvelope(stored)
  const after = parseEnvelope(uploaded)
  const fail = (why: string): never => {
    throw new CryptoError('key_mismatch', why)
  }
  if (after.kind !== before.kind) fail('kind changed')
  if (!same(after.nonce, before.nonce) || !same(after.ciphertext, before.ciphertext)) fail('payload changed')
  if (!before.slots.some((s) => same(s.keyId, ids.oldKeyId))) fail('no slot for the old key')
  if (before.slots.some((s) => same(s.keyId, ids.newKeyId))) fail('already has a slot for the new key')
  const kept = before.slots.filter((s) => !same(s.keyId, ids.oldKeyId))
  if (after.slots.length !== kept.length + 1) fail('slot count')
  kept.forEach((slot, i) => {
    const other = after.slots[i]
    if (
      other === undefined ||
      !same(other.keyId, slot.keyId) ||
      !same(other.ephemeralPublicKey, slot.ephemeralPublicKey) ||
      !same(other.wrappedKey, slot.wrappedKey)
    )
      fail('another slot changed')
  })
  const added = after.slots[kept.length]
  if (added === undefined || !same(added.keyId, ids.newKeyId)) fail('the new slot is not for the new key')
}
