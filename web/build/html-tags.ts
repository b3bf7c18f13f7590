/**
 * @module web/build/html-tags
 * A deliberately small tag scanner for the HTML Vite emits (not a general HTML parser): finds
 * `<script>`, `<link>` and `<style>` tags and their attributes so the build can add Subresource
 * Integrity and refuse anything our CSP would block. Vite's output is regular; anything this
 * scanner cannot read is a build error rather than a silent pass.
 */

export interface Attribute {
  readonly name: string
  /** `null` for a bare attribute such as `crossorigin`. */
  readonly value: string | null
}

export interface Tag {
  readonly name: 'script' | 'link' | 'style'
  readonly start: number
  readonly end: number
  readonly attributes: readonly Attribute[]
  /** Text between `<script>`/`<style>` and its closing tag; empty for `<link>`. */
  readonly body: string
}

const TAG = /<(script|link|style)\b([^>]*)>/gi
const ATTRIBUTE = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g

export function parseAttributes(source: string): Attribute[] {
  const attributes: Attribute[] = []
  for (const match of source.matchAll(ATTRIBUTE)) {
    const name = (match[1] ?? '').toLowerCase()
    const value = match[2] ?? match[3] ?? match[4] ?? null
    attributes.push({ name, value })
  }
  return attributes
}

export function findTags(html: string): Tag[] {
  const tags: Tag[] = []
  for (const match of html.matchAll(TAG)) {
    const name = (match[1] ?? '').toLowerCase() as Tag['name']
    const start = match.index
    let end = start + match[0].length
    let body = ''
    if (name !== 'link') {
      const close = html.toLowerCase().indexOf(`</${name}>`, end)
      if (close < 0) throw new Error(`unclosed <${name}> at offset ${start}`)
      body = html.slice(end, close)
      end = close + `</${name}>`.length
    }
    tags.push({ name, start, end, attributes: parseAttributes(match[2] ?? ''), body })
  }
  return tags
}

export function attribute(tag: Tag, name: string): string | null | undefined {
  const found = tag.attributes.find((a) => a.name === name)
  return found === undefined ? undefined : found.value
}

export function escapeAttribute(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;')
}

export function renderAttributes(attributes: readonly Attribute[]): string {
  return attributes
    .map((a) => (a.value === null ? a.name : `${a.name}="${escapeAttribute(a.value)}"`))
    .join(' ')
}
