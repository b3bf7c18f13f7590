/**
 * @module crypto/noble
 * The pure-JavaScript backend (@noble, audited) for reporter pages: no WebAssembly, no
 * asynchronous start-up, works with the JIT off (Tor Browser "Safer" mode, DESIGN §4, §5).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { blake2b } from '@noble/hashes/blake2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import type { CryptoBackend } from './backend.ts'
import { CryptoError } from './errors.ts'

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0
  for (const b of bytes) acc |= b
  return acc === 0
}

export const nobleBackend: CryptoBackend = {
  name: 'noble',
  randomBytes(length) {
    // getRandomValues fills at most 65,536 bytes per call; callers may ask for more.
    const out = new Uint8Array(length)
    for (let offset = 0; offset < length; offset += 65_536) {
      out.set(randomBytes(length - offset < 65_536 ? length - offset : 65_536), offset)
    }
    return out
  },
  blake2b: (input, outLength) => blake2b(input, { dkLen: outLength }),
  x25519PublicKey: (secretKey) => x25519.getPublicKey(secretKey),
  x25519(secretKey, publicKey) {
    let shared: Uint8Array
    try {
      shared = x25519.getSharedSecret(secretKey, publicKey)
    } catch (cause) {
      // noble throws on an all-zero result (a small-order public key); libsodium does the same.
      throw new CryptoError('weak_key', 'X25519 produced an all-zero shared secret', { cause })
    }
    if (isAllZero(shared)) throw new CryptoError('weak_key')
    return shared
  },
  ed25519PublicKey: (seed) => ed25519.getPublicKey(seed),
  ed25519Sign: (seed, message) => ed25519.sign(message, seed),
  ed25519VerifyRaw(signature, message, publicKey) {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false })
    } catch {
      return false
    }
  },
  aeadEncrypt: (key, nonce, ad, plaintext) => xchacha20poly1305(key, nonce, ad).encrypt(plaintext),
  aeadDecrypt(key, nonce, ad, ciphertext) {
    try {
      return xchacha20poly1305(key, nonce, ad).decrypt(ciphertext)
    } catch (cause) {
      throw new CryptoError('decrypt_failed', undefined, { cause })
    }
  },
  equal(a, b) {
    if (a.length !== b.length) return false
    let diff = 0
    for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
    return diff === 0
  },
  wipe(buffer) {
    buffer.fill(0)
  },
}
