import { defineConfig } from 'vitest/config'

export default defineConfig({
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
