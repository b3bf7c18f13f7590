/**
 * @module test/support/web-build
 * The pages test/global-setup.ts built for this run, as a private snapshot of dist/web (another
 * test run rebuilding dist/web meanwhile cannot change it). Suites that need the pages call
 * `requireWebBuild()` in `beforeAll`: it returns the snapshot's path, or fails with the build's
 * output when the build failed (so a broken page fails the browser suites, not every unit suite).
 */
import { inject } from 'vitest'

export function requireWebBuild(): string {
  const error = inject('webBuildError')
  if (error !== null && error !== undefined) throw new Error(error)
  return inject('webDist')
}

/** The snapshot path inside a vitest worker; undefined elsewhere (scripts, or no global setup). */
export function injectedWebDist(): string | undefined {
  try {
    return inject('webDist')
  } catch {
    return undefined
  }
}
