/**
 * @module test/browser/followup-padding
 * The follow-up thread's size says little (DESIGN §4, §5a; issue 7 item 6 "follow-up responses
 * padded"), measured where an observer of the connection measures it: the bytes of the
 * `POST /api/followup` answer that Chromium received while the real follow-up page opened a case.
 *
 * Every answer is a Padmé length. Within a bucket the size is the same whatever was written:
 * two cases with reports of 22 and 275 characters and no reply answer with identical sizes, and
 * so do two cases with three replies each — one with three short replies, one with replies of 5,
 * 300 and 800 characters. (The number of items is not hidden, only their lengths: a case with
 * three replies lands in a larger bucket than one with none.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Argon2Backend, CryptoBackend } from '../../crypto/backend.ts'
import { isPaddedLength } from '../../crypto/padding.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import { type ChromiumSession, describeBrowser, launchChromium } from '../support/chromium.ts'
import {
  postStaffItem,
  type SetUpAdmin,
  type SubmittedCase,
  setUpOrganisation,
  submitReport,
} from '../support/console-login.ts'
import { type RunningServer, startServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

describeBrowser('follow-up answers padded, as the browser receives them', () => {
  let backend: CryptoBackend & Argon2Backend
  let server: RunningServer
  let admin: SetUpAdmin
  let browser: ChromiumSession

  beforeAll(async () => {
    requireWebBuild()
    backend = await loadSodiumSumo()
    server = await startServer({ env: { POW_BASE_BITS: '1', POW_MAX_BITS: '1' } })
    admin = await setUpOrganisation(server, backend)
    browser = await launchChromium({ viewport: { width: 390, height: 844 } })
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function withReplies(narrative: string, replies: string[]): Promise<SubmittedCase> {
    const submitted = await submitReport(server, backend, admin, narrative)
    for (const reply of replies) await postStaffItem(server, backend, admin, submitted, 3, reply)
    return submitted
  }

  /** Opens the case on the follow-up page; returns the byte length of the thread answer. */
  async function answerSize(submitted: SubmittedCase, replies: number): Promise<number> {
    const page = await browser.context.newPage()
    try {
      await page.goto(`${server.url}/followup`)
      await page.fill('main input[type=text]', submitted.display)
      const answer = page.waitForResponse(
        (r) => r.url() === `${server.url}/api/followup` && r.request().method() === 'POST',
      )
      await page.click('form button[type=submit]')
      const response = await answer
      expect(response.status()).toBe(200)
      const size = (await response.body()).length
      // The page shows what it received: the thread is real, not an empty answer.
      if (replies > 0) await expect.poll(() => page.locator('[data-testid=reply]').count()).toBe(replies)
      else await page.locator('section[aria-labelledby=erase]').waitFor({ timeout: 60_000 })
      return size
    } finally {
      await page.close()
    }
  }

  it('answers with Padmé lengths that do not change with what was written', async () => {
    const shortReport = await withReplies('They called my father.', [])
    const longReport = await withReplies(`They called my father. ${'More details follow. '.repeat(12)}`, [])
    const shortReplies = await withReplies('Someone followed me.', ['Noted.', 'Noted.', 'Noted.'])
    const variedReplies = await withReplies('Someone followed me.', [
      'Noted',
      `We read your report. ${'x'.repeat(278)}`,
      `Here is what we can do. ${'y'.repeat(776)}`,
    ])
    const sizes = {
      noReplyShortReport: await answerSize(shortReport, 0),
      noReplyLongReport: await answerSize(longReport, 0),
      threeShortReplies: await answerSize(shortReplies, 3),
      threeVariedReplies: await answerSize(variedReplies, 3),
    }
    for (const [name, size] of Object.entries(sizes))
      expect(isPaddedLength(size), `${name}: ${size}`).toBe(true)
    expect(sizes.noReplyLongReport).toBe(sizes.noReplyShortReport)
    expect(sizes.threeVariedReplies).toBe(sizes.threeShortReplies)
    console.log(
      `follow-up padding in Chromium: 0 replies → ${sizes.noReplyShortReport} bytes for a report of 22 or ` +
        `275 characters; 3 replies → ${sizes.threeShortReplies} bytes for replies of 6/6/6 or 5/299/800 ` +
        'characters; all Padmé lengths',
    )
  }, 240_000)
})
