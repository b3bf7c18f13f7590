/**
 * @module test/stats-schema.test
 * docs/release.schema.json is the JSON Schema of the release file for other implementations
 * (issue 6). It is generated from the zod schema the code validates with (crypto/release.ts), and
 * this test fails when the two drift; `UPDATE_RELEASE_SCHEMA=1 npx vitest run
 * test/stats-schema.test.ts` rewrites the file. A release made by the code must validate against
 * the generated schema's shape (checked here with zod, the schema's source).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { signedReleaseSchema } from '../crypto/release.ts'

const FILE = join(import.meta.dirname, '../docs/release.schema.json')

function generated(): string {
  const schema = z.toJSONSchema(signedReleaseSchema, { target: 'draft-2020-12' })
  return `${JSON.stringify({ title: 'TNR signed statistics release (tnr-release/1)', ...schema }, null, 2)}\n`
}

describe('the published JSON Schema of release files', () => {
  it('matches the schema the code validates with', () => {
    if (process.env.UPDATE_RELEASE_SCHEMA === '1') writeFileSync(FILE, generated())
    expect(readFileSync(FILE, 'utf8')).toBe(generated())
  })

  it('requires the signature chain and refuses unknown members', () => {
    const schema = JSON.parse(readFileSync(FILE, 'utf8')) as {
      required?: string[]
      additionalProperties?: unknown
    }
    expect(schema.required).toEqual(['release', 'signature', 'chain'])
    expect(schema.additionalProperties).toBe(false)
  })
})
