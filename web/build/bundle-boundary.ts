/**
 * @module web/build/bundle-boundary
 * Fails the build when a public page (web/build/pages.ts) could load console code or libsodium
 * (DESIGN §4, §5): reporter pages run the pure-JavaScript backend so they work without
 * WebAssembly and the JIT, and console code has no business in a reporter's browser. Checked on
 * the bundler's module graph (which source modules ended up in which chunk, following static and
 * dynamic imports); test/architecture.test.ts checks the emitted bytes independently.
 */
import type { Plugin, Rolldown } from 'vite'
import { PUBLIC_PAGES } from './pages.ts'

/** Source modules that must never reach a public page, with the reason shown on failure. */
const FORBIDDEN: readonly { pattern: RegExp; reason: string }[] = [
  { pattern: /\/web\/console\//, reason: 'console code' },
  {
    pattern: /\/node_modules\/libsodium/,
    reason: 'libsodium (needs WebAssembly; reporter pages use @noble)',
  },
  { pattern: /\/crypto\/sodium\.ts$/, reason: 'the libsodium backend' },
]

function chunksReachableFrom(
  entry: Rolldown.OutputChunk,
  bundle: Rolldown.OutputBundle,
): Rolldown.OutputChunk[] {
  const seen = new Set<string>()
  const result: Rolldown.OutputChunk[] = []
  const queue: string[] = [entry.fileName]
  while (queue.length > 0) {
    const name = queue.shift() as string
    if (seen.has(name)) continue
    seen.add(name)
    const chunk = bundle[name]
    if (chunk === undefined || chunk.type !== 'chunk') continue
    result.push(chunk)
    queue.push(...chunk.imports, ...chunk.dynamicImports)
  }
  return result
}

export function bundleBoundary(): Plugin {
  return {
    name: 'tnr:bundle-boundary',
    apply: 'build',
    generateBundle(_options, bundle) {
      const publicHtml = new Set(PUBLIC_PAGES.map((p) => `/${p.html}`))
      const problems: string[] = []
      for (const output of Object.values(bundle)) {
        if (output.type !== 'chunk' || !output.isEntry || output.facadeModuleId === null) continue
        const page = [...publicHtml].find((html) => output.facadeModuleId?.endsWith(html))
        if (page === undefined) continue
        for (const chunk of chunksReachableFrom(output, bundle)) {
          for (const id of chunk.moduleIds) {
            const hit = FORBIDDEN.find((f) => f.pattern.test(id.replaceAll('\\', '/')))
            if (hit !== undefined)
              problems.push(`${page.slice(1)} → ${chunk.fileName} contains ${hit.reason}: ${id}`)
          }
        }
      }
      if (problems.length > 0) {
        this.error(`public pages must not load console code or libsodium:\n${problems.join('\n')}`)
      }
    },
  }
}
