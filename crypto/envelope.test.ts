/**
 * @module crypto/envelope.test
 * Envelope v1 (SPEC.md §4): the known-answer vectors on both backends, cross-backend round trips,
 * and the reader's refusals — every tampered, truncated, relabelled or misdirected envelope is a
 * CryptoError, never garbage.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { concat, fromHex, toHex } from './bytes.ts'
import {
  addSlots,
  ENVELOPE_KINDS,
  type EnvelopeKind,
  encodeEnvelope,
  envelopeHash,
  HEADER_BYTES,
  keyId,
  openEnvelope,
  parseEnvelope,
  proofHash,
  SLOT_BYTES,
  sealEnvelope,
} from './envelope.ts'
import { CryptoError } from './errors.ts'
import { nobleBackend } from './noble.ts'
import { loadSodium } from './sodium.ts'
import vectors from './vectors/envelope.json'

let sodium: CryptoBackend
let backends: CryptoBackend[]
beforeAll(async () => {
  sodium = await loadSodium()
  backends = [sodium, nobleBackend]
})

const LOOKUP_ID = '0123456789abcdef0123456789abcdef'
const KINDS = Object.values(ENVELOPE_KINDS) as EnvelopeKind[]

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    if (error instanceof CryptoError) return error.code
    throw error
  }
  return undefined
}

function keyPairs(backend: CryptoBackend, count: number) {
  const secretKeys = Array.from({ length: count }, () => backend.randomBytes(32))
  return { secretKeys, publicKeys: secretKeys.map((k) => backend.x25519PublicKey(k)) }
}

describe('envelope vectors', () => {
  it('cover every kind, 1 to 16 slots, and the refusals', () => {
    const valid = vectors.filter((v) => v.plaintext !== undefined)
    expect(new Set(valid.map((v) => v.kind))).toEqual(new Set(KINDS))
    const counts = new Set(valid.map((v) => parseEnvelope(fromHex(v.envelope)).slots.length))
    for (let n = 1; n <= 16; n++) expect(counts.has(n)).toBe(true)
    expect(vectors.filter((v) => v.error !== undefined).length).toBeGreaterThan(10)
  })

  it('open (or fail with the stated code) identically with libsodium and noble', () => {
    for (const backend of backends) {
      for (const v of vectors) {
        const open = () =>
          openEnvelope(backend, fromHex(v.envelope), {
            kind: v.kind as EnvelopeKind,
            context: v.context,
            secretKey: fromHex(v.recipientSecretKey, 32),
          })
        if (v.error !== undefined) expect(codeOf(open), `${backend.name}: ${v.comment}`).toBe(v.error)
        else expect(toHex(open()), `${backend.name}: ${v.comment}`).toBe(v.plaintext)
      }
    }
  })
})

describe('sealEnvelope and openEnvelope', () => {
  it('seal with one backend and open with the other, for every kind, 1–16 recipients and any size', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS),
        fc.boolean(),
        fc.integer({ min: 1, max: 16 }),
        fc.oneof(fc.constantFrom(0, 1, 1023, 1024, 5000), fc.integer({ min: 0, max: 3000 })),
        fc.boolean(),
        fc.nat(),
        (kind, inCase, count, length, sodiumSeals, pick) => {
          const [sealer, opener] = sodiumSeals ? [sodium, nobleBackend] : [nobleBackend, sodium]
          const context = inCase ? LOOKUP_ID : ''
          const { secretKeys, publicKeys } = keyPairs(sealer, count)
          const plaintext = sealer.randomBytes(length)
          const envelope = sealEnvelope(sealer, { kind, context, recipients: publicKeys, plaintext })
          const secretKey = secretKeys[pick % count]!
          expect(openEnvelope(opener, envelope, { kind, context, secretKey })).toEqual(plaintext)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('uses one fresh ephemeral key per seal, shared by its slots', () => {
    const { publicKeys } = keyPairs(sodium, 3)
    const seal = () =>
      parseEnvelope(
        sealEnvelope(sodium, {
          kind: 4,
          context: LOOKUP_ID,
          recipients: publicKeys,
          plaintext: new Uint8Array(0),
        }),
      )
    const a = seal()
    const b = seal()
    expect(new Set(a.slots.map((s) => toHex(s.ephemeralPublicKey))).size).toBe(1)
    expect(toHex(a.slots[0]!.ephemeralPublicKey)).not.toBe(toHex(b.slots[0]!.ephemeralPublicKey))
    expect(toHex(a.nonce)).not.toBe(toHex(b.nonce))
  })

  it('hides the length of short plaintexts: 0 and 1023 bytes give envelopes of the same size', () => {
    const { publicKeys } = keyPairs(sodium, 1)
    const size = (n: number) =>
      sealEnvelope(sodium, {
        kind: 1,
        context: LOOKUP_ID,
        recipients: publicKeys,
        plaintext: new Uint8Array(n),
      }).length
    expect(size(0)).toBe(size(1023))
    expect(size(0)).toBe(HEADER_BYTES + SLOT_BYTES + 24 + 1024 + 16)
  })

  it('refuses 0 or 17 recipients, duplicates, and keys of the wrong length', () => {
    const { publicKeys } = keyPairs(sodium, 17)
    const seal = (recipients: Uint8Array[]) => () =>
      sealEnvelope(sodium, { kind: 3, context: LOOKUP_ID, recipients, plaintext: new Uint8Array(1) })
    expect(codeOf(seal([]))).toBe('bad_count')
    expect(codeOf(seal(publicKeys))).toBe('bad_count')
    expect(codeOf(seal([publicKeys[0]!, publicKeys[1]!, Uint8Array.from(publicKeys[0]!)]))).toBe(
      'duplicate_key_id',
    )
    expect(codeOf(seal([new Uint8Array(31)]))).toBe('bad_length')
  })

  it('refuses a small-order recipient key (all-zero shared secret) on both backends', () => {
    for (const backend of backends) {
      const zero = new Uint8Array(32)
      const one = new Uint8Array(32)
      one[0] = 1
      for (const weak of [zero, one]) {
        expect(
          codeOf(() =>
            sealEnvelope(backend, { kind: 3, context: '', recipients: [weak], plaintext: new Uint8Array(1) }),
          ),
        ).toBe('weak_key')
      }
    }
  })

  it('refuses a context that is not a lowercase lookup id or empty', () => {
    const { publicKeys } = keyPairs(sodium, 1)
    for (const context of [LOOKUP_ID.toUpperCase(), 'abc', `${LOOKUP_ID}0`, ' ']) {
      expect(
        codeOf(() =>
          sealEnvelope(sodium, { kind: 3, context, recipients: publicKeys, plaintext: new Uint8Array(1) }),
        ),
      ).toBe('bad_argument')
    }
  })
})

describe('the reader', () => {
  let envelope: Uint8Array
  let secretKeys: Uint8Array[]
  const kind = ENVELOPE_KINDS.reply
  beforeAll(() => {
    const pairs = keyPairs(sodium, 2)
    secretKeys = pairs.secretKeys
    envelope = sealEnvelope(sodium, {
      kind,
      context: LOOKUP_ID,
      recipients: pairs.publicKeys,
      plaintext: new Uint8Array(40).fill(9),
    })
  })

  it('refuses any single flipped bit anywhere, on both backends', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean(), (position, bit, useNoble) => {
        const index = position % envelope.length
        const tampered = Uint8Array.from(envelope)
        tampered[index]! ^= 1 << bit
        const backend = useNoble ? nobleBackend : sodium
        // Slot 1 belongs to the other recipient: flipping it leaves our slot intact, except the
        // count and the key id, which the reader checks for duplicates and the slot lookup.
        const ours = index < HEADER_BYTES + SLOT_BYTES || index >= HEADER_BYTES + 2 * SLOT_BYTES
        const code = codeOf(() =>
          openEnvelope(backend, tampered, { kind, context: LOOKUP_ID, secretKey: secretKeys[0]! }),
        )
        if (ours) expect(code).toBeDefined()
        else if (code !== undefined) expect(code).toBe('duplicate_key_id')
      }),
      { numRuns: 300 },
    )
  })

  it('refuses every bit flip in header, our slot, nonce and ciphertext (exhaustive over the first 2000 bytes)', () => {
    const failures: number[] = []
    for (let index = 0; index < envelope.length && index < 2000; index++) {
      if (index >= HEADER_BYTES + SLOT_BYTES && index < HEADER_BYTES + 2 * SLOT_BYTES) continue
      const tampered = Uint8Array.from(envelope)
      tampered[index]! ^= 0x40
      if (
        codeOf(() =>
          openEnvelope(sodium, tampered, { kind, context: LOOKUP_ID, secretKey: secretKeys[0]! }),
        ) === undefined
      )
        failures.push(index)
    }
    expect(failures).toEqual([])
  })

  it('refuses every truncation', () => {
    for (let length = 0; length < envelope.length; length += length < 300 ? 1 : 97) {
      expect(
        codeOf(() =>
          openEnvelope(nobleBackend, envelope.subarray(0, length), {
            kind,
            context: LOOKUP_ID,
            secretKey: secretKeys[1]!,
          }),
        ),
      ).toBeDefined()
    }
  })

  it('refuses appended bytes', () => {
    const longer = concat(envelope, Uint8Array.of(0))
    expect(
      codeOf(() => openEnvelope(sodium, longer, { kind, context: LOOKUP_ID, secretKey: secretKeys[0]! })),
    ).toBe('bad_length')
  })

  it('names the failure: wrong kind, wrong context, wrong key', () => {
    const open = (k: EnvelopeKind, context: string, secretKey: Uint8Array) => () =>
      openEnvelope(sodium, envelope, { kind: k, context, secretKey })
    expect(codeOf(open(ENVELOPE_KINDS.note, LOOKUP_ID, secretKeys[0]!))).toBe('bad_kind')
    expect(codeOf(open(kind, 'f'.repeat(32), secretKeys[0]!))).toBe('decrypt_failed')
    expect(codeOf(open(kind, '', secretKeys[0]!))).toBe('decrypt_failed')
    expect(codeOf(open(kind, LOOKUP_ID, sodium.randomBytes(32)))).toBe('no_slot_for_key')
  })

  it('refuses a relabelled kind byte even when opened as the new kind', () => {
    const relabelled = Uint8Array.from(envelope)
    relabelled[4] = ENVELOPE_KINDS.note
    expect(
      codeOf(() =>
        openEnvelope(sodium, relabelled, {
          kind: ENVELOPE_KINDS.note,
          context: LOOKUP_ID,
          secretKey: secretKeys[0]!,
        }),
      ),
    ).toBe('decrypt_failed')
  })

  it('refuses a slot wrapped for another key id (slot key bound to the recipient)', () => {
    // Swap the key ids of the two slots: each slot now claims the other recipient.
    const parsed = parseEnvelope(envelope)
    const swapped = encodeEnvelope({
      ...parsed,
      slots: [
        { ...parsed.slots[0]!, keyId: parsed.slots[1]!.keyId },
        { ...parsed.slots[1]!, keyId: parsed.slots[0]!.keyId },
      ],
    })
    for (const secretKey of secretKeys) {
      expect(codeOf(() => openEnvelope(sodium, swapped, { kind, context: LOOKUP_ID, secretKey }))).toBe(
        'decrypt_failed',
      )
    }
  })

  it('parses its own structure: encodeEnvelope(parseEnvelope(x)) = x', () => {
    expect(toHex(encodeEnvelope(parseEnvelope(envelope)))).toBe(toHex(envelope))
    const parsed = parseEnvelope(envelope)
    expect(parsed.kind).toBe(kind)
    expect(parsed.slots.map((s) => toHex(s.keyId))).toEqual(
      secretKeys.map((k) => toHex(keyId(sodium, sodium.x25519PublicKey(k)))),
    )
  })

  it('never throws anything but a CryptoError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), fc.boolean(), (bytes, withHeader) => {
        const input = withHeader ? concat(Uint8Array.of(0x54, 0x4e, 0x52, 1, 3, 1), bytes) : bytes
        const code = codeOf(() =>
          openEnvelope(nobleBackend, input, { kind, context: LOOKUP_ID, secretKey: secretKeys[0]! }),
        )
        expect(code).toBeDefined()
      }),
      { numRuns: 200 },
    )
  })
})

describe('addSlots', () => {
  it('lets a new recipient open, keeps the payload and the proof hash, and refuses duplicates', () => {
    for (const [first, second] of [
      [sodium, nobleBackend],
      [nobleBackend, sodium],
    ] as const) {
      const owners = keyPairs(first, 2)
      const newcomers = keyPairs(first, 3)
      const plaintext = first.randomBytes(2000)
      const envelope = sealEnvelope(first, { kind: 6, context: '', recipients: owners.publicKeys, plaintext })
      const grown = addSlots(second, envelope, {
        secretKey: owners.secretKeys[1]!,
        recipients: newcomers.publicKeys,
        verify: { kind: 6, context: '' },
      })
      expect(parseEnvelope(grown).slots.length).toBe(5)
      expect(proofHash(first, grown)).toBe(proofHash(second, envelope))
      expect(envelopeHash(first, grown)).not.toBe(envelopeHash(first, envelope))
      for (const secretKey of [...owners.secretKeys, ...newcomers.secretKeys]) {
        expect(openEnvelope(first, grown, { kind: 6, context: '', secretKey })).toEqual(plaintext)
      }
      const newSlots = parseEnvelope(grown).slots.slice(2)
      expect(new Set(newSlots.map((s) => toHex(s.ephemeralPublicKey))).size).toBe(1)
      expect(toHex(newSlots[0]!.ephemeralPublicKey)).not.toBe(
        toHex(parseEnvelope(grown).slots[0]!.ephemeralPublicKey),
      )
      expect(
        codeOf(() =>
          addSlots(second, grown, {
            secretKey: owners.secretKeys[0]!,
            recipients: [newcomers.publicKeys[0]!],
          }),
        ),
      ).toBe('duplicate_key_id')
    }
  })

  it('refuses to grow beyond 16 slots and refuses a key without a slot', () => {
    const owners = keyPairs(sodium, 15)
    const envelope = sealEnvelope(sodium, {
      kind: 4,
      context: LOOKUP_ID,
      recipients: owners.publicKeys,
      plaintext: new Uint8Array(3),
    })
    const extra = keyPairs(sodium, 2)
    expect(
      codeOf(() =>
        addSlots(sodium, envelope, { secretKey: owners.secretKeys[0]!, recipients: extra.publicKeys }),
      ),
    ).toBe('bad_count')
    expect(
      parseEnvelope(
        addSlots(sodium, envelope, { secretKey: owners.secretKeys[0]!, recipients: [extra.publicKeys[0]!] }),
      ).slots.length,
    ).toBe(16)
    expect(
      codeOf(() =>
        addSlots(sodium, envelope, { secretKey: extra.secretKeys[0]!, recipients: [extra.publicKeys[1]!] }),
      ),
    ).toBe('no_slot_for_key')
  })

  it('with verify, refuses when the payload does not open under the given kind or context', () => {
    const owners = keyPairs(sodium, 1)
    const envelope = sealEnvelope(sodium, {
      kind: 4,
      context: LOOKUP_ID,
      recipients: owners.publicKeys,
      plaintext: new Uint8Array(3),
    })
    const extra = keyPairs(sodium, 1)
    const grow = (verify: { kind: EnvelopeKind; context: string }) => () =>
      addSlots(sodium, envelope, { secretKey: owners.secretKeys[0]!, recipients: extra.publicKeys, verify })
    expect(codeOf(grow({ kind: 4, context: '' }))).toBe('decrypt_failed')
    expect(codeOf(grow({ kind: 3, context: LOOKUP_ID }))).toBe('bad_kind')
    expect(codeOf(grow({ kind: 4, context: LOOKUP_ID }))).toBeUndefined()
  })
})

describe('hashes', () => {
  it('envelopeHash and proofHash agree across backends and follow SPEC.md §4', () => {
    const v = vectors.find((x) => x.plaintext !== undefined)!
    const envelope = fromHex(v.envelope)
    expect(envelopeHash(sodium, envelope)).toBe(envelopeHash(nobleBackend, envelope))
    expect(proofHash(sodium, envelope)).toBe(proofHash(nobleBackend, envelope))
    expect(envelopeHash(sodium, envelope)).toMatch(/^[0-9a-f]{64}$/)
    // keyId is BLAKE2b with a 16-byte digest length, not a truncated 32-byte digest.
    const pk = sodium.x25519PublicKey(fromHex(v.recipientSecretKey))
    const truncated = sodium
      .blake2b(concat(new TextEncoder().encode('tnr/v1/key-id'), Uint8Array.of(0), pk), 32)
      .subarray(0, 16)
    expect(toHex(keyId(sodium, pk))).not.toBe(toHex(truncated))
    expect(toHex(keyId(sodium, pk))).toBe(
      toHex(sodium.blake2b(concat(new TextEncoder().encode('tnr/v1/key-id'), Uint8Array.of(0), pk), 16)),
    )
  })
})
