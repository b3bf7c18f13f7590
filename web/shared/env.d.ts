/**
 * @module web/shared/env
 * Build-time environment seen by the reporter pages. `VITE_ORG_KEY_FINGERPRINT` is the public
 * `fingerprint(orgSigningKey)` pinned at build time (DESIGN §4, §5 "ORG_KEY_FINGERPRINT"); when it
 * is set, the pages refuse any organisation key the server offers that does not match it.
 */
/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_ORG_KEY_FINGERPRINT?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
