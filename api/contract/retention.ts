/**
 * @module api/contract/retention
 * Retention administration (DESIGN §6, issue 5 "Retention"): each desk's period, the counts an
 * admin sees before purging, and "purge now". Shared by api/routes/admin.ts and the console
 * (web/console/admin/Retention.tsx). No server imports here.
 */
import { z } from 'zod'
import { utcDate } from './common.ts'
import { auditWire, uuid } from './staff.ts'

/** A hundred years: long enough for any policy, short enough that date arithmetic stays sane. */
export const MAX_RETENTION_DAYS = 36_500

export const deskRetentionJson = z.object({
  deskId: uuid,
  name: z.string(),
  /** Days closed cases are kept; null: kept until an admin purges them by hand. */
  retentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable(),
  /** Closed cases of the desk. */
  closed: z.number().int().min(0),
  /** Closed cases "purge now" would erase today. */
  due: z.number().int().min(0),
})
export type DeskRetentionJson = z.infer<typeof deskRetentionJson>

export const retentionResponse = z.object({
  /** The server's UTC day, which the counts are for. */
  today: utcDate,
  desks: z.array(deskRetentionJson),
  /** Whether the daily content-free e-mail digest is configured (SMTP_URL), and its hour. */
  digest: z.object({ enabled: z.boolean(), hourUtc: z.number().int().min(0).max(23).nullable() }),
})
export type RetentionResponse = z.infer<typeof retentionResponse>

export const retentionPeriodRequest = z.strictObject({
  retentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable(),
  audit: auditWire,
})

/** `expected` is the count the admin confirmed; the server erases nothing if it has changed. */
export const purgeNowRequest = z.strictObject({
  expected: z.number().int().min(0).max(10_000_000),
  audit: auditWire,
})

export const purgeNowResponse = z.object({ purged: z.number().int().min(0) })
