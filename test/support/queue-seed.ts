/**
 * @module test/support/queue-seed
 * Many cases at once for the queue's suites: each a real report sealed to a desk key (the
 * intake page's plaintext shape, web/shared/report-schema.ts), inserted straight into storage
 * with its report item, as `POST /api/reports` would have committed it.
 */
import { randomBytes } from 'node:crypto'
import type { Db } from '../../api/db/index.ts'
import { caseItems, cases } from '../../api/db/schema.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { toBase64 } from '../../crypto/bytes.ts'
import { sealReport } from '../../crypto/report.ts'
import type { ReportPlaintext } from '../../web/shared/report-schema.ts'

export type QueueCaseSpec = {
  language?: string
  narrative?: string
  hostCountry?: string | null
  originState?: string | null
  tactics?: ReportPlaintext['answers']['tactics']
  subject?: ReportPlaintext['answers']['subject']
  receivedOn?: string
  status?: (typeof cases.$inferInsert)['status']
  spam?: boolean
}

export async function seedQueueCases(
  db: Db,
  backend: CryptoBackend,
  desk: { deskId: string; publicKey: Uint8Array },
  specs: readonly QueueCaseSpec[],
): Promise<string[]> {
  const ids: string[] = []
  for (let start = 0; start < specs.length; start += 200) {
    const batch = specs.slice(start, start + 200).map((spec) => {
      const lookupId = randomBytes(16).toString('hex')
      const reporterPublicKey = backend.randomBytes(32)
      const reporterSigningKey = backend.randomBytes(32)
      const report: ReportPlaintext = {
        version: 1,
        language: spec.language ?? 'en',
        deskId: desk.deskId,
        readBack: false,
        answers: {
          subject: spec.subject ?? 'self',
          whereaboutsUnknown: false,
          tactics: spec.tactics ?? ['surveillance'],
          when: { year: 2026, month: 3, before: false },
          ongoing: 'yes',
          urgent: false,
          hostCountry: spec.hostCountry ?? 'DE',
          originState: spec.originState ?? 'RU',
          community: 'other',
          narrative: spec.narrative ?? 'Someone followed me home from the community centre.',
          statisticsConsent: true,
          filesToFollow: 0,
        },
        reporterPublicKey: toBase64(reporterPublicKey),
        reporterSigningKey: toBase64(reporterSigningKey),
      }
      const envelope = sealReport(backend, { recipients: [desk.publicKey], lookupId, report })
      const receivedOn = spec.receivedOn ?? new Date().toISOString().slice(0, 10)
      return {
        envelope,
        receivedOn,
        row: {
          deskId: desk.deskId,
          receivedOn,
          status: spec.status ?? 'new',
          spam: spec.spam ?? false,
          lookupId,
          authHash: randomBytes(32),
          reporterPublicKey,
          reporterSigningKey,
          proofStatement: `{"hash":"${randomBytes(32).toString('hex')}","type":"receipt-proof"}`,
          proofSignature: randomBytes(64),
        },
      }
    })
    const inserted = await db
      .insert(cases)
      .values(batch.map((b) => b.row))
      .returning({ id: cases.id })
    await db.insert(caseItems).values(
      inserted.map((c, i) => {
        const b = batch[i]
        if (b === undefined) throw new Error('batch mismatch')
        return { caseId: c.id, seq: 0, kind: 1, envelope: b.envelope, createdOn: b.receivedOn }
      }),
    )
    ids.push(...inserted.map((c) => c.id))
  }
  return ids
}
