/**
 * @module test/browser/console-case
 * The case view's panels in real Chromium against the real server and build (issues 5 and 6):
 * a caseworker codes a case (the kind-5 item opens with the statistics key to exactly what was
 * chosen), toggles one of the admin's labels, inserts a reply template in another language than
 * the report's and sends it (the reporter reads it through /api/followup), links two cases (each
 * lists the other and opens it on click), and merges one into the other (gone from the queue,
 * marked as merged, listed on the surviving case).
 *
 * The organisation is set up through the API with the console's own key code (test/browser/
 * console.test.ts drives setup through the pages), with fast Argon2 parameters so logging in
 * here is quick. With CASE_SCREENS_DIR set, screens are saved at phone and desktop sizes.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import * as OTPAuth from 'otpauth'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { codingItemBodySchema } from '../../api/contract/coding.ts'
import type { MeResponse } from '../../api/contract/staff.ts'
import type { Argon2Backend, CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { openItem } from '../../crypto/items.ts'
import { decodeKdfParams, deriveStaffKeys, KDF_MIN_MEM_BYTES, KDF_MIN_OPS } from '../../crypto/kdf.ts'
import { solvePow } from '../../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode, type ReceiptKeys } from '../../crypto/receipt.ts'
import { sealReport } from '../../crypto/report.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import { verifyDirectory, verifyUserKeyChain } from '../../crypto/statements.ts'
import {
  buildSetup,
  type KeyRing,
  newTotpSecret,
  randomUuid,
  signAudit,
  unlock,
} from '../../web/console/keys.ts'
import templatesRu from '../../web/console/templates/ru.json'
import templatesUg from '../../web/console/templates/ug.json'
import {
  type ChromiumSession,
  describeBrowser,
  launchChromium,
  type PageRecording,
  recordPage,
} from '../support/chromium.ts'
import { type RunningServer, startServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

const SERVER_ENV = { POW_BASE_BITS: '4', POW_MAX_BITS: '6' }
const PASSPHRASE = 'orchid lantern seventy quietly harbour'
const FIRST = 'Police from the consulate phoned my mother in Ürümqi and asked where I live now.'
const SECOND = 'My cousin says two men asked about me at the café where I work in Berlin.'
const LABEL = 'Family targeted'
const SCREENS = process.env.CASE_SCREENS_DIR
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** axe-core's serious and critical findings inside the panels this suite covers (WCAG 2.2 AA). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE)
  return await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(context: {
            include: string[][]
          }): Promise<{ violations: { id: string; impact: string; nodes: { target: unknown }[] }[] }>
        }
      }
    ).axe
    const result = await axe.run({
      include: [['.case-side'], ['[data-testid="template-picker"]'], ['.coding-panel'], ['.thread']],
    })
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.map((n) => n.target))}`)
  })
}

const totp = (secret: string, offsetSteps = 0) =>
  new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  }).generate({ timestamp: Date.now() + offsetSteps * 30_000 })

describeBrowser('case view in Chromium', () => {
  let server: RunningServer
  let browser: ChromiumSession
  let page: Page
  let recording: PageRecording
  let origin: string
  let backend: CryptoBackend & Argon2Backend
  let ring: KeyRing
  let cookie = ''
  let totpSecret = ''
  const receipts: ReceiptKeys[] = []

  async function shot(name: string) {
    if (!SCREENS) return
    mkdirSync(SCREENS, { recursive: true })
    const size = page.viewportSize()
    await page.setViewportSize({ width: 390, height: 844 })
    const width = Number(await page.evaluate('document.documentElement.scrollWidth'))
    if (width > 390) console.warn(`case-${name}: the page is ${width}px wide on a 390px phone`)
    await page.screenshot({ path: join(SCREENS, `case-${name}-phone.png`), fullPage: true })
    // The full phone page is too tall to read at once: the side panel and templates up close.
    await page.locator('.case-side').screenshot({ path: join(SCREENS, `case-${name}-phone-side.png`) })
    await page
      .getByTestId('template-picker')
      .screenshot({ path: join(SCREENS, `case-${name}-phone-templates.png`) })
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.screenshot({ path: join(SCREENS, `case-${name}-desktop.png`), fullPage: true })
    if (size) await page.setViewportSize(size)
  }

  async function api(method: 'GET' | 'POST', path: string, body?: unknown) {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: { 'content-type': 'application/json', origin, cookie },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, json: (await response.json()) as Record<string, unknown> }
  }

  async function submitReport(narrative: string, language: string): Promise<ReceiptKeys> {
    const config = (await (await fetch(`${origin}/api/intake/config`)).json()) as {
      orgSigningKey: string
      directory: { statement: string; signature: string }
    }
    const [desk] = [
      ...verifyDirectory(
        backend,
        config.directory,
        fromBase64(config.orgSigningKey),
        new Date(),
      ).currentKeys.values(),
    ]
    if (desk === undefined) throw new Error('no desk')
    const receipt = deriveReceiptKeys(backend, generateReceiptCode(backend))
    const envelope = sealReport(backend, {
      recipients: [desk.publicKey],
      lookupId: receipt.lookupId,
      report: {
        version: 1,
        language,
        deskId: desk.deskId,
        readBack: false,
        answers: {
          subject: 'self',
          whereaboutsUnknown: false,
          tactics: ['family_pressure'],
          when: { year: 2026, month: 4, before: false },
          ongoing: 'yes',
          urgent: false,
          hostCountry: 'DE',
          originState: 'CN',
          community: 'uyghur',
          narrative,
          statisticsConsent: true,
          filesToFollow: 0,
        },
        reporterPublicKey: toBase64(receipt.reporterPublicKey),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
      },
    })
    const challenge = (await (await fetch(`${origin}/api/pow/challenge`, { method: 'POST' })).json()) as {
      challenge: string
      bits: number
    }
    const nonce = solvePow(backend, fromBase64(challenge.challenge), challenge.bits)
    const submitted = await fetch(`${origin}/api/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        deskId: desk.deskId,
        lookupId: receipt.lookupId,
        authToken: receipt.authToken,
        reporterPublicKey: toBase64(receipt.reporterPublicKey),
        reporterSigningKey: toBase64(receipt.reporterSigningKey),
        envelope: toBase64(envelope),
        pow: { challenge: challenge.challenge, nonce },
      }),
    })
    expect(submitted.status).toBe(201)
    return receipt
  }

  const openCase = async (narrative: string) => {
    await page
      .locator('.case-row', { hasText: narrative.slice(0, 40) })
      .click()
      .catch(async (error: unknown) => {
        throw new Error(
          `${String(error)}\n${recording.errorResponses.join('\n')}\n${recording.consoleErrors.join('\n')}\n${recording.pageErrors.join('\n')}\n${((await page.locator('main').textContent()) ?? '').slice(0, 1500)}`,
        )
      })
    await expect.poll(() => page.getByTestId('narrative').textContent()).toBe(narrative)
  }
  const notice = (text: string) =>
    expect
      .poll(() => page.locator('.alert').allTextContents(), { timeout: 30_000 })
      .toContain(text)
      .catch(async (error: unknown) => {
        throw new Error(
          `${String(error)}\n${recording.errorResponses.join('\n')}\n${recording.consoleErrors.join('\n')}`,
        )
      })

  beforeAll(async () => {
    requireWebBuild()
    backend = await loadSodiumSumo()
    server = await startServer({ env: SERVER_ENV })
    origin = server.url
    // Setup through the API, as the setup page would send it.
    const token = /\/console#setup=([A-Za-z0-9_-]{43})/.exec(server.output())?.[1]
    if (token === undefined) throw new Error('no setup link printed')
    const info = (await (await fetch(`${origin}/api/setup/info`)).json()) as { receiptPublicKey: string }
    const built = buildSetup(backend, {
      token,
      orgName: 'Diaspora Rights Watch',
      deskName: 'Uyghur community desk',
      username: 'amina',
      passphrase: PASSPHRASE,
      receiptPublicKey: fromBase64(info.receiptPublicKey),
      now: new Date(),
      kdf: {
        alg: 'argon2id13',
        opsLimit: KDF_MIN_OPS,
        memLimitBytes: KDF_MIN_MEM_BYTES,
        salt: backend.randomBytes(16),
      },
    })
    totpSecret = newTotpSecret(backend)
    const setup = await fetch(`${origin}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify(built.complete({ secret: totpSecret, code: totp(totpSecret) }, new Date())),
    })
    expect(setup.status).toBe(201)
    cookie = /__Host-session=[^;]*/.exec(setup.headers.get('set-cookie') ?? '')?.[0] ?? ''
    const me = (await setup.json()) as MeResponse
    ring = unlock(backend, me, deriveStaffKeys(backend, PASSPHRASE, decodeKdfParams(me.kdf)).wrapKey, {
      now: new Date(),
    })
    // One label on the admin's list.
    const labelId = randomUuid(backend)
    const head = (await api('GET', '/api/audit/head')).json as { seq: number; headHash: string }
    const audit = signAudit(backend, {
      signingSeed: ring.signingSeed,
      actor: ring.userId,
      action: 'label.create',
      target: labelId,
      head,
      now: new Date(),
    })
    const created = await api('POST', '/api/admin/labels', { labelId, name: LABEL, audit }).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${server.output().slice(-3000)}`)
      },
    )
    expect(created.status).toBe(201)
    receipts.push(await submitReport(FIRST, 'ug'), await submitReport(SECOND, 'ru'))

    browser = await launchChromium()
    page = await browser.context.newPage()
    recording = recordPage(page)
    await page.goto(`${origin}/console`)
    await page.getByLabel('Username').fill('amina')
    await page.getByLabel('Passphrase').fill(PASSPHRASE)
    // The setup's code is spent: the next time step (accepted within the ±1 window).
    await page.getByLabel('6-digit code').fill(totp(totpSecret, 1))
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('heading', { name: 'Cases' }).waitFor({ timeout: 60_000 })
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('toggles one of the admin’s labels on the case', async () => {
    await openCase(FIRST)
    const chip = page.getByTestId('labels').getByRole('button', { name: LABEL })
    expect(await chip.getAttribute('aria-pressed')).toBe('false')
    await chip.click()
    await notice('Saved.')
    await expect.poll(() => chip.getAttribute('aria-pressed')).toBe('true')
    const audit = (await api('GET', '/api/audit')).json as { entries: { action: string }[] }
    expect(audit.entries.map((e) => e.action)).toContain('case.label')
    await expect.poll(() => page.getByTestId('retention').textContent()).toBe('Retention: no date set.')
  }, 60_000)

  it('inserts a template in another language than the report’s, and the reporter reads it', async () => {
    const picker = page.getByTestId('template-picker')
    // The report's language (Uyghur, right to left) is the default.
    const preview = picker.getByTestId('template-preview')
    await expect.poll(() => preview.textContent()).toBe(templatesUg.acknowledge.replace('{days}', '7'))
    expect(await preview.getAttribute('dir')).toBe('rtl')
    await shot('template-ug')
    await picker.getByLabel('Language').selectOption('ru')
    await picker.getByLabel('Days until you read it').fill('5')
    const russian = 'в течение 5 дней'
    await expect.poll(() => preview.textContent()).toContain(russian)
    await picker.getByRole('button', { name: 'Insert into the reply' }).click()
    const reply = page.getByLabel('Reply to the reporter')
    expect(await reply.inputValue()).toContain(russian)
    expect(await reply.inputValue()).toContain(templatesRu.acknowledge.slice(0, 40))
    await page.getByRole('button', { name: 'Send reply' }).click()
    await notice('Reply sent.')

    const receipt = receipts[0]
    if (receipt === undefined) throw new Error('no receipt')
    const thread = (await (
      await fetch(`${origin}/api/followup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lookupId: receipt.lookupId, authToken: receipt.authToken }),
      })
    ).json()) as {
      items: { seq: number; kind: number; envelope: string }[]
      signers: { statement: string; signature: string }[]
    }
    const signer = verifyUserKeyChain(backend, {
      orgSigningKey: ring.orgSigningKey,
      userKey: thread.signers[0] ?? { statement: '', signature: '' },
      now: new Date(),
    })
    const item = thread.items.find((i) => i.kind === 3)
    if (item === undefined) throw new Error('no reply')
    const opened = openItem(backend, fromBase64(item.envelope), {
      kind: 3,
      context: receipt.lookupId,
      secretKey: receipt.reporterSecretKey,
      expectedSeq: item.seq,
      signingKeyFor: (author) => (author === signer.statement.userId ? signer.signingKey : undefined),
    })
    expect(opened.body.text).toContain(russian)
  }, 60_000)

  it('codes the case for statistics, sealed so the statistics key opens exactly what was chosen', async () => {
    expect(await page.getByTestId('coding-status').textContent()).toBe('Not coded yet.')
    const form = page.locator('.coding-form')
    // A first draft from the reporter's own answers (family pressure, DE / CN, 2026-04, Uyghur).
    await page.getByTestId('coding-suggested').waitFor()
    expect(await form.getByLabel('Origin state').inputValue()).toBe('CN')
    expect(await form.getByLabel('Host country').inputValue()).toBe('DE')
    expect(await form.getByLabel('Coercion by proxy').isChecked()).toBe(true)
    await form.getByLabel('Physical intimidation').check()
    await form.getByLabel('Community').selectOption('uyghur')
    await shot('coding')
    await form.getByRole('button', { name: 'Save coding' }).click()
    await notice('Coding saved.')
    const today = new Date().toISOString().slice(0, 10)
    await expect
      .poll(() => page.getByTestId('coding-status').textContent())
      .toBe(`Coded on ${today} by amina.`)
    // The thread shows that a coding was made, not its fields.
    const codingItem = page.locator('.item.kind-5')
    expect(await codingItem.textContent()).toContain('Coded for statistics')

    const queue = (await api('GET', '/api/cases')).json as { cases: { id: string; lookupId: string }[] }
    const row = queue.cases.find((c) => c.lookupId === receipts[0]?.lookupId)
    if (row === undefined || ring.statsSecretKey === undefined)
      throw new Error('no case or no statistics key')
    const detail = (await api('GET', `/api/cases/${row.id}`)).json as {
      items: { seq: number; kind: number; envelope: string }[]
      signers: { statement: string; signature: string }[]
    }
    const coded = detail.items.find((i) => i.kind === 5)
    if (coded === undefined) throw new Error('no coding item')
    const author = verifyUserKeyChain(backend, {
      orgSigningKey: ring.orgSigningKey,
      userKey: detail.signers[0] ?? { statement: '', signature: '' },
      now: new Date(),
    })
    const body = openItem(backend, fromBase64(coded.envelope), {
      kind: 5,
      context: row.lookupId,
      secretKey: ring.statsSecretKey,
      expectedSeq: coded.seq,
      signingKeyFor: (id) => (id === author.statement.userId ? author.signingKey : undefined),
    }).body
    const { coding } = codingItemBodySchema.parse(body)
    expect([...coding.tactic].sort()).toEqual(['coercion_by_proxy', 'physical_intimidation'])
    expect(coding.community).toBe('uyghur')
    expect(coding).toMatchObject({
      origin_state: 'CN',
      host_country: 'DE',
      incident_year: 2026,
      incident_month: 4,
      date_precision: 'month',
      family_targeted: 'yes',
    })
    // Reopened, the form starts from the stored coding.
    await page.getByText('Change the coding').click()
    expect(await form.getByLabel('Physical intimidation').isChecked()).toBe(true)
  }, 60_000)

  it('links two cases: each lists the other and opens it on click', async () => {
    const related = page.getByTestId('related')
    await related.getByText('Link or merge another case').click()
    const candidate = related.getByRole('radio', { name: new RegExp(SECOND.slice(0, 30)) })
    await candidate.check()
    await shot('link-picker')
    await related.getByRole('button', { name: 'Link the chosen case' }).click()
    await notice('Cases linked.')
    const linked = related.getByTestId('linked-case')
    await expect.poll(() => linked.count()).toBe(1)
    expect(await linked.textContent()).toContain(SECOND.slice(0, 30))
    await shot('linked')
    expect(await seriousViolations(page)).toEqual([])
    await linked.getByRole('button').first().click()
    await expect.poll(() => page.getByTestId('narrative').textContent()).toBe(SECOND)
    const back = page.getByTestId('related').getByTestId('linked-case')
    await expect.poll(() => back.textContent()).toContain(FIRST.slice(0, 30))
  }, 60_000)

  it('merges the second case into the first: it leaves the queue and both sides say so', async () => {
    const related = page.getByTestId('related')
    await related.getByText('Link or merge another case').click()
    await related.getByRole('radio', { name: new RegExp(FIRST.slice(0, 30)) }).check()
    const merge = related.getByRole('button', { name: 'Merge into the chosen case' })
    expect(await merge.isDisabled()).toBe(true)
    await related.getByLabel('I understand that only an admin can undo a merge.').check()
    await merge.click()
    await notice('Case merged.')
    await page.getByTestId('merged-banner').waitFor()
    await shot('merged')
    await page.getByTestId('merged-banner').getByRole('button', { name: 'Open that case' }).click()
    await expect.poll(() => page.getByTestId('narrative').textContent()).toBe(FIRST)
    await expect.poll(() => page.getByTestId('merged-from').textContent()).toContain(SECOND.slice(0, 30))
    await page.getByRole('button', { name: '← Back to the queue' }).click()
    await page.locator('.case-row', { hasText: FIRST.slice(0, 40) }).waitFor()
    expect(await page.locator('.case-row', { hasText: SECOND.slice(0, 40) }).count()).toBe(0)

    expect(recording.pageErrors).toEqual([])
    expect(
      recording.requests.filter((url) => !url.startsWith(origin) && !url.startsWith(`blob:${origin}/`)),
    ).toEqual([])
  }, 60_000)
})
