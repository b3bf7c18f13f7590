/**
 * @module web/build/sri
 * Subresource Integrity for every script, stylesheet and module preload in the emitted HTML
 * (DESIGN §4), computed from the bytes written to disk — after minification and every other
 * plugin — so the hash is of exactly what the server will send.
 *
 * The same pass enforces what our CSP (`script-src 'self'`, `style-src 'self'`, no
 * `unsafe-inline`) would otherwise only reveal at run time: an inline `<script>`, a `<style>`
 * element, a `style=""` or `on…=""` attribute, or a script or stylesheet from another origin
 * fails the build.
 *
 * What SRI covers: the entry script and every chunk Vite lists as a `modulepreload` link, which
 * is the entry's whole static import graph (a preloaded module is fetched once, with its
 * integrity checked, and the import reuses it). Chunks loaded only by a dynamic `import()` are
 * not covered by the browser; they are still listed, with their SHA-256, in the published asset
 * manifest (web/build/asset-manifest.ts).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Plugin, ResolvedConfig } from 'vite'
import { type Attribute, attribute, findTags, renderAttributes, type Tag } from './html-tags.ts'

const SRI_LINK_RELS = new Set(['stylesheet', 'modulepreload'])

export function integrityOf(bytes: Uint8Array): string {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`
}

/** Maps an emitted URL (`/assets/x.js` under base `/`) to a file under outDir, or refuses. */
function localFile(outDir: string, base: string, url: string, htmlFile: string): string {
  if (!url.startsWith(base) || url.startsWith('//')) {
    throw new Error(`${htmlFile}: ${url} is not served by this origin; pages load nothing from elsewhere`)
  }
  const path = join(outDir, url.slice(base.length).split(/[?#]/)[0] ?? '')
  if (!existsSync(path)) throw new Error(`${htmlFile}: ${url} is not an emitted file`)
  return path
}

function checkCspSafe(html: string, htmlFile: string, tags: readonly Tag[]): void {
  for (const tag of tags) {
    if (tag.name === 'style') throw new Error(`${htmlFile}: <style> element; CSP style-src 'self' forbids it`)
    if (tag.name === 'script' && attribute(tag, 'src') === undefined) {
      throw new Error(`${htmlFile}: inline <script>; CSP script-src 'self' forbids it`)
    }
  }
  // Attribute checks run over every tag in the document, not only script/link/style.
  for (const match of html.matchAll(/<[a-z][^>]*\s(style|on[a-z]+)\s*=/gi)) {
    throw new Error(`${htmlFile}: inline ${match[1]} attribute; the CSP forbids inline style and handlers`)
  }
}

export function addIntegrity(html: string, htmlFile: string, outDir: string, base: string): string {
  const tags = findTags(html)
  checkCspSafe(html, htmlFile, tags)
  let result = ''
  let cursor = 0
  for (const tag of tags) {
    let url: string | null | undefined
    if (tag.name === 'script') url = attribute(tag, 'src')
    else if (tag.name === 'link' && SRI_LINK_RELS.has((attribute(tag, 'rel') ?? '').toLowerCase())) {
      url = attribute(tag, 'href')
    }
    if (typeof url !== 'string') continue
    const integrity = integrityOf(readFileSync(localFile(outDir, base, url, htmlFile)))
    const kept = tag.attributes.filter((a) => a.name !== 'integrity' && a.name !== 'crossorigin')
    const attributes: Attribute[] = [
      ...kept,
      { name: 'crossorigin', value: null },
      { name: 'integrity', value: integrity },
    ]
    const rendered = `<${tag.name} ${renderAttributes(attributes)}>${tag.name === 'script' ? `${tag.body}</script>` : ''}`
    result += html.slice(cursor, tag.start) + rendered
    cursor = tag.end
  }
  return result + html.slice(cursor)
}

export function subresourceIntegrity(): Plugin {
  let config: ResolvedConfig
  return {
    name: 'tnr:subresource-integrity',
    apply: 'build',
    configResolved(resolved) {
      config = resolved
    },
    writeBundle: {
      sequential: true,
      order: 'post',
      handler(options, bundle) {
        const outDir = options.dir ?? config.build.outDir
        for (const fileName of Object.keys(bundle).sort()) {
          if (!fileName.endsWith('.html')) continue
          const path = join(outDir, fileName)
          const html = readFileSync(path, 'utf8')
          writeFileSync(path, addIntegrity(html, fileName, outDir, config.base))
        }
      },
    },
  }
}
