/**
 * @module web/build/locale-subset
 * Serves a page only the messages it can show (DESIGN §11): `web/locales/<code>.json?omit=a,b`
 * is the locale file without the keys under `a.` and `b.`, and `?only=a` keeps just those. All
 * 13 languages still load on every page (docs/decisions/006): what a page leaves out is text of
 * another page, never a language, so the files fetched still say nothing about the reporter.
 *
 * The intake page drops the follow-up and safety pages' text this way (≈ a fifth of every
 * locale file); those pages add their own keys back (web/shared/locales.ts `addPageMessages`).
 */
import { readFileSync } from 'node:fs'
import type { Plugin } from 'vite'

const LOCALE_FILE = /[\\/]web[\\/]locales[\\/][^\\/]+\.json$/

/** The keys of `file` that a `?omit=` / `?only=` query keeps. */
export function selectMessages(
  file: Record<string, unknown>,
  query: URLSearchParams,
): Record<string, unknown> {
  const only = query.get('only')?.split(',')
  const omit = query.get('omit')?.split(',') ?? []
  const section = (key: string) => key.split('.')[0] ?? ''
  return Object.fromEntries(
    Object.entries(file).filter(([key]) =>
      only !== undefined ? only.includes(section(key)) : !omit.includes(section(key)),
    ),
  )
}

export function localeSubset(): Plugin {
  return {
    name: 'tnr:locale-subset',
    enforce: 'pre',
    load(id) {
      const [path = '', search = ''] = id.split('?', 2)
      if (!LOCALE_FILE.test(path)) return null
      const query = new URLSearchParams(search)
      if (!query.has('only') && !query.has('omit')) return null
      const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
      // A module, not JSON: the bundler leaves ids with a query to the plugins. JSON is a valid
      // JavaScript expression (ES2019 admits U+2028/U+2029 in strings).
      return { code: `export default ${JSON.stringify(selectMessages(file, query))}\n`, moduleType: 'js' }
    },
  }
}
