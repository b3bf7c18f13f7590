/**
 * @module web/shared/mount
 * Starts a reporter page: zod without its JIT (first import), the one stylesheet, i18n, the page
 * frame, and an error boundary that says plainly that nothing was sent.
 */
import './zod-setup.ts'
import './styles.css'
import { Component, type ReactNode, StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { FormattedMessage } from 'react-intl'
import { I18nProvider } from './i18n.tsx'
import { type PageName, PageShell } from './layout.tsx'

class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false }
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true }
  }
  override render(): ReactNode {
    if (this.state.failed) {
      return (
        <div className="notice notice-danger" role="alert">
          <p>
            <FormattedMessage id="app.unexpectedError" />
          </p>
        </div>
      )
    }
    return this.props.children
  }
}

export function mount(page: PageName, app: ReactNode): void {
  const root = document.getElementById('root')
  if (!root) return
  createRoot(root).render(
    <StrictMode>
      <I18nProvider>
        <PageShell page={page}>
          <ErrorBoundary>{app}</ErrorBoundary>
        </PageShell>
      </I18nProvider>
    </StrictMode>,
  )
}
