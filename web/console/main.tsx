/**
 * @module web/console/main
 * Placeholder for the /console page until the console issue builds it: it says what the page will be
 * and that it does not work yet, and offers nothing else (no fake controls). It exists so the
 * build, the page CSP, Subresource Integrity and the browser tests cover this page from the start.
 * English only for now; the real page loads every locale.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import messages from './locales/en.json'
import './placeholder.css'

/**
 * The root element's id. test/architecture.test.ts also uses it as a marker: it must appear in
 * the files /console loads and never in anything a public page loads.
 */
const ROOT_ID = 'console-root'

function Placeholder() {
  return (
    <main className="placeholder">
      <h1>{messages['console.placeholder.title']}</h1>
      <p className="placeholder-status">{messages['console.placeholder.status']}</p>
      <p>{messages['console.placeholder.body']}</p>
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
