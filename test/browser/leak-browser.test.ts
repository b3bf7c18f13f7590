/**
 * @module test/browser/leak-browser
 * Leak checks through the real browser pages (DESIGN §4, §10; issue 7 item 4), on PGlite and on
 * PostgreSQL: test/leak.test.ts sends canaries through Reporter API v1 from Node; here Chromium
 * types them into the real pages, so whatever those pages (and their workers) send is what the
 * server sees.
 *
 * A browser with a unique User-Agent and a distinctive X-Forwarded-For address (the server runs
 * with TRUST_PROXY=1, so it would be tempted to read it) fills in the intake page with a canary in
 * the narrative and attaches a JPEG whose EXIF holds a canary (the page strips it) and a text file
 * whose name and bytes are canaries; writes a follow-up message with a canary on the follow-up
 * page; then the console (the organisation's admin, who holds the desk key and works the case)
 * logs in with passphrase and TOTP and writes a reply and an internal note with canaries.
 *
 * Then every column of every table as raw bytes, every file under DATA_DIR and everything the
 * server printed are scanned (test/support/leak-scan.ts) for all of them, the receipt code (as
 * shown and compact), the user agent and the address: zero findings. The positive control plants
 * a canary straight into a bytea column and requires the same scan to find it.
 */
import { randomBytes } from 'node:crypto'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { caseItems, cases } from '../../api/db/schema.ts'
import type { Argon2Backend, CryptoBackend } from '../../crypto/backend.ts'
import { deriveReceiptKeys, parseReceipt } from '../../crypto/receipt.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import { CANARY as EXIF_CANARY, jpegWithGps } from '../../web/shared/metadata.fixtures.ts'
import { describeBrowser, launchChromium } from '../support/chromium.ts'
import {
  type FreshDeployment,
  fillLogin,
  freshDeployment,
  type SetUpAdmin,
  setUpOrganisation,
  totpCode,
} from '../support/console-login.ts'
import { databases } from '../support/databases.ts'
import {
  type Finding,
  needlesFor,
  needlesForAll,
  scanBytes,
  scanDatabase,
  scanDirectory,
} from '../support/leak-scan.ts'
import type { RunningServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

const tag = () => randomBytes(8).toString('hex')

/** The browser globals read below (the test program has Node types, not the DOM). */
interface PageScope {
  localStorage: { length: number }
  sessionStorage: { length: number }
  indexedDB: { databases(): Promise<unknown[]> }
  caches: { keys(): Promise<unknown[]> }
  document: { cookie: string }
  history: { length: number; state: unknown }
}

/** Storage a reporter page may not use (DESIGN §4), and its history as the page sees it. */
function reporterTraces(page: Page) {
  return page.evaluate(async () => {
    const g = globalThis as unknown as PageScope
    const used: string[] = []
    if (g.localStorage.length > 0) used.push('localStorage')
    if (g.sessionStorage.length > 0) used.push('sessionStorage')
    if ((await g.indexedDB.databases()).length > 0) used.push('IndexedDB')
    if ((await g.caches.keys()).length > 0) used.push('Cache API')
    if (g.document.cookie !== '') used.push('document.cookie')
    return { used, historyLength: g.history.length, historyState: JSON.stringify(g.history.state) ?? '' }
  })
}

/** Every address a page's main frame showed, from the first navigation on. */
function recordAddresses(page: Page): string[] {
  const addresses: string[] = []
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) addresses.push(frame.url())
  })
  return addresses
}

