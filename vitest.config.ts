import { defineConfig } from 'vitest/config'
import { localeSubset } from './web/build/locale-subset.ts'

export default defineConfig({
  // Source modules import locale subsets (`…/ar.json?omit=…`) that only this plugin can load.
  plugins: [localeSubset()],
  test: {
    include: ['crypto/**/*.test.ts', 'api/**/*.test.ts', 'web/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    // Builds dist/web once per run (skipped when nothing changed) so browser suites test current code.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Browser and server suites start real processes; keep the 2-core machine responsive.
    maxWorkers: 2,
  },
})
