/**
 * @module web/console/queue/search
 * The queue's search text form (web/console/crypto.worker.ts): case- and accent-insensitive
 * substring search over decrypted reports, in memory only.
 */

/**
 * NFKD, the Latin/Greek/Cyrillic combining accents removed (not every mark: Tibetan vowel signs
 * and Arabic-script marks belong to their letters), NFKC, lowercase. Full-width and compatibility
 * forms fold too (NFKC), so CJK, Uyghur and Tibetan text match as typed.
 */
export function normaliseForSearch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFKC')
    .toLowerCase()
}

/** Whether `needle` (already normalised, non-empty) occurs in the normalised `haystack`. */
export function matches(haystack: string, needle: string): boolean {
  return needle === '' || haystack.includes(needle)
}
