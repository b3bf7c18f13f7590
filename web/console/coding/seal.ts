/**
 * @module web/console/coding/seal
 * Seals a coding (api/contract/coding.ts) as a signed kind-5 item (DESIGN §5a) to the statistics
 * key AND the desk: analysts count it with the statistics key without reading the case, and the
 * desk can read back what was coded. The statistics key is trusted only through its
 * organisation-signed `stats-key` statement (never a bare key from the server).
 */
import { type CodingV1, codingV1Schema } from '../../../api/contract/coding.ts'
import type { CryptoBackend } from '../../../crypto/backend.ts'
import { fromBase64, toBase64 } from '../../../crypto/bytes.ts'
import { sealItem } from '../../../crypto/items.ts'
import { type SignedStatement, verifyStatement } from '../../../crypto/statements.ts'

/** The statistics public key from its statement, verified under the organisation key. */
export function statsPublicKeyOf(
  backend: CryptoBackend,
  statsKey: SignedStatement,
  orgSigningKey: Uint8Array,
  orgId: string,
): { version: number; publicKey: Uint8Array } {
  const statement = verifyStatement(backend, statsKey, orgSigningKey, 'stats-key')
  if (statement.orgId !== orgId) throw new Error('stats key of another organisation')
  return { version: statement.version, publicKey: fromBase64(statement.publicKey, 32) }
}

/** Base64 kind-5 envelope for `POST /api/cases/:id/items` at position `seq`. */
export function sealCoding(
  backend: CryptoBackend,
  input: {
    coding: CodingV1
    lookupId: string
    seq: number
    statsPublicKey: Uint8Array
    deskPublicKey: Uint8Array
    author: { userId: string; signingSeed: Uint8Array }
    writtenOn?: string
  },
): string {
  const coding = codingV1Schema.parse(input.coding)
  return toBase64(
    sealItem(backend, {
      kind: 5,
      context: input.lookupId,
      recipients: [input.statsPublicKey, input.deskPublicKey],
      body: { seq: input.seq, writtenOn: input.writtenOn ?? new Date().toISOString().slice(0, 10), coding },
      author: input.author.userId,
      signingSeed: input.author.signingSeed,
    }),
  )
}
