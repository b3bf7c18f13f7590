/**
 * @module web/build/preact-public
 * The public pages (intake, follow-up, safety, statistics) render with Preact through
 * `preact/compat` instead of React; the console keeps React (DESIGN §11, issue 8 item 5).
 *
 * Why: a reporter on a slow phone connection downloads every byte before the form answers, and
 * React DOM alone is ≈60 KB of gzip — over a third of the 150 KB budget — for a guided form that
 * uses hooks, context and a dozen elements. `preact/compat` implements the same API in ≈5 KB.
 * The source stays React code, type-checked against React's types; only the bundler's answer
 * to `import … from 'react'` changes, so the console (which shares no React module with the
 * public pages) and the tests see no difference in the code they read.
 *
 * How: a module is on the Preact side if it is our own source outside `web/console/`, or a
 * marked copy of `react-intl` (the one package both sides import that itself imports React).
 * From those, `react`, `react-dom`, `react-dom/client` and the JSX runtimes resolve to Preact's,
 * and `react-intl` to its file with the `?tnr-preact` marker, loaded from disk by this plugin,
 * so the console's React copy of react-intl and the public pages' Preact copy never mix.
 */
import { readFileSync } from 'node:fs'
import type { Plugin } from 'vite'

const MARKER = '?tnr-preact'

/** React entry points and their Preact counterparts. */
const PREACT_FOR: Readonly<Record<string, string>> = {
  react: 'preact/compat',
  'react-dom': 'preact/compat',
  'react-dom/client': 'preact/compat/client',
  'react/jsx-runtime': 'preact/jsx-runtime',
  'react/jsx-dev-runtime': 'preact/jsx-runtime',
}

/** Packages that import React themselves and are used by both sides: one copy per side. */
const DUPLICATED = new Set(['react-intl'])

function onPreactSide(importer: string): boolean {
  if (importer.endsWith(MARKER)) return true
  const path = importer.replaceAll('\\', '/')
  return !path.includes('/node_modules/') && !path.includes('/web/console/')
}

export function preactOnPublicPages(): Plugin {
  return {
    name: 'tnr:preact-on-public-pages',
    apply: 'build',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (importer === undefined || !onPreactSide(importer)) return null
      const target = PREACT_FOR[source]
      if (target !== undefined) return await this.resolve(target, importer, { ...options, skipSelf: true })
      if (DUPLICATED.has(source)) {
        const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
        if (resolved === null || resolved.external) return resolved
        return { ...resolved, id: `${resolved.id}${MARKER}` }
      }
      // The marked copy's other imports resolve as from the file itself.
      if (importer.endsWith(MARKER))
        return await this.resolve(source, importer.slice(0, -MARKER.length), { ...options, skipSelf: true })
      return null
    },
    load(id) {
      if (!id.endsWith(MARKER)) return null
      return readFileSync(id.slice(0, -MARKER.length), 'utf8')
    },
  }
}
