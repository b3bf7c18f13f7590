/**
 * @module api/jobs/digest
 * The optional daily content-free digest (DESIGN §4, §8; issue 5), off unless `SMTP_URL` is set:
 * once a day, from `DIGEST_HOUR_UTC`, one e-mail says how many new reports and reporter
 * messages arrived on the previous UTC day, in total across every desk. It names no desk, no
 * case, no language and carries no link with an id: a mail provider must not learn when a
 * community reports. Nothing is sent on a day without activity.
 *
 * Sending goes through nodemailer with STARTTLS required (`smtps://` for TLS from the start);
 * only `?insecure=1` on a loopback relay sends in clear (api/env.ts refuses it elsewhere). A
 * failure is logged by error class and code only, never the URL or password, and the day is
 * given back so the next tick retries.
 */
import { createTransport } from 'nodemailer'
import type { Clock } from '../app.ts'
import type { Db } from '../db/index.ts'
import type { DigestConfig, SmtpConfig } from '../env.ts'
import { describeInternalError, type Logger } from '../log.ts'
import { type Activity, activityBetween, claimDigestDays, releaseDigestClaim } from '../storage/digest.ts'
import { addDays, utcDay } from '../storage/retention.ts'

export type MailMessage = { from: string; to: readonly string[]; subject: string; text: string }
export type MailSender = (message: MailMessage) => Promise<void>

/** How long a relay may take before the attempt counts as failed (and is retried next tick). */
const SMTP_TIMEOUT_MS = 30_000

/** A sender over the configured relay; one connection per digest, closed afterwards. */
export function smtpSender(smtp: SmtpConfig): MailSender {
  return async function sendOverSmtp(message) {
    const transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.implicitTls,
      requireTLS: !smtp.implicitTls && !smtp.insecure,
      ignoreTLS: smtp.insecure,
      tls: { minVersion: 'TLSv1.2' },
      ...(smtp.auth === undefined ? {} : { auth: { user: smtp.auth.user, pass: smtp.auth.pass } }),
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
      // nodemailer's own logging would print the conversation, including AUTH.
      logger: false,
      debug: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    })
    try {
      await transport.sendMail({
        from: message.from,
        to: [...message.to],
        subject: message.subject,
        text: message.text,
      })
    } finally {
      transport.close()
    }
  }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/** The digest's words: totals and a link to the console, nothing else. */
export function digestMessage(
  config: Pick<DigestConfig, 'from' | 'to'>,
  publicUrl: string,
  activity: Activity,
  days: number,
): MailMessage {
  const since = days === 1 ? 'since yesterday' : `over the last ${days} days`
  return {
    from: config.from,
    to: config.to,
    subject: 'Activity in the console',
    text: [
      `There is activity in the console: ${plural(activity.reports, 'new report', 'new reports')}, ${plural(activity.messages, 'new message', 'new messages')} from reporters ${since}.`,
      '',
      `Sign in to read them: ${publicUrl}/console`,
      '',
      'This digest names no desk and no case on purpose.',
      '',
    ].join('\n'),
  }
}

export type DigestDeps = {
  readonly db: Db
  readonly clock: Clock
  readonly config: DigestConfig
  readonly publicUrl: string
  readonly send: MailSender
  readonly logger: Logger
}

export type DigestOutcome = 'too_early' | 'already_covered' | 'nothing_new' | 'sent' | 'failed'

const daysBetween = (from: string, through: string) =>
  Math.round((Date.parse(through) - Date.parse(from)) / (24 * 60 * 60 * 1000)) + 1

/** One tick of the digest job; safe to call often and from several instances. */
export async function runDigest(deps: DigestDeps): Promise<DigestOutcome> {
  const now = deps.clock.now()
  if (now.getUTCHours() < deps.config.hourUtc) return 'too_early'
  const claim = await claimDigestDays(deps.db, addDays(utcDay(now), -1))
  if (claim === undefined) return 'already_covered'
  const activity = await activityBetween(deps.db, claim.from, claim.through)
  if (activity.reports === 0 && activity.messages === 0) return 'nothing_new'
  try {
    await deps.send(
      digestMessage(deps.config, deps.publicUrl, activity, daysBetween(claim.from, claim.through)),
    )
  } catch (error) {
    await releaseDigestClaim(deps.db, claim)
    deps.logger.error(`Digest e-mail not sent (${describeInternalError(error)}); will retry.`)
    return 'failed'
  }
  deps.logger.info('Digest e-mail sent.')
  return 'sent'
}
