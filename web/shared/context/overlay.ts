/**
 * @module web/shared/context/overlay
 * Admins' signed changes over the bundled dataset (issue 9). `readContextUpdate` verifies an
 * update from `GET /api/context` against the organisation key the page already trusts (pinned at
 * build time on reporter pages, exactly like the key directory): a seized server can withhold an
 * update, never write one — it cannot make the notes say travel is safe. `mergeContext` lays the
 * overlay over the bundled data fact by fact; the newer check date wins, and on a tie the admin's
 * edit (it is the deliberate, later act).
 *
 * Pure apart from the crypto backend passed in; shared by the reporter pages (noble) and the
 * console (libsodium).
 */
import {
  type ContextData,
  type ContextOverlay,
  type ContextUpdateWire,
  contextOverlay,
  type HostCountry,
  type OriginState,
} from '../../../api/contract/context.ts'
import type { CryptoBackend } from '../../../crypto/backend.ts'
import { CryptoError } from '../../../crypto/errors.ts'
import { jcs } from '../../../crypto/jcs.ts'
import {
  type ContextUpdate,
  contextDataHash,
  signStatement,
  verifyContextUpdate,
} from '../../../crypto/statements.ts'

export interface VerifiedContextUpdate {
  readonly statement: ContextUpdate
  readonly overlay: ContextOverlay
}

/**
 * Verifies the signature, the hash binding the overlay text, the organisation, and then the
 * overlay's shape. Throws CryptoError: 'bad_signature', 'bad_statement' (also for an overlay that
 * is signed but not a valid overlay of this version), 'key_mismatch'.
 */
export function readContextUpdate(
  backend: CryptoBackend,
  wire: ContextUpdateWire,
  orgSigningKey: Uint8Array,
  orgId: string | undefined,
): VerifiedContextUpdate {
  const { statement, overlay } = verifyContextUpdate(backend, wire.signed, wire.overlay, orgSigningKey, {
    orgId,
  })
  const parsed = contextOverlay.safeParse(overlay)
  if (!parsed.success)
    throw new CryptoError('bad_statement', 'signed context overlay is not a valid overlay', {
      cause: parsed.error,
    })
  return { statement, overlay: parsed.data }
}

/**
 * Signs `overlay` as update `seq` with the organisation key (an admin's browser: the console).
 * The overlay is validated first, so a signed update is always one readers accept.
 */
export function signContextUpdate(
  backend: CryptoBackend,
  input: { orgSeed: Uint8Array; orgId: string; seq: number; overlay: ContextOverlay; now: Date },
): ContextUpdateWire {
  const text = jcs(contextOverlay.parse(input.overlay))
  const signed = signStatement(backend, input.orgSeed, {
    type: 'context-update',
    orgId: input.orgId,
    seq: input.seq,
    issuedAt: input.now.toISOString(),
    dataHash: contextDataHash(backend, text),
  })
  return { signed, overlay: text }
}

/** `candidate` replaces `current` when it was checked on the same day or later. */
const wins = (candidate: { checkedOn: string }, current: { checkedOn: string } | undefined) =>
  current === undefined || candidate.checkedOn >= current.checkedOn

/** The bundled dataset with the overlay laid over it; neither input is modified. */
export function mergeContext(base: ContextData, overlay: ContextOverlay): ContextData {
  const hosts = new Map<string, HostCountry>(
    base.hosts.map((h) => [h.code, { ...h, extradition: [...h.extradition] }]),
  )
  const host = (code: string): HostCountry => {
    let entry = hosts.get(code)
    if (entry === undefined) {
      entry = { code, extradition: [] }
      hosts.set(code, entry)
    }
    return entry
  }
  for (const { host: code, body, ...fact } of overlay.memberships) {
    const entry = host(code)
    const key = body === 'eu' ? 'eu' : 'councilOfEurope'
    if (wins(fact, entry[key])) entry[key] = fact
  }
  for (const { host: code, ...treaty } of overlay.treaties) {
    const entry = host(code)
    const at = entry.extradition.findIndex((t) => t.origin === treaty.origin)
    if (at === -1) entry.extradition.push(treaty)
    else if (wins(treaty, entry.extradition[at])) entry.extradition[at] = treaty
  }

  const caseLaw = [...base.caseLaw]
  for (const fact of overlay.caseLaw) {
    const at = caseLaw.findIndex((c) => c.id === fact.id)
    if (at === -1) caseLaw.push(fact)
    else if (wins(fact, caseLaw[at])) caseLaw[at] = fact
  }

  const origins = new Map<string, OriginState>(
    base.origins.map((o) => [o.code, { ...o, patterns: [...o.patterns] }]),
  )
  for (const { origin: code, ...pattern } of overlay.patterns) {
    let entry = origins.get(code)
    if (entry === undefined) {
      entry = { code, related: [], patterns: [] }
      origins.set(code, entry)
    }
    const same = entry.patterns.filter((p) => p.kind === pattern.kind)
    // One re-checked statement replaces every older one of its kind (HK has two laws under one
    // kind); a newer bundled statement keeps the bundled ones.
    if (same.every((p) => wins(pattern, p)))
      entry.patterns = [...entry.patterns.filter((p) => p.kind !== pattern.kind), pattern]
  }

  const general = [...base.general]
  for (const fact of overlay.general) {
    const at = general.findIndex((g) => g.id === fact.id)
    if (at === -1) general.push(fact)
    else if (wins(fact, general[at])) general[at] = fact
  }

  const localContacts = [...base.localContacts]
  for (const contact of overlay.contacts) {
    const at = localContacts.findIndex((c) => c.id === contact.id)
    if (at === -1) localContacts.push(contact)
    else if (wins(contact, localContacts[at])) localContacts[at] = contact
  }

  return {
    ...base,
    hosts: [...hosts.values()].sort((a, b) => a.code.localeCompare(b.code)),
    caseLaw,
    origins: [...origins.values()],
    general,
    localContacts,
  }
}
