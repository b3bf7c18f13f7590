/**
 * @module web/build/reporter-static
 * What the reporter pages say before (or without) JavaScript, written into their HTML at build
 * time from the locale files (DESIGN §4, §8):
 *
 * - `<!-- tnr:noscript -->` becomes a `<noscript>` block with one paragraph per locale, each with
 *   its own `lang` and `dir`: encryption needs JavaScript, nothing was sent, and how to go on
 *   (Tor Browser: "Safest" → "Safer"). With JavaScript off (Tor Browser "Safest") the page cannot
 *   know the reader's language, so it says it in all of them; it never falls back to sending
 *   plaintext.
 * - `<!-- tnr:safety-static -->` (inside `#root` of safety.html) becomes the whole safety page in
 *   every locale, one `<details>` per language: readable with JavaScript off, which is exactly when
 *   a reporter most needs it. When JavaScript runs, React replaces `#root` with the interactive
 *   page in the chosen language.
 *
 * Plain text only, HTML-escaped, no inline script or style (the CSP lint of web/build/sri.ts runs
 * on the result). A locale missing a key fails the build rather than shipping a silent English
 * line in a Persian paragraph (test/locales.test.ts keeps the files complete anyway).
 */
import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Plugin } from 'vite'
import { LOCALES, type LocaleInfo } from '../shared/locale-list.ts'

export const NOSCRIPT_MARKER = '<!-- tnr:noscript -->'
export const SAFETY_MARKER = '<!-- tnr:safety-static -->'

/** HTML files that are reporter pages: each must carry the noscript marker. */
export const REPORTER_HTML: readonly string[] = ['index.html', 'followup.html', 'safety.html']

/** The safety page's sections, in order (web/safety/SafetyPage.tsx shows the same ones). */
export const SAFETY_SECTIONS = [
  'private',
  'history',
  'clipboard',
  'receipt',
  'tor',
  'code',
  'device',
] as const

export type Lookup = (code: string, key: string) => string

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

function langAttributes(locale: LocaleInfo): string {
  return `lang="${escapeHtml(locale.code)}" dir="${locale.dir}"`
}

/** Reads a locale file's messages from web/locales (build time, Node). */
export function localeLookup(localesDir: string): Lookup {
  const cache = new Map<string, Record<string, unknown>>()
  return (code, key) => {
    let file = cache.get(code)
    if (!file) {
      file = JSON.parse(readFileSync(join(localesDir, `${code}.json`), 'utf8')) as Record<string, unknown>
      cache.set(code, file)
    }
    const value = file[key]
    if (typeof value !== 'string' || value.trim() === '') {
      throw new Error(`web/locales/${code}.json: "${key}" is missing; the static page needs it`)
    }
    return value
  }
}

/**
 * One paragraph per locale. `withSafetyLink` adds a plain link to the safety page (which is
 * readable without JavaScript); the safety page itself leaves it out.
 */
export function renderNoscript(lookup: Lookup, options: { withSafetyLink: boolean }): string {
  const lines = LOCALES.map((locale) => {
    const t = (key: string) => escapeHtml(lookup(locale.code, key))
    const link = options.withSafetyLink
      ? ` <a href="/safety#lang=${escapeHtml(locale.code)}">${t('nav.safety')}</a>`
      : ''
    return `<p ${langAttributes(locale)}><strong>${t('noscript.text')}</strong> ${t('noscript.howTo')}${link}</p>`
  })
  return `<noscript><div class="noscript" data-testid="noscript">\n${lines.join('\n')}\n</div></noscript>`
}

/** The safety page in every locale, each language folded into its own `<details>`. */
export function renderSafetyStatic(lookup: Lookup): string {
  const blocks = LOCALES.map((locale) => {
    const t = (key: string) => escapeHtml(lookup(locale.code, key))
    const sections = SAFETY_SECTIONS.map(
      (s) => `<h2>${t(`safety.${s}.title`)}</h2>\n<p>${t(`safety.${s}.body`)}</p>`,
    ).join('\n')
    return [
      `<details class="static-locale card" ${langAttributes(locale)} data-locale="${escapeHtml(locale.code)}">`,
      `<summary><span class="static-locale-name">${escapeHtml(locale.name)}</span> <span>${t('safety.title')}</span></summary>`,
      `<p class="lead">${t('safety.lead')}</p>`,
      sections,
      '</details>',
    ].join('\n')
  })
  return `<div class="page static-page"><main id="main" class="static-safety" data-testid="safety-static">\n${blocks.join('\n')}\n</main></div>`
}

/** Replaces the markers of one reporter page; other pages pass through unchanged. */
export function renderReporterHtml(html: string, fileName: string, lookup: Lookup): string {
  const name = basename(fileName)
  if (!REPORTER_HTML.includes(name)) return html
  if (!html.includes(NOSCRIPT_MARKER)) {
    throw new Error(
      `${name}: reporter pages need ${NOSCRIPT_MARKER} (DESIGN §4: say why JavaScript is needed)`,
    )
  }
  const isSafety = name === 'safety.html'
  let out = html.replace(NOSCRIPT_MARKER, () => renderNoscript(lookup, { withSafetyLink: !isSafety }))
  if (isSafety) {
    if (!out.includes(SAFETY_MARKER)) {
      throw new Error(`${name}: needs ${SAFETY_MARKER} inside #root (readable without JavaScript)`)
    }
    out = out.replace(SAFETY_MARKER, () => renderSafetyStatic(lookup))
  }
  return out
}

/** Vite plugin: fills the markers in the reporter pages from web/locales/*.json. */
export function reporterStaticHtml(localesDir: string): Plugin {
  return {
    name: 'tnr:reporter-static-html',
    transformIndexHtml: {
      order: 'pre',
      handler(html, context) {
        return renderReporterHtml(html, context.filename, localeLookup(localesDir))
      },
    },
  }
}
