/**
 * @module test/digest.test
 * The daily content-free digest (DESIGN §4, §8; issue 5) against a real SMTP server
 * (`smtp-server` on 127.0.0.1, a random port) and a real database (PGlite always, PostgreSQL when
 * DATABASE_URL is set):
 * - nothing goes out before DIGEST_HOUR_UTC, nor on a day without activity;
 * - the message arrives once a day with the totals across desks, and names no desk, case, lookup
 *   id or language; two instances at once send it once;
 * - STARTTLS is required unless `?insecure=1` (loopback only): a relay that does not offer it
 *   gets nothing, and the day is retried; a failure never logs the SMTP password;
 * - configuration errors are one line and never echo the SMTP URL.
 */
import type { AddressInfo } from 'node:net'
import { eq } from 'drizzle-orm'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Database, openDatabase } from '../api/db/index.ts'
import { caseItems, cases, desks, jobState } from '../api/db/schema.ts'
import { type DigestConfig, parseEnv, type SmtpConfig } from '../api/env.ts'
import { type DigestOutcome, runDigest, smtpSender } from '../api/jobs/digest.ts'
import { serverJobs } from '../api/jobs/scheduler.ts'
import type { Logger } from '../api/log.ts'
import { deriveSecrets } from '../api/secrets.ts'
import { insertCase } from '../api/storage/cases.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { databases, type TestDatabase } from './support/databases.ts'
import { type DemoOrganisation, seedDemoOrganisation } from './support/seed.ts'

const PASSWORD = 'hunter2-Secret-Relay-Password'
const USER = 'digest-bot'

/** `raw` as received; `text` with quoted-printable undone, to read the words as a person would. */
type Received = { from: string; to: string[]; raw: string; text: string }

function decodeQuotedPrintable(raw: string): string {
  const bytes = Buffer.from(
    raw
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  )
  return bytes.toString('utf8')
}

