/**
 * @module web/stats/main
 * Entry of the public /stats page (web/stats/StatsApp.tsx). English only for now: the page's
 * strings live in web/stats/locales/en.json; other locales fall back to it.
 */
import '../shared/zod-setup.ts'
import './stats.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { IntlProvider } from 'react-intl'
import messages from './locales/en.json'
import { StatsApp } from './StatsApp.tsx'

/** The root element's id (web/stats.html). */
const ROOT_ID = 'stats-root'

const root = document.getElementById(ROOT_ID)
if (root === null) throw new Error(`missing #${ROOT_ID}`)
createRoot(root).render(
  <StrictMode>
    <IntlProvider locale="en" defaultLocale="en" messages={messages}>
      <StatsApp />
    </IntlProvider>
  </StrictMode>,
)
