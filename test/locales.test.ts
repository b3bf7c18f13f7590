/**
 * @module test/locales
 * The locale rules of DESIGN §8: every locale has exactly English's keys, the same ICU arguments
 * (placeholders, plural and select arguments, with the same plural/select cases' arguments), is
 * not mostly English left untranslated (at most a tenth of values equal to English), and names
 * its reviewers (`_meta.reviewers`, empty until a community reviewer signs off).
 *
 * And what the built reporter pages say without JavaScript (DESIGN §4; web/build/reporter-static.ts):
 * every page's `<noscript>` carries every locale's explanation, each paragraph with its own
 * `lang` and `dir`, and safety.html carries the whole safety page in every locale.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser'
import { describe, expect, it } from 'vitest'
import { escapeHtml, REPORTER_HTML, SAFETY_SECTIONS } from '../web/build/reporter-static.ts'
import { LOCALES } from '../web/shared/locale-list.ts'
import { requireWebBuild } from './support/web-build.ts'

const DIR = join(import.meta.dirname, '../web/locales')

type LocaleFile = Record<string, unknown> & { _meta?: { reviewers?: unknown } }

function load(code: string): LocaleFile | undefined {
  try {
    return JSON.parse(readFileSync(join(DIR, `${code}.json`), 'utf8')) as LocaleFile
  } catch {
    return undefined
  }
}

function messages(file: LocaleFile): Map<string, string> {
  return new Map(
    Object.entries(file).filter(
      (e): e is [string, string] => !e[0].startsWith('_') && typeof e[1] === 'string',
    ),
  )
}

/** "name:type" for every argument, recursively through plural/select cases, sorted. */
function argumentsOf(message: string): string[] {
  const out = new Set<string>()
  const walk = (elements: MessageFormatElement[]) => {
    for (const el of elements) {
      switch (el.type) {
        case TYPE.argument:
          out.add(`${el.value}:argument`)
          break
        case TYPE.number:
          out.add(`${el.value}:number`)
          break
        case TYPE.date:
        case TYPE.time:
          out.add(`${el.value}:date`)
          break
        case TYPE.plural:
          out.add(`${el.value}:plural`)
          for (const option of Object.values(el.options)) walk(option.value)
          break
        case TYPE.select:
          out.add(`${el.value}:select:${Object.keys(el.options).sort().join('|')}`)
          for (const option of Object.values(el.options)) walk(option.value)
          break
        case TYPE.tag:
          out.add(`<${el.value}>`)
          walk(el.children)
          break
        default:
          break
      }
    }
  }
  walk(parse(message, { ignoreTag: false }))
  return [...out].sort()
}

const english = load('en')

describe('the English source locale', () => {
  it('exists, parses as ICU and lists its reviewers', () => {
    expect(english).toBeDefined()
    expect(Array.isArray(english?._meta?.reviewers)).toBe(true)
    for (const [key, value] of messages(english ?? {})) {
      expect(() => argumentsOf(value), key).not.toThrow()
    }
  })
})

describe.each(LOCALES.filter((l) => l.code !== 'en').map((l) => [l.code, l.name] as const))(
  'locale %s (%s)',
  (code) => {
    const file = load(code)
    const source = messages(english ?? {})

    it('exists', () => {
      expect(file, `web/locales/${code}.json`).toBeDefined()
    })

    it('has exactly the English keys', () => {
      const own = messages(file ?? {})
      const missing = [...source.keys()].filter((k) => !own.has(k))
      const extra = [...own.keys()].filter((k) => !source.has(k))
      expect({ missing, extra }).toEqual({ missing: [], extra: [] })
    })

    it('uses the same ICU placeholders, plural and select arguments as English', () => {
      const own = messages(file ?? {})
      const differing: string[] = []
      for (const [key, value] of own) {
        const en = source.get(key)
        if (en === undefined) continue
        let mine: string[]
        try {
          mine = argumentsOf(value)
        } catch {
          differing.push(`${key}: does not parse`)
          continue
        }
        const theirs = argumentsOf(en)
        if (mine.join(',') !== theirs.join(','))
          differing.push(`${key}: ${mine.join(',')} ≠ ${theirs.join(',')}`)
      }
      expect(differing).toEqual([])
    })

    it('is not mostly English: at most a tenth of its values equal the English ones', () => {
      const own = messages(file ?? {})
      const same = [...own].filter(([key, value]) => source.get(key) === value).map(([key]) => key)
      expect(own.size).toBeGreaterThan(0)
      expect(same.length, `untranslated: ${same.slice(0, 20).join(', ')}`).toBeLessThanOrEqual(
        Math.floor(source.size / 10),
      )
    })

    it('names its reviewers (an empty list until a community reviewer signs off)', () => {
      expect(Array.isArray(file?._meta?.reviewers)).toBe(true)
    })
  },
)

describe('the built reporter pages without JavaScript', () => {
  const text = (code: string, key: string): string => {
    const value = messages(load(code) ?? {}).get(key)
    if (value === undefined) throw new Error(`${code}: ${key} missing`)
    return escapeHtml(value)
  }
  const paragraph = (html: string, code: string, dir: string): string | undefined =>
    new RegExp(`<p lang="${code}" dir="${dir}">([\\s\\S]*?)</p>`).exec(html)?.[1]

  it.each(REPORTER_HTML.map((f) => [f]))(
    '%s explains in a noscript block, in every locale, that nothing was sent and how to go on',
    (file) => {
      const html = readFileSync(join(requireWebBuild(), file), 'utf8')
      const blocks = [...html.matchAll(/<noscript>([\s\S]*?)<\/noscript>/g)].map((m) => m[1] ?? '')
      expect(blocks).toHaveLength(1)
      const noscript = blocks[0] ?? ''
      expect(noscript).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i)
      for (const locale of LOCALES) {
        const line = paragraph(noscript, locale.code, locale.dir)
        expect(line, `${file}: no <p lang="${locale.code}" dir="${locale.dir}">`).toBeDefined()
        expect(line).toContain(text(locale.code, 'noscript.text'))
        expect(line).toContain(text(locale.code, 'noscript.howTo'))
      }
    },
  )

  it('safety.html holds the whole safety page in every locale, outside any noscript', () => {
    const html = readFileSync(join(requireWebBuild(), 'safety.html'), 'utf8')
    const withoutNoscript = html.replace(/<noscript>[\s\S]*?<\/noscript>/g, '')
    for (const locale of LOCALES) {
      const block = new RegExp(
        `<details class="static-locale card" lang="${locale.code}" dir="${locale.dir}"[^>]*>([\\s\\S]*?)</details>`,
      ).exec(withoutNoscript)?.[1]
      expect(block, `safety.html: no ${locale.code} section`).toBeDefined()
      expect(block).toContain(text(locale.code, 'safety.title'))
      expect(block).toContain(text(locale.code, 'safety.lead'))
      for (const section of SAFETY_SECTIONS) {
        expect(block).toContain(text(locale.code, `safety.${section}.title`))
        expect(block).toContain(text(locale.code, `safety.${section}.body`))
      }
    }
  })
})
