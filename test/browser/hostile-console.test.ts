/**
 * @module test/browser/hostile-console
 * The console against a hostile server (DESIGN §4 "An attacker who controls the server could …
 * substitute keys, or forge messages", §5, §10; issue 7 item 5, issue 5 "Security requirements"),
 * in real Chromium with the real build, after a real login with passphrase and TOTP.
 *
 * Playwright's `page.route` answers the way a compromised server would:
 * - at login (`POST /api/auth/login`): a desk key swapped inside the signed directory, a directory
 *   signed by another key, an expired directory (validly signed, as a server replaying an old one
 *   would send), a grant whose signature is dropped or zeroed, re-signed by an uncertified key, or made by a
 *   granter certified by a foreign key, a grant whose unsealed key is not the signed public key,
 *   the user's own certificate signed by another key, and the organisation key replaced (the
 *   browser pinned the real one);
 * - before Argon2id (`POST /api/auth/params`): parameters below the floor and above the ceiling;
 * - after a reload (`GET /api/auth/status`, the unlock path): the organisation key replaced;
 * - in a case (`GET /api/cases/:id`): a reply signed by a key that is not certified, a note by an
 *   author certified by a foreign key, items moved to other seqs, another case's reply replayed,
 *   and a report envelope with an unknown version byte.
 * For each, the console refuses, says why in plain words (the English locale text is asserted),
 * shows no forged content, and sends nothing signed in response (every POST it made is checked).
 * Each interception is preceded by a positive control: the server's untouched answer, served by
 * the same route handler, is accepted, and the signed requests then do happen — so the assertions
 * can fail.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page, Route } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { MeResponse } from '../../api/contract/staff.ts'
import type { Argon2Backend, CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { fingerprint } from '../../crypto/fingerprint.ts'
import { sealGrant } from '../../crypto/grants.ts'
import { sealItem } from '../../crypto/items.ts'
import { loadSodiumSumo } from '../../crypto/sodium.ts'
import { type SignedStatement, signStatement } from '../../crypto/statements.ts'
import { certifyUser, randomUuid, rfc3339 } from '../../web/console/keys.ts'
import { type ChromiumSession, describeBrowser, launchChromium } from '../support/chromium.ts'
import {
  call,
  fillLogin,
  postStaffItem,
  type SetUpAdmin,
  type SubmittedCase,
  setUpOrganisation,
  submitReport,
  totpCode,
} from '../support/console-login.ts'
import { REPO_ROOT, type RunningServer, startServer } from '../support/server.ts'
import { requireWebBuild } from '../support/web-build.ts'

const messages = JSON.parse(readFileSync(join(REPO_ROOT, 'web/console/locales/en.json'), 'utf8')) as Record<
  string,
  string
>
/** An English console string, cut before its first ICU placeholder (the part that is always shown). */
const text = (id: string): string => {
  const value = messages[id]
  if (value === undefined) throw new Error(`no English console string ${id}`)
  return value.split('{')[0] ?? value
}

const NARRATIVE_A = 'A man from the embassy photographed everyone at our cultural evening.'
const NARRATIVE_B = 'My mother was told to make me stop writing about the camps.'
const REPLY_A = 'GENUINE reply: we read your report and will call you back.'
const NOTE_A = 'GENUINE note: compare with the March reports from Munich.'
const REPLY_B = 'GENUINE reply in the other case.'
const FORGED = 'FORGED'
const DAY = 24 * 60 * 60 * 1000
const PINNED_ORG_KEY = 'tnr.console.pinnedOrg'
/** With HOSTILE_SCREENS_DIR set, every refusal is also saved at phone and desktop sizes. */
const SCREENS = process.env.HOSTILE_SCREENS_DIR

async function shot(page: Page, name: string): Promise<void> {
  if (!SCREENS) return
  mkdirSync(SCREENS, { recursive: true })
  const file = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)
  await page.setViewportSize({ width: 390, height: 844 })
  await page.screenshot({ path: join(SCREENS, `${file}-phone.png`), fullPage: true })
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.screenshot({ path: join(SCREENS, `${file}-desktop.png`), fullPage: true })
}
/** Requests the console may make without signing anything. */
const UNSIGNED_POSTS = new Set(['/api/auth/params', '/api/auth/login'])

