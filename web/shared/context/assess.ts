/**
 * @module web/shared/context/assess
 * What the context dataset says about one (host country, origin state) pair, computed in the
 * browser from the whole dataset (DESIGN §4: the page holds every country's facts, so nothing
 * fetched reveals the pair). Used by the reporter notes and by the caseworker flags.
 *
 * Legal facts pass through `legalFact`: past their twelve months they come back as unknown, and
 * absence is reported as absence, never as "no treaty".
 */
import type {
  CaseLaw,
  ContextData,
  ExtraditionTreaty,
  GeneralFact,
  HostCountry,
  LocalContact,
  Membership,
  OriginPattern,
} from '../../../api/contract/context.ts'
import { LEGAL_PATTERN_KINDS } from '../../../api/contract/context.ts'
import { isInFuture, type Known, legalFact } from './facts.ts'

export interface TreatyAt {
  /** The country holding the treaty (where travel may expose the reporter). */
  readonly host: string
  readonly treaty: ExtraditionTreaty
}

export interface Assessment {
  readonly host: string
  readonly origin: string
  /** The origin state and the jurisdictions the data relates to it (CN ↔ HK). */
  readonly requesting: readonly string[]
  readonly eu: Known<Membership>
  readonly councilOfEurope: Known<Membership>
  /** Treaties of the reporter's own host country with the requesting states, fresh only. */
  readonly homeTreaties: readonly TreatyAt[]
  /** Treaties anywhere with the requesting states, fresh only, sorted by host code. */
  readonly treatiesElsewhere: readonly TreatyAt[]
  /** Treaty records that exist but are past their check window: shown as "unknown". */
  readonly staleTreaties: readonly TreatyAt[]
  /** Case law on extradition to a requesting state that binds or guides the host's courts. */
  readonly caseLaw: readonly { readonly fact: CaseLaw; readonly binding: boolean }[]
  /** Origin patterns that may be shown (conduct always; laws only while fresh). */
  readonly patterns: readonly OriginPattern[]
  /** Legal patterns past their window: the page says "not re-checked" rather than state them. */
  readonly stalePatterns: readonly OriginPattern[]
  readonly general: readonly GeneralFact[]
  readonly contacts: readonly LocalContact[]
}

const byHost = (a: TreatyAt, b: TreatyAt) =>
  a.host.localeCompare(b.host) || a.treaty.origin.localeCompare(b.treaty.origin)

export function assess(data: ContextData, host: string, origin: string, now: Date): Assessment {
  const hostEntry: HostCountry | undefined = data.hosts.find((h) => h.code === host)
  const originEntry = data.origins.find((o) => o.code === origin)
  const related = (originEntry?.related ?? []).filter((r) => legalFact(r, now).known).map((r) => r.code)
  const requesting = [origin, ...related.filter((c) => c !== origin)]

  const homeTreaties: TreatyAt[] = []
  const treatiesElsewhere: TreatyAt[] = []
  const staleTreaties: TreatyAt[] = []
  for (const h of data.hosts) {
    for (const treaty of h.extradition) {
      if (!requesting.includes(treaty.origin)) continue
      const at = { host: h.code, treaty }
      if (!legalFact(treaty, now).known) staleTreaties.push(at)
      else if (h.code === host) homeTreaties.push(at)
      else treatiesElsewhere.push(at)
    }
  }

  const councilOfEurope = legalFact(hostEntry?.councilOfEurope, now)
  const inCouncilOfEurope = councilOfEurope.known && councilOfEurope.fact.member
  const caseLaw = data.caseLaw
    .filter((c) => requesting.includes(c.requestingState) && legalFact(c, now).known)
    .map((c) => ({ fact: c, binding: c.bindingOn.includes(host) }))
    .filter((c) => c.binding || (c.fact.persuasiveIn === 'council_of_europe' && inCouncilOfEurope))

  const patterns: OriginPattern[] = []
  const stalePatterns: OriginPattern[] = []
  for (const p of originEntry?.patterns ?? []) {
    if (isInFuture(p.checkedOn, now)) continue
    if (LEGAL_PATTERN_KINDS.has(p.kind) && !legalFact(p, now).known) stalePatterns.push(p)
    else patterns.push(p)
  }

  return {
    host,
    origin,
    requesting,
    eu: legalFact(hostEntry?.eu, now),
    councilOfEurope,
    homeTreaties: homeTreaties.sort(byHost),
    treatiesElsewhere: treatiesElsewhere.sort(byHost),
    staleTreaties: staleTreaties.sort(byHost),
    caseLaw,
    patterns,
    stalePatterns,
    general: data.general.filter((g) => legalFact(g, now).known),
    contacts: data.localContacts.filter(
      (c) =>
        (c.hostCountries.length === 0 || c.hostCountries.includes(host)) && !isInFuture(c.checkedOn, now),
    ),
  }
}
