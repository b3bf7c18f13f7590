/**
 * @module api/cli/stats-merge
 * `npm run stats:merge -- --trust <fp>… [--out merged.json] a.json b.json…` (DESIGN §9): verifies
 * every release against the trusted fingerprints, refuses incompatible ones with the reason
 * (different coding scheme, period, privacy mode or tables; two releases of one organisation),
 * and writes the merged tables: summed counts, suppressed where any source suppressed, and
 * intervals widened so the sum is still covered with ≥ 95% probability (crypto/release.ts).
 */
import { writeFileSync } from 'node:fs'
import { CryptoError } from '../../crypto/errors.ts'
import { mergeReleases } from '../../crypto/release.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { parseStatsArgs, readReleaseFile } from './stats-args.ts'

async function main(): Promise<number> {
  const args = parseStatsArgs(process.argv.slice(2))
  if (args.files.length < 2) throw new Error('give at least two release files')
  const backend = await loadSodium()
  try {
    const merged = mergeReleases(backend, args.files.map(readReleaseFile), args.trust)
    const text = `${JSON.stringify(merged, null, 2)}\n`
    if (args.out === undefined) process.stdout.write(text)
    else writeFileSync(args.out, text)
    process.stderr.write(`merged ${merged.sources.length} releases\n`)
    return 0
  } catch (error) {
    const reason = error instanceof CryptoError ? `${error.code}: ${error.message}` : String(error)
    process.stderr.write(`stats:merge refused: ${reason}\n`)
    return 1
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`stats:merge: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(2)
  },
)
