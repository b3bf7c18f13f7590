/**
 * @module test/browser/stats.test
 * End to end in real Chromium against the real server and build (issue 6): synthetic codings
 * sealed to the statistics key → an analyst opens them, builds a noisy release, signs it and
 * publishes it through `POST /api/releases` → /stats shows it with charts, tables, a passing
 * in-page signature check (noble backend), and JSON and CSV downloads that verify and parse.
 *
 * The release is built and signed in the test process with the analyst's keys (the same
 * crypto/release.ts code the console builder runs), and the analyst's session is planted in the
 * database, so this suite looks at /stats alone; test/browser/stats-builder.test.ts drives the
 * real builder through a real login. Screenshots (desktop and phone) are written
 * to $STATS_SCREENSHOTS (default /tmp) for a human to look at.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createStatsKey, plantCodings, seededRandom, syntheticCoding } from '../../api/cli/seed-codings.ts'
import { TACTIC_GROUP_ORDER, tacticGroups } from '../../api/contract/coding.ts'
import { sessions } from '../../api/db/schema.ts'
import { signAuditEntry } from '../../crypto/audit.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { H } from '../../crypto/hash.ts'
import { cryptoRandomSource } from '../../crypto/laplace.ts'
import { buildRelease, signRelease, verifyRelease } from '../../crypto/release.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { type ChromiumSession, describeBrowser, launchChromium, recordPage } from '../support/chromium.ts'
import { databases } from '../support/databases.ts'
import { seedStaffUser } from '../support/seed.ts'
import { type SeededDeployment, seededDeployment } from '../support/seeded-server.ts'
import type { RunningServer } from '../support/server.ts'

const SHOTS = process.env.STATS_SCREENSHOTS ?? '/tmp'

describeBrowser('/stats with a published release', () => {
  let backend: CryptoBackend
  let deployment: SeededDeployment
  let server: RunningServer
  let chromium: ChromiumSession
  let releaseId = ''

  beforeAll(async () => {
    backend = await loadSodium()
    const factory = databases[0]
    if (factory === undefined) throw new Error('no database')
    deployment = await seededDeployment(factory, backend)
    const demo = deployment.demo
    const database = await deployment.open()
    const rand = seededRandom(2026)
    const codings = Array.from({ length: 240 }, () => syntheticCoding(rand))
    let cookie = ''
    let analyst: Awaited<ReturnType<typeof seedStaffUser>>
    try {
      analyst = await seedStaffUser(database.db, backend, demo, { role: 'analyst' })
      const caseworker = await seedStaffUser(database.db, backend, demo, { role: 'caseworker' })
      const stats = await createStatsKey(database.db, backend, demo)
      const desk = demo.desks[0]
      if (desk === undefined) throw new Error('no desk')
      await plantCodings(database.db, backend, {
        codings,
        deskId: desk.deskId,
        deskPublicKey: desk.publicKey,
        statsPublicKey: stats.publicKey,
        author: { userId: caseworker.userId, signingSeed: caseworker.signingSeed },
        receivedOn: '2026-01-10',
      })
      const token = backend.randomBytes(32)
      const now = new Date()
      await database.db.insert(sessions).values({
        tokenHash: H(backend, 'tnr/v1/session-token', [token]),
        userId: analyst.userId,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + 3_600_000),
      })
      cookie = `__Host-session=${Buffer.from(token).toString('base64url')}`
    } finally {
      await database.close()
    }
    server = await deployment.start()
    // The analyst's side, as the builder does it (opening the envelopes is covered in stats-api).
    const units = codings.map((c) => ({
      personKey: c.person_key,
      values: {
        community: [c.community],
        tactic_group: tacticGroups(c),
        year: c.incident_year === null ? [] : [String(c.incident_year)],
        host_country: [c.host_country],
      },
    }))
    const body = buildRelease(
      units,
      {
        orgId: demo.orgId,
        orgName: demo.name,
        releaseId: randomUUID(),
        version: 1,
        createdAt: new Date(),
        period: { from: '2024-01', to: '2025-12' },
        codingScheme: { name: 'tnr-coding', version: 1 },
        tables: [
          { id: 'year', dims: [{ field: 'year', categories: ['2024', '2025'], maxValues: 1 }] },
          {
            id: 'community-by-tactic',
            dims: [
              {
                field: 'community',
                categories: ['uyghur', 'iranian', 'hong_konger', 'russian', 'tibetan'],
                maxValues: 1,
              },
              { field: 'tactic_group', categories: [...TACTIC_GROUP_ORDER], maxValues: 2 },
            ],
          },
          {
            id: 'host',
            dims: [
              { field: 'host_country', categories: ['DE', 'GB', 'US', 'NL', 'FR', 'CA', 'TR'], maxValues: 1 },
            ],
          },
        ],
        epsilon: { num: 1n, den: 1n },
        threshold: 10,
        contributionCap: 1,
        linkedByPerson: true,
        methodology:
          'Synthetic codings for a test.\n\nEach case counts once; linked cases of one person count once.',
        citation: 'Demo organisation (2026). Transnational repression statistics, release 1.',
        licence: 'CC BY 4.0',
        changelog: [{ version: 1, note: 'First release.' }],
      },
      cryptoRandomSource(backend),
    )
    const file = signRelease(backend, body, {
      signingSeed: analyst.signingSeed,
      userKey: analyst.userKey,
      orgSigningKey: demo.orgSigningKey,
    })
    releaseId = file.release.releaseId
    // Publishing carries the analyst's signed audit entry (web/console/keys.ts signAudit does this).
    const head = (await (
      await fetch(`${server.url}/api/audit/head`, { headers: { origin: server.url, cookie } })
    ).json()) as { seq: number; headHash: string }
    const entry = signAuditEntry(backend, analyst.signingSeed, {
      seq: head.seq + 1,
      prevHash: head.headHash,
      actor: analyst.userId,
      action: 'release.publish',
      target: releaseId,
      at: new Date().toISOString(),
    })
    const audit = { seq: entry.seq, prevHash: entry.prevHash, at: entry.at, sig: entry.sig }
    const published = await fetch(`${server.url}/api/releases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url, cookie },
      body: JSON.stringify({ file, audit }),
    })
    expect(published.status).toBe(201)
    chromium = await launchChromium()
  })

  afterAll(async () => {
    await chromium?.close()
    await server?.stop()
    await deployment?.destroy()
  })

  it('renders charts, tables and a passing signature check, and its downloads verify', async () => {
    const page = await chromium.context.newPage()
    const recording = recordPage(page)
    await page.goto(`${server.url}/stats`)
    await page.getByTestId('verify').waitFor()
    expect(await page.getByTestId('verify').textContent()).toContain('Signature valid')
    // Year, community, tactic group (both margins of the cross table) and host country.
    expect(await page.locator('svg.chart').count()).toBe(4)
    expect(await page.locator('svg.chart .chart-bar').count()).toBeGreaterThan(10)
    expect(await page.locator('table').count()).toBe(3)
    await expect.poll(() => page.getByText('Hong Konger').count()).toBeGreaterThan(0)

    const [json] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Signed release (JSON)' }).click(),
    ])
    const jsonPath = await json.path()
    const file: unknown = JSON.parse(readFileSync(jsonPath, 'utf8'))
    expect(verifyRelease(backend, file, [deployment.demo.fingerprint]).release.releaseId).toBe(releaseId)
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Tidy table (CSV)' }).click(),
    ])
    const lines = readFileSync(await csv.path(), 'utf8')
      .trim()
      .split('\n')
    expect(lines[0]).toBe('table,field_1,category_1,field_2,category_2,value,display,lower,upper,suppressed')
    expect(lines.length).toBe(1 + 3 + 6 * 6 + 8)

    await page.screenshot({ path: join(SHOTS, 'stats-desktop.png'), fullPage: true })
    await page.evaluate('window.scrollTo(0, 0)')
    await page.screenshot({ path: join(SHOTS, 'stats-desktop-top.png') })
    expect(recording.pageErrors).toEqual([])
    expect(recording.consoleErrors).toEqual([])
    expect(recording.requests.every((url) => url.startsWith(server.url) || url.startsWith('blob:'))).toBe(
      true,
    )
    await page.close()
  })

  it('fits a phone screen', async () => {
    const page = await chromium.context.newPage()
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${server.url}/stats`)
    await page.getByTestId('verify').waitFor()
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')
    expect(overflow).toBeLessThanOrEqual(0)
    await page.screenshot({ path: join(SHOTS, 'stats-phone.png'), fullPage: true })
    await page.evaluate('document.querySelectorAll("svg.chart")[1].scrollIntoView()')
    await page.screenshot({ path: join(SHOTS, 'stats-phone-charts.png') })
    await page.close()
  })

  it('refuses a release whose counts were changed after signing', async () => {
    const page = await chromium.context.newPage()
    await page.route('**/api/releases', async (route) => {
      const response = await route.fetch()
      const body = (await response.json()) as {
        releases: { file: { release: { tables: { entries: { value: number | null }[] }[] } } }[]
      }
      const entry = body.releases[0]?.file.release.tables[0]?.entries.find((e) => e.value !== null)
      if (entry?.value != null) entry.value += 7
      await route.fulfill({ response, json: body })
    })
    await page.goto(`${server.url}/stats`)
    await page.getByTestId('verify').waitFor()
    expect(await page.getByTestId('verify').textContent()).toContain('failed the signature check')
    expect(await page.locator('svg.chart').count()).toBe(0)
    await page.close()
  })
})
