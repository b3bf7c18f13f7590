/**
 * @module web/build/sri.test
 * The HTML pass that adds Subresource Integrity is also the build's CSP lint: it must add the
 * right hash and refuse what the page CSP would block at run time.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addIntegrity, integrityOf } from './sri.ts'

describe('addIntegrity', () => {
  let outDir = ''
  const script = new TextEncoder().encode('console.log(1)\n')

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'tnr-sri-'))
    mkdirSync(join(outDir, 'assets'))
    writeFileSync(join(outDir, 'assets/a.js'), script)
    writeFileSync(join(outDir, 'assets/a.css'), 'body{}')
  })

  afterAll(() => rmSync(outDir, { recursive: true, force: true }))

  const page = (head: string) =>
    `<!doctype html><html><head>${head}</head><body><noscript>x</noscript></body></html>`

  it('adds crossorigin and the sha384 of the file on disk to scripts, stylesheets and module preloads', () => {
    const html = addIntegrity(
      page(
        '<script type="module" crossorigin src="/assets/a.js"></script><link rel="modulepreload" href="/assets/a.js"><link rel="stylesheet" href="/assets/a.css">',
      ),
      'index.html',
      outDir,
      '/',
    )
    expect(html).toContain(
      `<script type="module" src="/assets/a.js" crossorigin integrity="${integrityOf(script)}"></script>`,
    )
    expect(html).toContain(
      `<link rel="modulepreload" href="/assets/a.js" crossorigin integrity="${integrityOf(script)}">`,
    )
    expect(html.match(/integrity="sha384-/g)).toHaveLength(3)
    expect(html).toContain('<noscript>x</noscript>')
  })

  it('replaces a stale integrity value instead of keeping it', () => {
    const html = addIntegrity(
      page('<script src="/assets/a.js" integrity="sha384-stale"></script>'),
      'i.html',
      outDir,
      '/',
    )
    expect(html).not.toContain('stale')
  })

  it.each([
    ['an inline script', '<script>alert(1)</script>', /inline <script>/],
    ['a style element', '<style>body{}</style>', /<style> element/],
    ['a style attribute', '<meta name="x" style="color:red">', /inline style attribute/],
    [
      'an event handler attribute',
      '<link rel="icon" href="/assets/a.css" onload="x()">',
      /inline onload attribute/,
    ],
    [
      'a script from another origin',
      '<script src="https://cdn.example/x.js"></script>',
      /not served by this origin/,
    ],
    ['a protocol-relative script', '<script src="//cdn.example/x.js"></script>', /not served by this origin/],
    ['a script the build did not emit', '<script src="/assets/missing.js"></script>', /not an emitted file/],
  ])('refuses %s', (_name, head, message) => {
    expect(() => addIntegrity(page(head), 'index.html', outDir, '/')).toThrow(message)
  })
})
