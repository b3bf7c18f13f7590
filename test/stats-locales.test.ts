/**
 * @module test/stats-locales.test
 * The /stats page's languages (web/stats/locales/, read by web/stats/i18n.tsx): one file per
 * interface language, each translating everything the page shows for the builder's tables with
 * the same ICU arguments as English, and marked as unreviewed until someone reviews it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FIELDS, TACTIC_GROUP_ORDER } from '../api/contract/coding.ts'
import { LOCALES } from '../web/shared/locale-list.ts'
import { REPO_ROOT } from './support/server.ts'

type LocaleFile = Record<string, unknown> & { _meta?: { reviewers?: unknown } }

function load(code: string): LocaleFile {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'web/stats/locales', `${code}.json`), 'utf8')) as LocaleFile
}

const english = load('en') as Record<string, string>
const required = [
  ...Object.keys(english).filter((k) => k.startsWith('stats.') || k.startsWith('coding.field.')),
  ...TACTIC_GROUP_ORDER.map((g) => `coding.value.tactic_group.${g}`),
  ...FIELDS.community.map((c) => `coding.value.community.${c}`),
  ...FIELDS.target_gender.map((g) => `coding.value.target_gender.${g}`),
  'coding.value.country.unknown',
  'coding.value.country.online',
]

/** The ICU arguments of a message, sorted (placeholders only: these messages use no plurals). */
function argumentsOf(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort()
}

describe('/stats locales', () => {
  it('English has every key the page and the builder tables need', () => {
    for (const key of required) expect(english[key], key).toBeTypeOf('string')
  })

  describe.each(LOCALES.filter((l) => l.code !== 'en'))('$code', (locale) => {
    const file = load(locale.code)

    it('translates every required key, with the English arguments', () => {
      for (const key of required) {
        const value = file[key]
        expect(value, key).toBeTypeOf('string')
        expect((value as string).trim(), key).not.toBe('')
        expect(argumentsOf(value as string), key).toEqual(argumentsOf(english[key] ?? ''))
      }
    })

    it('has no key English lacks, and says it is unreviewed until reviewed', () => {
      for (const key of Object.keys(file))
        if (!key.startsWith('_')) expect(english, key).toHaveProperty([key])
      expect(Array.isArray(file._meta?.reviewers)).toBe(true)
    })

    it('is actually translated (at most a tenth of the values equal English)', () => {
      const same = required.filter((key) => file[key] === english[key])
      expect(same.length).toBeLessThanOrEqual(required.length / 10)
    })
  })
})
