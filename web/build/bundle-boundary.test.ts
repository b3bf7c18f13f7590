/**
 * @module web/build/bundle-boundary.test
 * Positive control for the bundle boundary: a public page that imports console code, or loads a
 * chunk by `import()`, must fail the build (test/architecture.test.ts checks that the real build's output is clean).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleBoundary } from './bundle-boundary.ts'

describe('bundleBoundary', () => {
  let work = ''

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tnr-boundary-'))
    const web = join(work, 'web')
    mkdirSync(join(web, 'console'), { recursive: true })
    writeFileSync(join(web, 'console/secret.ts'), "export const consoleOnly = 'console code'\n")
    writeFileSync(
      join(web, 'intake.ts'),
      "import { consoleOnly } from './console/secret.ts'\nglobalThis.x = consoleOnly\n",
    )
    writeFileSync(join(web, 'clean.ts'), "globalThis.x = 'reporter code'\n")
    writeFileSync(join(web, 'evidence.ts'), "export const upload = 'evidence code'\n")
    writeFileSync(
      join(web, 'lazy.ts'),
      "globalThis.pick = () => import('./evidence.ts').then((m) => m.upload)\n",
    )
  })

  afterAll(() => rmSync(work, { recursive: true, force: true }))

  const buildPage = (script: string) => {
    const web = join(work, 'web')
    writeFileSync(join(web, 'index.html'), `<!doctype html><script type="module" src="/${script}"></script>`)
    return build({
      configFile: false,
      root: web,
      logLevel: 'silent',
      plugins: [bundleBoundary()],
      build: {
        outDir: join(work, 'out'),
        emptyOutDir: true,
        write: false,
        rolldownOptions: { input: { index: join(web, 'index.html') } },
      },
    })
  }

  it('fails the build when the intake page imports console code', async () => {
    await expect(buildPage('intake.ts')).rejects.toThrow(/index\.html → .* contains console code/)
  })

  it('fails the build when a public page would load a chunk by import()', async () => {
    await expect(buildPage('lazy.ts')).rejects.toThrow(/index\.html → .* loads .* by import\(\)/)
  })

  it('lets a page without console code or libsodium build', async () => {
    await expect(buildPage('clean.ts')).resolves.toBeDefined()
  })
})
