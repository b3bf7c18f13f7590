/**
 * @module web/build/preact-public.test
 * Public pages get Preact, the console keeps React (web/build/preact-public.ts): a small project
 * with one public page and one console page, both written against React and react-intl, built
 * with and without the plugin. Without it the bundle boundary refuses React DOM on the public
 * page; with it the public page's chunks hold Preact and a Preact copy of react-intl, and the
 * console's still hold React DOM.
 *
 * The project lives inside the repository (not the OS temp dir) so `react`, `react-intl` and
 * `preact` resolve from its node_modules as they do for web/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Rolldown } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleBoundary } from './bundle-boundary.ts'
import { preactOnPublicPages } from './preact-public.ts'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

const PAGE = `import { StrictMode, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { FormattedMessage, IntlProvider } from 'react-intl'
function App() {
  const [n] = useState(1)
  return <FormattedMessage id="x" defaultMessage="{n} report" values={{ n }} />
}
createRoot(document.body).render(<StrictMode><IntlProvider locale="en"><App /></IntlProvider></StrictMode>)
`

describe('preactOnPublicPages', () => {
  let work = ''

  beforeAll(() => {
    work = mkdtempSync(join(REPO_ROOT, '.preact-public-test-'))
    const web = join(work, 'web')
    mkdirSync(join(web, 'console'), { recursive: true })
    writeFileSync(join(web, 'intake.tsx'), PAGE)
    writeFileSync(join(web, 'console/main.tsx'), PAGE)
    writeFileSync(join(web, 'index.html'), '<!doctype html><script type="module" src="/intake.tsx"></script>')
    writeFileSync(
      join(web, 'console.html'),
      '<!doctype html><script type="module" src="/console/main.tsx"></script>',
    )
  })

  afterAll(() => rmSync(work, { recursive: true, force: true }))

  async function buildPages(withPreact: boolean): Promise<Rolldown.OutputChunk[]> {
    const web = join(work, 'web')
    const output = await build({
      configFile: false,
      root: web,
      logLevel: 'silent',
      esbuild: false,
      oxc: { jsx: { runtime: 'automatic' } },
      plugins: [...(withPreact ? [preactOnPublicPages()] : []), bundleBoundary()],
      build: {
        outDir: join(work, 'out'),
        emptyOutDir: true,
        write: false,
        rolldownOptions: {
          input: { index: join(web, 'index.html'), console: join(web, 'console.html') },
        },
      },
    })
    const results = Array.isArray(output) ? output : [output]
    return results.flatMap((result) =>
      'output' in result ? result.output.filter((o): o is Rolldown.OutputChunk => o.type === 'chunk') : [],
    )
  }

  /** Every source module in the chunks an entry loads, as paths from node_modules/ on. */
  function modulesOf(chunks: Rolldown.OutputChunk[], entry: string): string[] {
    const byName = new Map(chunks.map((c) => [c.fileName, c]))
    const start = chunks.find((c) => c.isEntry && c.facadeModuleId?.endsWith(entry))
    if (start === undefined) throw new Error(`no entry ${entry}`)
    const seen = new Set<string>()
    const queue = [start.fileName]
    const modules: string[] = []
    while (queue.length > 0) {
      const name = queue.shift() as string
      const chunk = byName.get(name)
      if (seen.has(name) || chunk === undefined) continue
      seen.add(name)
      modules.push(
        ...chunk.moduleIds.map((id) => id.replaceAll('\\', '/').replace(/^.*\/node_modules\//, '')),
      )
      queue.push(...chunk.imports, ...chunk.dynamicImports)
    }
    return modules
  }

  it('without it, the bundle boundary refuses React DOM on a public page', async () => {
    await expect(buildPages(false)).rejects.toThrow(/index\.html → .* contains React DOM/)
  })

  it('gives the public page Preact and the console React, each with its own react-intl', async () => {
    const chunks = await buildPages(true)
    const publicModules = modulesOf(chunks, 'index.html')
    const consoleModules = modulesOf(chunks, 'console.html')

    expect(publicModules.some((id) => id.startsWith('preact/compat/'))).toBe(true)
    expect(publicModules.some((id) => id.startsWith('react-intl/') && id.endsWith('?tnr-preact'))).toBe(true)
    expect(publicModules.filter((id) => /^react(-dom)?\//.test(id))).toEqual([])

    expect(consoleModules.some((id) => id.startsWith('react-dom/'))).toBe(true)
    expect(consoleModules.some((id) => id === 'react-intl/index.js')).toBe(true)
    expect(consoleModules.some((id) => id.startsWith('preact/compat/'))).toBe(false)
  })
})
