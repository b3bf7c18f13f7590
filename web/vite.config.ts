/**
 * @module web/vite.config
 * Multi-page production build of the web (DESIGN §2, §4, §8): root `web/`, output `dist/web/`,
 * one HTML entry per page in web/build/pages.ts.
 *
 * Every choice here serves the page CSP (`script-src 'self'`, `style-src 'self'`, no inline
 * anything, no eval) and the published asset list:
 * - no module-preload polyfill (Vite would add code the CSP has no reason to allow) and no
 *   `data:` URLs for small assets (`assetsInlineLimit: 0`): every byte comes from a hashed file;
 * - no source maps: they would ship our source paths and widen what a seized CDN cache holds;
 * - no `public/` directory: every served file goes through the bundler, gets a content hash and
 *   lands in the asset manifest;
 * - Subresource Integrity and the CSP lint of the HTML (build/sri.ts), then the SHA-256 asset
 *   manifest (build/asset-manifest.ts), in that order;
 * - the bundle boundary (build/bundle-boundary.ts): public pages never load console code or
 *   libsodium;
 * - public pages render with Preact's React-compatible API, the console with React
 *   (build/preact-public.ts): React DOM alone would take a third of the intake page's budget;
 * - the reporter pages' `<noscript>` text and the static safety page, in every locale
 *   (build/reporter-static.ts).
 * The build is reproducible: the same tree gives byte-identical output (test/architecture.test.ts).
 */
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { assetManifest } from './build/asset-manifest.ts'
import { bundleBoundary } from './build/bundle-boundary.ts'
import { localeSubset } from './build/locale-subset.ts'
import { PAGES } from './build/pages.ts'
import { preactOnPublicPages } from './build/preact-public.ts'
import { reporterStaticHtml } from './build/reporter-static.ts'
import { subresourceIntegrity } from './build/sri.ts'

const webRoot = dirname(fileURLToPath(import.meta.url))

/**
 * `ORG_KEY_FINGERPRINT` (DESIGN §5): the organisation's public fingerprint, pinned into the
 * reporter pages at build time. Malformed values fail the build rather than ship a page that
 * pins nothing.
 */
function orgKeyFingerprint(): string | undefined {
  const value = process.env.ORG_KEY_FINGERPRINT
  if (value === undefined || value === '') return undefined
  if (!/^[0-9a-f]{64}$/.test(value)) {
    throw new Error('ORG_KEY_FINGERPRINT must be 64 lowercase hex characters (fingerprint(orgSigningKey))')
  }
  return value
}

const pinned = orgKeyFingerprint()

export default defineConfig({
  root: webRoot,
  base: '/',
  publicDir: false,
  // Only the values defined here reach the pages: no .env files and no VITE_* variables picked
  // up from the environment, so the output depends on the tree and ORG_KEY_FINGERPRINT alone
  // (reproducible builds).
  envDir: false,
  envPrefix: 'TNR_UNUSED_ENV_PREFIX_',
  define: {
    // Read by web/shared/env.d.ts users; `undefined` when nothing is pinned.
    'import.meta.env.VITE_ORG_KEY_FINGERPRINT': pinned === undefined ? 'undefined' : JSON.stringify(pinned),
  },
  plugins: [
    preactOnPublicPages(),
    localeSubset(),
    react(),
    reporterStaticHtml(join(webRoot, 'locales')),
    bundleBoundary(),
    subresourceIntegrity(),
    assetManifest(),
  ],
  worker: { format: 'es' },
  build: {
    outDir: resolve(webRoot, '../dist/web'),
    emptyOutDir: true,
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rolldownOptions: {
      input: Object.fromEntries(PAGES.map((page) => [page.name, join(webRoot, page.html)])),
      output: {
        // Every locale's country names (web/shared/countries.ts) in one chunk of their own: all
        // are loaded whatever the reporter picks (DESIGN §4), and the `locales-` name lets the
        // page-weight benchmark count them with the locales rather than the app code.
        codeSplitting: {
          groups: [
            { name: 'locales-countries', test: /[\\/]web[\\/]locales[\\/]countries[\\/][^\\/]+\.json$/ },
            // The interface messages of all 13 languages, likewise loaded whatever the reporter picks
            // — the shared part, and each page's own part in a chunk of its own
            // (web/build/locale-subset.ts), so the intake page does not carry the others' text.
            {
              name: 'locales-messages',
              test: /[\\/]web[\\/]locales[\\/][^\\/]+\.json(?:\?omit=[^?]*)?$/,
            },
            { name: 'locales-followup', test: /[\\/]web[\\/]locales[\\/][^\\/]+\.json\?only=followup$/ },
            { name: 'locales-safety', test: /[\\/]web[\\/]locales[\\/][^\\/]+\.json\?only=safety$/ },
          ],
        },
      },
    },
  },
})
