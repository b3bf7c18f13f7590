/**
 * @module test/leak.test
 * Leak checks (DESIGN §4, §10; issue 7 item 4): what a seized server holds must not contain what
 * a reporter wrote, who they are, or how to reach their case.
 *
 * A real server process on PGlite (and on PostgreSQL when DATABASE_URL is set) receives, through
 * Reporter API v1 over HTTP, a report, a follow-up message, and an attachment — each carrying a
 * unique canary: in the narrative, in the message, in the file name and in the file's bytes —
 * plus requests that fail (a malformed body, a 404 path and a query string holding a canary).
 * Every request carries a unique User-Agent and a distinctive X-Forwarded-For address, with
 * TRUST_PROXY=1 so the server would be tempted to read it.
 *
 * Then (test/support/leak-scan.ts) every column of every table as raw bytes (binary COPY), every
 * file under DATA_DIR, and everything the server printed are scanned for all of them, and for the
 * receipt code and auth token, in UTF-8, UTF-16LE/BE, hex, and base64/base64url at all three
 * alignments. Zero findings. Positive controls keep the scanner honest: the encodings are found
 * in synthetic haystacks, and a canary written straight into a bytea column is found by the same
 * database scan (and, on PGlite, in DATA_DIR's files).
 */
import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { caseItems, cases } from '../api/db/schema.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { fromBase64, toBase64 } from '../crypto/bytes.ts'
import { REPORTER_AUTHOR, sealItem } from '../crypto/items.ts'
import { solvePow } from '../crypto/pow.ts'
import { deriveReceiptKeys, formatReceipt, generateReceiptCode } from '../crypto/receipt.ts'
import { sealReport } from '../crypto/report.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { createStreamEncryptor } from '../crypto/stream.ts'
import { databases } from './support/databases.ts'
import {
  base64Core,
  type Finding,
  needlesFor,
  needlesForAll,
  scanBytes,
  scanDatabase,
  scanDirectory,
} from './support/leak-scan.ts'
import { type SeededDeployment, seededDeployment } from './support/seeded-server.ts'
import type { RunningServer } from './support/server.ts'

const tag = () => randomBytes(8).toString('hex')

describe('the leak scanner', () => {
  it('finds a canary in every encoding, at every base64 alignment, between random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.string({ unit: 'grapheme', minLength: 6, maxLength: 24 }),
        (before, after, text) => {
          const canary = `CANARY-${text}`
          const raw = Buffer.from(canary, 'utf8')
          const embed = (middle: Uint8Array) => Buffer.concat([before, middle, after])
          const rawEmbedded = embed(raw)
          const haystacks: Array<[string, Uint8Array]> = [
            ['utf-8', rawEmbedded],
            ['utf-16le', embed(Buffer.from(canary, 'utf16le'))],
            ['hex', Buffer.from(rawEmbedded.toString('hex'), 'latin1')],
            ['HEX', Buffer.from(rawEmbedded.toString('hex').toUpperCase(), 'latin1')],
            ['base64', Buffer.from(rawEmbedded.toString('base64'), 'latin1')],
            ['base64url', Buffer.from(rawEmbedded.toString('base64url'), 'latin1')],
          ]
          const needles = needlesFor(canary)
          for (const [encoding, haystack] of haystacks) {
            const found = scanBytes(haystack, needles, encoding).map((f) => f.encoding)
            const expected =
              encoding === 'base64' || encoding === 'base64url'
                ? `${encoding}@${before.length % 3}`
                : encoding
            expect(found, encoding).toContain(expected)
          }
        },
      ),
      { numRuns: 200, seed: 20_261_125 },
    )
  })

  it('finds UTF-16BE and ignores text without the canary', () => {
    const needles = needlesFor('CANARY-be')
    const be = Buffer.from('CANARY-be', 'utf16le').swap16()
    expect(scanBytes(be, needles, 'x').map((f) => f.encoding)).toContain('utf-16be')
    expect(scanBytes(Buffer.from('nothing to see here, CANARY-b only'), needles, 'x')).toEqual([])
  })

  it('computes the stable base64 core of a string at each alignment', () => {
    const data = Buffer.from('abcdef')
    expect(base64Core(data, 0, (b) => Buffer.from(b).toString('base64'))).toBe('YWJjZGVm')
    expect(Buffer.from('xabcdef').toString('base64')).toContain(
      base64Core(data, 1, (b) => Buffer.from(b).toString('base64')),
    )
    expect(Buffer.from('xyabcdef').toString('base64')).toContain(
      base64Core(data, 2, (b) => Buffer.from(b).toString('base64')),
    )
  })
})

