/**
 * @module crypto/audit.test
 * The audit chain (SPEC.md §11) catches the three attacks of DESIGN §10: an edited row, a chain
 * rewritten consistently by someone without the actors' keys, and a cut-off tail.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  AUDIT_GENESIS_HASH,
  type AuditEntry,
  auditEntryHash,
  signAuditEntry,
  verifyAuditChain,
} from './audit.ts'
import type { CryptoBackend } from './backend.ts'
import { fromHex, toHex, utf8 } from './bytes.ts'
import { H } from './hash.ts'
import { jcs } from './jcs.ts'
import { nobleBackend } from './noble.ts'
import { loadSodium } from './sodium.ts'
import vectors from './vectors/audit.json' with { type: 'json' }

let backends: CryptoBackend[] = []
let sodium: CryptoBackend
beforeAll(async () => {
  sodium = await loadSodium()
  backends = [sodium, nobleBackend]
})

const alice = '0a11ce00-0000-4000-8000-000000000001'
const bob = '0b0b0000-0000-4000-8000-000000000002'
const target = '7a26e700-0000-4000-8000-000000000003'
const seeds = new Map([
  [alice, new Uint8Array(32).fill(0xa1)],
  [bob, new Uint8Array(32).fill(0xb0)],
  ['server', new Uint8Array(32).fill(0x5e)],
])
const actorNames = [...seeds.keys()]

function keys(backend: CryptoBackend): (actor: string) => Uint8Array | undefined {
  const map = new Map([...seeds].map(([actor, seed]) => [actor, backend.ed25519PublicKey(seed)]))
  return (actor) => map.get(actor)
}

/** A chain of `length` entries, each signed with `seedFor(actor)`. */
function buildChain(
  length: number,
  seedFor: (actor: string) => Uint8Array = (a) => seeds.get(a) ?? new Uint8Array(32),
) {
  const entries: AuditEntry[] = []
  let prevHash = AUDIT_GENESIS_HASH
  for (let i = 0; i < length; i++) {
    const actor = actorNames[i % actorNames.length] ?? alice
    const entry = signAuditEntry(sodium, seedFor(actor), {
      seq: i + 1,
      prevHash,
      actor,
      action: i % 2 ? 'case.status' : 'case.note',
      target: i === 0 ? null : target,
      at: `2025-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
    })
    prevHash = auditEntryHash(sodium, entry)
    entries.push(entry)
  }
  return { entries, headHash: prevHash }
}

describe('audit.json', () => {
  it('each entry has the listed signature input and hash, and the whole forms a valid chain on both backends', () => {
    for (const backend of backends) {
      for (const v of vectors) {
        const { sig: _sig, ...body } = v.entry
        expect(jcs(body)).toBe(v.signedText)
        expect(toHex(H(backend, 'tnr/v1/sig/audit', [utf8(v.signedText)]))).toBe(v.signatureInput)
        expect(auditEntryHash(backend, v.entry as AuditEntry)).toBe(v.entryHash)
      }
      const byActor = new Map(vectors.map((v) => [v.entry.actor, fromHex(v.signingKey)]))
      const result = verifyAuditChain(
        backend,
        vectors.map((v) => v.entry),
        { signingKeyFor: (a) => byActor.get(a) },
      )
      expect(result.problems).toEqual([])
      expect(result.headHash).toBe(vectors.at(-1)?.entryHash)
    }
  })
})

describe('verifyAuditChain', () => {
  it('accepts an intact chain on both backends and reports its head', () => {
    const { entries, headHash } = buildChain(6)
    for (const backend of backends) {
      const result = verifyAuditChain(backend, entries, {
        signingKeyFor: keys(backend),
        checkpoint: { seq: 6, headHash },
      })
      expect(result).toEqual({ ok: true, problems: [], headSeq: 6, headHash })
    }
  })

  it('starts an empty log at the genesis hash', () => {
    const result = verifyAuditChain(sodium, [], {
      signingKeyFor: keys(sodium),
      checkpoint: { seq: 0, headHash: AUDIT_GENESIS_HASH },
    })
    expect(result).toEqual({ ok: true, problems: [], headSeq: 0, headHash: AUDIT_GENESIS_HASH })
  })

  it('detects an edited field in any row, at that row', () => {
    const { entries } = buildChain(5)
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom('action', 'target', 'at', 'actor'),
        (row, field) => {
          const edited = entries.map((e) => ({ ...e }))
          const entry = edited[row] as AuditEntry
          if (field === 'action') entry.action = 'case.erase'
          if (field === 'target') entry.target = alice
          if (field === 'at') entry.at = '2030-01-01T00:00:00Z'
          if (field === 'actor') entry.actor = entry.actor === bob ? alice : bob
          const result = verifyAuditChain(sodium, edited, { signingKeyFor: keys(sodium) })
          expect(result.ok).toBe(false)
          expect(result.problems).toContainEqual({ seq: row + 1, code: 'bad_signature' })
          if (row < 4) expect(result.problems).toContainEqual({ seq: row + 2, code: 'bad_link' })
        },
      ),
      { numRuns: 20 },
    )
  })

  it('detects a deleted or reordered row', () => {
    const { entries } = buildChain(4)
    const dropped = [entries[0], entries[2], entries[3]]
    expect(verifyAuditChain(sodium, dropped, { signingKeyFor: keys(sodium) }).problems).toContainEqual({
      seq: 3,
      code: 'bad_sequence',
    })
    const swapped = [entries[0], entries[2], entries[1], entries[3]]
    expect(
      verifyAuditChain(sodium, swapped, { signingKeyFor: keys(sodium) }).problems.map((p) => p.code),
    ).toContain('bad_link')
  })

  it('detects a consistently rewritten chain signed by keys that are not the actors’ certified keys', () => {
    const forger = new Uint8Array(32).fill(0xee)
    const { entries, headHash } = buildChain(5, () => forger)
    // Every link and every signature is internally consistent — only the certified keys catch it.
    const result = verifyAuditChain(sodium, entries, { signingKeyFor: keys(sodium) })
    expect(result.problems.map((p) => p.code)).toEqual(Array(5).fill('bad_signature'))
    expect(result.headHash).toBe(headHash)
  })

  it('detects a cut-off tail against the last checkpoint, and a rewritten history under it', () => {
    const { entries } = buildChain(6)
    const checkpoint = { seq: 6, headHash: auditEntryHash(sodium, entries[5] as AuditEntry) }
    const cut = verifyAuditChain(sodium, entries.slice(0, 4), { signingKeyFor: keys(sodium), checkpoint })
    expect(cut.problems).toEqual([{ seq: 6, code: 'checkpoint_beyond_chain' }])
    const older = { seq: 3, headHash: toHex(new Uint8Array(32).fill(1)) }
    expect(
      verifyAuditChain(sodium, entries, { signingKeyFor: keys(sodium), checkpoint: older }).problems,
    ).toEqual([{ seq: 3, code: 'checkpoint_mismatch' }])
  })

  it('reports an unknown actor and a malformed row instead of throwing', () => {
    const { entries } = buildChain(3)
    const unknown = verifyAuditChain(sodium, entries, {
      signingKeyFor: (a) => (a === 'server' ? undefined : keys(sodium)(a)),
    })
    expect(unknown.problems).toEqual([{ seq: 3, code: 'unknown_actor' }])
    const malformed = [entries[0], { ...entries[1], extra: 1 }, entries[2], 'not an entry']
    const result = verifyAuditChain(sodium, malformed, { signingKeyFor: keys(sodium) })
    expect(result.problems).toContainEqual({ seq: 2, code: 'malformed' })
    expect(result.problems).toContainEqual({ seq: 4, code: 'malformed' })
  })

  it('refuses to sign an entry that breaks the schema', () => {
    const seed = seeds.get(alice) ?? new Uint8Array(32)
    const entry = {
      seq: 0,
      prevHash: AUDIT_GENESIS_HASH,
      actor: alice,
      action: 'x',
      target: null,
      at: '2025-01-01T00:00:00Z',
    }
    expect(() => signAuditEntry(sodium, seed, entry)).toThrow(
      expect.objectContaining({ code: 'bad_statement' }),
    )
  })
})
