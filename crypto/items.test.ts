/**
 * @module crypto/items.test
 * Signed items, kinds 2–7 (SPEC.md §5): authors sign what they write, readers refuse unknown
 * authors, forged or relabelled signatures and out-of-place sequence numbers.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { toBase64, utf8 } from './bytes.ts'
import { ENVELOPE_KINDS, payloadAssociatedData, sealEnvelope } from './envelope.ts'
import { CryptoError } from './errors.ts'
import { H } from './hash.ts'
import {
  type ItemBody,
  type ItemKind,
  itemSignatureInput,
  openItem,
  REPORTER_AUTHOR,
  sealItem,
} from './items.ts'
import { jcs } from './jcs.ts'
import { nobleBackend } from './noble.ts'
import { loadSodium } from './sodium.ts'

let sodium: CryptoBackend
beforeAll(async () => {
  sodium = await loadSodium()
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

const LOOKUP_ID = '00112233445566778899aabbccddeeff'
const STAFF = '6f1c2a3b-4d5e-4f60-8172-839405a6b7c8'

function setup(backend: CryptoBackend) {
  const reader = backend.randomBytes(32)
  const staffSeed = backend.randomBytes(32)
  const reporterSeed = backend.randomBytes(32)
  const keys: Record<string, Uint8Array> = {
    [STAFF]: backend.ed25519PublicKey(staffSeed),
    [REPORTER_AUTHOR]: backend.ed25519PublicKey(reporterSeed),
  }
  return {
    reader,
    recipients: [backend.x25519PublicKey(reader)],
    staffSeed,
    reporterSeed,
    signingKeyFor: (author: string) => keys[author],
  }
}

const body = (seq: number): ItemBody => ({
  seq,
  writtenOn: '2025-11-25',
  text: 'Мы получили ваше сообщение.',
})

describe('sealItem and openItem', () => {
  it('round-trip a staff reply sealed by libsodium and read by noble, and a reporter message the other way', () => {
    const s = setup(sodium)
    const reply = sealItem(sodium, {
      kind: 3,
      context: LOOKUP_ID,
      recipients: s.recipients,
      body: body(2),
      author: STAFF,
      signingSeed: s.staffSeed,
    })
    expect(
      openItem(nobleBackend, reply, {
        kind: 3,
        context: LOOKUP_ID,
        secretKey: s.reader,
        expectedSeq: 2,
        signingKeyFor: s.signingKeyFor,
      }),
    ).toEqual({ body: body(2), author: STAFF })
    const message = sealItem(nobleBackend, {
      kind: 2,
      context: LOOKUP_ID,
      recipients: s.recipients,
      body: body(3),
      author: REPORTER_AUTHOR,
      signingSeed: s.reporterSeed,
    })
    expect(
      openItem(sodium, message, {
        kind: 2,
        context: LOOKUP_ID,
        secretKey: s.reader,
        expectedSeq: 3,
        signingKeyFor: s.signingKeyFor,
      }).author,
    ).toBe(REPORTER_AUTHOR)
  })

  it('signs H("tnr/v1/sig/item", ad, JCS({ body, author })) with ad the payload associated data', () => {
    const item = { body: body(1), author: STAFF }
    const expected = H(sodium, 'tnr/v1/sig/item', [
      payloadAssociatedData(sodium, 4, LOOKUP_ID),
      utf8(jcs(item)),
    ])
    expect(itemSignatureInput(sodium, 4, LOOKUP_ID, item)).toEqual(expected)
  })

  it('refuses a wrong sequence number', () => {
    const s = setup(sodium)
    const note = sealItem(sodium, {
      kind: 4,
      context: LOOKUP_ID,
      recipients: s.recipients,
      body: body(5),
      author: STAFF,
      signingSeed: s.staffSeed,
    })
    expect(
      codeOf(() =>
        openItem(sodium, note, {
          kind: 4,
          context: LOOKUP_ID,
          secretKey: s.reader,
          expectedSeq: 4,
          signingKeyFor: s.signingKeyFor,
        }),
      ),
    ).toBe('bad_sequence')
  })

  it('refuses an unknown author, and a signature by someone else', () => {
    const s = setup(sodium)
    const note = sealItem(sodium, {
      kind: 4,
      context: LOOKUP_ID,
      recipients: s.recipients,
      body: body(1),
      author: STAFF,
      signingSeed: s.reporterSeed,
    })
    const open = (signingKeyFor: (a: string) => Uint8Array | undefined) => () =>
      openItem(sodium, note, {
        kind: 4,
        context: LOOKUP_ID,
        secretKey: s.reader,
        expectedSeq: 1,
        signingKeyFor,
      })
    expect(codeOf(open(s.signingKeyFor))).toBe('bad_signature')
    expect(codeOf(open(() => undefined))).toBe('untrusted_key')
  })

  it('refuses the reporter as author of replies, notes, codings and grants, and staff as author of reporter messages', () => {
    const s = setup(sodium)
    for (const kind of [3, 4, 5, 6] as ItemKind[]) {
      expect(
        codeOf(() =>
          sealItem(sodium, {
            kind,
            context: LOOKUP_ID,
            recipients: s.recipients,
            body: body(1),
            author: REPORTER_AUTHOR,
            signingSeed: s.reporterSeed,
          }),
        ),
      ).toBe('untrusted_key')
    }
    expect(
      codeOf(() =>
        sealItem(sodium, {
          kind: 2,
          context: LOOKUP_ID,
          recipients: s.recipients,
          body: body(1),
          author: STAFF,
          signingSeed: s.staffSeed,
        }),
      ),
    ).toBe('untrusted_key')
    // A hand-made reporter-signed "reply" is refused by the reader too.
    const item = { body: body(1), author: REPORTER_AUTHOR }
    const sig = toBase64(sodium.ed25519Sign(s.reporterSeed, itemSignatureInput(sodium, 3, LOOKUP_ID, item)))
    const forged = sealEnvelope(sodium, {
      kind: 3,
      context: LOOKUP_ID,
      recipients: s.recipients,
      plaintext: utf8(JSON.stringify({ ...item, sig })),
    })
    expect(
      codeOf(() =>
        openItem(sodium, forged, {
          kind: 3,
          context: LOOKUP_ID,
          secretKey: s.reader,
          expectedSeq: 1,
          signingKeyFor: s.signingKeyFor,
        }),
      ),
    ).toBe('untrusted_key')
  })

  it('refuses a validly signed item replayed under another kind or case', () => {
    const s = setup(sodium)
    const item = { body: body(1), author: STAFF }
    const sig = toBase64(sodium.ed25519Sign(s.staffSeed, itemSignatureInput(sodium, 4, LOOKUP_ID, item)))
    const plaintext = utf8(JSON.stringify({ ...item, sig }))
    const asReply = sealEnvelope(sodium, { kind: 3, context: LOOKUP_ID, recipients: s.recipients, plaintext })
    expect(
      codeOf(() =>
        openItem(sodium, asReply, {
          kind: 3,
          context: LOOKUP_ID,
          secretKey: s.reader,
          expectedSeq: 1,
          signingKeyFor: s.signingKeyFor,
        }),
      ),
    ).toBe('bad_signature')
    const other = 'f'.repeat(32)
    const elsewhere = sealEnvelope(sodium, { kind: 4, context: other, recipients: s.recipients, plaintext })
    expect(
      codeOf(() =>
        openItem(sodium, elsewhere, {
          kind: 4,
          context: other,
          secretKey: s.reader,
          expectedSeq: 1,
          signingKeyFor: s.signingKeyFor,
        }),
      ),
    ).toBe('bad_signature')
  })

  it('refuses a changed body under the original signature and extra unsigned members', () => {
    const s = setup(sodium)
    const item = { body: body(1), author: STAFF }
    const sig = toBase64(sodium.ed25519Sign(s.staffSeed, itemSignatureInput(sodium, 4, LOOKUP_ID, item)))
    const seal = (value: unknown) =>
      sealEnvelope(sodium, {
        kind: 4,
        context: LOOKUP_ID,
        recipients: s.recipients,
        plaintext: utf8(JSON.stringify(value)),
      })
    const open = (envelope: Uint8Array) => () =>
      openItem(sodium, envelope, {
        kind: 4,
        context: LOOKUP_ID,
        secretKey: s.reader,
        expectedSeq: 1,
        signingKeyFor: s.signingKeyFor,
      })
    expect(codeOf(open(seal({ ...item, sig })))).toBeUndefined()
    expect(codeOf(open(seal({ body: { ...item.body, text: 'changed' }, author: STAFF, sig })))).toBe(
      'bad_signature',
    )
    expect(codeOf(open(seal({ ...item, sig, extra: 1 })))).toBe('bad_plaintext')
    expect(codeOf(open(seal({ ...item, sig: 'AAAA' })))).toBe('bad_signature')
    expect(codeOf(open(seal({ body: { seq: 1, writtenOn: '25-11-2025' }, author: STAFF, sig })))).toBe(
      'bad_plaintext',
    )
    expect(codeOf(open(seal([item])))).toBe('bad_plaintext')
  })

  it('refuses kind 1 and unknown kinds', () => {
    const s = setup(sodium)
    expect(
      codeOf(() =>
        sealItem(sodium, {
          kind: 1 as ItemKind,
          context: LOOKUP_ID,
          recipients: s.recipients,
          body: body(1),
          author: STAFF,
          signingSeed: s.staffSeed,
        }),
      ),
    ).toBe('bad_kind')
    expect(ENVELOPE_KINDS.attachmentManifest).toBe(7)
  })
})
