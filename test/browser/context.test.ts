/**
 * @module test/browser/context
 * The reporter's risk notes in real Chromium against the real server and build (issue 9, DESIGN
 * §4, §8): a reporter in Belgium who names China sees calm notes — Belgium's treaty with China
 * and its check date, the other treaty countries, Liu v. Poland, INTERPOL and the CCF, family,
 * "not legal advice" — in Uyghur and in English; and choosing countries makes no request at all,
 * because the whole dataset is already in the page. axe-core finds nothing serious in the notes.
 */
import { readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openDatabase } from '../../api/db/index.ts'
import { migrateDatabase } from '../../api/db/migrate.ts'
import { checkSecretId, deriveSecrets, loadSecretFile } from '../../api/secrets.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { type ChromiumSession, describeBrowser, launchChromium, recordPage } from '../support/chromium.ts'
import { newDataDir } from '../support/databases.ts'
import { seedDemoOrganisation } from '../support/seed.ts'
import { type RunningServer, startServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

const LOCALES_DIR = join(import.meta.dirname, '../../web/locales')
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** axe-core's serious and critical findings on the page as it stands (WCAG 2.2 AA, DESIGN §8). */
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

/** A message with its ICU arguments and selects cut out: the fixed text around them. */
function fixedParts(locale: string, key: string): string[] {
  const messages = JSON.parse(readFileSync(join(LOCALES_DIR, `${locale}.json`), 'utf8')) as Record<
    string,
    string
  >
  const message = messages[key]
  if (message === undefined) throw new Error(`${locale}: ${key} missing`)
  // Remove nested select bodies first, then simple arguments; keep pieces long enough to mean something.
  const flat = message
    .replace(/\{[a-z]+, select,(?:[^{}]|\{[^{}]*\})*\}/g, '\u0000')
    .replace(/\{[a-z]+\}/g, '\u0000')
  return flat
    .split('\u0000')
    .map((s) => s.trim())
    .filter((s) => s.length >= 4)
}

describeBrowser('risk notes for a reporter (context dataset)', () => {
  let dataDir: string
  let server: RunningServer
  let session: ChromiumSession

  beforeAll(async () => {
    requireWebBuild()
    const backend = await loadSodium()
    dataDir = newDataDir()
    const loaded = loadSecretFile(join(dataDir, 'server-secret'), { createIfMissing: true, backend })
    const secrets = deriveSecrets(backend, loaded.secret)
    const database = await openDatabase({ dataDir })
    try {
      await migrateDatabase(database)
      await checkSecretId(database.db, secrets.secretId)
      await seedDemoOrganisation(database.db, backend, secrets)
    } finally {
      await database.close()
    }
    server = await startServer({ dataDir })
    session = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    await session?.close()
    await server?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  /** Opens the intake page in `language` and walks to the "where do you live" question. */
  async function toWhere(language: string): Promise<{ page: Page; requests: string[] }> {
    const page = await session.context.newPage()
    const recording = recordPage(page)
    await page.goto(`${server.url}/`)
    await page.selectOption('.lang-picker select', language)
    await page.locator('[data-testid=safety-code]').waitFor()
    await page.click('button.btn-wide')
    const next = () => page.click('form button[type=submit]')
    await page.locator('main .choice').nth(0).click() // who
    await next()
    await page.locator('main .choice').nth(0).click() // what
    await next()
    await next() // when
    await next() // urgency
    await page.locator('main select').waitFor()
    expect(recording.pageErrors).toEqual([])
    return { page, requests: recording.requests }
  }

  it.each([['ug'], ['en']])(
    'shows a reporter in Belgium harassed by agents of China the notes in %s, without a request while choosing',
    async (language) => {
      const { page, requests } = await toWhere(language)
      // Let anything the previous step started settle, then count from here.
      await page.waitForLoadState('networkidle')
      const before = requests.length

      await page.selectOption('main select', 'BE')
      await page.click('form button[type=submit]')
      await page.selectOption('main select', 'CN')
      const notes = page.locator('[data-testid=context-notes]')
      await notes.waitFor()
      const text = ((await notes.textContent()) ?? '').replace(/\s+/g, ' ')

      for (const key of [
        'context.title',
        'context.notAdvice',
        'context.travel.title',
        'context.travel.home',
        'context.travel.elsewhere',
        'context.caseLaw.echr',
        'context.caseLaw.persuasive',
        'context.interpol.what',
        'context.interpol.challenge',
        'context.family.body',
        'context.contacts.none',
      ]) {
        for (const part of fixedParts(language, key)) expect(text, `${language} ${key}`).toContain(part)
      }
      expect(text).toContain('Liu v. Poland')
      expect(text).toContain('https://www.interpol.int/')
      // Belgium's own treaty, and the other treaty holders listed one per line.
      expect(await page.locator('[data-testid=context-home-treaty]').count()).toBe(1)
      expect(await page.locator('[data-testid=context-treaties] li').count()).toBeGreaterThanOrEqual(10)
      expect(await notes.getAttribute('aria-labelledby')).toBeTruthy()

      // Change of mind: another state, then back — still computed on the device.
      await page.selectOption('main select', 'RU')
      await page.locator('[data-testid=context-home-treaty]').waitFor({ state: 'detached' })
      for (const part of fixedParts(language, 'context.travel.none'))
        expect(await notes.textContent()).toContain(part)
      await page.selectOption('main select', 'CN')
      await page.locator('[data-testid=context-home-treaty]').waitFor()

      await page.waitForTimeout(300)
      expect(requests.slice(before)).toEqual([])
      expect(await seriousViolations(page)).toEqual([])
      await page.close()
    },
  )
})
