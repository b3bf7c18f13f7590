/**
 * @module web/console/main
 * The staff console at /console (DESIGN §8, issue 5). zod runs without its JIT (the CSP forbids
 * eval), English strings come from locales/en.json through react-intl, and the app itself lives
 * in App.tsx. The root element's id is also a marker for test/architecture.test.ts: it must appear
 * in what /console loads and never in anything a public page loads.
 */
import '../shared/zod-setup.ts'
import './styles.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { IntlProvider } from 'react-intl'
import { App } from './App.tsx'
import messages from './locales/en.json'

const ROOT_ID = 'console-root'

const root = document.getElementById(ROOT_ID)
if (root === null) throw new Error(`missing #${ROOT_ID}`)
createRoot(root).render(
  <StrictMode>
    <IntlProvider locale="en" defaultLocale="en" messages={messages}>
      <App />
    </IntlProvider>
  </StrictMode>,
)
