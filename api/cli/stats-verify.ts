/**
 * @module api/cli/stats-verify
 * `npm run stats:verify -- --trust <fingerprint>… release.json…` (DESIGN §9): verifies each
 * release offline — organisation key in the trust list → analyst `user-key` → `release`
 * statement → the data hash — and prints one line per file. Exit code 1 if any file fails.
 */
import { CryptoError } from '../../crypto/errors.ts'
import { verifyRelease } from '../../crypto/release.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { parseStatsArgs, readReleaseFile } from './stats-args.ts'

async function main(): Promise<number> {
  const args = parseStatsArgs(process.argv.slice(2))
  if (args.files.length === 0) throw new Error('give at least one release file')
  const backend = await loadSodium()
  let failed = 0
  for (const file of args.files) {
    try {
      const v = verifyRelease(backend, readReleaseFile(file), args.trust)
      const r = v.release
      process.stdout.write(
        `OK ${file}: ${r.orgName} release ${r.releaseId} v${r.version}, ${r.period.from}..${r.period.to}, ` +
          `${r.privacy.mode}${r.privacy.epsilon === null ? '' : ` ε=${r.privacy.epsilon}`}, signed by ${v.signer.username}, ` +
          `organisation ${v.orgFingerprint}\n`,
      )
    } catch (error) {
      failed += 1
      const reason = error instanceof CryptoError ? `${error.code}: ${error.message}` : String(error)
      process.stdout.write(`FAIL ${file}: ${reason}\n`)
    }
  }
  return failed === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`stats:verify: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(2)
  },
)
