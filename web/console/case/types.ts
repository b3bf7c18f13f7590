/**
 * @module web/console/case/types
 * What the case view hands its panels: `act` runs one audited change (signs the audit entry,
 * sends, shows `done` or the error, reloads the case) — see `act` in ../CaseView.tsx.
 */
import type { AuditWire } from '../../../api/contract/staff.ts'

export type Act = (
  action: string,
  send: (audit: AuditWire) => Promise<unknown>,
  done: string,
) => Promise<void>

/** A short, stable line for a related case when its report cannot be decrypted. */
export const shortId = (id: string) => `#${id.slice(0, 8)}`
