/**
 * @module web/build/reachable
 * Which emitted files a page can load, computed from the bytes on disk rather than from the
 * bundler's bookkeeping, so the answer also covers anything a later plugin or a minifier
 * changed. A file is reachable if the page's HTML names it, or if a reachable script or
 * stylesheet contains its file name (static and dynamic imports, `new URL(…)` workers, CSS
 * `url()`). Emitted names carry content hashes, so a file name occurring by accident is not a
 * practical concern; the scan errs towards listing too much, which is the safe side for both the
 * published manifest and the reporter bundle rule.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, posix, relative, sep } from 'node:path'

/** Every file under `dir`, as sorted POSIX paths relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile()) out.push(relative(dir, full).split(sep).join(posix.sep))
    }
  }
  walk(dir)
  return out.sort()
}

const TEXT_EXTENSIONS = /\.(?:html|js|mjs|css|json|svg|webmanifest)$/

/**
 * Files reachable from `htmlFile` (relative to `outDir`), the HTML file included, sorted.
 * Only files under `assets/` are followed: the pages themselves link to nothing else the build
 * emitted.
 */
export function reachableFiles(outDir: string, htmlFile: string): string[] {
  const assets = listFiles(outDir).filter((f) => f.startsWith('assets/'))
  const seen = new Set<string>([htmlFile])
  const queue = [htmlFile]
  while (queue.length > 0) {
    const file = queue.shift() as string
    if (!TEXT_EXTENSIONS.test(file)) continue
    const text = readFileSync(join(outDir, file), 'utf8')
    for (const asset of assets) {
      if (seen.has(asset)) continue
      if (text.includes(posix.basename(asset))) {
        seen.add(asset)
        queue.push(asset)
      }
    }
  }
  return [...seen].sort()
}
