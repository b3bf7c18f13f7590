import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { isSecureRequest, parseEnv } from './env.ts'

describe('parseEnv', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = parseEnv({})
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: path.resolve('data'),
      databaseUrl: undefined,
      publicUrl: 'http://127.0.0.1:8080',
      trustProxy: false,
      serverSecretFile: path.resolve('data/server-secret'),
      nodeEnv: 'production',
      webDist: path.resolve('dist/web'),
      commitDelayMs: 0,
    })
  })

  it('derives the secret file and public URL from DATA_DIR, HOST and PORT', () => {
    const config = parseEnv({ DATA_DIR: '/srv/tnr', HOST: '::1', PORT: '9000' })
    expect(config.serverSecretFile).toBe('/srv/tnr/server-secret')
    expect(config.publicUrl).toBe('http://[::1]:9000')
  })

  it('strips a trailing slash from PUBLIC_URL', () => {
    expect(parseEnv({ PUBLIC_URL: 'https://report.example.org/' }).publicUrl).toBe(
      'https://report.example.org',
    )
  })

  it('refuses a bad PORT with one line naming the variable and the value', () => {
    expect(() => parseEnv({ PORT: 'abc' })).toThrow(
      'Configuration error: PORT must be an integer between 1 and 65535 (got "abc").',
    )
    expect(() => parseEnv({ PORT: '70000' })).toThrow(/^Configuration error: PORT must be/)
    expect(() => parseEnv({ PORT: '0' })).toThrow(/^Configuration error: PORT must be/)
  })

  it('refuses a DATABASE_URL that is not PostgreSQL without echoing it', () => {
    let message = ''
    try {
      parseEnv({ DATABASE_URL: 'mysql://root:hunter2@db/x' })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(
      /^Configuration error: DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/,
    )
    expect(message).not.toContain('hunter2')
  })

  it('accepts postgres:// and postgresql:// URLs', () => {
    expect(parseEnv({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' }).databaseUrl).toBe(
      'postgres://u@127.0.0.1:5432/db',
    )
    expect(parseEnv({ DATABASE_URL: 'postgresql://127.0.0.1/db' }).databaseUrl).toBe(
      'postgresql://127.0.0.1/db',
    )
  })

  it('refuses a PUBLIC_URL with a path, credentials or another scheme', () => {
    for (const value of [
      'https://example.org/app',
      'ftp://example.org',
      'https://u:p@example.org',
      'example.org',
    ]) {
      expect(() => parseEnv({ PUBLIC_URL: value })).toThrow(/^Configuration error: PUBLIC_URL must be/)
    }
  })

  it('accepts only 0 or 1 for TRUST_PROXY', () => {
    expect(parseEnv({ TRUST_PROXY: '1' }).trustProxy).toBe(true)
    expect(() => parseEnv({ TRUST_PROXY: 'yes' })).toThrow(
      'Configuration error: TRUST_PROXY must be 0 or 1 (got "yes").',
    )
  })

  it('honours COMMIT_DELAY_MS only under NODE_ENV=test', () => {
    expect(parseEnv({ NODE_ENV: 'test', COMMIT_DELAY_MS: '250' }).commitDelayMs).toBe(250)
    expect(parseEnv({ NODE_ENV: 'production', COMMIT_DELAY_MS: '250' }).commitDelayMs).toBe(0)
  })
})

describe('isSecureRequest', () => {
  const direct = parseEnv({})
  const proxied = parseEnv({ TRUST_PROXY: '1' })

  it('believes X-Forwarded-Proto only when TRUST_PROXY=1', () => {
    expect(isSecureRequest('http://x/api', 'https', direct)).toBe(false)
    expect(isSecureRequest('http://x/api', 'https', proxied)).toBe(true)
    expect(isSecureRequest('http://x/api', 'http', proxied)).toBe(false)
    expect(isSecureRequest('https://x/api', undefined, direct)).toBe(true)
  })
})
