import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../crypto/bytes.ts'
import { H } from '../crypto/hash.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { createSecretFile, deriveSecrets, loadSecretFile, SECRET_FILE_HEADER } from './secrets.ts'

const dirs: string[] = []
const tempFile = (name = 'server-secret') => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tnr-secret-'))
  dirs.push(dir)
  return path.join(dir, name)
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('the server secret file', () => {
  it('is created with mode 0600 in the versioned format, and read back identically', async () => {
    const backend = await loadSodium()
    const file = tempFile()
    const loaded = loadSecretFile(file, { createIfMissing: true, backend })
    expect(loaded.created).toBe(true)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^${SECRET_FILE_HEADER}\\n[0-9a-f]{64}\\n$`))
    const again = loadSecretFile(file, { createIfMissing: true, backend })
    expect(again.created).toBe(false)
    expect(again.secret).toEqual(loaded.secret)
  })

  it('is never created when creation is not allowed (PostgreSQL)', async () => {
    const file = tempFile()
    const backend = await loadSodium()
    expect(() => loadSecretFile(file, { createIfMissing: false, backend })).toThrow(
      /not found.*npm run secret:new/,
    )
  })

  it('is never overwritten', async () => {
    const backend = await loadSodium()
    const file = tempFile()
    createSecretFile(file, backend)
    expect(() => createSecretFile(file, backend)).toThrow(/already exists/)
  })

  it('refuses malformed contents with one line', async () => {
    const backend = await loadSodium()
    for (const text of [
      '',
      `${SECRET_FILE_HEADER}\n${'AB'.repeat(32)}\n`,
      `${SECRET_FILE_HEADER}\nabcd\n`,
      'x\n',
    ]) {
      const file = tempFile()
      writeFileSync(file, text, { mode: 0o600 })
      expect(() => loadSecretFile(file, { createIfMissing: true, backend })).toThrow(/is not valid/)
    }
  })

  it('warns when the file is readable by others', async () => {
    const backend = await loadSodium()
    const file = tempFile()
    writeFileSync(file, `${SECRET_FILE_HEADER}\n${'01'.repeat(32)}\n`, { mode: 0o644 })
    expect(loadSecretFile(file, { createIfMissing: false, backend }).warning).toMatch(/chmod 600/)
  })
})

describe('derived secrets', () => {
  it('derives each subkey under its own label and the secret id from the secret', async () => {
    const backend = await loadSodium()
    const secret = Uint8Array.from({ length: 32 }, (_, i) => i)
    const derived = deriveSecrets(backend, secret)
    expect(derived.secretId).toBe(toHex(H(backend, 'tnr/v1/secret-id', [secret])))
    expect(derived.totpKey).toEqual(H(backend, 'tnr/v1/totp-key', [secret]))
    const keys = [
      derived.powHmacKey,
      derived.fakeSaltKey,
      derived.totpKey,
      derived.sessionKey,
      derived.receiptSeed,
    ]
    expect(new Set(keys.map(toHex)).size).toBe(keys.length)
    expect(toHex(derived.rateLimitKey(1))).not.toBe(toHex(derived.rateLimitKey(2)))
    expect(derived.receiptPublicKey).toEqual(backend.ed25519PublicKey(derived.receiptSeed))
  })
})
