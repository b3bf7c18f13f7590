/**
 * @module crypto/envelope-key-cache.test
 * openEnvelope remembers the reader's public key per secret-key buffer (crypto/envelope.ts, for
 * the release builder's 100,000 openings). The cache must never answer for bytes the buffer no
 * longer holds: a buffer refilled with another key opens that key's envelopes, and a wiped one
 * opens nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { CryptoBackend } from './backend.ts'
import { utf8 } from './bytes.ts'
import { openEnvelope, sealEnvelope } from './envelope.ts'
import { CryptoError } from './errors.ts'
import { nobleBackend } from './noble.ts'
import { loadSodium } from './sodium.ts'

let backends: CryptoBackend[] = []
beforeAll(async () => {
  backends = [await loadSodium(), nobleBackend]
})

describe('the reader public-key cache', () => {
  it('follows the bytes of the secret-key buffer, not the buffer', () => {
    for (const backend of backends) {
      const a = backend.randomBytes(32)
      const b = backend.randomBytes(32)
      const seal = (secret: Uint8Array, text: string) =>
        sealEnvelope(backend, {
          kind: 5,
          context: '',
          recipients: [backend.x25519PublicKey(secret)],
          plaintext: utf8(text),
        })
      const forA = seal(a, 'for a')
      const forB = seal(b, 'for b')
      const buffer = Uint8Array.from(a)
      const open = (envelope: Uint8Array) =>
        new TextDecoder().decode(openEnvelope(backend, envelope, { kind: 5, context: '', secretKey: buffer }))
      expect(open(forA)).toBe('for a')
      expect(open(forA)).toBe('for a')
      expect(() => open(forB)).toThrow(CryptoError)
      buffer.set(b)
      expect(open(forB)).toBe('for b')
      expect(() => open(forA)).toThrow(CryptoError)
      backend.wipe(buffer)
      expect(() => open(forB)).toThrow(CryptoError)
    }
  })
})
