/**
 * @module web/build/pages
 * The one list of HTML pages the build emits and which of them are served to reporters or the
 * public (DESIGN §4). The Vite config, the asset-manifest plugin, the bundle-boundary plugin and
 * the architecture tests all read it, so "reporter page" means the same thing everywhere.
 */

export interface PageEntry {
  /** Rollup input name and emitted file stem: `index` → `index.html`. */
  readonly name: string
  /** HTML file, relative to `web/`. */
  readonly html: string
  /** URL path the server serves it at (api/pages.ts). */
  readonly path: string
  /**
   * Reachable by reporters or the public, without login. These pages get the strict CSP
   * (`script-src 'self'`, no WebAssembly), must never load console code or libsodium, and every
   * file they load is listed in the published asset manifest.
   */
  readonly public: boolean
}

export const PAGES: readonly PageEntry[] = [
  { name: 'index', html: 'index.html', path: '/', public: true },
  { name: 'followup', html: 'followup.html', path: '/followup', public: true },
  { name: 'safety', html: 'safety.html', path: '/safety', public: true },
  { name: 'stats', html: 'stats.html', path: '/stats', public: true },
  { name: 'console', html: 'console.html', path: '/console', public: false },
]

/**
 * Pages anyone may open without logging in (reporters, the public, maybe in Tor Browser). The
 * reporter bundle rule applies to all of them: no console code and no libsodium in anything
 * they load (DESIGN §4, §5).
 */
export const PUBLIC_PAGES: readonly PageEntry[] = PAGES.filter((p) => p.public)
