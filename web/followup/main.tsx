/**
 * @module web/followup/main
 * Temporary stub written by web-foundation so the build has an entry; reporter-ui replaces it.
 */
const root = document.getElementById('root')
if (root === null) throw new Error('missing #root')
export {}
