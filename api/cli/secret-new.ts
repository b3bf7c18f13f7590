/**
 * @module api/cli/secret-new
 * `npm run secret:new [-- FILE]`: creates a server secret file for a PostgreSQL deployment
 * (DESIGN §5 "Server secrets"), where the server refuses to create one itself because every
 * instance must share the same file. Writes to FILE, else SERVER_SECRET_FILE, else
 * DATA_DIR/server-secret; never overwrites an existing file.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { loadSodium } from '../../crypto/sodium.ts'
import { ConfigError, parseEnv } from '../env.ts'
import { StartupError } from '../errors.ts'
import { createSecretFile, deriveSecrets } from '../secrets.ts'

async function main(): Promise<void> {
  const target =
    process.argv[2] !== undefined ? path.resolve(process.argv[2]) : parseEnv(process.env).serverSecretFile
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 })
  const backend = await loadSodium()
  const secret = createSecretFile(target, backend)
  const { secretId } = deriveSecrets(backend, secret)
  backend.wipe(secret)
  process.stdout.write(
    [
      `Created ${target} (mode 0600, secret id ${secretId.slice(0, 16)}…).`,
      'Copy this same file to every server instance, readable only by the server user, and set',
      'SERVER_SECRET_FILE to its path. Back it up: without it, staff TOTP secrets cannot be decrypted.',
      '',
    ].join('\n'),
  )
}

main().catch((error: unknown) => {
  const line =
    error instanceof StartupError || error instanceof ConfigError
      ? error.message
      : `secret:new failed (${(error as Error).name ?? 'error'}).`
  process.stderr.write(`${line}\n`)
  process.exit(1)
})
