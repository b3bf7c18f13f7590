/**
 * @module test/browser/reporter
 * The reporter's whole journey in real Chromium against the real server and the real build
 * (DESIGN §4, §5, §7, §8; issue 4): fill the intake form in English, Uyghur and Chinese, attach
 * a JPEG carrying EXIF GPS, submit, read the receipt; the test then decrypts the stored
 * attachment with the desk key and finds no GPS; it plants a reply signed by a certified staff
 * key and one with a bad signature; the follow-up page shows the first, refuses the second,
 * adds a message and erases the case. The intake also runs with WebAssembly removed and with the
 * JIT off (Tor Browser "Safer"). Throughout: no request leaves the origin, no storage is used,
 * one history entry, and axe-core finds no serious or critical violation.
 *
 * The server runs on embedded PGlite, which one process at a time may open: the organisation is
 * seeded before the server starts, and replies are planted while it is stopped.
 */
import { readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { asc, eq } from 'drizzle-orm'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openDatabase } from '../../api/db/index.ts'
import { migrateDatabase } from '../../api/db/migrate.ts'
import { attachmentChunks, attachments, caseItems, cases } from '../../api/db/schema.ts'
import { checkSecretId, deriveSecrets, loadSecretFile } from '../../api/secrets.ts'
import { concat, fromBase64 } from '../../crypto/bytes.ts'
import { openItem, sealItem } from '../../crypto/items.ts'
import { deriveReceiptKeys, parseReceipt, type ReceiptKeys } from '../../crypto/receipt.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { decryptStream } from '../../crypto/stream.ts'
import { CANARY, GPS_LATITUDE, jpegWithGps } from '../../web/shared/metadata.fixtures.ts'
import {
  type ChromiumSession,
  describeBrowser,
  type LaunchOptions,
  launchChromium,
  recordPage,
} from '../support/chromium.ts'
import { newDataDir } from '../support/databases.ts'
import {
  type DemoOrganisation,
  plantStaffItem,
  type SeededStaff,
  seedDemoOrganisation,
  seedStaffUser,
} from '../support/seed.ts'
import { type RunningServer, startServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

const require = createRequire(import.meta.url)
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
/** Low difficulty keeps the suite fast; the page's solver is the same at any difficulty. */
const SERVER_ENV = { POW_BASE_BITS: '4', POW_MAX_BITS: '6' }
const REPLY_TEXT = 'We have read your report and will contact you through this page.'
const FORGED_TEXT = 'FORGED: send us your address'

interface Submitted {
  language: string
  display: string
  keys: ReceiptKeys
}

/** The browser globals these checks read (the test program has Node types, not the DOM). */
interface PageScope {
  localStorage: { length: number }
  sessionStorage: { length: number }
  indexedDB: { databases(): Promise<unknown[]> }
  caches: { keys(): Promise<unknown[]> }
  document: {
    cookie: string
    documentElement: { lang: string; dir: string }
    querySelector(s: string): unknown
  }
  history: { length: number }
}

async function storageInUse(page: Page): Promise<string[]> {
  return await page.evaluate(async () => {
    const g = globalThis as unknown as PageScope
    const used: string[] = []
    if (g.localStorage.length > 0) used.push('localStorage')
    if (g.sessionStorage.length > 0) used.push('sessionStorage')
    if ((await g.indexedDB.databases()).length > 0) used.push('IndexedDB')
    if ((await g.caches.keys()).length > 0) used.push('Cache API')
    if (g.document.cookie !== '') used.push('cookie')
    return used
  })
}

/** axe-core evaluated through the DevTools protocol (the page CSP forbids injected scripts). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE)
  return await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> }
      }
    ).axe
    const result = await axe.run()
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`)
  })
}

/**
 * Groups of a code (`.code-group`) that are not each on one line, or a code not laid out left to
 * to right: a phone in Uyghur once showed the safety code as "DNR" / "B…" across two lines.
 */
async function codeLayoutProblems(page: Page, selector: string, groups: number): Promise<string[]> {
  return await page.evaluate(
    ({ selector, groups }) => {
      interface Box {
        textContent: string | null
        getBoundingClientRect(): { height: number }
      }
      const g = globalThis as unknown as {
        document: { querySelector(s: string): Box | null; querySelectorAll(s: string): ArrayLike<Box> }
        getComputedStyle(e: Box): { fontSize: string; direction: string }
      }
      const code = g.document.querySelector(selector)
      if (!code) return [`${selector} missing`]
      const problems: string[] = []
      if (g.getComputedStyle(code).direction !== 'ltr') problems.push(`${selector} is not left to right`)
      const found = Array.from(g.document.querySelectorAll(`${selector} .code-group`))
      if (found.length !== groups) problems.push(`${selector}: ${found.length} groups, expected ${groups}`)
      for (const group of found) {
        const fontSize = Number.parseFloat(g.getComputedStyle(group).fontSize)
        if (group.getBoundingClientRect().height > 2 * fontSize) problems.push(`broken: ${group.textContent}`)
      }
      return problems
    },
    { selector, groups },
  )
}

describeBrowser('the reporter path end to end', () => {
  let dataDir: string
  let server: RunningServer
  let demo: DemoOrganisation
  let staff: SeededStaff
  const submitted: Submitted[] = []
  const axeFindings: string[] = []
  let backend: Awaited<ReturnType<typeof loadSodium>>

  async function withDatabase<T>(
    work: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>,
  ): Promise<T> {
    const database = await openDatabase({ dataDir })
    try {
      return await work(database.db)
    } finally {
      await database.close()
    }
  }

  beforeAll(async () => {
    requireWebBuild()
    backend = await loadSodium()
    dataDir = newDataDir()
    const loaded = loadSecretFile(join(dataDir, 'server-secret'), { createIfMissing: true, backend })
    const secrets = deriveSecrets(backend, loaded.secret)
    const database = await openDatabase({ dataDir })
    try {
      await migrateDatabase(database)
      await checkSecretId(database.db, secrets.secretId)
      demo = await seedDemoOrganisation(database.db, backend, secrets)
      staff = await seedStaffUser(database.db, backend, demo, { username: 'amina' })
    } finally {
      await database.close()
    }
    server = await startServer({ dataDir, env: SERVER_ENV })
  }, 180_000)

  afterAll(async () => {
    await server?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  async function openPage(
    session: ChromiumSession,
    path: string,
  ): Promise<{ page: Page; recording: ReturnType<typeof recordPage> }> {
    const page = await session.context.newPage()
    const recording = recordPage(page)
    await page.goto(`${server.url}${path}`)
    return { page, recording }
  }

  function expectSameOrigin(recording: ReturnType<typeof recordPage>): void {
    const foreign = recording.requests.filter((url) => !url.startsWith(`${server.url}/`))
    expect(foreign).toEqual([])
    expect(recording.pageErrors).toEqual([])
  }

  /** Walks the whole intake form; `full` answers every question, otherwise only the required ones. */
  async function fillIntake(
    page: Page,
    language: string,
    options: { full: boolean; file?: boolean; readBack: boolean },
  ): Promise<Submitted> {
    await page.selectOption('.lang-picker select', language)
    expect(
      await page.evaluate(() => {
        const { lang, dir } = (globalThis as unknown as PageScope).document.documentElement
        return [lang, dir]
      }),
    ).toEqual([language, language === 'ug' ? 'rtl' : 'ltr'])
    await page.locator('[data-testid=safety-code]').waitFor()
    expect(await codeLayoutProblems(page, '[data-testid=safety-code]', 8)).toEqual([])
    axeFindings.push(...(await seriousViolations(page)).map((v) => `${language} welcome: ${v}`))
    const historyBefore = await page.evaluate(() => (globalThis as unknown as PageScope).history.length)
    await page.click('button.btn-wide')
    const next = () => page.click('form button[type=submit]')
    const choice = (i: number) => page.locator('main .choice').nth(i).click()
    // who
    await choice(options.full ? 1 : 0)
    await next()
    // what
    await choice(0)
    await choice(1)
    if (options.full)
      axeFindings.push(...(await seriousViolations(page)).map((v) => `${language} what: ${v}`))
    await next()
    // when
    if (options.full) {
      await page.selectOption('main select >> nth=1', '2024')
      await page.selectOption('main select >> nth=0', '5')
    }
    await next()
    // urgency: "urgent" shows the emergency guidance at once, computed locally
    if (options.full) {
      await choice(0)
      await choice(3)
      await page.locator('.notice-danger').waitFor()
    }
    await next()
    if (options.full) {
      await page.selectOption('main select', 'BE')
      // Chromium has no Uyghur region names: the name comes from web/locales/countries/ug.json.
      if (language === 'ug') {
        expect(await page.locator('main select option:checked').textContent()).toBe('بېلگىيە')
      }
    }
    await next()
    if (options.full) await page.selectOption('main select', 'CN')
    await next()
    if (options.full) await page.selectOption('main select', 'uyghur')
    await next()
    await page.fill(
      'main textarea',
      `${CANARY} ${language}: two men came to my flat and asked about my brother.`,
    )
    await next()
    if (options.file) {
      await page.setInputFiles('main input[type=file]', {
        name: 'IMG_20240517.jpg',
        mimeType: 'image/jpeg',
        buffer: Buffer.from(jpegWithGps()),
      })
      await page.locator('.file-item').waitFor()
      axeFindings.push(...(await seriousViolations(page)).map((v) => `${language} files: ${v}`))
    }
    await next()
    if (options.full) await page.fill('main input[type=text]', 'Signal +32 470 00 00 00')
    await next()
    // choices: read-back as asked, statistics yes, the first desk
    await choice(options.readBack ? 0 : 1)
    await choice(2)
    await choice(4)
    await next()
    axeFindings.push(...(await seriousViolations(page)).map((v) => `${language} review: ${v}`))
    await next()
    const code = page.locator('[data-testid=receipt-code]')
    await code.waitFor({ timeout: 90_000 })
    axeFindings.push(...(await seriousViolations(page)).map((v) => `${language} receipt: ${v}`))
    const display = ((await code.textContent()) ?? '').replace(/\s+/g, '')
    expect(await codeLayoutProblems(page, '[data-testid=receipt-code]', 7)).toEqual([])
    expect(display).toMatch(/^[0-9A-Z]{3}(-[0-9A-Z]{3}){6}$/)
    // Steps replace each other in memory: still one history entry.
    expect(await page.evaluate(() => (globalThis as unknown as PageScope).history.length)).toBe(historyBefore)
    expect(page.url()).not.toContain(display.slice(0, 6))
    // Continuing needs the "written down" confirmation.
    await page.locator('main .choice input[type=checkbox]').check()
    await page.click('main .actions .btn:not(.btn-secondary)')
    if (options.file) {
      await page.locator('.notice-ok').waitFor({ timeout: 90_000 })
      await page.click('main .actions .btn')
    }
    expect(await storageInUse(page)).toEqual([])
    const keys = deriveReceiptKeys(backend, parseReceipt(backend, display))
    return { language, display, keys }
  }

  it('takes reports in English (with a photo), Uyghur and Chinese and shows each receipt once', async () => {
    axeFindings.length = 0
    const session = await launchChromium({ viewport: { width: 390, height: 844 } })
    try {
      for (const [language, full, file, readBack] of [
        ['en', true, true, true],
        ['ug', true, false, true],
        ['zh-Hans', false, false, false],
      ] as const) {
        const { page, recording } = await openPage(session, '/')
        submitted.push(await fillIntake(page, language, { full, file, readBack }))
        expectSameOrigin(recording)
        await page.close()
      }
    } finally {
      await session.close()
    }
    expect(axeFindings).toEqual([])
  }, 300_000)

  it('stores the photo without its GPS position, and only ciphertext', async () => {
    const english = submitted.find((s) => s.language === 'en')
    expect(english).toBeDefined()
    if (!english) return
    await server.stop()
    try {
      await withDatabase(async (db) => {
        const [found] = await db.select().from(cases).where(eq(cases.lookupId, english.keys.lookupId))
        expect(found).toBeDefined()
        if (!found) return
        const items = await db
          .select()
          .from(caseItems)
          .where(eq(caseItems.caseId, found.id))
          .orderBy(asc(caseItems.seq))
        const desk = demo.desks[0]
        if (!desk) throw new Error('no desk')
        const manifestRow = items.find((i) => i.kind === 7)
        expect(manifestRow).toBeDefined()
        if (!manifestRow) return
        const manifest = openItem(backend, manifestRow.envelope, {
          kind: 7,
          context: english.keys.lookupId,
          secretKey: desk.secretKey,
          expectedSeq: manifestRow.seq,
          signingKeyFor: (author) => (author === 'reporter' ? english.keys.reporterSigningKey : undefined),
        }).body
        expect(manifest.metadataStripped).toBe(true)
        expect(manifest.name).toBe('IMG_20240517.jpg')
        const attachmentId = String(manifest.attachmentId)
        const [stored] = await db.select().from(attachments).where(eq(attachments.id, attachmentId))
        const chunks = await db
          .select()
          .from(attachmentChunks)
          .where(eq(attachmentChunks.attachmentId, attachmentId))
          .orderBy(asc(attachmentChunks.index))
        if (!stored) throw new Error('attachment not stored')
        const file = decryptStream(backend, concat(stored.header, ...chunks.map((c) => c.bytes)), {
          fileKey: fromBase64(String(manifest.fileKey)),
          chunks: Number(manifest.chunks),
          size: Number(manifest.size),
        })
        const text = Buffer.from(file).toString('latin1')
        expect(file.subarray(0, 2)).toEqual(Uint8Array.of(0xff, 0xd8))
        expect(text).not.toContain(CANARY)
        expect(text).not.toContain('Exif')
        expect(
          Buffer.from(file).indexOf(Buffer.from(GPS_LATITUDE.flatMap((v) => [0, 0, 0, v, 0, 0, 0, 1]))),
        ).toBe(-1)
        // The contact channel is its own desk-only item; nothing stored is plaintext.
        for (const item of items) expect(Buffer.from(item.envelope).toString('latin1')).not.toContain(CANARY)
      })
      // Plant a certified reply in the English case and a forged one in the Uyghur case.
      for (const [language, seed, text] of [
        ['en', staff.signingSeed, REPLY_TEXT],
        ['ug', backend.randomBytes(32), FORGED_TEXT],
      ] as const) {
        const target = submitted.find((s) => s.language === language)
        if (!target) throw new Error(`no ${language} case`)
        await withDatabase(async (db) => {
          const [found] = await db.select().from(cases).where(eq(cases.lookupId, target.keys.lookupId))
          if (!found) throw new Error('case missing')
          const items = await db.select().from(caseItems).where(eq(caseItems.caseId, found.id))
          const seq = items.reduce((max, i) => Math.max(max, i.seq), -1) + 1
          const desk = demo.desks[0]
          if (!desk) throw new Error('no desk')
          const envelope = sealItem(backend, {
            kind: 3,
            context: target.keys.lookupId,
            recipients: [target.keys.reporterPublicKey, desk.publicKey],
            body: { seq, writtenOn: new Date().toISOString().slice(0, 10), text },
            author: staff.userId,
            signingSeed: seed,
          })
          expect(
            await plantStaffItem(db, {
              lookupId: target.keys.lookupId,
              kind: 3,
              envelope,
              authorId: staff.userId,
            }),
          ).toBe(seq)
        })
      }
    } finally {
      server = await startServer({ dataDir, env: SERVER_ENV, port: server.port })
    }
  }, 180_000)

  it('shows the certified reply, refuses the forged one, adds a message and erases the case', async () => {
    const english = submitted.find((s) => s.language === 'en')
    const uyghur = submitted.find((s) => s.language === 'ug')
    if (!english || !uyghur) throw new Error('cases missing')
    axeFindings.length = 0
    const session = await launchChromium()
    try {
      // English: the certified reply is shown, and the own report is read back.
      let { page, recording } = await openPage(session, '/followup')
      await page.fill('main input[type=text]', `${english.display.slice(0, 4)}U`)
      await page.locator('main input[type=text]').blur()
      await page.locator('.field-error').waitFor()
      // Typed the way a hurried reporter might: lower case, spaces instead of dashes.
      await page.fill('main input[type=text]', english.display.toLowerCase().replaceAll('-', ' '))
      await page.click('form button[type=submit]')
      await page.locator('[data-testid=reply]').waitFor({ timeout: 30_000 })
      expect((await page.locator('[data-testid=reply]').textContent()) ?? '').toContain(REPLY_TEXT)
      expect((await page.locator('[data-testid=reply]').textContent()) ?? '').toContain('amina')
      expect((await page.locator('main').textContent()) ?? '').toContain(`${CANARY} en:`)
      expect((await page.locator('main').textContent()) ?? '').not.toContain('Signal +32')
      axeFindings.push(...(await seriousViolations(page)).map((v) => `follow-up thread: ${v}`))
      await page.fill('main textarea', 'They came back today.')
      await page.click('section.card form button[type=submit]')
      await page.locator('[data-testid=own-message]').waitFor({ timeout: 60_000 })
      expect((await page.locator('[data-testid=own-message]').textContent()) ?? '').toContain(
        'They came back today.',
      )
      expectSameOrigin(recording)
      expect(await storageInUse(page)).toEqual([])
      await page.close()

      // Uyghur: the forged reply is a warning, never its content.
      ;({ page, recording } = await openPage(session, '/followup#lang=ug'))
      await page.fill('main input[type=text]', uyghur.display)
      await page.click('form button[type=submit]')
      await page.locator('[data-testid=bad-reply]').waitFor({ timeout: 30_000 })
      expect((await page.locator('main').textContent()) ?? '').not.toContain(FORGED_TEXT)
      expect(await page.locator('[data-testid=reply]').count()).toBe(0)
      // Erase, with the confirmation.
      await page.locator('section[aria-labelledby=erase] button.btn-secondary').click()
      await page.locator('section[aria-labelledby=erase] input[type=checkbox]').check()
      await page.locator('section[aria-labelledby=erase] button.btn-danger').click()
      await page.waitForFunction(
        () => !(globalThis as unknown as PageScope).document.querySelector('section[aria-labelledby=erase]'),
      )
      expectSameOrigin(recording)
      await page.close()

      // Afterwards the receipt is unknown, said in plain words.
      ;({ page } = await openPage(session, '/followup'))
      await page.fill('main input[type=text]', uyghur.display)
      await page.click('form button[type=submit]')
      await page.locator('.notice-danger').waitFor({ timeout: 30_000 })
      expect((await page.locator('.notice-danger').textContent()) ?? '').toMatch(
        /No report matches this code/,
      )
      await page.close()
    } finally {
      await session.close()
    }
    expect(axeFindings).toEqual([])
  }, 240_000)

  it('shows the safety page in every language, and why the form needs JavaScript, with JavaScript off (Tor Browser "Safest")', async () => {
    const session = await launchChromium({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } })
    try {
      const { page, recording } = await openPage(session, '/safety')
      const sections = page.locator('[data-testid=safety-static] details')
      expect(await sections.count()).toBe(13)
      // Every language is one tap away; its advice appears when opened.
      const uyghur = page.locator('[data-testid=safety-static] details[lang=ug]')
      expect(await uyghur.getAttribute('dir')).toBe('rtl')
      await uyghur.locator('summary').click()
      const advice = uyghur.locator('p').nth(5)
      await advice.waitFor({ state: 'visible' })
      expect((await advice.textContent()) ?? '').toMatch(/Safest|JavaScript|Tor/)
      await expect.poll(() => page.locator('.noscript p[lang=fa]').isVisible()).toBe(true)
      expect(recording.requests.filter((url) => !url.startsWith(`${server.url}/`))).toEqual([])
      await page.close()

      for (const path of ['/', '/followup']) {
        const form = await openPage(session, path)
        const lines = form.page.locator('.noscript p')
        expect(await lines.count()).toBe(13)
        expect(await form.page.locator('.noscript p[lang=en]').textContent()).toContain('Nothing was sent.')
        expect(await form.page.locator('.noscript p[lang=ar]').getAttribute('dir')).toBe('rtl')
        expect(await form.page.locator('.noscript p[lang=bo]').isVisible()).toBe(true)
        // Nothing else: no form that could send plaintext.
        expect(await form.page.locator('form, input, textarea').count()).toBe(0)
        await form.page.close()
      }
    } finally {
      await session.close()
    }
  }, 60_000)

  for (const [name, launch] of [
    ['with WebAssembly removed', { removeWebAssembly: true }],
    ['with the JIT off', { jitless: true }],
  ] as const satisfies readonly (readonly [string, LaunchOptions])[]) {
    it(`sends a short report ${name} (Tor Browser "Safer")`, async () => {
      const session = await launchChromium(launch)
      try {
        const { page, recording } = await openPage(session, '/')
        const result = await fillIntake(page, 'en', { full: false, readBack: false })
        expect(result.display).toHaveLength(27)
        expectSameOrigin(recording)
      } finally {
        await session.close()
      }
    }, 240_000)
  }
})
