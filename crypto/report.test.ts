/**
 * @module crypto/report.test
 * The kind-1 report plaintext (SPEC.md §5): sealed to desks under the case's lookup id, opened
 * with the reporter's keys taken from inside it.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { toBase64, toHex, utf8 } from './bytes.ts'
import { ENVELOPE_KINDS, sealEnvelope } from './envelope.ts'
import { CryptoError } from './errors.ts'
import { nobleBackend } from './noble.ts'
import { deriveReceiptKeys, generateReceiptCode } from './receipt.ts'
import { openReport, type ReportPlaintext, sealReport } from './report.ts'
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

describe('sealReport and openReport', () => {
  it('carry the report and the reporter keys from the noble reporter page to a libsodium console', () => {
    const desk = sodium.randomBytes(32)
    const receipt = deriveReceiptKeys(nobleBackend, generateReceiptCode(nobleBackend))
    const report: ReportPlaintext = {
      narrative: 'Они звонили моей матери — ئۇلار ئانامغا تېلېفون قىلدى',
      reporterPublicKey: toBase64(receipt.reporterPublicKey),
      reporterSigningKey: toBase64(receipt.reporterSigningKey),
    }
    const envelope = sealReport(nobleBackend, {
      recipients: [sodium.x25519PublicKey(desk)],
      lookupId: receipt.lookupId,
      report,
    })
    const opened = openReport(sodium, envelope, { lookupId: receipt.lookupId, secretKey: desk })
    expect(opened.report).toEqual(report)
    expect(toHex(opened.reporterPublicKey)).toBe(toHex(receipt.reporterPublicKey))
    expect(toHex(opened.reporterSigningKey)).toBe(toHex(receipt.reporterSigningKey))
  })

  it('binds the report to its lookup id', () => {
    const desk = sodium.randomBytes(32)
    const keys = deriveReceiptKeys(sodium, generateReceiptCode(sodium))
    const envelope = sealReport(sodium, {
      recipients: [sodium.x25519PublicKey(desk)],
      lookupId: keys.lookupId,
      report: {
        reporterPublicKey: toBase64(keys.reporterPublicKey),
        reporterSigningKey: toBase64(keys.reporterSigningKey),
      },
    })
    expect(codeOf(() => openReport(sodium, envelope, { lookupId: 'a'.repeat(32), secretKey: desk }))).toBe(
      'decrypt_failed',
    )
    expect(codeOf(() => openReport(sodium, envelope, { lookupId: 'A'.repeat(32), secretKey: desk }))).toBe(
      'bad_argument',
    )
  })

  it('refuses to seal a report without valid reporter keys', () => {
    const recipients = [sodium.x25519PublicKey(sodium.randomBytes(32))]
    const lookupId = 'b'.repeat(32)
    const bad = [
      { reporterPublicKey: toBase64(new Uint8Array(32)) },
      { reporterPublicKey: toBase64(new Uint8Array(31)), reporterSigningKey: toBase64(new Uint8Array(32)) },
      { reporterPublicKey: 'not base64', reporterSigningKey: toBase64(new Uint8Array(32)) },
    ]
    for (const report of bad) {
      expect(
        codeOf(() => sealReport(sodium, { recipients, lookupId, report: report as ReportPlaintext })),
      ).toBe('bad_plaintext')
    }
  })

  it('refuses a kind-1 plaintext that is not a JSON object carrying both keys', () => {
    const desk = sodium.randomBytes(32)
    const lookupId = 'c'.repeat(32)
    const key = toBase64(new Uint8Array(32).fill(1))
    const cases: [string, Uint8Array][] = [
      ['invalid JSON', utf8('{"a":')],
      ['an array', utf8('[]')],
      ['null', utf8('null')],
      ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d)],
      ['missing signing key', utf8(JSON.stringify({ reporterPublicKey: key }))],
      [
        'non-canonical base64',
        utf8(JSON.stringify({ reporterPublicKey: key, reporterSigningKey: `${key.slice(0, 42)}B=` })),
      ],
    ]
    for (const [what, plaintext] of cases) {
      const envelope = sealEnvelope(sodium, {
        kind: ENVELOPE_KINDS.report,
        context: lookupId,
        recipients: [sodium.x25519PublicKey(desk)],
        plaintext,
      })
      expect(
        codeOf(() => openReport(nobleBackend, envelope, { lookupId, secretKey: desk })),
        what,
      ).toBe('bad_plaintext')
    }
  })

  it('refuses any other kind', () => {
    const desk = sodium.randomBytes(32)
    const lookupId = 'd'.repeat(32)
    const envelope = sealEnvelope(sodium, {
      kind: ENVELOPE_KINDS.reporterMessage,
      context: lookupId,
      recipients: [sodium.x25519PublicKey(desk)],
      plaintext: utf8('{}'),
    })
    expect(codeOf(() => openReport(sodium, envelope, { lookupId, secretKey: desk }))).toBe('bad_kind')
  })
})
