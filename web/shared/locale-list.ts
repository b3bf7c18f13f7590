/**
 * @module web/shared/locale-list
 * The interface languages (DESIGN §8), each named in itself (an endonym reads the same in every
 * UI language, so it lives here rather than in the locale files). No bundler APIs here: the
 * locale tests read this list under Node.
 */

export type Direction = 'ltr' | 'rtl'

export interface LocaleInfo {
  /** BCP 47 tag; also the locale file name. */
  readonly code: string
  /** The language named in itself. */
  readonly name: string
  readonly dir: Direction
}

export const LOCALES = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'zh-Hans', name: '简体中文', dir: 'ltr' },
  { code: 'zh-Hant', name: '繁體中文', dir: 'ltr' },
  { code: 'ug', name: 'ئۇيغۇرچە', dir: 'rtl' },
  { code: 'bo', name: 'བོད་ཡིག', dir: 'ltr' },
  { code: 'ru', name: 'Русский', dir: 'ltr' },
  { code: 'kk', name: 'Қазақша', dir: 'ltr' },
  { code: 'ky', name: 'Кыргызча', dir: 'ltr' },
  { code: 'uz', name: 'Oʻzbekcha', dir: 'ltr' },
  { code: 'tg', name: 'Тоҷикӣ', dir: 'ltr' },
  { code: 'fa', name: 'فارسی', dir: 'rtl' },
  { code: 'tr', name: 'Türkçe', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
] as const satisfies readonly LocaleInfo[]

export type LocaleCode = (typeof LOCALES)[number]['code']
export const SOURCE_LOCALE: LocaleCode = 'en'