/** A local relay that records what it receives; `starttls: false` hides STARTTLS. */
async function startRelay(options: { starttls: boolean }) {
  const received: Received[] = []
  const server = new SMTPServer({
    secure: false,
    hideSTARTTLS: !options.starttls,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: USER })
      else callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const from = session.envelope.mailFrom
        const raw = Buffer.concat(chunks).toString('utf8')
        received.push({
          from: from === false ? '' : from.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          text: decodeQuotedPrintable(raw),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.server.address() as AddressInfo).port
  return {
    received,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** Collects log lines, so tests can check that no secret is ever printed. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return { lines, info: (line) => lines.push(line), error: (line) => lines.push(line) }
}

function digestConfigFor(url: string): DigestConfig {
  const config = parseEnv({
    SMTP_URL: url,
    DIGEST_TO: 'alerts@ngo.example.org, second@ngo.example.org',
    DIGEST_FROM: 'console@ngo.example.org',
    DIGEST_HOUR_UTC: '7',
  })
  if (config.digest === undefined) throw new Error('digest not configured')
  return config.digest
}

describe('digest configuration', () => {
  const base = { DIGEST_TO: 'a@example.org', DIGEST_FROM: 'b@example.org' }

  it('is off unless SMTP_URL is set', () => {
    expect(parseEnv({}).digest).toBeUndefined()
  })

  it('parses STARTTLS, implicit TLS and a loopback relay without TLS', () => {
    const starttls = parseEnv({ ...base, SMTP_URL: 'smtp://u%40x:p%3Ass@mail.example.org' }).digest
    expect(starttls?.smtp).toEqual({
      host: 'mail.example.org',
      port: 587,
      implicitTls: false,
      insecure: false,
      auth: { user: 'u@x', pass: 'p:ss' },
    })
    expect(starttls?.hourUtc).toBe(6)
    expect(parseEnv({ ...base, SMTP_URL: 'smtps://mail.example.org' }).digest?.smtp).toMatchObject({
      port: 465,
      implicitTls: true,
      auth: undefined,
    })
    expect(parseEnv({ ...base, SMTP_URL: 'smtp://[::1]:2525?insecure=1' }).digest?.smtp).toMatchObject({
      host: '::1',
      port: 2525,
      insecure: true,
    })
  })

  it('refuses bad values in one line that never shows the SMTP URL', () => {
    const bad = [
      { ...base, SMTP_URL: `smtp://${USER}:${PASSWORD}@mail.example.org?insecure=1` },
      { ...base, SMTP_URL: `http://${USER}:${PASSWORD}@mail.example.org` },
      { ...base, SMTP_URL: `smtps://${USER}:${PASSWORD}@127.0.0.1?insecure=1` },
      { ...base, SMTP_URL: `smtp://${USER}:${PASSWORD}@mail.example.org/path` },
    ]
    for (const env of bad) {
      expect(() => parseEnv(env)).toThrow(
        /^Configuration error: SMTP_URL must be .*\(got a value that is not one \(not shown\)\)\.$/,
      )
      try {
        parseEnv(env)
      } catch (error) {
        expect(String(error)).not.toContain(PASSWORD)
        expect(String(error)).not.toContain('\n')
      }
    }
    const url = `smtp://${USER}:${PASSWORD}@mail.example.org`
    expect(() => parseEnv({ SMTP_URL: url, DIGEST_FROM: 'b@example.org' })).toThrow(/DIGEST_TO must be set/)
    expect(() => parseEnv({ SMTP_URL: url, DIGEST_TO: 'a@example.org' })).toThrow(/DIGEST_FROM must be set/)
    expect(() => parseEnv({ ...base, SMTP_URL: url, DIGEST_TO: 'a@example.org\r\nBcc: x@y.z' })).toThrow(
      /DIGEST_TO must be/,
    )
    expect(() => parseEnv({ ...base, SMTP_URL: url, DIGEST_HOUR_UTC: '24' })).toThrow(
      /DIGEST_HOUR_UTC must be/,
    )
    expect(() => parseEnv({ DIGEST_TO: 'a@example.org' })).toThrow(/DIGEST_TO is set but SMTP_URL is not/)
  })
})

describe.each(databases)('Daily digest on $name', (factory) => {
  let database: TestDatabase
  let backend: CryptoBackend
  let demo: DemoOrganisation
  let relay: Awaited<ReturnType<typeof startRelay>>
  let config: DigestConfig
  let now = new Date('2026-04-10T05:00:00.000Z')
  const clock = { now: () => now }
  const caseIds: string[] = []
  const lookupIds: string[] = []

  async function plantCase(deskId: string, receivedOn: string, messagesOn: string[]): Promise<void> {
    const lookupId = Buffer.from(backend.randomBytes(16)).toString('hex')
    await insertCase(
      database.db,
      {
        deskId,
        lookupId,
        authHash: backend.randomBytes(32),
        reporterPublicKey: backend.randomBytes(32),
        reporterSigningKey: backend.randomBytes(32),
        envelope: backend.randomBytes(300),
        receivedOn,
        proof: { statement: '{}', signature: backend.randomBytes(64) },
      },
      0,
    )
    const [row] = await database.db.select({ id: cases.id }).from(cases).where(eq(cases.lookupId, lookupId))
    if (row === undefined) throw new Error('case not stored')
    let seq = 1
    for (const day of messagesOn)
      await database.db
        .insert(caseItems)
        .values({ caseId: row.id, seq: seq++, kind: 2, envelope: backend.randomBytes(100), createdOn: day })
    caseIds.push(row.id)
    lookupIds.push(lookupId)
  }

  const run = (logger: Logger = recordingLogger(), db = database.db, smtp: SmtpConfig = config.smtp) =>
    runDigest({
      db,
      clock,
      config,
      publicUrl: 'https://report.ngo.example.org',
      send: smtpSender(smtp),
      logger,
    })

  beforeAll(async () => {
    database = await factory.open()
    backend = await loadSodium()
    const secrets = deriveSecrets(backend, backend.randomBytes(32))
    demo = await seedDemoOrganisation(database.db, backend, secrets, now)
    relay = await startRelay({ starttls: false })
    config = digestConfigFor(`smtp://${USER}:${PASSWORD}@127.0.0.1:${relay.port}?insecure=1`)
  }, 60_000)

  afterAll(async () => {
    await relay?.close()
    await database?.destroy()
  })

  beforeEach(() => {
    relay.received.length = 0
  })

  it('sends nothing for a day without activity', async () => {
    now = new Date('2026-04-10T08:00:00.000Z')
    expect(await run()).toBe('nothing_new')
    expect(await run()).toBe('already_covered')
    expect(relay.received).toEqual([])
  })

  it('waits for DIGEST_HOUR_UTC, then mails the totals across desks once, naming no desk or case', async () => {
    const [first, second] = demo.desks
    if (first === undefined || second === undefined) throw new Error('two desks expected')
    // Activity on 2026-04-10 (the digest on the 11th covers it) on both desks; one case from the
    // day before and one from the day itself must not count.
    await plantCase(first.deskId, '2026-04-10', ['2026-04-10', '2026-04-10'])
    await plantCase(second.deskId, '2026-04-10', [])
    await plantCase(second.deskId, '2026-04-09', ['2026-04-10', '2026-04-11'])
    await plantCase(first.deskId, '2026-04-11', [])

    now = new Date('2026-04-11T06:59:00.000Z')
    expect(await run()).toBe('too_early')
    expect(relay.received).toEqual([])

    now = new Date('2026-04-11T07:05:00.000Z')
    const logger = recordingLogger()
    expect(await run(logger)).toBe('sent')
    expect(relay.received).toHaveLength(1)
    const mail = relay.received[0]
    if (mail === undefined) throw new Error('no mail')
    expect(mail.from).toBe('console@ngo.example.org')
    expect(mail.to).toEqual(['alerts@ngo.example.org', 'second@ngo.example.org'])
    expect(mail.raw).toContain('Subject: Activity in the console')
    expect(mail.text).toContain(
      'There is activity in the console: 2 new reports, 3 new messages from reporters since yesterday.',
    )
    expect(mail.text).toContain('https://report.ngo.example.org/console')
    const deskNames = (await database.db.select({ name: desks.name }).from(desks)).map((d) => d.name)
    for (const secret of [
      ...deskNames,
      ...deskNames.map((n) => n.split(' ')[0] ?? n),
      ...demo.desks.map((d) => d.deskId),
      ...caseIds,
      ...lookupIds,
      demo.name,
    ]) {
      expect(mail.raw).not.toContain(secret)
      expect(mail.text).not.toContain(secret)
    }
    expect(logger.lines.join('\n')).not.toContain(PASSWORD)

    // Later the same day, and from a second instance: nothing more.
    now = new Date('2026-04-11T23:30:00.000Z')
    expect(await run()).toBe('already_covered')
    expect(relay.received).toHaveLength(1)
  })

  it('is sent once when two instances tick at the same moment', async () => {
    const [first] = demo.desks
    if (first === undefined) throw new Error('a desk expected')
    // With the case and the message of the 11th planted in the test above: 2 reports, 1 message.
    await plantCase(first.deskId, '2026-04-11', [])
    now = new Date('2026-04-12T09:00:00.000Z')
    let second: Database | undefined
    if (database.databaseUrl !== undefined)
      second = await openDatabase({ dataDir: database.dataDir, databaseUrl: database.databaseUrl })
    try {
      const outcomes: DigestOutcome[] = await Promise.all([
        run(),
        run(recordingLogger(), second?.db ?? database.db),
        run(),
      ])
      expect(outcomes.filter((o) => o === 'sent')).toHaveLength(1)
      expect(outcomes.filter((o) => o === 'already_covered')).toHaveLength(2)
      expect(relay.received).toHaveLength(1)
      expect(relay.received[0]?.text).toContain(
        '2 new reports, 1 new message from reporters since yesterday.',
      )
    } finally {
      await second?.close()
    }
  })

  it('requires STARTTLS: a relay without it gets nothing, the day is retried, the password is never logged', async () => {
    const plain = await startRelay({ starttls: false })
    try {
      const [first] = demo.desks
      if (first === undefined) throw new Error('a desk expected')
      await plantCase(first.deskId, '2026-04-12', ['2026-04-12'])
      now = new Date('2026-04-13T12:00:00.000Z')
      const strict = digestConfigFor(`smtp://${USER}:${PASSWORD}@127.0.0.1:${plain.port}`)
      const logger = recordingLogger()
      expect(await run(logger, database.db, strict.smtp)).toBe('failed')
      expect(plain.received).toEqual([])
      expect(logger.lines.join('\n')).toMatch(/^Digest e-mail not sent \(.+\); will retry\.$/)
      expect(logger.lines.join('\n')).not.toContain(PASSWORD)

      // A wrong password fails too, and is not logged either.
      const wrong = digestConfigFor(`smtp://${USER}:wrong-${PASSWORD}@127.0.0.1:${plain.port}?insecure=1`)
      const wrongLogger = recordingLogger()
      expect(await run(wrongLogger, database.db, wrong.smtp)).toBe('failed')
      expect(wrongLogger.lines.join('\n')).not.toContain(PASSWORD)
      expect(plain.received).toEqual([])

      // The day was given back: the next tick with a working relay sends it.
      expect(await run()).toBe('sent')
      expect(relay.received[0]?.text).toContain('1 new report, 1 new message from reporters since yesterday.')
    } finally {
      await plain.close()
    }
  })

  it('covers the missed days after an outage in one digest', async () => {
    const [first] = demo.desks
    if (first === undefined) throw new Error('a desk expected')
    await plantCase(first.deskId, '2026-04-13', [])
    await plantCase(first.deskId, '2026-04-15', [])
    now = new Date('2026-04-16T07:00:00.000Z')
    expect(await run()).toBe('sent')
    expect(relay.received[0]?.text).toContain(
      '2 new reports, 0 new messages from reporters over the last 3 days.',
    )
    const [state] = await database.db.select().from(jobState).where(eq(jobState.name, 'digest'))
    expect(state?.doneThrough).toBe('2026-04-15')
  })

  it('is one of the server jobs only when SMTP_URL is set', () => {
    const deps = {
      db: database.db,
      clock,
      backend,
      secrets: deriveSecrets(backend, backend.randomBytes(32)),
      logger: recordingLogger(),
    }
    expect(serverJobs({ ...deps, config: parseEnv({}) }).map((j) => j.name)).toEqual(['retention'])
    const on = parseEnv({
      SMTP_URL: `smtp://127.0.0.1:${relay.port}?insecure=1`,
      DIGEST_TO: 'a@example.org',
      DIGEST_FROM: 'b@example.org',
    })
    expect(serverJobs({ ...deps, config: on }).map((j) => j.name)).toEqual(['retention', 'digest'])
  })
})
