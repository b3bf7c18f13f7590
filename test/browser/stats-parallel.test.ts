/**
 * @module test/browser/stats-parallel.test
 * The release builder opens codings in Web Workers (web/console/stats/parallel.ts): in Chromium,
 * the same answer opened in three workers and on one thread gives the same codings in the same
 * order, counts the same failures (a coding by an uncertified author, one whose bytes were
 * changed), and leaves the session's statistics key intact (each worker wipes only its copy).
 * The page is the benchmark page (test/bench/browser/main.ts), which bundles the builder's code.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { seededRandom, syntheticCoding } from '../../api/cli/seed-codings.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { toBase64, toHex } from '../../crypto/bytes.ts'
import { sealItem } from '../../crypto/items.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { type SignedStatement, signStatement } from '../../crypto/statements.ts'
import { type BenchBrowser, openBenchBrowser } from '../bench/browser.ts'
import { describeBrowser } from '../support/chromium.ts'

const CODINGS = 90

type Outcome = {
  workers: number
  parallel: { opened: number; failed: number }
  single: { opened: number; failed: number }
  same: boolean
  keyStillUsable: boolean
}

describeBrowser('opening codings in workers', () => {
  let browser: BenchBrowser
  let backend: CryptoBackend

  beforeAll(async () => {
    backend = await loadSodium()
    browser = await openBenchBrowser()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
  })

  it('gives exactly what one thread gives, failures included', async () => {
    const orgId = randomUUID()
    const orgSeed = backend.randomBytes(32)
    const statsSecret = backend.randomBytes(32)
    const statsKey = backend.x25519PublicKey(statsSecret)
    const certified = { userId: randomUUID(), seed: backend.randomBytes(32) }
    const stranger = { userId: randomUUID(), seed: backend.randomBytes(32) }
    const signers: SignedStatement[] = [
      signStatement(backend, orgSeed, {
        type: 'user-key',
        orgId,
        userId: certified.userId,
        username: 'caseworker',
        role: 'caseworker',
        identityKey: toBase64(backend.x25519PublicKey(backend.randomBytes(32))),
        signingKey: toBase64(backend.ed25519PublicKey(certified.seed)),
        notAfter: '2099-01-01T00:00:00Z',
      }),
    ]
    const rand = seededRandom(3)
    const codings = Array.from({ length: CODINGS }, (_, i) => {
      const author = i === 17 ? stranger : certified
      const context = toHex(backend.randomBytes(16))
      const envelope = sealItem(backend, {
        kind: 5,
        context,
        recipients: [statsKey],
        body: { seq: 1, writtenOn: '2026-01-10', coding: syntheticCoding(rand) },
        author: author.userId,
        signingSeed: author.seed,
      })
      if (i === 61) envelope[envelope.length - 1] = (envelope[envelope.length - 1] ?? 0) ^ 1
      return { context, seq: 1, envelope: toBase64(envelope) }
    })
    const url = browser.serve('parallel.json', Buffer.from(JSON.stringify({ codings, signers })))
    const out = (await browser.page.evaluate(
      ([u, keys]) =>
        (
          globalThis as unknown as {
            tnrBench: {
              statsOpenBothWays(
                u: string,
                k: { statsSecretKey: string; orgSigningKey: string; orgId: string },
                w: number,
              ): Promise<unknown>
            }
          }
        ).tnrBench.statsOpenBothWays(u, keys, 3),
      [
        url,
        {
          statsSecretKey: toBase64(statsSecret),
          orgSigningKey: toBase64(backend.ed25519PublicKey(orgSeed)),
          orgId,
        },
      ] as const,
    )) as Outcome
    expect(out.workers).toBe(3)
    expect(out.single).toEqual({ opened: CODINGS - 2, failed: 2 })
    expect(out.parallel).toEqual(out.single)
    expect(out.same).toBe(true)
    expect(out.keyStillUsable).toBe(true)
  }, 180_000)
})
