/**
 * @module web/shared/quick-exit
 * Quick exit (DESIGN §4): the visible button and the Esc key wipe what the page holds in memory
 * and leave for a neutral site with `location.replace()`, so the reporter pages never add a
 * history entry that Back could return to. Internal links between reporter pages use the same
 * replace (see `replaceNavigate`), so the whole site only ever occupies one history entry.
 */

/** A neutral, very common site. Navigation, not a fetch: the page itself requests nothing there. */
export const NEUTRAL_SITE = 'https://www.wikipedia.org/'

type Wiper = () => void
const wipers = new Set<Wiper>()

/** Registers a function that forgets in-memory state (form answers, keys, codes) on quick exit. */
export function onWipe(wiper: Wiper): () => void {
  wipers.add(wiper)
  return () => wipers.delete(wiper)
}

export function quickExit(): void {
  for (const wipe of wipers) {
    try {
      wipe()
    } catch {
      // Leaving matters more than a clean wipe.
    }
  }
  // Blank the screen at once, before the neutral site has loaded.
  document.body.replaceChildren()
  document.title = ''
  location.replace(NEUTRAL_SITE)
}

/** Esc leaves, except while an input method is composing (Esc cancels CJK/Uyghur composition). */
export function installEscapeExit(): () => void {
  const onKey = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || event.isComposing || event.defaultPrevented) return
    quickExit()
  }
  window.addEventListener('keydown', onKey)
  return () => window.removeEventListener('keydown', onKey)
}

/** Same-origin navigation that replaces the current history entry instead of adding one. */
export function replaceNavigate(href: string): void {
  const url = new URL(href, location.href)
  if (url.origin !== location.origin) throw new Error('replaceNavigate is for our own pages only')
  location.replace(url.href)
}
