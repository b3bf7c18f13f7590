/**
 * @module web/stats/main
 * Entry of the public /stats page (web/stats/StatsApp.tsx), in the 13 interface languages
 * (web/stats/i18n.tsx, strings in web/stats/locales/).
 */
import '../shared/zod-setup.ts'
import './stats.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { StatsI18n } from './i18n.tsx'
import { StatsApp } from './StatsApp.tsx'

/** The root element's id (web/stats.html). */
const ROOT_ID = 'stats-root'

const root = document.getElementById(ROOT_ID)
if (root === null) throw new Error(`missing #${ROOT_ID}`)
createRoot(root).render(
  <StrictMode>
    <StatsI18n>
      <StatsApp />
    </StatsI18n>
  </StrictMode>,
)
