/**
 * @module web/shared/zod-setup
 * Imported first by every reporter page entry (and the PoW worker). zod's JIT compiles validators
 * with `new Function`, i.e. eval, which our CSP (`script-src 'self'`, no 'unsafe-eval') forbids and
 * Tor Browser's "Safer" mode would break anyway: run zod interpreted.
 */
import { z } from 'zod'

z.config({ jitless: true })
