/**
 * @module test/browser/console
 * The console end to end in real Chromium against the real server and build (issue 5):
 * setup from the printed link (recovery kit typed back, TOTP enrolled from the key shown) →
 * a report submitted through the Reporter API is decrypted in the queue (Web Worker) and the
 * case view → a signed reply, which the reporter reads through /api/followup and verifies with
 * crypto/ → status change → logout and login with TOTP → an invitation accepted in a second
 * browser profile, safety numbers compared, keys granted → the caseworker reads the case.
 * Throughout: no request leaves the origin and no page error occurs.
 *
 * With CONSOLE_SCREENS_DIR set, every screen is also saved at phone and desktop sizes.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import * as OTPAuth from 'otpauth'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { openItem, REPORTER_AUTHOR, sealItem } from '../../crypto/items.ts'
import { solvePow } from '../../crypto/pow.ts'
import { deriveReceiptKeys, generateReceiptCode, type ReceiptKeys } from '../../crypto/receipt.ts'
import { sealReport } from '../../crypto/report.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { verifyDirectory, verifyUserKeyChain } from '../../crypto/statements.ts'
import { encryptStream } from '../../crypto/stream.ts'
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
const NARRATIVE = 'Two men from the consulate came to my sister’s flat and asked about my work.'
const REPLY = 'Thank you. We have read your report; a caseworker will write again this week.'
const PASSPHRASE = 'orchid lantern seventy quietly harbour'
const SCREENS = process.env.CONSOLE_SCREENS_DIR

const totp = (secret: string, offsetSteps = 0) =>
  new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  }).generate({
    timestamp: Date.now() + offsetSteps * 30_000,
  })

describeBrowser('console in Chromium', () => {
  let server: RunningServer
  let admin: ChromiumSession
  let page: Page
  let recording: PageRecording
  let origin: string
  let adminTotp = ''
  let totpOffset = 0
  let receipt: ReceiptKeys

  async function shot(name: string, target = page) {
    if (!SCREENS) return
    mkdirSync(SCREENS, { recursive: true })
    const size = target.viewportSize()
    await target.setViewportSize({ width: 390, height: 844 })
    await target.screenshot({ path: join(SCREENS, `console-${name}-phone.png`), fullPage: true })
    await target.setViewportSize({ width: 1280, height: 800 })
    await target.screenshot({ path: join(SCREENS, `console-${name}-desktop.png`), fullPage: true })
    if (size) await target.setViewportSize(size)
  }

  beforeAll(async () => {
    requireWebBuild()
    server = await startServer({ env: SERVER_ENV })
    origin = server.url
    admin = await launchChromium()
    page = await admin.context.newPage()
    recording = recordPage(page)
  }, 120_000)

  afterAll(async () => {
    await admin?.close()
    await server?.stop()
  })

  it('sets up the organisation from the printed link, with the recovery kit typed back', async () => {
    const match = /\/console#setup=([A-Za-z0-9_-]{43})/.exec(server.output())
    expect(match).not.toBeNull()
    await page.goto(`${origin}/console#setup=${match?.[1]}`)
    // The token leaves the address bar at once.
    await expect.poll(() => page.url()).toBe(`${origin}/console`)
    await page.getByLabel('Organisation name').fill('Diaspora Rights Watch')
    await page.getByLabel('First desk').fill('Uyghur community desk')
    await page.getByLabel('Username').fill('amina')
    await page.getByLabel('Passphrase', { exact: true }).fill('short')
    await page.getByLabel('Passphrase again').fill('short')
    await shot('setup')
    await page.getByRole('button', { name: 'Create the keys' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('too weak')
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE)
    await page.getByLabel('Passphrase again').fill(PASSPHRASE)
    await page.getByRole('button', { name: 'Create the keys' }).click()
    const codeBox = page.getByTestId('recovery-code')
    await codeBox.waitFor({ timeout: 60_000 })
    const recovery = (await codeBox.textContent()) ?? ''
    expect(recovery).toMatch(/^([0-9A-HJKMNP-TV-Z]{4} ){13}[0-9A-HJKMNP-TV-Z]{4}$/)
    await shot('setup-recovery')
    await page.getByRole('button', { name: 'I have written it down' }).click()
    // A wrong code is refused; the right one, typed loosely, passes.
    await page.getByLabel('Recovery code').fill(recovery.replace(/^..../, 'ZZZZ'))
    await page.getByRole('button', { name: 'Check' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not the recovery code')
    await page.getByLabel('Recovery code').fill(recovery.toLowerCase().replaceAll(' ', '-'))
    await page.getByRole('button', { name: 'Check' }).click()
    adminTotp = ((await page.getByTestId('totp-secret').textContent()) ?? '').replaceAll(' ', '')
    expect(adminTotp).toMatch(/^[A-Z2-7]{32}$/)
    await shot('setup-totp')
    await page.getByLabel('6-digit code').fill(totp(adminTotp))
    await page.getByRole('button', { name: 'Finish setup' }).click()
    const safety = page.getByTestId('safety-code')
    await safety.waitFor({ timeout: 60_000 })
    expect(await safety.textContent()).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/)
    await shot('setup-done')
    await page.getByRole('button', { name: 'Open the console' }).click()
    await page.getByRole('heading', { name: 'Cases' }).waitFor()
    await expect.poll(() => page.getByText('No cases match.').count()).toBe(1)
  }, 180_000)

  it('decrypts a report submitted through the API and sends a signed reply the reporter can verify', async () => {
    const backend = await loadSodium()
    const config = (await (await fetch(`${origin}/api/intake/config`)).json()) as {
      orgSigningKey: string
      directory: { statement: string; signature: string }
    }
    const { currentKeys } = verifyDirectory(
      backend,
      config.directory,
      fromBase64(config.orgSigningKey),
      new Date(),
    )
    const [desk] = [...currentKeys.values()]
    if (desk === undefined) throw new Error('no desk')
    receipt = deriveReceiptKeys(backend, generateReceiptCode(backend))
    const envelope = sealReport(backend, {
      recipients: [desk.publicKey],
      lookupId: receipt.lookupId,
      report: {
        version: 1,
        language: 'ug',
        deskId: desk.deskId,
        readBack: false,
        answers: {
          subject: 'relative_origin',
          whereaboutsUnknown: false,
          tactics: ['family_pressure', 'official_contact'],
          when: { year: 2026, month: 4, before: false },
          ongoing: 'yes',
          urgent: true,
          hostCountry: 'DE',
          originState: 'CN',
          community: 'uyghur',
          narrative: NARRATIVE,
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

    await page.getByRole('button', { name: 'Audit' }).click()
    await page.getByRole('heading', { name: 'Audit log' }).waitFor()
    await expect.poll(() => page.getByText('every signature and link intact').count()).toBe(1)
    await shot('audit')
    await page.getByRole('button', { name: 'Cases' }).click()
    const row = page.locator('.case-row', { hasText: 'Two men from the consulate' })
    await row.waitFor()
    expect(await row.getAttribute('class')).toContain('unread')
    await shot('queue')
    await row.click()
    await page.getByTestId('narrative').waitFor()
    expect(await page.getByTestId('narrative').textContent()).toBe(NARRATIVE)
    await page.getByLabel('Reply to the reporter').fill(REPLY)
    await page.getByRole('button', { name: 'Send reply' }).click()
    await expect.poll(() => page.getByText('Reply sent.').count()).toBe(1)
    await page.getByTestId('item-1').waitFor()
    expect(await page.getByTestId('item-1').textContent()).toContain(REPLY)
    await page.getByLabel('Status').selectOption('triaged')
    await expect
      .poll(() => page.locator('.alert').allTextContents())
      .toContain('Saved.')
      .catch(async (error: unknown) => {
        throw new Error(
          `${String(error)}\n${recording.errorResponses.join('\n')}\n${recording.consoleErrors.join('\n')}\n${((await page.locator('main').textContent()) ?? '').slice(0, 2000)}`,
        )
      })
    await shot('case')

    // The reporter's side: the thread, the signer's certified key, the signature.
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
    expect(thread.items.map((i) => i.kind)).toEqual([1, 3])
    const signer = verifyUserKeyChain(backend, {
      orgSigningKey: fromBase64(config.orgSigningKey),
      userKey: thread.signers[0] ?? { statement: '', signature: '' },
      now: new Date(),
    })
    const item = openItem(backend, fromBase64(thread.items[1]?.envelope ?? ''), {
      kind: 3,
      context: receipt.lookupId,
      secretKey: receipt.reporterSecretKey,
      expectedSeq: 1,
      signingKeyFor: (author) => (author === signer.statement.userId ? signer.signingKey : undefined),
    })
    expect(item.body.text).toBe(REPLY)
    expect(signer.statement.username).toBe('amina')
  }, 120_000)

  it('shows an image only blurred in a sandboxed frame, and offers other files only as downloads', async () => {
    const backend = await loadSodium()
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
    const deskPublicKey = desk.publicKey
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: response.status, json: (await response.json()) as Record<string, unknown> }
    }
    const credentials = { lookupId: receipt.lookupId, authToken: receipt.authToken }
    async function upload(name: string, type: string, file: Uint8Array, seq: number) {
      const encrypted = encryptStream(backend, file)
      expect(encrypted.chunks).toBe(1)
      const created = await post('/api/attachments', {
        ...credentials,
        header: toBase64(encrypted.stream.subarray(0, 21)),
        chunks: 1,
        size: encrypted.stream.length - 21,
      })
      expect(created.status).toBe(201)
      const attachmentId = created.json.attachmentId as string
      const chunk = await post('/api/attachments/chunks', {
        ...credentials,
        attachmentId,
        index: 0,
        data: toBase64(encrypted.stream.subarray(21)),
      })
      expect(chunk.status).toBe(201)
      const manifest = sealItem(backend, {
        kind: 7,
        context: receipt.lookupId,
        recipients: [deskPublicKey, receipt.reporterPublicKey],
        body: {
          seq,
          writtenOn: new Date().toISOString().slice(0, 10),
          fileKey: toBase64(encrypted.fileKey),
          prefix: toBase64(encrypted.prefix),
          name,
          type,
          size: file.length,
          chunks: 1,
          metadataStripped: true,
          attachmentId,
        },
        author: REPORTER_AUTHOR,
        signingSeed: receipt.reporterSigningSeed,
      })
      const challenge = (await post('/api/pow/challenge', {})).json as { challenge: string; bits: number }
      const nonce = solvePow(backend, fromBase64(challenge.challenge), challenge.bits)
      const message = await post('/api/followup/messages', {
        ...credentials,
        envelope: toBase64(manifest),
        pow: { challenge: challenge.challenge, nonce },
        seq,
      })
      expect(message.status).toBe(201)
    }
    // A 1×1 PNG claiming to be a PDF, and a "PDF" whose name hides ".exe" behind a bidi override.
    const png = fromBase64(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
    )
    await upload('scan.pdf', 'application/pdf', png, 2)
    await upload(
      'invoice\u202Efdp.exe',
      'application/pdf',
      new TextEncoder().encode('%PDF-1.4\n% not really\n'),
      3,
    )

    await page.getByRole('button', { name: '← Back to the queue' }).click()
    await page.getByRole('tab', { name: /^triaged/ }).click()
    await page.locator('.case-row', { hasText: 'Two men from the consulate' }).click()
    const evidence = page.getByTestId('evidence')
    await expect.poll(() => evidence.count()).toBe(2)
    await evidence.nth(0).getByRole('button', { name: 'Decrypt and show' }).click()
    const frame = evidence.nth(0).locator('iframe')
    await frame.waitFor()
    expect(await frame.getAttribute('sandbox')).toBe('')
    expect(await frame.getAttribute('class')).toContain('blurred')
    expect(await frame.getAttribute('src')).toMatch(/^blob:/)
    await shot('evidence')
    await evidence.nth(0).getByRole('button', { name: 'Show the image' }).click()
    expect(await frame.getAttribute('class')).not.toContain('blurred')

    const other = evidence.nth(1)
    expect(await other.locator('strong').textContent()).toBe('invoicefdp.exe')
    await other.getByRole('button', { name: 'Decrypt and show' }).click()
    await other.getByText('booby-trapped').waitFor()
    expect(await other.locator('iframe').count()).toBe(0)
    expect(await other.getByRole('link').count()).toBe(0)
    await other.getByLabel(/separate machine/).check()
    expect(await other.getByRole('link', { name: 'Download the file' }).getAttribute('download')).toBe(
      'invoicefdp.exe.bin',
    )

    // Referral export: built here, recorded in the audit log first.
    await page.getByText('Referral export').click()
    await page.getByRole('button', { name: /^Build the document/ }).click()
    const download = page.getByRole('link', { name: 'Download the document' })
    await download.waitFor()
    expect(await download.getAttribute('href')).toMatch(/^blob:/)
  }, 120_000)

  it('logs out, refuses a wrong code, and logs in again with passphrase and TOTP', async () => {
    await page.getByRole('button', { name: 'Account' }).click()
    await page.getByRole('heading', { name: 'Your sessions' }).waitFor()
    await shot('account')
    await page.getByRole('button', { name: /^Log out amina/ }).click()
    await page.getByRole('heading', { name: 'Console login' }).waitFor()
    await shot('login')
    await page.getByLabel('Username').fill('amina')
    await page.getByLabel('Passphrase').fill(PASSPHRASE)
    await page.getByLabel('6-digit code').fill('000000')
    await page.getByRole('button', { name: 'Log in' }).click()
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 30_000 }).toContain('not right')
    // The setup code's time step is spent: use the next one (accepted within the ±1 window).
    totpOffset = 1
    await page.getByLabel('Passphrase').fill(PASSPHRASE)
    await page.getByLabel('6-digit code').fill(totp(adminTotp, totpOffset))
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('heading', { name: 'Cases' }).waitFor({ timeout: 60_000 })
    await page.getByRole('tab', { name: /^triaged/ }).click()
    const row = page.locator('.case-row', { hasText: 'Two men from the consulate' })
    await row.waitFor()
    expect(await row.getAttribute('class')).not.toContain('unread')
    // A reload keeps the session but not the keys (memory only): the passphrase unlocks them.
    await page.reload()
    await page.getByRole('heading', { name: 'Unlock the console' }).waitFor()
    await shot('unlock')
    await page.getByLabel('Passphrase').fill(PASSPHRASE)
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.getByRole('heading', { name: 'Cases' }).waitFor({ timeout: 60_000 })
  }, 120_000)

  it('invites a caseworker who is verified by safety number and then reads the case', async () => {
    await page.getByRole('button', { name: 'Admin' }).click()
    await page.getByRole('heading', { name: 'Administration' }).waitFor()
    // A second desk, made in this browser: key, re-signed directory, grant to self, recovery kit.
    await page.getByLabel('New desk').fill('General desk')
    await page.getByRole('button', { name: 'Create desk' }).click()
    await expect
      .poll(() => page.getByText('Desk “General desk” created').count(), { timeout: 30_000 })
      .toBe(1)
    const config = (await (await fetch(`${origin}/api/intake/config`)).json()) as {
      directory: { statement: string }
    }
    expect(config.directory.statement).toContain('General desk')
    await page.getByLabel('Uyghur community desk').check()
    await page.getByRole('button', { name: 'Create invitation link' }).click()
    const link = (await page.getByTestId('invite-link').textContent()) ?? ''
    expect(link).toMatch(/\/console#invite=[A-Za-z0-9_-]{43}&org=[0-9a-f]{64}$/)
    await shot('admin')

    const second = await launchChromium()
    try {
      const invitee = await second.context.newPage()
      const inviteeRecording = recordPage(invitee)
      await invitee.goto(link)
      await invitee.getByLabel('Username').waitFor()
      await shot('invite', invitee)
      await invitee.getByLabel('Username').fill('bakhyt')
      await invitee.getByLabel('Passphrase', { exact: true }).fill('copper meadow violin eleven sunrise')
      await invitee.getByLabel('Passphrase again').fill('copper meadow violin eleven sunrise')
      const secret = ((await invitee.getByTestId('totp-secret').textContent()) ?? '').replaceAll(' ', '')
      await invitee.getByLabel('6-digit code').fill(totp(secret))
      await invitee.getByRole('button', { name: 'Create my account' }).click()
      const own = invitee.getByTestId('own-safety-number')
      await own.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
        throw new Error(
          `${String(error)}\n${(await invitee.locator('.alert').allTextContents()).join('\n')}\n${inviteeRecording.errorResponses.join('\n')}\n${inviteeRecording.pageErrors.join('\n')}`,
        )
      })
      const number = (await own.textContent()) ?? ''
      expect(number).toMatch(/^(\d{5} ){11}\d{5}$/)
      await shot('invite-done', invitee)

      // The admin sees the same number and grants only after ticking the comparison.
      await page.getByRole('button', { name: 'Audit' }).click()
      await page.getByRole('button', { name: 'Admin' }).click()
      const user = page.getByTestId('user-bakhyt')
      await user.waitFor()
      expect(await user.getByTestId('their-safety-number').textContent()).toBe(number)
      const grant = user.getByRole('button', { name: 'Verify and grant desk keys' })
      expect(await grant.isDisabled()).toBe(true)
      await user.getByLabel(/I compared the safety number/).check()
      await grant.click()
      await expect.poll(() => page.getByText('bakhyt is verified').count()).toBe(1)

      // The caseworker logs in again and now holds the desk key.
      await invitee.getByRole('button', { name: 'Open the console' }).click()
      await invitee.getByRole('button', { name: /^Log out bakhyt/ }).click()
      await invitee.getByLabel('Username').fill('bakhyt')
      await invitee.getByLabel('Passphrase').fill('copper meadow violin eleven sunrise')
      await invitee.getByLabel('6-digit code').fill(totp(secret, 1))
      await invitee.getByRole('button', { name: 'Log in' }).click()
      await invitee.getByRole('tab', { name: /^triaged/ }).click()
      const row = invitee.locator('.case-row', { hasText: 'Two men from the consulate' })
      await row.waitFor({ timeout: 60_000 })
      await row.click()
      await invitee.getByTestId('item-1').waitFor()
      expect(await invitee.getByTestId('item-1').textContent()).toContain(REPLY)
      expect(inviteeRecording.pageErrors).toEqual([])
      expect(inviteeRecording.requests.filter((url) => !url.startsWith(origin))).toEqual([])
    } finally {
      await second.close()
    }
    expect(recording.pageErrors).toEqual([])
    expect(
      recording.requests.filter((url) => !url.startsWith(origin) && !url.startsWith(`blob:${origin}/`)),
    ).toEqual([])
  }, 240_000)
})
