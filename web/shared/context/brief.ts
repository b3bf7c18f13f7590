/**
 * @module web/shared/context/brief
 * The context-facts section of an advocacy brief (issue 9): for a host country or a region (the
 * EU, the Council of Europe), the extradition treaties its members keep with each origin state,
 * the case law that binds or guides them, each with its source and check date. Pure; the brief
 * page (web/brief/BriefPage.tsx) renders it next to the release's counts.
 *
 * Only fresh facts are stated; stale ones are listed separately so a brief never prints an
 * out-of-date legal claim under an organisation's name.
 */
import type { CaseLaw, ContextData, ExtraditionTreaty } from '../../../api/contract/context.ts'
import { legalFact } from './facts.ts'

export type BriefScope =
  | { readonly kind: 'country'; readonly code: string }
  | { readonly kind: 'eu' | 'council_of_europe' }

export interface BriefTreaty {
  readonly host: string
  readonly treaty: ExtraditionTreaty
}

export interface BriefContext {
  /** Member countries of the scope, as far as the dataset knows (fresh membership only). */
  readonly members: readonly string[]
  readonly treaties: readonly BriefTreaty[]
  readonly caseLaw: readonly CaseLaw[]
  /** Treaty records past their twelve months: named for re-checking, not stated. */
  readonly staleTreaties: readonly BriefTreaty[]
}

export function briefContext(data: ContextData, scope: BriefScope, now: Date): BriefContext {
  const members = data.hosts
    .filter((h) => {
      if (scope.kind === 'country') return h.code === scope.code
      const m = legalFact(scope.kind === 'eu' ? h.eu : h.councilOfEurope, now)
      return m.known && m.fact.member
    })
    .map((h) => h.code)
    .sort()
  const inScope = new Set(members)
  const treaties: BriefTreaty[] = []
  const staleTreaties: BriefTreaty[] = []
  for (const h of data.hosts) {
    if (!inScope.has(h.code)) continue
    for (const treaty of h.extradition) {
      ;(legalFact(treaty, now).known ? treaties : staleTreaties).push({ host: h.code, treaty })
    }
  }
  const councilMembers = new Set(
    data.hosts
      .filter((h) => {
        const m = legalFact(h.councilOfEurope, now)
        return m.known && m.fact.member
      })
      .map((h) => h.code),
  )
  const caseLaw = data.caseLaw.filter(
    (c) =>
      legalFact(c, now).known &&
      (c.bindingOn.some((code) => inScope.has(code)) ||
        inScope.has(c.decidingState) ||
        (c.persuasiveIn === 'council_of_europe' && members.some((code) => councilMembers.has(code)))),
  )
  return { members, treaties, caseLaw, staleTreaties }
}
