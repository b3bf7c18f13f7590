/**
 * @module api/jobs/scheduler
 * Background jobs of the server process (DESIGN §3, §6): the retention purge and the optional
 * daily digest. Each job runs on its own timer, first a little after start-up and then every
 * period, each wait stretched by random jitter so instances behind one database do not all
 * start together (the jobs are safe when they do: api/storage/retention.ts, digest.ts).
 *
 * A run never overlaps the previous run of the same job; a failure is logged (class and code
 * only, api/log.ts) and the job tries again at its next tick. `stop()` clears the timers and
 * waits for a run in progress, so the database is closed only after it.
 */
import { randomInt } from 'node:crypto'
import type { CryptoBackend } from '../../crypto/backend.ts'
import type { Clock } from '../app.ts'
import type { Db } from '../db/index.ts'
import type { Config } from '../env.ts'
import { describeInternalError, type Logger } from '../log.ts'
import type { ServerSecrets } from '../secrets.ts'
import { type MailSender, runDigest, smtpSender } from './digest.ts'
import { runRetention } from './retention.ts'

export type Job = {
  readonly name: string
  /** Time between the end of one run and the start of the next, before jitter. */
  readonly everyMs: number
  /** Up to this much is added, at random, to every wait (and is the whole first wait). */
  readonly jitterMs: number
  run(): Promise<void>
}

export type Scheduler = { stop(): Promise<void> }

export function startScheduler(
  jobs: readonly Job[],
  logger: Logger,
  random: (maxExclusive: number) => number = (max) => (max < 1 ? 0 : randomInt(max)),
): Scheduler {
  let stopped = false
  const timers = new Set<NodeJS.Timeout>()
  const running = new Set<Promise<void>>()

  const schedule = (job: Job, delayMs: number) => {
    if (stopped) return
    const timer = setTimeout(() => {
      timers.delete(timer)
      const run = job
        .run()
        .catch((error: unknown) => {
          logger.error(`Job ${job.name} failed (${describeInternalError(error)}); will retry.`)
        })
        .finally(() => {
          running.delete(run)
          schedule(job, job.everyMs + random(job.jitterMs))
        })
      running.add(run)
    }, delayMs)
    // Timers never keep the process alive: shutdown closes the server and the database.
    timer.unref()
    timers.add(timer)
  }

  for (const job of jobs) schedule(job, random(job.jitterMs))
  return {
    async stop() {
      stopped = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      await Promise.allSettled([...running])
    },
  }
}

const MINUTE = 60 * 1000

export type ServerJobDeps = {
  readonly db: Db
  readonly config: Config
  readonly clock: Clock
  readonly secrets: ServerSecrets
  readonly backend: CryptoBackend
  readonly logger: Logger
  /** Replaces SMTP (tests). */
  readonly send?: MailSender
}

/** The server's jobs: retention hourly, the digest (when configured) checked every 10 minutes. */
export function serverJobs(deps: ServerJobDeps): Job[] {
  const jobs: Job[] = [
    {
      name: 'retention',
      everyMs: 60 * MINUTE,
      jitterMs: 10 * MINUTE,
      run: async () => {
        await runRetention(deps)
      },
    },
  ]
  const digest = deps.config.digest
  if (digest !== undefined) {
    const send = deps.send ?? smtpSender(digest.smtp)
    jobs.push({
      name: 'digest',
      everyMs: 10 * MINUTE,
      jitterMs: 5 * MINUTE,
      run: async () => {
        await runDigest({ ...deps, config: digest, publicUrl: deps.config.publicUrl, send })
      },
    })
  }
  return jobs
}

export function startServerJobs(deps: ServerJobDeps): Scheduler {
  return startScheduler(serverJobs(deps), deps.logger)
}