describeBrowser('leak checks through the real pages', () => {
  describe.each(databases)('on $name', (factory) => {
    let backend: CryptoBackend & Argon2Backend
    let deployment: FreshDeployment
    let server: RunningServer | undefined
    let admin: SetUpAdmin

    beforeAll(async () => {
      requireWebBuild()
      backend = await loadSodiumSumo()
      deployment = await freshDeployment(factory, backend)
      server = await deployment.start({ TRUST_PROXY: '1', POW_BASE_BITS: '1', POW_MAX_BITS: '1' })
      admin = await setUpOrganisation(server, backend)
    }, 180_000)

    afterAll(async () => {
      await server?.stop()
      await deployment?.destroy()
    })

    it('stores and prints no canary typed into the pages, no receipt code, user agent or address', {
      timeout: 420_000,
    }, async () => {
      const live = server
      if (live === undefined) throw new Error('no server')
      const canaries = {
        narrative: `NARRATIVE-CANARY-${tag()}`,
        message: `FOLLOWUP-CANARY-${tag()}`,
        photoName: `PHOTONAME-CANARY-${tag()}`,
        fileName: `FILENAME-CANARY-${tag()}`,
        fileBytes: `FILEBYTES-CANARY-${tag()}`,
        exif: EXIF_CANARY,
        reply: `REPLY-CANARY-${tag()}`,
        note: `NOTE-CANARY-${tag()}`,
        userAgent: `LeakProbe/${tag()} (X11; canary) Chromium`,
        address: `198.51.100.${17 + ((randomBytes(1)[0] ?? 0) % 200)}`,
      }
      const browser = await launchChromium({ viewport: { width: 390, height: 844 } })
      let receiptDisplay = ''
      const traces: string[] = []
      let addresses: string[] = []
      const userAgentsSent = new Set<string>()
      const addressesSent = new Set<string>()
      const requested: string[] = []
      let caseId = ''
      try {
        browser.context.on('request', (request) => requested.push(request.url()))
        await browser.context.setExtraHTTPHeaders({
          'user-agent': canaries.userAgent,
          'x-forwarded-for': canaries.address,
        })
        // The intake page, as a reporter fills it in (required questions, two files).
        const intake = await browser.context.newPage()
        addresses = recordAddresses(intake)
        intake.on('request', (request) => {
          void request.allHeaders().then(
            (headers) => {
              userAgentsSent.add(headers['user-agent'] ?? '')
              addressesSent.add(headers['x-forwarded-for'] ?? '')
            },
            () => {},
          )
        })
        await intake.goto(`${live.url}/`)
        const intakeHistory = (await reporterTraces(intake)).historyLength
        await intake.locator('[data-testid=safety-code]').waitFor({ timeout: 60_000 })
        await intake.click('button.btn-wide')
        const next = () => intake.click('form button[type=submit]')
        const choice = (i: number) => intake.locator('main .choice').nth(i).click()
        await choice(0) // who
        await next()
        await choice(0) // what
        await next()
        await next() // when
        await next() // urgency
        await next() // host country
        await next() // origin state
        await next() // community
        await intake.fill('main textarea', `${canaries.narrative} two men waited outside my flat.`)
        await next()
        await intake.setInputFiles('main input[type=file]', [
          { name: `${canaries.photoName}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(jpegWithGps()) },
          {
            name: `${canaries.fileName}.txt`,
            mimeType: 'text/plain',
            buffer: Buffer.from(`${canaries.fileBytes}\n`.repeat(300), 'utf8'),
          },
        ])
        await intake.locator('.file-item').nth(1).waitFor()
        await intake.getByLabel('I understand; send this file unchanged').check()
        await next()
        await next() // contact
        await choice(1) // no read-back
        await choice(2) // statistics: yes
        await next()
        await next() // review → send
        const code = intake.locator('[data-testid=receipt-code]')
        await code.waitFor({ timeout: 120_000 })
        receiptDisplay = ((await code.textContent()) ?? '').replace(/\s+/g, '')
        expect(receiptDisplay).toMatch(/^[0-9A-Z]{3}(-[0-9A-Z]{3}){6}$/)
        await intake.locator('main .choice input[type=checkbox]').check()
        await intake.click('main .actions .btn:not(.btn-secondary)')
        await intake.locator('.notice-ok').waitFor({ timeout: 120_000 })
        addresses.push(intake.url())
        const intakeTraces = await reporterTraces(intake)
        expect(intakeTraces.used).toEqual([])
        // No entry added: the form's steps replace each other in memory (no pushState).
        expect(intakeTraces.historyLength).toBe(intakeHistory)
        traces.push(intakeTraces.historyState)
        await intake.close()

        // The follow-up page: a message with its canary.
        const followup = await browser.context.newPage()
        const followupAddresses = recordAddresses(followup)
        await followup.goto(`${live.url}/followup`)
        const followupHistory = (await reporterTraces(followup)).historyLength
        await followup.fill('main input[type=text]', receiptDisplay)
        await followup.click('form button[type=submit]')
        await followup.locator('main textarea').waitFor({ timeout: 60_000 })
        await followup.fill('main textarea', `One more thing: ${canaries.message}`)
        await followup.click('section.card form button[type=submit]')
        // Without read-back the page shows its own messages only as sealed items; it confirms the send.
        await followup.getByText('Your message was sent.').waitFor({ timeout: 60_000 })
        // Then on to the safety page by its link (which replaces the entry rather than adding one).
        await followup.locator('a[href^="/safety"]').first().click()
        await followup.waitForURL(`${live.url}/safety**`)
        addresses.push(...followupAddresses, followup.url())
        const followupTraces = await reporterTraces(followup)
        expect(followupTraces.used).toEqual([])
        expect(followupTraces.historyLength).toBe(followupHistory)
        traces.push(followupTraces.historyState)
        await followup.close()
        // No cookie at all before the console is opened (the console's session is its own).
        expect(await browser.context.cookies()).toEqual([])

        // The console: login with TOTP (the step after setup's), a reply and a note.
        const console_ = await browser.context.newPage()
        await console_.setViewportSize({ width: 1280, height: 800 })
        await console_.goto(`${live.url}/console`)
        await fillLogin(console_, {
          username: admin.username,
          passphrase: admin.passphrase,
          code: totpCode(admin.totpSecret, 1),
        })
        await console_.getByRole('heading', { name: 'Cases' }).waitFor({ timeout: 90_000 })
        const detail = console_.waitForRequest((r) => /\/api\/cases\/[0-9a-f-]{36}$/.test(r.url()))
        await console_.locator('.case-row', { hasText: canaries.narrative }).click()
        caseId = (await detail).url().slice(-36)
        await console_.getByTestId('narrative').waitFor({ timeout: 60_000 })
        expect(await console_.getByTestId('narrative').textContent()).toContain(canaries.narrative)
        await console_.getByLabel('Reply to the reporter').fill(`We read it. ${canaries.reply}`)
        await console_.getByRole('button', { name: 'Send reply' }).click()
        await expect.poll(() => console_.getByText('Reply sent.').count(), { timeout: 30_000 }).toBe(1)
        await console_.getByLabel('Internal note (only your desk can read it)').fill(`Check ${canaries.note}`)
        await console_.getByRole('button', { name: 'Save note' }).click()
        await expect.poll(() => console_.getByText('Note saved.').count(), { timeout: 30_000 }).toBe(1)
        // The message and both files reached the case (so the scan below looks at real data).
        const thread = () => console_.locator('.thread').textContent()
        await expect.poll(thread, { timeout: 30_000 }).toContain(canaries.note)
        expect(await thread()).toContain(canaries.message)
        expect(await thread()).toContain(canaries.reply)
        expect(await console_.getByTestId('evidence').count()).toBe(2)
        await console_.close()
      } finally {
        await browser.close()
      }
      // Nothing left the origin, from any page or worker (blob: URLs are the console's own evidence viewer).
      expect(requested.length).toBeGreaterThan(20)
      expect(
        requested.filter((url) => !url.startsWith(`${live.url}/`) && !url.startsWith(`blob:${live.url}/`)),
      ).toEqual([])
      // The headers really went out with the pages' requests.
      expect([...userAgentsSent]).toContain(canaries.userAgent)
      expect([...addressesSent]).toContain(canaries.address)
      // No receipt code, lookup id or case id in any address a reporter page showed, or in its
      // history state (DESIGN §4).
      const keys = deriveReceiptKeys(backend, parseReceipt(backend, receiptDisplay))
      const secretsInUrls = [receiptDisplay, receiptDisplay.replaceAll('-', ''), keys.lookupId, caseId]
      expect(addresses.length).toBeGreaterThan(2)
      for (const where of [...addresses, ...traces])
        for (const secret of secretsInUrls) expect(where.toUpperCase()).not.toContain(secret.toUpperCase())

      await live.stop()
      server = undefined
      const compactReceipt = receiptDisplay.replaceAll('-', '')
      const all = [...Object.values(canaries), receiptDisplay, compactReceipt]
      const needles = needlesForAll(all)
      const findings: Finding[] = []
      const output = live.output()
      findings.push(...scanBytes(Buffer.from(output, 'utf8'), needles, 'server output'))
      const files = scanDirectory(deployment.dataDir, needles)
      findings.push(...files.findings)
      const database = await deployment.open()
      let scanned: Awaited<ReturnType<typeof scanDatabase>>
      try {
        scanned = await scanDatabase(database, needles)
        findings.push(...scanned.findings)
        // Guards against a scan that reads nothing: the case holds the report, the message, two
        // manifests, the reply and the note.
        const [stored] = await database.db.select({ id: cases.id }).from(cases)
        expect(stored).toBeDefined()
        const items = await database.db.select({ kind: caseItems.kind }).from(caseItems)
        expect(items.map((i) => i.kind).sort()).toEqual(expect.arrayContaining([1, 2, 3, 4, 7, 7]))
      } finally {
        await database.close()
      }
      expect(findings).toEqual([])
      console.log(
        `leak scan through the pages (${factory.name}): ${all.length} canaries (narrative, follow-up, ` +
          'two file names, file bytes, EXIF, reply, note, user agent, address, receipt code ×2) × ' +
          `${needles.length / all.length} encodings over ${scanned.tables} tables ` +
          `(${scanned.bytes.toLocaleString('en')} bytes by binary COPY), ${files.files} files under DATA_DIR ` +
          `(${files.bytes.toLocaleString('en')} bytes) and ${output.length.toLocaleString('en')} bytes of ` +
          'server output: 0 found',
      )
      console.log(
        `reporter pages (${factory.name}): ${addresses.length} addresses and ${traces.length} history states ` +
          `without receipt code, lookup id or case id; no storage, no cookie, no history entry added; ` +
          `${requested.length} requests, none to another origin`,
      )
    })

    it('finds a canary written straight into a bytea column (positive control)', {
      timeout: 120_000,
    }, async () => {
      const control = `CONTROL-CANARY-${tag()}`
      const database = await deployment.open()
      try {
        const [found] = await database.db.select({ id: cases.id }).from(cases).limit(1)
        if (found === undefined) throw new Error('the previous test stored no case')
        await database.db.insert(caseItems).values({
          caseId: found.id,
          seq: 1000,
          kind: 2,
          envelope: Buffer.from(`xx${control}yy`, 'utf8'),
          authorId: null,
          createdOn: '2026-01-01',
        })
        const scanned = await scanDatabase(database, needlesFor(control))
        expect(
          scanned.findings.filter((f) => f.where.includes('case_items')).map((f) => f.encoding),
        ).toContain('utf-8')
      } finally {
        await database.close()
      }
    })
  })
})
