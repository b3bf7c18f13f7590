/**
 * @module web/build/asset-manifest
 * Writes `asset-manifest.json` beside the pages and prints its list at the end of the build
 * (DESIGN §4): the SHA-256 of every file served to public pages (reporter pages and public
 * statistics) — their HTML after Subresource Integrity was added, and every asset they can
 * load. An organisation publishes this list somewhere the server does not control; anyone can
 * then fetch the pages and compare (`sha256sum -c` reads the printed lines as they are). The
 * build is reproducible (test/architecture.test.ts builds twice and compares), so the list
 * depends only on the source tree.
 *
 * Not yet done: the manifest is not signed. Signing it with the organisation key happens in an
 * admin's browser (the key never reaches the server) and is a later issue; until then the printed
 * list is the thing to publish.
 *
 * This plugin must run after web/build/sri.ts (the HTML changes when integrity is added); both
 * use sequential `writeBundle` hooks and vite.config.ts lists them in that order.
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Plugin, ResolvedConfig } from 'vite'
import { PUBLIC_PAGES } from './pages.ts'
import { reachableFiles } from './reachable.ts'

export const ASSET_MANIFEST_FILE = 'asset-manifest.json'

export interface AssetManifest {
  readonly format: 'tnr-asset-manifest'
  readonly version: 1
  /** URL path of each public page → the files it can load (its HTML first). */
  readonly pages: Record<string, string[]>
  /** Every file in `pages`, sorted by path, with the lowercase hex SHA-256 of its bytes. */
  readonly files: { path: string; sha256: string; bytes: number }[]
  /** Always null for now: signing with the organisation key is a later issue. */
  readonly signature: null
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`

export function buildAssetManifest(outDir: string): AssetManifest {
  const pages: Record<string, string[]> = {}
  const all = new Set<string>()
  for (const page of PUBLIC_PAGES) {
    const reachable = reachableFiles(outDir, page.html)
    pages[page.path] = [page.html, ...reachable.filter((f) => f !== page.html)]
    for (const file of reachable) all.add(file)
  }
  const files = [...all].sort().map((path) => {
    const bytes = readFileSync(join(outDir, path))
    return { path, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length }
  })
  return { format: 'tnr-asset-manifest', version: 1, pages, files, signature: null }
}

export function assetManifest(): Plugin {
  let config: ResolvedConfig
  return {
    name: 'tnr:asset-manifest',
    apply: 'build',
    configResolved(resolved) {
      config = resolved
    },
    writeBundle: {
      sequential: true,
      order: 'post',
      handler(options) {
        const outDir = options.dir ?? config.build.outDir
        const manifest = buildAssetManifest(outDir)
        writeFileSync(join(outDir, ASSET_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
        const lines = manifest.files.map((f) => `${f.sha256}  ${f.path}`)
        // Page weight (DESIGN §11): what a reporter on a slow connection downloads per page.
        const weights = Object.entries(manifest.pages).map(([page, files]) => {
          const js = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(outDir, f)))
          const raw = js.reduce((sum, bytes) => sum + bytes.length, 0)
          const gzip = js.reduce((sum, bytes) => sum + gzipSync(bytes, { level: 9 }).length, 0)
          return `${page.padEnd(10)} ${files.length} files, JavaScript ${kib(raw)} (${kib(gzip)} gzip)`
        })
        config.logger.info(
          [
            '',
            `SHA-256 of every file served to public pages (also in ${ASSET_MANIFEST_FILE}; not yet signed):`,
            ...lines,
            '',
            'Page weight:',
            ...weights,
            '',
          ].join('\n'),
        )
      },
    },
  }
}
