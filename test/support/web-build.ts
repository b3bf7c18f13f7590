/**
 * @module test/support/web-build
 * Access to the pages test/global-setup.ts built for this run. Suites that need them call
 * `requireWebBuild()` in `beforeAll`, which fails with the build's output when the build failed
 * (so a broken page fails the browser suites, not every unit suite in the run).
 */
import { join } from 'node:path'
import { inject } from 'vitest'
import { REPO_ROOT } from './server.ts'

export const WEB_DIST = join(REPO_ROOT, 'dist/web')

export function requireWebBuild(): string {
  const error = inject('webBuildError')
  if (error !== null && error !== undefined) throw new Error(error)
  return WEB_DIST
}
