/**
 * @module test/support/leak-scan
 * Raw-byte leak scanning (DESIGN §4, §10): looks for canaries in everything a seized server
 * would surrender — every column of every table read as raw bytes, every file under DATA_DIR,
 * and everything the server printed — in every encoding a careless code path might produce.
 *
 * - Encodings: UTF-8, UTF-16LE, UTF-16BE, hex (both cases), and base64 and base64url at all
 *   three alignments. A string that sits at byte offset 1 or 2 of a base64-encoded blob
 *   produces a different character sequence than at offset 0; each alignment's stable core
 *   (the characters that depend only on the canary's bytes) is searched for.
 * - Tables: PostgreSQL's binary `COPY … TO STDOUT` (postgres.js), and the same binary COPY
 *   written to PGlite's `/dev/blob`, so bytea, text and jsonb columns are scanned as the bytes
 *   the database holds, not as a driver's rendering of them.
 *
 * The scanner proves itself: suites plant a canary straight into a bytea column and require it
 * to be found (the positive control), so a scan that silently reads nothing cannot pass.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { sql } from 'drizzle-orm'
import type { Database } from '../../api/db/index.ts'

export type Needle = { readonly canary: string; readonly encoding: string; readonly bytes: Uint8Array }
export type Finding = { readonly canary: string; readonly encoding: string; readonly where: string }

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const toBase64Url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')

function utf16be(text: string): Uint8Array {
  const le = Buffer.from(text, 'utf16le')
  const out = Buffer.alloc(le.length)
  for (let i = 0; i + 1 < le.length; i += 2) {
    out[i] = le[i + 1] ?? 0
    out[i + 1] = le[i] ?? 0
  }
  return out
}

/**
 * The characters of base64(prefix ‖ data ‖ suffix) that depend only on `data`, for data starting
 * at byte offset `shift` (0, 1 or 2) of a 3-byte group: skip the characters that also carry
 * bits of the preceding bytes, and stop before those that carry bits of the following bytes.
 */
export function base64Core(data: Uint8Array, shift: 0 | 1 | 2, encode: (b: Uint8Array) => string): string {
  const padded = new Uint8Array(shift + data.length)
  padded.set(data, shift)
  const encoded = encode(padded).replace(/=+$/, '')
  // Characters before the first that starts at or after bit 8·shift: ceil(8·shift / 6).
  const skip = Math.ceil((8 * shift) / 6)
  // Characters that end at or before bit 8·(shift + length): floor(8·(shift + length) / 6).
  const end = Math.floor((8 * (shift + data.length)) / 6)
  return encoded.slice(skip, end)
}

/** Every encoding of `canary` the scan looks for. */
export function needlesFor(canary: string): Needle[] {
  const raw = Buffer.from(canary, 'utf8')
  const ascii = (text: string) => Buffer.from(text, 'latin1')
  const needles: Needle[] = [
    { canary, encoding: 'utf-8', bytes: raw },
    { canary, encoding: 'utf-16le', bytes: Buffer.from(canary, 'utf16le') },
    { canary, encoding: 'utf-16be', bytes: utf16be(canary) },
    { canary, encoding: 'hex', bytes: ascii(raw.toString('hex')) },
    { canary, encoding: 'HEX', bytes: ascii(raw.toString('hex').toUpperCase()) },
  ]
  for (const shift of [0, 1, 2] as const) {
    needles.push({ canary, encoding: `base64@${shift}`, bytes: ascii(base64Core(raw, shift, toBase64)) })
    needles.push({
      canary,
      encoding: `base64url@${shift}`,
      bytes: ascii(base64Core(raw, shift, toBase64Url)),
    })
  }
  return needles
}

export function needlesForAll(canaries: readonly string[]): Needle[] {
  return canaries.flatMap(needlesFor)
}

/** Every needle found in `haystack`, labelled with `where`. */
export function scanBytes(haystack: Uint8Array, needles: readonly Needle[], where: string): Finding[] {
  const buffer = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength)
  return needles
    .filter((needle) => needle.bytes.length > 0 && buffer.indexOf(needle.bytes) !== -1)
    .map((needle) => ({ canary: needle.canary, encoding: needle.encoding, where }))
}

/** Every regular file under `root`, recursively. */
export function listFilesRecursively(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile()) out.push(path)
      else if (entry.isSymbolicLink() && statSync(path).isFile()) out.push(path)
    }
  }
  walk(root)
  return out
}

/** Scans every file under `root`; returns the findings and how many bytes were read. */
export function scanDirectory(
  root: string,
  needles: readonly Needle[],
): { findings: Finding[]; bytes: number; files: number } {
  const findings: Finding[] = []
  let bytes = 0
  const files = listFilesRecursively(root)
  for (const file of files) {
    const content = readFileSync(file)
    bytes += content.length
    findings.push(...scanBytes(content, needles, `file ${relative(root, file)}`))
  }
  return { findings, bytes, files: files.length }
}

function rows(result: unknown): Array<Record<string, unknown>> {
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<
    Record<string, unknown>
  >
}

/** Schema-qualified, quoted names of every base table outside the system schemas. */
export async function allTables(database: Database): Promise<string[]> {
  const result = await database.db.execute(
    sql`select quote_ident(table_schema) || '.' || quote_ident(table_name) as name
        from information_schema.tables
        where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'
        order by 1`,
  )
  return rows(result).map((row) => String(row.name))
}

/** One table's rows in PostgreSQL's binary COPY format: every column as the bytes stored. */
export async function copyTableBinary(database: Database, table: string): Promise<Uint8Array> {
  // `table` comes from allTables(): quote_ident output, not input from anywhere else.
  const statement = `COPY ${table} TO STDOUT WITH (FORMAT binary)`
  const driver = database.driver
  if (driver.kind === 'postgres') {
    const stream = await driver.client.unsafe(statement).readable()
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array))
    return Buffer.concat(chunks)
  }
  const result = await driver.client.query(`COPY ${table} TO '/dev/blob' WITH (FORMAT binary)`)
  const blob = result.blob
  if (blob === undefined) throw new Error(`PGlite returned no COPY output for ${table}`)
  return new Uint8Array(await blob.arrayBuffer())
}

/** Scans every table as raw bytes; returns findings and what was read. */
export async function scanDatabase(
  database: Database,
  needles: readonly Needle[],
): Promise<{ findings: Finding[]; bytes: number; tables: number }> {
  const findings: Finding[] = []
  let bytes = 0
  const tables = await allTables(database)
  for (const table of tables) {
    const data = await copyTableBinary(database, table)
    bytes += data.length
    findings.push(...scanBytes(data, needles, `table ${table}`))
  }
  return { findings, bytes, tables: tables.length }
}
