import { describe, expect, it } from 'vitest'
import { toErrorResponse } from './errors.ts'

describe('toErrorResponse', () => {
  it('answers a foreign-key violation from a concurrent erase with 409, wrapped or not', () => {
    const pg = Object.assign(new Error('insert or update violates foreign key constraint'), { code: '23503' })
    const wrapped = new Error('Failed query: insert into "case_items" …', { cause: pg })
    for (const error of [pg, wrapped]) {
      const { status, body, internal } = toErrorResponse(error)
      expect({ status, code: body.error.code, internal }).toEqual({
        status: 409,
        code: 'conflict',
        internal: false,
      })
      expect(body.error.message).not.toContain('case_items')
    }
  })

  it('keeps other database errors internal (500, no detail)', () => {
    const other = Object.assign(new Error('deadlock detected on "cases"'), { code: '40P01' })
    const { status, body, internal } = toErrorResponse(other)
    expect({ status, internal }).toEqual({ status: 500, internal: true })
    expect(JSON.stringify(body)).not.toContain('cases')
  })
})
