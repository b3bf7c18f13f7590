/**
 * @module test/browser/quick-exit
 * Quick exit in real Chromium (DESIGN §4; issue 7 item 6 "Back after quick exit does not show the
 * site"): from each reporter page, the visible button and the Esc key leave for the neutral site,
 * and Back from there returns to where the reporter was before the site — never to a reporter
 * page. The neutral site is answered locally (`page.route`), so the test
 * itself sends nothing off this machine.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadSodium } from '../../crypto/sodium.ts'
import { type ChromiumSession, describeBrowser, launchChromium } from '../support/chromium.ts'
import { databases } from '../support/databases.ts'
import { type SeededDeployment, seededDeployment } from '../support/seeded-server.ts'
import { REPO_ROOT, type RunningServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

/**
 * The neutral site, read from the page source: web/shared/quick-exit.ts touches the DOM, so the
 * Node test program cannot import it.
 */
const NEUTRAL_SITE = (() => {
  const source = readFileSync(join(REPO_ROOT, 'web/shared/quick-exit.ts'), 'utf8')
  const found = /export const NEUTRAL_SITE = '([^']+)'/.exec(source)?.[1]
  if (found === undefined) throw new Error('NEUTRAL_SITE not found in web/shared/quick-exit.ts')
  return found
})()

/** Where the reporter was before opening the site (a stand-in answered locally). */
const BEFORE = 'https://news.example/'

describeBrowser('quick exit', () => {
  let deployment: SeededDeployment
  let server: RunningServer
  let session: ChromiumSession

  beforeAll(async () => {
    requireWebBuild()
    const pglite = databases.find((factory) => factory.name === 'pglite')
    if (pglite === undefined) throw new Error('no PGlite factory')
    // An organisation, so the follow-up page offers its receipt field.
    deployment = await seededDeployment(pglite, await loadSodium())
    server = await deployment.start()
    session = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    await session?.close()
    await server?.stop()
    await deployment?.destroy()
  })

  async function openFrom(path: string): Promise<Page> {
    const page = await session.context.newPage()
    for (const url of [BEFORE, NEUTRAL_SITE]) {
      await page.route(`${url}**`, (route) =>
        route.fulfill({
          status: 200,
          contentType: 'text/html',
          body: `<title>elsewhere</title><p>${url}</p>`,
        }),
      )
    }
    await page.goto(BEFORE)
    await page.goto(`${server.url}${path}`)
    await page.locator('button.quick-exit').waitFor({ timeout: 60_000 })
    return page
  }

  async function expectLeft(page: Page): Promise<void> {
    await page.waitForURL(`${NEUTRAL_SITE}**`, { timeout: 30_000 })
    await page.goBack()
    // Back skips the reporter page: the site occupied the one entry quick exit replaced.
    expect(page.url()).toBe(BEFORE)
    await page.goForward()
    expect(page.url().startsWith(NEUTRAL_SITE)).toBe(true)
  }

  for (const path of ['/', '/followup', '/safety']) {
    it(`leaves ${path} with the button, and Back does not return to it`, async () => {
      const page = await openFrom(path)
      try {
        await page.click('button.quick-exit')
        await expectLeft(page)
      } finally {
        await page.close()
      }
    })
  }

  it('leaves the follow-up page on Esc while a receipt is being typed, and Back does not return to it', async () => {
    const page = await openFrom('/followup')
    try {
      const input = page.locator('main input[type=text]')
      await input.fill('ABC-DEF-GHJ')
      await page.keyboard.press('Escape')
      await expectLeft(page)
    } finally {
      await page.close()
    }
  })
})
