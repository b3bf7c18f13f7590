/**
 * @module test/context-update
 * Organisation-signed context updates (issue 9, SPEC.md §9 `context-update`) without a server:
 * signing in the admin's browser and verifying on both backends (the reporter page uses noble),
 * every way an update is refused, the merge over the bundled dataset (the newer check date wins),
 * and the triage flags a caseworker sees from a coding once an update is merged.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { CodingV1 } from '../api/contract/coding.ts'
import { type ContextOverlay, contextData, contextOverlay, EMPTY_OVERLAY } from '../api/contract/context.ts'
import type { CryptoBackend } from '../crypto/backend.ts'
import { CryptoError } from '../crypto/errors.ts'
import { jcs } from '../crypto/jcs.ts'
import { nobleBackend } from '../crypto/noble.ts'
import { loadSodium } from '../crypto/sodium.ts'
import { contextDataHash, signStatement } from '../crypto/statements.ts'
import { assess } from '../web/shared/context/assess.ts'
import { loadContextData } from '../web/shared/context/data.ts'
import { flagInputFromCoding, triageFlags } from '../web/shared/context/flags.ts'
import { mergeContext, readContextUpdate, signContextUpdate } from '../web/shared/context/overlay.ts'
import { applyContextUpdate } from '../web/shared/context/use-context-data.ts'

const ORG_ID = '0b0b5e1e-7a2d-4c51-9f3e-5d6c1a2b3c4d'
const NOW = new Date('2026-12-02T10:00:00Z')
const SOURCE = { title: 'Belgian Official Journal', url: 'https://www.ejustice.just.fgov.be/' }

let sodium: CryptoBackend
let backends: CryptoBackend[]
let orgSeed: Uint8Array
let orgKey: Uint8Array

beforeAll(async () => {
  sodium = await loadSodium()
  backends = [sodium, nobleBackend]
  orgSeed = sodium.randomBytes(32)
  orgKey = sodium.ed25519PublicKey(orgSeed)
})

const overlay = (patch: Partial<ContextOverlay> = {}): ContextOverlay => ({ ...EMPTY_OVERLAY, ...patch })
const suspendedInBelgium = overlay({
  treaties: [
    {
      host: 'BE',
      origin: 'CN',
      status: 'suspended',
      note: 'Test fixture: suspension announced by the host government.',
      source: SOURCE,
      checkedOn: '2026-12-01',
    },
  ],
})

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    if (error instanceof CryptoError) return error.code
    throw error
  }
}

describe('signing and reading a context update', () => {
  it('verifies on both backends what the admin’s browser signed', () => {
    const wire = signContextUpdate(sodium, {
      orgSeed,
      orgId: ORG_ID,
      seq: 3,
      overlay: suspendedInBelgium,
      now: NOW,
    })
    for (const backend of backends) {
      const read = readContextUpdate(backend, wire, orgKey, ORG_ID)
      expect(read.statement.seq).toBe(3)
      expect(read.overlay).toEqual(suspendedInBelgium)
    }
  })

  it('refuses an update signed by another key, so a seized server cannot write one', () => {
    const wire = signContextUpdate(sodium, {
      orgSeed: sodium.randomBytes(32),
      orgId: ORG_ID,
      seq: 1,
      overlay: suspendedInBelgium,
      now: NOW,
    })
    for (const backend of backends)
      expect(codeOf(() => readContextUpdate(backend, wire, orgKey, ORG_ID))).toBe('bad_signature')
  })

  it('refuses an overlay changed after signing (travel made to look safe)', () => {
    const wire = signContextUpdate(sodium, {
      orgSeed,
      orgId: ORG_ID,
      seq: 1,
      overlay: suspendedInBelgium,
      now: NOW,
    })
    const forged = { ...wire, overlay: wire.overlay.replace('"suspended"', '"in_force"') }
    expect(forged.overlay).not.toBe(wire.overlay)
    for (const backend of backends)
      expect(codeOf(() => readContextUpdate(backend, forged, orgKey, ORG_ID))).toBe('bad_signature')
  })

  it('refuses an update of another organisation, and a statement of another type', () => {
    const wire = signContextUpdate(sodium, {
      orgSeed,
      orgId: ORG_ID,
      seq: 1,
      overlay: suspendedInBelgium,
      now: NOW,
    })
    expect(
      codeOf(() => readContextUpdate(sodium, wire, orgKey, 'ffffffff-7a2d-4c51-9f3e-5d6c1a2b3c4d')),
    ).toBe('key_mismatch')
    const statsKey = signStatement(sodium, orgSeed, {
      type: 'stats-key',
      orgId: ORG_ID,
      version: 1,
      publicKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    })
    expect(codeOf(() => readContextUpdate(sodium, { ...wire, signed: statsKey }, orgKey, ORG_ID))).toBe(
      'bad_signature',
    )
  })

  it('refuses a signed overlay that is not canonical JSON or not a valid overlay', () => {
    const sign = (text: string) => ({
      overlay: text,
      signed: signStatement(sodium, orgSeed, {
        type: 'context-update',
        orgId: ORG_ID,
        seq: 1,
        issuedAt: NOW.toISOString(),
        dataHash: contextDataHash(sodium, text),
      }),
    })
    const spaced = ` ${jcs(suspendedInBelgium)}`
    expect(codeOf(() => readContextUpdate(sodium, sign(spaced), orgKey, ORG_ID))).toBe('bad_statement')
    // Signed, canonical, but with an unsourced treaty: refused before it can reach a reporter.
    const unsourced = jcs({ ...EMPTY_OVERLAY, treaties: [{ host: 'BE', origin: 'CN', status: 'in_force' }] })
    expect(codeOf(() => readContextUpdate(sodium, sign(unsourced), orgKey, ORG_ID))).toBe('bad_statement')
    expect(codeOf(() => readContextUpdate(sodium, sign('{"version":2}'), orgKey, ORG_ID))).toBe(
      'bad_statement',
    )
  })

  it('will not sign an overlay without a source URL or with an impossible check date', () => {
    const noUrl = overlay({
      treaties: [
        { host: 'BE', origin: 'CN', status: 'suspended', source: { title: 'x' }, checkedOn: '2026-12-01' },
      ],
    } as unknown as Partial<ContextOverlay>)
    expect(() =>
      signContextUpdate(sodium, { orgSeed, orgId: ORG_ID, seq: 1, overlay: noUrl, now: NOW }),
    ).toThrow()
    const badDay = overlay({
      treaties: [{ host: 'BE', origin: 'CN', status: 'suspended', source: SOURCE, checkedOn: '2026-02-30' }],
    })
    expect(contextOverlay.safeParse(badDay).success).toBe(false)
  })

  it('shows the bundled data, marked refused, when an update does not verify; bundled when there is none', () => {
    const wire = signContextUpdate(sodium, {
      orgSeed,
      orgId: ORG_ID,
      seq: 1,
      overlay: suspendedInBelgium,
      now: NOW,
    })
    const forged = { ...wire, overlay: wire.overlay.replace('"suspended"', '"in_force"') }
    const refused = applyContextUpdate(nobleBackend, forged, orgKey, ORG_ID)
    expect(refused.source).toEqual({ status: 'refused', code: 'bad_signature' })
    expect(refused.data).toBe(loadContextData())
    expect(applyContextUpdate(nobleBackend, null, orgKey, ORG_ID).source).toEqual({ status: 'bundled' })
    const applied = applyContextUpdate(nobleBackend, wire, orgKey, ORG_ID)
    expect(applied.source).toEqual({ status: 'updated', seq: 1, issuedAt: NOW.toISOString() })
    expect(applied.data.hosts.find((h) => h.code === 'BE')?.extradition[0]?.status).toBe('suspended')
  })
})

describe('merging an update over the bundled dataset', () => {
  const base = loadContextData()

  it('lets the newer check date win, fact by fact, and keeps a valid dataset', () => {
    const merged = mergeContext(
      base,
      overlay({
        ...suspendedInBelgium,
        treaties: [
          ...suspendedInBelgium.treaties,
          // Older than the bundled record: the bundled one stays.
          { host: 'FR', origin: 'CN', status: 'suspended', source: SOURCE, checkedOn: '2025-01-01' },
          // A treaty the bundle does not know.
          {
            host: 'DE',
            origin: 'RU',
            status: 'signed_not_ratified',
            source: SOURCE,
            checkedOn: '2026-12-01',
          },
        ],
        memberships: [{ host: 'NO', body: 'eu', member: false, source: SOURCE, checkedOn: '2026-12-01' }],
      }),
    )
    expect(contextData.safeParse(merged).success).toBe(true)
    const treaty = (host: string, origin: string) =>
      merged.hosts.find((h) => h.code === host)?.extradition.find((t) => t.origin === origin)
    expect(treaty('BE', 'CN')?.status).toBe('suspended')
    expect(treaty('FR', 'CN')?.status).toBe('in_force')
    expect(treaty('DE', 'RU')?.status).toBe('signed_not_ratified')
    expect(merged.hosts.find((h) => h.code === 'NO')?.eu?.source).toEqual(SOURCE)
    // The inputs are untouched.
    expect(base.hosts.find((h) => h.code === 'BE')?.extradition[0]?.status).toBe('in_force')
  })

  it('replaces every older pattern of one kind with the re-checked statement', () => {
    const before = base.origins.find((o) => o.code === 'HK')?.patterns ?? []
    expect(before.filter((p) => p.kind === 'extraterritorial_security_law')).toHaveLength(2)
    const merged = mergeContext(
      base,
      overlay({
        patterns: [
          {
            origin: 'HK',
            kind: 'extraterritorial_security_law',
            lawStatus: 'adopted',
            summary: 'Re-checked summary of both laws.',
            source: SOURCE,
            checkedOn: '2026-12-01',
          },
        ],
      }),
    )
    const after = merged.origins.find((o) => o.code === 'HK')?.patterns ?? []
    expect(after.map((p) => p.summary)).toEqual(['Re-checked summary of both laws.'])
  })

  it('shows a deployment’s help contacts for their host country only', () => {
    const merged = mergeContext(
      base,
      overlay({
        contacts: [
          {
            id: 'brussels-legal-aid',
            name: 'Brussels legal aid line',
            kind: 'legal_aid',
            hostCountries: ['BE'],
            languages: ['fr', 'nl', 'ug'],
            phone: '+32 2 000 00 00',
            source: SOURCE,
            checkedOn: '2026-12-01',
          },
        ],
      }),
    )
    expect(assess(merged, 'BE', 'CN', NOW).contacts.map((c) => c.id)).toEqual(['brussels-legal-aid'])
    expect(assess(merged, 'NL', 'CN', NOW).contacts).toEqual([])
  })
})

describe('triage flags from a coding and the signed updates', () => {
  const coding = (patch: Partial<CodingV1>): CodingV1 => ({
    scheme: 'tnr-coding',
    schemeVersion: 1,
    incident_year: 2026,
    incident_month: null,
    date_precision: 'year',
    origin_state: 'CN',
    perpetrator_type: ['state_agent'],
    attribution: 'probable',
    host_country: 'BE',
    location_country: 'BE',
    tactic: ['digital_threat'],
    family_targeted: 'no',
    family_harm: [],
    digital_channel: ['messaging_app'],
    community: 'uyghur',
    target_profile: ['activist'],
    reported_by: 'self',
    whereabouts_unknown: 'no',
    target_gender: 'woman',
    outcome: ['ongoing'],
    reported_to_host_authorities: 'unknown',
    evidence_level: 'victim_account',
    person_key: '',
    ...patch,
  })

  it('follows a signed update: the Belgian treaty, once suspended, is flagged as suspended', () => {
    const input = flagInputFromCoding(coding({}))
    expect(triageFlags(input, loadContextData(), NOW).get('extradition_exposure')).toEqual([
      'treaty_in_force_in_host',
    ])
    const merged = mergeContext(loadContextData(), suspendedInBelgium)
    expect(triageFlags(input, merged, NOW).get('extradition_exposure')).toEqual(['treaty_suspended_in_host'])
  })

  it('raises no host-treaty flag for a coding whose host or origin is unknown', () => {
    const data = loadContextData()
    expect(triageFlags(flagInputFromCoding(coding({ host_country: 'unknown' })), data, NOW).size).toBe(1)
    expect(
      triageFlags(flagInputFromCoding(coding({ host_country: 'unknown' })), data, NOW).get('interpol_risk'),
    ).toEqual(['origin_pattern_documented'])
    expect(triageFlags(flagInputFromCoding(coding({ origin_state: 'unknown' })), data, NOW).size).toBe(0)
  })

  it('reads family harm and gendered harassment from the coding', () => {
    const flags = triageFlags(
      flagInputFromCoding(
        coding({
          family_targeted: 'unknown',
          family_harm: ['visited_questioned'],
          tactic: ['gendered_harassment'],
        }),
      ),
      loadContextData(),
      NOW,
    )
    expect(flags.get('family_in_origin')).toEqual(['family_targeted'])
    expect(flags.get('gendered_abuse')).toEqual(['tactic_reported'])
  })
})
