/**
 * @module web/build/bundle-boundary
 * Fails the build when a public page (web/build/pages.ts) could load console code or libsodium
 * (DESIGN §4, §5): reporter pages run the pure-JavaScript backend so they work without
 * WebAssembly and the JIT, and console code has no business in a reporter's browser. React DOM
 * is refused too: it would take a third of the intake page's weight budget (DESIGN §11). So is
 * any chunk a public page would load by `import()`: its fetch could reveal a reporter's choice,
 * and Subresource Integrity covers only what the HTML preloads (docs/decisions/006). Checked on
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
  {
    pattern: /\/node_modules\/react-dom\//,
    reason: 'React DOM (public pages render with Preact: build/preact-public.ts)',
  },
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
        if (output.facadeModuleId.endsWith('/console.html')) {
          // The console renders with React; a public-page module it imports would bring Preact
          // (build/preact-public.ts), and a Preact hook inside a React tree crashes the console.
          for (const chunk of chunksReachableFrom(output, bundle))
            for (const id of chunk.moduleIds)
              if (/\/node_modules\/preact\//.test(id.replaceAll('\\', '/')))
                problems.push(
                  `console.html → ${chunk.fileName} contains Preact (import framework-free modules from web/shared into the console, not components or hooks): ${id}`,
                )
          continue
        }
        const page = [...publicHtml].find((html) => output.facadeModuleId?.endsWith(html))
        if (page === undefined) continue
        for (const chunk of chunksReachableFrom(output, bundle)) {
          // Everything a public page loads is a static import: modulepreloaded with integrity in
          // the HTML (build/sri.ts), and fetched by every visitor, so which files a reporter
          // fetches reveals nothing they chose (docs/decisions/006-same-files-for-everyone.md).
          for (const lazy of chunk.dynamicImports) {
            problems.push(
              `${page.slice(1)} → ${chunk.fileName} loads ${lazy} by import(); public pages fetch the same files whatever the reporter does (docs/decisions/006)`,
            )
          }
          for (const id of chunk.moduleIds) {
            const hit = FORBIDDEN.find((f) => f.pattern.test(id.replaceAll('\\', '/')))
            if (hit !== undefined)
              problems.push(`${page.slice(1)} → ${chunk.fileName} contains ${hit.reason}: ${id}`)
          }
        }
      }
      if (problems.length > 0) {
        this.error(
          `public pages must not load console code, libsodium or React DOM, nor chunks by import(); the console must not load Preact:\n${problems.join('\n')}`,
        )
      }
    },
  }
}
