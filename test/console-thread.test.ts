/**
 * @module test/console-thread.test
 * The console against a hostile server (issue 5 "Security requirements"): how web/console/thread.ts
 * opens a case the server hands over. A case whose stored reporter keys differ from the report's
 * is refused; a reply or note signed by a key the organisation never certified, an item replayed
 * at another position, and a reporter message signed by another key are each shown as refused;
 * genuine items open with their author's name.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { CaseDetailResponse } from '../api/contract/staff.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { toBase64 } from '../crypto/bytes.ts'
import { REPORTER_AUTHOR, sealItem } from '../crypto/items.ts'
import { deriveReceiptKeys, generateReceiptCode } from '../crypto/receipt.ts'
import { sealReport } from '../crypto/report.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { certifyUser, type KeyRing, randomUuid } from '../web/console/keys.ts'
import { openCase, sealStaffItem } from '../web/console/thread.ts'

const NOW = new Date()
const today = NOW.toISOString().slice(0, 10)

describe('opening a case served by a hostile server', () => {
  let b: CryptoBackend
  let ring: KeyRing
  let deskId: string
  let deskSecret: Uint8Array
  let orgSeed: Uint8Array
  let staff: { id: string; seed: Uint8Array; statement: { statement: string; signature: string } }

  beforeAll(async () => {
    b = await loadSodium()
    orgSeed = b.randomBytes(32)
    deskId = randomUuid(b)
    deskSecret = b.randomBytes(32)
    const orgId = randomUuid(b)
    const staffSeed = b.randomBytes(32)
    const staffId = randomUuid(b)
    staff = {
      id: staffId,
      seed: staffSeed,
      statement: certifyUser(b, {
        orgSeed,
        orgId,
        userId: staffId,
        username: 'bakhyt',
        role: 'caseworker',
        identityKey: b.x25519PublicKey(b.randomBytes(32)),
        signingKey: b.ed25519PublicKey(staffSeed),
        now: NOW,
      }),
    }
    ring = {
      userId: randomUuid(b),
      orgId,
      orgSigningKey: b.ed25519PublicKey(orgSeed),
      identitySecretKey: b.randomBytes(32),
      signingSeed: b.randomBytes(32),
      desks: new Map([[deskId, new Map([[1, deskSecret]])]]),
      certified: new Map(),
      refused: [],
    }
  })

  function caseWith(
    build: (ctx: {
      lookupId: string
      reporterSigningSeed: Uint8Array
      reporterPublicKey: Uint8Array
    }) => { kind: number; envelope: Uint8Array; authorId: string | null }[],
    options: { storedKeysSwapped?: boolean } = {},
  ) {
    const receipt = deriveReceiptKeys(b, generateReceiptCode(b))
    const deskPublic = b.x25519PublicKey(deskSecret)
    const report = sealReport(b, {
      recipients: [deskPublic],
      lookupId: receipt.lookupId,
      report: {
        reporterPublicKey: toBase64(receipt.reporterPublicKey),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
        narrative: 'They came again.',
      },
    })
    const other = deriveReceiptKeys(b, generateReceiptCode(b))
    const items = build({
      lookupId: receipt.lookupId,
      reporterSigningSeed: receipt.reporterSigningSeed,
      reporterPublicKey: receipt.reporterPublicKey,
    })
    const detail: CaseDetailResponse = {
      case: {
        id: randomUuid(b),
        deskId,
        lookupId: receipt.lookupId,
        receivedOn: today,
        status: 'new',
        priority: 'normal',
        assigneeId: null,
        spam: false,
        labels: [],
        lastSeq: items.length,
        seenSeq: -1,
        reporterPublicKey: toBase64(
          options.storedKeysSwapped ? other.reporterPublicKey : receipt.reporterPublicKey,
        ),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
      },
      items: [
        { seq: 0, kind: 1, envelope: toBase64(report), authorId: null, createdOn: today },
        ...items.map((item, index) => ({
          seq: index + 1,
          kind: item.kind,
          envelope: toBase64(item.envelope),
          authorId: item.authorId,
          createdOn: today,
        })),
      ],
      signers: [staff.statement],
      staff: [],
      labels: [],
    }
    return { detail, deskPublic }
  }

  it('refuses a case whose stored reporter keys differ from those inside the report', () => {
    const { detail } = caseWith(() => [], { storedKeysSwapped: true })
    expect(openCase(b, ring, detail)).toEqual({ ok: false, error: 'reporter_keys_differ' })
  })

  it('shows genuine items and refuses forged, replayed and mis-signed ones', () => {
    const { detail } = caseWith(({ lookupId, reporterSigningSeed, reporterPublicKey }) => {
      const deskPublic = b.x25519PublicKey(deskSecret)
      const reply = (seq: number, seed: Uint8Array, author: string) =>
        sealItem(b, {
          kind: 3,
          context: lookupId,
          recipients: [reporterPublicKey, deskPublic],
          body: { seq, writtenOn: today, text: `reply ${seq}` },
          author,
          signingSeed: seed,
        })
      return [
        {
          kind: 2,
          envelope: sealItem(b, {
            kind: 2,
            context: lookupId,
            recipients: [deskPublic],
            body: { seq: 1, writtenOn: today, type: 'message', text: 'hello' },
            author: REPORTER_AUTHOR,
            signingSeed: reporterSigningSeed,
          }),
          authorId: null,
        },
        { kind: 3, envelope: reply(2, staff.seed, staff.id), authorId: staff.id },
        // Signed by a key the organisation never certified, claiming to be the caseworker.
        { kind: 3, envelope: reply(3, b.randomBytes(32), staff.id), authorId: staff.id },
        // A genuine reply replayed at another position.
        { kind: 3, envelope: reply(2, staff.seed, staff.id), authorId: staff.id },
        // A "reporter" message signed by some other key.
        {
          kind: 2,
          envelope: sealItem(b, {
            kind: 2,
            context: lookupId,
            recipients: [deskPublic],
            body: { seq: 5, writtenOn: today, type: 'message', text: 'send money' },
            author: REPORTER_AUTHOR,
            signingSeed: b.randomBytes(32),
          }),
          authorId: null,
        },
      ]
    })
    const opened = openCase(b, ring, detail)
    if (!opened.ok) throw new Error(opened.error)
    expect(opened.entries.map((e) => (e.ok ? `ok:${e.authorName}` : `refused:${e.error}`))).toEqual([
      'ok:reporter',
      'ok:bakhyt',
      'refused:bad_signature',
      'refused:bad_sequence',
      'refused:bad_signature',
    ])
  })

  it('seals replies to the reporter and the desk, and notes to the desk only', () => {
    const { detail } = caseWith(() => [])
    const opened = openCase(b, ring, detail)
    if (!opened.ok) throw new Error(opened.error)
    const note = sealStaffItem(b, ring, {
      kind: 4,
      lookupId: detail.case.lookupId,
      seq: 1,
      text: 'internal',
      reporterPublicKey: opened.report.reporterPublicKey,
      deskPublicKey: opened.deskPublicKey,
    })
    const reply = sealStaffItem(b, ring, {
      kind: 3,
      lookupId: detail.case.lookupId,
      seq: 1,
      text: 'hello',
      reporterPublicKey: opened.report.reporterPublicKey,
      deskPublicKey: opened.deskPublicKey,
    })
    const count = (envelope: string) => Buffer.from(envelope, 'base64')[5]
    expect(count(note)).toBe(1)
    expect(count(reply)).toBe(2)
  })
})
