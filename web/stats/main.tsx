/**
 * @module web/stats/main
 * Placeholder for the /stats page until the statistics issue builds it: it says what the page will be
 * and that it does not work yet, and offers nothing else (no fake controls). It exists so the
 * build, the page CSP, Subresource Integrity and the browser tests cover this page from the start.
 * English only for now; the real page loads every locale.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import messages from './locales/en.json'
import './placeholder.css'

/** The root element's id (web/stats.html). */
const ROOT_ID = 'stats-root'

function Placeholder() {
  return (
    <main className="placeholder">
      <h1>{messages['stats.placeholder.title']}</h1>
      <p className="placeholder-status">{messages['stats.placeholder.status']}</p>
      <p>{messages['stats.placeholder.body']}</p>
    </main>
  )
}

const root = document.getElementById(ROOT_ID)
if (root === null) throw new Error(`missing #${ROOT_ID}`)
createRoot(root).render(
  <StrictMode>
    <Placeholder />
  </StrictMode>,
)