type Post = { path: string; body: string }
type CaseDetail = {
  case: Record<string, unknown>
  items: Array<{ seq: number; kind: number; envelope: string; authorId: string | null; createdOn: string }>
  signers: SignedStatement[]
  [key: string]: unknown
}
type Params = { kdf: { alg: string; opsLimit: number; memLimitBytes: number; salt: string } }

describeBrowser('the console against a hostile server', () => {
  let backend: CryptoBackend & Argon2Backend
  let server: RunningServer
  let admin: SetUpAdmin
  let caseA: SubmittedCase
  let caseB: SubmittedCase
  let browser: ChromiumSession
  let browserCookie = ''
  const refused: string[] = []
  const controls: string[] = []

  beforeAll(async () => {
    requireWebBuild()
    backend = await loadSodiumSumo()
    server = await startServer({ env: { POW_BASE_BITS: '1', POW_MAX_BITS: '1' } })
    admin = await setUpOrganisation(server, backend)
    caseA = await submitReport(server, backend, admin, NARRATIVE_A)
    expect(await postStaffItem(server, backend, admin, caseA, 3, REPLY_A)).toBe(1)
    expect(await postStaffItem(server, backend, admin, caseA, 4, NOTE_A)).toBe(2)
    caseB = await submitReport(server, backend, admin, NARRATIVE_B)
    expect(await postStaffItem(server, backend, admin, caseB, 3, REPLY_B)).toBe(1)

    // One real login through the form (the TOTP step after setup's), in a browser that pinned
    // the organisation fingerprint as the setup link would have.
    browser = await launchChromium()
    const page = await browser.context.newPage()
    await page.goto(`${server.url}/console`)
    await page.evaluate(
      ([key, value]) =>
        (
          globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }
        ).localStorage.setItem(key as string, value as string),
      [PINNED_ORG_KEY, admin.fingerprint],
    )
    await page.reload()
    await fillLogin(page, {
      username: admin.username,
      passphrase: admin.passphrase,
      code: totpCode(admin.totpSecret, 1),
    })
    await page.getByRole('heading', { name: 'Cases' }).waitFor({ timeout: 90_000 })
    await page.close()
    const cookie = (await browser.context.cookies()).find((c) => c.name === '__Host-session')
    if (cookie === undefined) throw new Error('the real login set no session cookie')
    browserCookie = `${cookie.name}=${cookie.value}`
  }, 240_000)

  afterAll(async () => {
    console.log(
      `hostile console: ${refused.length} interceptions refused, ${controls.length} controls passed\n` +
        refused.map((name) => `  refused: ${name}`).join('\n'),
    )
    await browser?.close()
    await server?.stop()
  })

  /** The server's honest answer to `GET /api/auth/me` for the browser's session (what login returns). */
  async function honestMe(): Promise<MeResponse> {
    const answer = await call(server, 'GET', '/api/auth/me', { cookie: browserCookie })
    expect(answer.status).toBe(200)
    return answer.json as unknown as MeResponse
  }

  /**
   * A fresh page that logs in through the form while the "server" answers login (and optionally
   * the KDF parameters) through `tamper`. The session cookie of the real login carries every
   * other request to the real server. Returns once the console shows its queue or an error.
   */
  async function login(tamper: {
    me?: (me: MeResponse) => MeResponse
    params?: (params: Params) => Params
  }): Promise<{ page: Page; posts: Post[] }> {
    const page = await browser.context.newPage()
    const posts: Post[] = []
    page.on('request', (request) => {
      if (request.method() === 'POST')
        posts.push({ path: new URL(request.url()).pathname, body: request.postData() ?? '' })
    })
    const me = await honestMe()
    const params = (await call(server, 'POST', '/api/auth/params', { body: { username: admin.username } }))
      .json as unknown as Params
    // Not logged in, as far as this page is told: it shows the login form, not "unlock".
    await page.route('**/api/auth/me', (route: Route) =>
      route.fulfill({ status: 401, json: { error: { code: 'unauthorized', message: 'Log in.' } } }),
    )
    await page.route('**/api/auth/status', (route: Route) =>
      route.fulfill({ status: 200, json: { signedIn: false } }),
    )
    await page.route('**/api/auth/params', (route: Route) =>
      route.fulfill({ status: 200, json: tamper.params ? tamper.params(structuredClone(params)) : params }),
    )
    await page.route('**/api/auth/login', (route: Route) =>
      route.fulfill({ status: 200, json: tamper.me ? tamper.me(structuredClone(me)) : me }),
    )
    await page.goto(`${server.url}/console`)
    await fillLogin(page, { username: admin.username, passphrase: admin.passphrase, code: '000000' })
    await page.locator('.shell, .alert-error').first().waitFor({ timeout: 90_000 })
    // The shell appears only after the admin's login maintenance has finished (Login.tsx).
    return { page, posts }
  }

  /** Requests that carry something this browser signed: an audit entry, a statement or an item. */
  const signedPosts = (posts: Post[]) =>
    posts.filter((p) => !UNSIGNED_POSTS.has(p.path) && /"(sig|signature|envelope)":/.test(p.body))

  async function errorsShown(page: Page): Promise<string> {
    return (await page.locator('.alert-error').allTextContents()).join('\n')
  }

  /** The control: the untouched answer through the same handler logs in, and maintenance signs. */
  async function control(name: string, tamper: Parameters<typeof login>[0]): Promise<void> {
    const { page, posts } = await login(tamper)
    try {
      await page.getByRole('heading', { name: 'Cases' }).waitFor()
      expect(await errorsShown(page)).toBe('')
      expect(signedPosts(posts).map((p) => p.path)).toEqual(
        expect.arrayContaining(['/api/admin/directory', '/api/audit/checkpoints']),
      )
      controls.push(name)
    } finally {
      await page.close()
    }
  }

  const identity = <T>(value: T) => value
  const directoryOf = (me: MeResponse) =>
    JSON.parse(me.directory?.statement ?? '{}') as { seq: number; desks: Array<Record<string, unknown>> }
  const resign = (seed: Uint8Array, statement: string): SignedStatement =>
    signStatement(backend, seed, JSON.parse(statement) as Parameters<typeof signStatement>[2])
  const deskGrant = (me: MeResponse) => {
    const grant = me.grants.find((g) => g.target === admin.deskId)
    if (grant === undefined) throw new Error('no desk grant in the login answer')
    return grant
  }
  const foreignUserKey = (userId: string, signingKey: Uint8Array, role: 'admin' | 'caseworker') =>
    certifyUser(backend, {
      orgSeed: backend.randomBytes(32),
      orgId: admin.ring.orgId,
      userId,
      username: 'mallory',
      role,
      identityKey: backend.x25519PublicKey(backend.randomBytes(32)),
      signingKey,
      now: new Date(),
    })

  type LoginCase = {
    name: string
    tamper: Parameters<typeof login>[0]
    /** Locale ids of what the console must say. */
    says: string[]
    /** Whether the console still opens (with a refusal shown) or stops at the login form. */
    opens: boolean
  }

  const loginCases: LoginCase[] = [
    {
      name: 'a desk key swapped inside the signed directory',
      tamper: {
        me: (me) => {
          const directory = directoryOf(me)
          const first = directory.desks[0]
          if (first !== undefined)
            first.publicKey = toBase64(backend.x25519PublicKey(backend.randomBytes(32)))
          return {
            ...me,
            directory: { statement: JSON.stringify(directory), signature: me.directory?.signature ?? '' },
          }
        },
      },
      says: ['shell.refused.directory', 'shell.refusedGrants'],
      opens: true,
    },
    {
      name: 'a directory signed by another key',
      tamper: {
        me: (me) => ({ ...me, directory: resign(backend.randomBytes(32), me.directory?.statement ?? '') }),
      },
      says: ['shell.refused.directory', 'shell.refusedGrants'],
      opens: true,
    },
    {
      name: 'an expired directory, validly signed (an old one replayed)',
      tamper: {
        me: (me) => {
          const directory = directoryOf(me)
          const orgSeed = admin.ring.orgSeed
          if (orgSeed === undefined) throw new Error('the admin holds no organisation key')
          return {
            ...me,
            directory: signStatement(backend, orgSeed, {
              ...directory,
              seq: Math.max(1, directory.seq - 1),
              issuedAt: rfc3339(new Date(Date.now() - 100 * DAY)),
              expiresAt: rfc3339(new Date(Date.now() - 10 * DAY)),
            } as Parameters<typeof signStatement>[2]),
          }
        },
      },
      says: ['shell.refused.directory-expired'],
      opens: true,
    },
    {
      name: 'a desk grant whose signature is zeroed',
      tamper: {
        me: (me) => {
          deskGrant(me).grant.signature = toBase64(new Uint8Array(64))
          return me
        },
      },
      says: ['shell.refusedGrants'],
      opens: true,
    },
    {
      name: 'a desk grant with its signature dropped',
      tamper: {
        me: (me) => {
          deskGrant(me).grant.signature = ''
          return me
        },
      },
      // The answer no longer fits the contract: refused whole, before any key is unwrapped.
      says: ['error.bad_response'],
      opens: false,
    },
    {
      name: 'a desk grant re-signed by a key that is not certified',
      tamper: {
        me: (me) => {
          const grant = deskGrant(me)
          grant.grant = resign(backend.randomBytes(32), grant.grant.statement)
          return me
        },
      },
      says: ['shell.refusedGrants'],
      opens: true,
    },
    {
      name: 'a desk grant made by a granter certified by a foreign key',
      tamper: {
        me: (me) => {
          const granterId = randomUuid(backend)
          const granterSeed = backend.randomBytes(32)
          const sealed = sealGrant(backend, {
            orgId: admin.ring.orgId,
            granterId,
            granterSigningSeed: granterSeed,
            granteeId: admin.ring.userId,
            granteeIdentityKey: backend.x25519PublicKey(admin.ring.identitySecretKey),
            target: admin.deskId,
            version: 1,
            secretKey: admin.ring.desks.get(admin.deskId)?.get(1) ?? new Uint8Array(32),
            now: new Date(),
          })
          const grant = deskGrant(me)
          grant.envelope = toBase64(sealed.envelope)
          grant.grant = sealed.grant
          me.signers.push(foreignUserKey(granterId, backend.ed25519PublicKey(granterSeed), 'admin'))
          return me
        },
      },
      says: ['shell.refusedGrants'],
      opens: true,
    },
    {
      name: 'a desk grant, signed by the admin, whose unsealed key is not the signed desk key',
      tamper: {
        me: (me) => {
          const sealed = sealGrant(backend, {
            orgId: admin.ring.orgId,
            granterId: admin.ring.userId,
            granterSigningSeed: admin.ring.signingSeed,
            granteeId: admin.ring.userId,
            granteeIdentityKey: backend.x25519PublicKey(admin.ring.identitySecretKey),
            target: admin.deskId,
            version: 1,
            secretKey: backend.randomBytes(32),
            now: new Date(),
          })
          const grant = deskGrant(me)
          grant.envelope = toBase64(sealed.envelope)
          grant.grant = sealed.grant
          return me
        },
      },
      says: ['shell.refusedGrants'],
      opens: true,
    },
    {
      name: "the user's own certificate signed by another key",
      tamper: {
        me: (me) => ({ ...me, userKey: resign(backend.randomBytes(32), me.userKey?.statement ?? '') }),
      },
      says: ['unlock.bad_user_key'],
      opens: false,
    },
    {
      name: 'the organisation key replaced, with everything re-signed by it (the browser pinned the real one)',
      tamper: {
        me: (me) => {
          const seed = backend.randomBytes(32)
          const key = backend.ed25519PublicKey(seed)
          return {
            ...me,
            org: { ...me.org, signingPublicKey: toBase64(key), fingerprint: fingerprint(backend, key) },
            userKey: resign(seed, me.userKey?.statement ?? ''),
            directory: resign(seed, me.directory?.statement ?? ''),
          }
        },
      },
      says: ['unlock.org_mismatch'],
      opens: false,
    },
    {
      name: 'Argon2id parameters below the floor (1 pass, 1 KiB)',
      tamper: { params: (p) => ({ kdf: { ...p.kdf, opsLimit: 1, memLimitBytes: 1024 } }) },
      says: ['error.bad_kdf_params'],
      opens: false,
    },
    {
      name: 'Argon2id parameters above the ceiling (100 passes, 4 GiB)',
      tamper: {
        params: (p) => ({ kdf: { ...p.kdf, opsLimit: 100, memLimitBytes: 4 * 1024 * 1024 * 1024 } }),
      },
      says: ['error.bad_kdf_params'],
      opens: false,
    },
  ]

  it.each(loginCases.map((c) => [c.name, c] as const))(
    'refuses %s at login, says why and signs nothing',
    async (name, testCase) => {
      const route = testCase.tamper.params ? 'params' : 'me'
      await control(`login answer untouched (${route}) before: ${name}`, {
        [route]: identity,
      } as Parameters<typeof login>[0])
      const { page, posts } = await login(testCase.tamper)
      try {
        const shown = await errorsShown(page)
        for (const id of testCase.says) expect(shown, `${name}: ${shown}`).toContain(text(id))
        expect(await page.getByRole('heading', { name: 'Cases' }).count()).toBe(testCase.opens ? 1 : 0)
        expect(signedPosts(posts), name).toEqual([])
        if (route === 'params') expect(posts.map((p) => p.path)).not.toContain('/api/auth/login')
        await shot(page, name)
        refused.push(name)
      } finally {
        await page.close()
      }
    },
    180_000,
  )

  /** Logs in honestly, then opens case A while the server answers its detail through `tamper`. */
  async function openCaseA(tamper: (detail: CaseDetail) => CaseDetail) {
    const { page, posts } = await login({})
    await page.getByRole('heading', { name: 'Cases' }).waitFor()
    const honest = (await call(server, 'GET', `/api/cases/${caseA.caseId}`, { cookie: browserCookie }))
      .json as unknown as CaseDetail
    await page.route(`${server.url}/api/cases/${caseA.caseId}`, (route: Route) =>
      route.fulfill({ status: 200, json: tamper(structuredClone(honest)) }),
    )
    posts.length = 0
    await page.locator('.case-row', { hasText: NARRATIVE_A.slice(0, 30) }).click()
    await page.locator('[data-testid=report], .case .alert-error').first().waitFor({ timeout: 60_000 })
    await page.getByTestId('item-1').or(page.locator('.case .alert-error')).first().waitFor()
    return { page, posts, honest }
  }

  const itemText = async (page: Page, seq: number) =>
    (await page.getByTestId(`item-${seq}`).textContent()) ?? ''
  const refusedItem = text('case.itemRefused')

  const seal = (kind: 3 | 4, seq: number, author: string, seed: Uint8Array, words: string) =>
    toBase64(
      sealItem(backend, {
        kind,
        context: caseA.receipt.lookupId,
        recipients:
          kind === 3 ? [caseA.receipt.reporterPublicKey, admin.deskPublicKey] : [admin.deskPublicKey],
        body: { seq, writtenOn: new Date().toISOString().slice(0, 10), text: words },
        author,
        signingSeed: seed,
      }),
    )
  const appended = (detail: CaseDetail, kind: number, envelope: string, authorId: string) => {
    detail.items.push({ seq: 3, kind, envelope, authorId, createdOn: new Date().toISOString().slice(0, 10) })
    return detail
  }

  type CaseCase = {
    name: string
    tamper: (detail: CaseDetail) => CaseDetail
    /** Items that must be refused (with the plain-words line), or 'report' for the whole case. */
    refusedSeqs: number[] | 'report'
  }

  const caseCases: CaseCase[] = [
    {
      name: "a forged reply in the admin's name, signed by a key that is not certified",
      tamper: (d) =>
        appended(
          d,
          3,
          seal(3, 3, admin.ring.userId, backend.randomBytes(32), `${FORGED} reply`),
          admin.ring.userId,
        ),
      refusedSeqs: [3],
    },
    {
      name: 'a forged note by an author certified by a foreign organisation key',
      tamper: (d) => {
        const author = randomUuid(backend)
        const seed = backend.randomBytes(32)
        d.signers.push(foreignUserKey(author, backend.ed25519PublicKey(seed), 'caseworker'))
        return appended(d, 4, seal(4, 3, author, seed, `${FORGED} note`), author)
      },
      refusedSeqs: [3],
    },
    {
      name: 'the genuine reply and note moved to each other’s seq',
      tamper: (d) => {
        const [first, second] = [d.items[1], d.items[2]]
        if (first === undefined || second === undefined) throw new Error('case A has two items')
        d.items[1] = { ...second, seq: 1 }
        d.items[2] = { ...first, seq: 2 }
        return d
      },
      refusedSeqs: [1, 2],
    },
    {
      name: 'the genuine reply repeated at a later seq',
      tamper: (d) => {
        const reply = d.items[1]
        if (reply === undefined) throw new Error('case A has a reply')
        return appended(d, reply.kind, reply.envelope, reply.authorId ?? '')
      },
      refusedSeqs: [3],
    },
    {
      name: "another case's genuine reply replayed at the same seq",
      tamper: (d) => {
        const other = caseBReply
        const item = d.items[1]
        if (item === undefined || other === undefined) throw new Error('replies missing')
        d.items[1] = { ...item, envelope: other }
        return d
      },
      refusedSeqs: [1],
    },
    {
      name: 'a report envelope with an unknown version byte',
      tamper: (d) => {
        const report = d.items[0]
        if (report === undefined) throw new Error('no report')
        const bytes = fromBase64(report.envelope)
        bytes[3] = 2
        report.envelope = toBase64(bytes)
        return d
      },
      refusedSeqs: 'report',
    },
  ]

  let caseBReply: string | undefined

  it.each(caseCases.map((c) => [c.name, c] as const))(
    'refuses %s in a case, says why and signs nothing',
    async (name, testCase) => {
      if (caseBReply === undefined) {
        const detail = (await call(server, 'GET', `/api/cases/${caseB.caseId}`, { cookie: browserCookie }))
          .json as unknown as CaseDetail
        caseBReply = detail.items[1]?.envelope
      }
      // The control: the honest detail through the same handler shows the report and both items.
      const honest = await openCaseA(identity)
      try {
        expect(await honest.page.getByTestId('narrative').textContent()).toBe(NARRATIVE_A)
        expect(await itemText(honest.page, 1)).toContain(REPLY_A)
        expect(await itemText(honest.page, 2)).toContain(NOTE_A)
        expect(signedPosts(honest.posts)).toEqual([])
        controls.push(`case detail untouched before: ${name}`)
      } finally {
        await honest.page.close()
      }

      const { page, posts } = await openCaseA(testCase.tamper)
      try {
        const main = (await page.locator('main').textContent()) ?? ''
        expect(main).not.toContain(FORGED)
        if (testCase.refusedSeqs === 'report') {
          expect(await errorsShown(page)).toContain(text('case.refused.decrypt_failed'))
          expect(await page.getByTestId('narrative').count()).toBe(0)
          expect(main).not.toContain(REPLY_A)
        } else {
          for (const seq of testCase.refusedSeqs) {
            const shown = await itemText(page, seq)
            expect(shown, `item ${seq}`).toContain(refusedItem)
            expect(shown).not.toContain(REPLY_A)
            expect(shown).not.toContain(REPLY_B)
            expect(shown).not.toContain(NOTE_A)
          }
        }
        expect(signedPosts(posts), name).toEqual([])
        await shot(page, name)
        refused.push(name)
      } finally {
        await page.close()
      }
    },
    180_000,
  )

  /** After a reload: the session is still open and only the passphrase unlocks the keys again. */
  async function resume(tamper: (me: MeResponse) => MeResponse): Promise<{ page: Page; posts: Post[] }> {
    const page = await browser.context.newPage()
    const posts: Post[] = []
    page.on('request', (request) => {
      if (request.method() === 'POST')
        posts.push({ path: new URL(request.url()).pathname, body: request.postData() ?? '' })
    })
    const me = tamper(structuredClone(await honestMe()))
    await page.route('**/api/auth/status', (route: Route) =>
      route.fulfill({ status: 200, json: { signedIn: true, me } }),
    )
    await page.route('**/api/auth/me', (route: Route) => route.fulfill({ status: 200, json: me }))
    await page.goto(`${server.url}/console`)
    await page.getByLabel('Passphrase').fill(admin.passphrase)
    await page.getByRole('button', { name: 'Unlock' }).click()
    await page.locator('.shell, .alert-error').first().waitFor({ timeout: 90_000 })
    return { page, posts }
  }

  it('refuses a replaced organisation key when unlocking after a reload, and signs nothing', async () => {
    const honest = await resume(identity)
    try {
      await honest.page.getByRole('heading', { name: 'Cases' }).waitFor()
      expect(await errorsShown(honest.page)).toBe('')
      controls.push('session answer untouched (unlock after reload)')
    } finally {
      await honest.page.close()
    }
    const { page, posts } = await resume((me) => {
      const seed = backend.randomBytes(32)
      const key = backend.ed25519PublicKey(seed)
      return {
        ...me,
        org: { ...me.org, signingPublicKey: toBase64(key), fingerprint: fingerprint(backend, key) },
        userKey: resign(seed, me.userKey?.statement ?? ''),
        directory: resign(seed, me.directory?.statement ?? ''),
      }
    })
    try {
      expect(await errorsShown(page)).toContain(text('unlock.org_mismatch'))
      expect(await page.getByRole('heading', { name: 'Cases' }).count()).toBe(0)
      expect(signedPosts(posts)).toEqual([])
      refused.push('the organisation key replaced, when unlocking after a reload')
    } finally {
      await page.close()
    }
  }, 180_000)
})
