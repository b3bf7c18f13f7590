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

/**
 * BLAKE2b alone, for code that needs nothing else (the reporter pages' proof-of-work worker):
 * a bundle importing only this leaves both curves and the cipher out.
 */
export const nobleHash: Pick<CryptoBackend, 'blake2b'> = { blake2b: blake2bHash }

// A plain function, not `nobleHash.blake2b`, in the backend below: a property read there would
// keep the whole backend (curves, cipher) in bundles that only use `nobleHash`.
function blake2bHash(input: Uint8Array, outLength: number): Uint8Array {
  return blake2b(input, { dkLen: outLength })
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
  blake2b: blake2bHash,
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