describe.each(databases)('leak checks on a real server on $name', (factory) => {
  let backend: CryptoBackend
  let deployment: SeededDeployment
  let server: RunningServer | undefined

  beforeAll(async () => {
    backend = await loadSodium()
    deployment = await seededDeployment(factory, backend, {
      POW_BASE_BITS: '1',
      POW_MAX_BITS: '1',
      TRUST_PROXY: '1',
    })
  })

  afterAll(async () => {
    await server?.stop()
    await deployment?.destroy()
  })

  it('stores and prints no canary, user agent, client address, receipt code or auth token', {
    timeout: 300_000,
  }, async () => {
    const desk = deployment.demo.desks[0]
    if (desk === undefined) throw new Error('no desk')
    const canaries = {
      narrative: `NARRATIVE-CANARY-${tag()}`,
      message: `MESSAGE-CANARY-${tag()}`,
      fileName: `FILENAME-CANARY-${tag()}`,
      fileBytes: `FILEBYTES-CANARY-${tag()}`,
      badBody: `BADBODY-CANARY-${tag()}`,
      query: `QUERY-CANARY-${tag()}`,
      userAgent: `LeakProbe/${tag()} (X11; canary)`,
      ipv4: `203.0.113.${17 + ((randomBytes(1)[0] ?? 0) % 200)}`,
      ipv6: `2001:db8:${tag().slice(0, 4)}:${tag().slice(0, 4)}::7e57`,
    }
    const code = generateReceiptCode(backend)
    const receipt = deriveReceiptKeys(backend, code)
    const secrets = {
      receiptCode: code,
      receiptDisplay: formatReceipt(backend, code),
      authToken: receipt.authToken,
    }

    server = await deployment.start()
    const live = server
    const headers = {
      'content-type': 'application/json',
      'user-agent': canaries.userAgent,
      'x-forwarded-for': `${canaries.ipv4}, ${canaries.ipv6}`,
      'x-real-ip': canaries.ipv4,
      forwarded: `for="[${canaries.ipv6}]";proto=https`,
      'x-forwarded-proto': 'https',
    }
    const post = async (path: string, body: unknown, expected: number) => {
      const response = await fetch(`${live.url}${path}`, {
        method: 'POST',
        headers,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })
      const text = await response.text()
      expect(response.status, `${path}: ${text}`).toBe(expected)
      return text
    }
    const solve = async () => {
      const { challenge, bits } = JSON.parse(await post('/api/pow/challenge', {}, 200)) as {
        challenge: string
        bits: number
      }
      return { challenge, nonce: solvePow(backend, fromBase64(challenge), bits) ?? '0' }
    }
    const creds = { lookupId: receipt.lookupId, authToken: receipt.authToken }

    // The report, with the narrative canary.
    await post(
      '/api/reports',
      {
        deskId: desk.deskId,
        ...creds,
        reporterPublicKey: toBase64(receipt.reporterPublicKey),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
        envelope: toBase64(
          sealReport(backend, {
            recipients: [desk.publicKey],
            lookupId: receipt.lookupId,
            report: {
              reporterPublicKey: toBase64(receipt.reporterPublicKey),
              reporterSigningKey: toBase64(receipt.reporterSigningKey),
              narrative: `They came at night. ${canaries.narrative}`,
            },
          }),
        ),
        pow: await solve(),
      },
      201,
    )
    const seal = (kind: 2 | 7, seq: number, body: Record<string, unknown>) =>
      toBase64(
        sealItem(backend, {
          kind,
          context: receipt.lookupId,
          recipients: [desk.publicKey, receipt.reporterPublicKey],
          body: { ...body, seq, writtenOn: new Date().toISOString().slice(0, 10) },
          author: REPORTER_AUTHOR,
          signingSeed: receipt.reporterSigningSeed,
        }),
      )
    // A follow-up message with its canary.
    await post(
      '/api/followup/messages',
      { ...creds, envelope: seal(2, 1, { text: `One more thing: ${canaries.message}` }), pow: await solve() },
      201,
    )
    // A file whose bytes hold a canary many times, and whose name is another.
    const file = Buffer.from(`${canaries.fileBytes}\n`.repeat(400), 'utf8')
    const stream = createStreamEncryptor(backend, file)
    const { attachmentId } = JSON.parse(
      await post(
        '/api/attachments',
        {
          ...creds,
          header: toBase64(stream.header),
          chunks: stream.chunks,
          size: stream.streamLength - stream.header.length,
        },
        201,
      ),
    ) as { attachmentId: string }
    for (let index = 0; index < stream.chunks; index++) {
      await post(
        '/api/attachments/chunks',
        { ...creds, attachmentId, index, data: toBase64(stream.encryptChunk(index)) },
        201,
      )
    }
    await post(
      '/api/followup/messages',
      {
        ...creds,
        envelope: seal(7, 2, {
          attachmentId,
          fileKey: toBase64(stream.fileKey),
          prefix: toBase64(stream.prefix),
          name: `${canaries.fileName}.jpg`,
          type: 'image/jpeg',
          size: file.length,
          chunks: stream.chunks,
          metadataStripped: true,
        }),
        pow: await solve(),
      },
      201,
    )
    await post('/api/followup', creds, 200)
    // Failures must not be logged with their input either.
    await post('/api/reports', `{"narrative":"${canaries.badBody}",`, 400)
    await post('/api/followup', { ...creds, note: canaries.badBody }, 400)
    expect((await fetch(`${live.url}/api/${canaries.query}?q=${canaries.query}`, { headers })).status).toBe(
      404,
    )
    expect(
      (await fetch(`${live.url}/api/intake/config?${canaries.query}=${canaries.query}`, { headers })).status,
    ).toBe(200)
    await live.stop()
    server = undefined

    const all = [...Object.values(canaries), ...Object.values(secrets)]
    const needles = needlesForAll(all)
    const findings: Finding[] = []
    const output = live.output()
    expect(output.length).toBeGreaterThan(0)
    findings.push(...scanBytes(Buffer.from(output, 'utf8'), needles, 'server output'))
    const files = scanDirectory(deployment.dataDir, needles)
    findings.push(...files.findings)
    const database = await deployment.open()
    let scanned: Awaited<ReturnType<typeof scanDatabase>>
    try {
      scanned = await scanDatabase(database, needles)
      findings.push(...scanned.findings)
      // Guards against a scan that reads nothing: the case and its items are there.
      expect(await database.db.select().from(cases).where(eq(cases.lookupId, receipt.lookupId))).toHaveLength(
        1,
      )
    } finally {
      await database.close()
    }
    expect(findings).toEqual([])
    console.log(
      `leak scan (${factory.name}): ${all.length} canaries × ${needles.length / all.length} encodings over ` +
        `${scanned.tables} tables (${scanned.bytes.toLocaleString('en')} bytes by binary COPY), ` +
        `${files.files} files under DATA_DIR (${files.bytes.toLocaleString('en')} bytes) and ` +
        `${output.length.toLocaleString('en')} bytes of server output: 0 found`,
    )
  })

  it('finds a canary written straight into a bytea column (positive control)', {
    timeout: 120_000,
  }, async () => {
    const control = `CONTROL-CANARY-${tag()}`
    const needles = needlesFor(control)
    const database = await deployment.open()
    try {
      const [found] = await database.db.select({ id: cases.id }).from(cases).limit(1)
      if (found === undefined) throw new Error('the previous test stored no case')
      // Hex-encoded as well as raw, in two rows, so two encodings are proven found.
      await database.db.insert(caseItems).values([
        {
          caseId: found.id,
          seq: 1000,
          kind: 2,
          envelope: Buffer.from(`xx${control}yy`, 'utf8'),
          authorId: null,
          createdOn: '2026-01-01',
        },
        {
          caseId: found.id,
          seq: 1001,
          kind: 2,
          envelope: Buffer.from(Buffer.from(`z${control}`, 'utf8').toString('base64'), 'latin1'),
          authorId: null,
          createdOn: '2026-01-01',
        },
      ])
      const scanned = await scanDatabase(database, needles)
      const encodings = scanned.findings.filter((f) => f.where.includes('case_items')).map((f) => f.encoding)
      expect(encodings).toContain('utf-8')
      expect(encodings).toContain('base64@1')
    } finally {
      await database.close()
    }
    if (factory.name === 'pglite') {
      // PGlite's files (its write-ahead log at least) now hold the bytes too.
      const files = scanDirectory(deployment.dataDir, needles)
      expect(files.findings.map((f) => f.encoding)).toContain('utf-8')
    }
  })
})
