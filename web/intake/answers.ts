/**
 * @module web/intake/answers
 * The intake form's in-memory answers (never stored anywhere: DESIGN §4) and the one function
 * that turns them into the report plaintext. The contact channel is not in the plaintext: it is
 * sent as its own desk-only item (web/shared/report-schema.ts explains why).
 */
import type { PickedFile } from '../shared/components.tsx'
import {
  type Community,
  REPORT_VERSION,
  type ReportPlaintext,
  reportPlaintextSchema,
  type Subject,
  type Tactic,
} from '../shared/report-schema.ts'

export interface Answers {
  subject: Subject | null
  whereaboutsUnknown: boolean
  tactics: Tactic[]
  /** '' = not chosen, a year, or 'before' (before the earliest year listed). */
  whenYear: string
  /** '' = month not known, else '1'–'12'. */
  whenMonth: string
  whenNotSure: boolean
  ongoing: 'yes' | 'no' | 'unknown' | null
  urgent: boolean | null
  /** '' = not answered, an ISO code, or 'undisclosed'. */
  hostCountry: string
  /** '' = not answered, an ISO code, or 'unknown'. */
  originState: string
  community: Community | null
  narrative: string
  files: PickedFile[]
  contact: string
  readBack: boolean | null
  statisticsConsent: boolean | null
  deskId: string | null
}

export const EMPTY_ANSWERS: Answers = {
  subject: null,
  whereaboutsUnknown: false,
  tactics: [],
  whenYear: '',
  whenMonth: '',
  whenNotSure: false,
  ongoing: null,
  urgent: null,
  hostCountry: '',
  originState: '',
  community: null,
  narrative: '',
  files: [],
  contact: '',
  readBack: null,
  statisticsConsent: null,
  deskId: null,
}

/** The earliest year offered; earlier events are "before" it. */
export const EARLIEST_YEAR = 2000

/** Whether anything has been typed or chosen (the tab-close warning follows this). */
export function hasContent(a: Answers): boolean {
  return (
    a.subject !== null ||
    a.tactics.length > 0 ||
    a.whenYear !== '' ||
    a.ongoing !== null ||
    a.urgent !== null ||
    a.hostCountry !== '' ||
    a.originState !== '' ||
    a.community !== null ||
    a.narrative.trim() !== '' ||
    a.files.length > 0 ||
    a.contact.trim() !== ''
  )
}

function when(a: Answers): ReportPlaintext['answers']['when'] {
  if (a.whenNotSure || a.whenYear === '') return null
  if (a.whenYear === 'before') return { year: EARLIEST_YEAR, month: null, before: true }
  const month = a.whenMonth === '' ? null : Number(a.whenMonth)
  return { year: Number(a.whenYear), month, before: false }
}

export function buildReport(
  a: Answers,
  options: {
    language: string
    deskId: string
    reporterPublicKey: string
    reporterSigningKey: string
    filesToFollow: number
  },
): ReportPlaintext {
  const report: ReportPlaintext = {
    version: REPORT_VERSION,
    language: options.language,
    deskId: options.deskId,
    readBack: a.readBack === true,
    answers: {
      subject: a.subject,
      whereaboutsUnknown: a.subject !== 'self' && a.subject !== null && a.whereaboutsUnknown,
      tactics: [...a.tactics],
      when: when(a),
      ongoing: a.ongoing,
      urgent: a.urgent,
      hostCountry: a.hostCountry === '' ? null : a.hostCountry,
      originState: a.originState === '' ? null : a.originState,
      community: a.community,
      narrative: a.narrative.trim(),
      statisticsConsent: a.statisticsConsent === true,
      filesToFollow: options.filesToFollow,
    },
    reporterPublicKey: options.reporterPublicKey,
    reporterSigningKey: options.reporterSigningKey,
  }
  // What is sealed must be what every reader's schema accepts.
  return reportPlaintextSchema.parse(report)
}
