/**
 * @module web/console/templates
 * Built-in reply templates in the reporters' languages (README.md beside this file). Each
 * language's JSON is its own chunk, fetched only when a caseworker picks that language, so the
 * console does not load all thirteen. Formatting lives in ./fill.ts.
 */
import type { LocaleCode } from '../../shared/locale-list.ts'
import type { TemplateFile } from './fill.ts'

export {
  fillTemplate,
  isDraft,
  isTemplateLanguage,
  TEMPLATE_IDS,
  type TemplateFile,
  type TemplateId,
} from './fill.ts'

const loaders = import.meta.glob<TemplateFile>('./*.json', { import: 'default' })
const loaded = new Map<LocaleCode, Promise<TemplateFile>>()

/** The language's templates (fetched once per session). */
export function loadTemplates(code: LocaleCode): Promise<TemplateFile> {
  const known = loaded.get(code)
  if (known !== undefined) return known
  const loader = loaders[`./${code}.json`]
  if (loader === undefined) return Promise.reject(new Error('template_missing'))
  const promise = loader()
  promise.catch(() => loaded.delete(code))
  loaded.set(code, promise)
  return promise
}
