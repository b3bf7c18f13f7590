/**
 * @module api/contract/common
 * Encodings shared by every route (DESIGN §5a): lowercase hex, standard base64 with padding,
 * RFC 3339 UTC timestamps, UTC dates. Shared with the web: no server imports here.
 */
import { z } from 'zod'

export const lowerHex = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `expected ${bytes * 2} lowercase hex characters`)

/** Standard base64 with padding; `maxChars` bounds the string before any decoding happens. */
export const base64 = (maxChars: number) =>
  z
    .string()
    .max(maxChars)
    .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'expected standard base64')

export const base64Key = base64(44).length(44, 'expected a 32-byte key in base64')
export const utcTimestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/)
export const utcDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/)

/** A signed statement travels as the exact JCS string that was signed plus its signature (§5a). */
export const signedStatement = z.strictObject({
  statement: z.string().max(65_536),
  signature: base64(88).length(88, 'expected a 64-byte signature in base64'),
})
export type SignedStatementJson = z.infer<typeof signedStatement>

export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) })
export type ErrorBody = z.infer<typeof errorBody>
