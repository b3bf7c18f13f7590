/**
 * @module web/console/session
 * Turning a login answer into an unlocked session, and the maintenance an admin's browser does
 * at login (DESIGN §5, §6): re-sign the key directory when this admin holds the organisation key
 * (new seq, same desk keys, 90 days), and sign an audit checkpoint over the current head.
 */
import type { MeResponse } from '../../api/contract/staff.ts'
import type { Argon2Backend, CryptoBackend } from '../../crypto/backend.ts'
import { decodeKdfParams, deriveStaffKeys } from '../../crypto/kdf.ts'
import { signStatement, verifyDirectory } from '../../crypto/statements.ts'
import { api, audited } from './api.ts'
import { DIRECTORY_LIFETIME_MS, type KeyRing, rfc3339, signAudit, unlock } from './keys.ts'
import { pinnedOrg, type Session } from './ui.tsx'
import { CryptoWorker } from './worker-client.ts'

export function wrapKeyFor(
  backend: CryptoBackend & Argon2Backend,
  me: MeResponse,
  passphrase: string,
): Uint8Array {
  return deriveStaffKeys(backend, passphrase, decodeKdfParams(me.kdf)).wrapKey
}

export async function openSession(
  backend: CryptoBackend & Argon2Backend,
  me: MeResponse,
  wrapKey: Uint8Array,
): Promise<Session> {
  const pinned = pinnedOrg()
  const ring = unlock(
    backend,
    me,
    wrapKey,
    pinned === undefined ? { now: new Date() } : { now: new Date(), pinnedFingerprint: pinned },
  )
  backend.wipe(wrapKey)
  const worker = new CryptoWorker()
  await worker.setKeys(ring.desks)
  return { me, ring, backend, worker }
}

/** Admin maintenance after login; failures are reported, never fatal. */
export async function adminMaintenance(session: Session): Promise<string[]> {
  const { me, ring, backend } = session
  const problems: string[] = []
  if (me.user.role !== 'admin') return problems
  // The server sent something that did not verify (Shell says what): sign nothing for it, neither
  // a directory nor a checkpoint over an audit head it reports.
  if (ring.refused.length > 0) return ['refused']
  const orgSeed = ring.orgSeed
  if (orgSeed !== undefined && me.directory !== null) {
    try {
      // Only an unexpired directory is re-signed: an expired one may be an old one replayed.
      const current = verifyDirectory(backend, me.directory, ring.orgSigningKey, new Date(), {
        orgId: ring.orgId,
      }).directory
      const now = new Date()
      const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000)
      const directory = signStatement(backend, orgSeed, {
        type: 'directory',
        orgId: ring.orgId,
        seq: current.seq + 1,
        issuedAt: rfc3339(issuedAt),
        expiresAt: rfc3339(new Date(issuedAt.getTime() + DIRECTORY_LIFETIME_MS)),
        desks: current.desks,
      })
      await audited(
        (head) =>
          signAudit(backend, {
            signingSeed: ring.signingSeed,
            actor: ring.userId,
            action: 'directory.sign',
            target: ring.orgId,
            head,
            now: new Date(),
          }),
        (audit) => api.signDirectory({ directory, audit }),
      )
    } catch {
      problems.push('directory')
    }
  }
  try {
    const head = await api.auditHead()
    const checkpoint = signStatement(backend, ring.signingSeed, {
      type: 'audit-checkpoint',
      orgId: ring.orgId,
      seq: head.seq,
      headHash: head.headHash,
    })
    await api.checkpoint(checkpoint)
  } catch {
    problems.push('checkpoint')
  }
  return problems
}

export function closeSession(session: Session | undefined): void {
  if (session === undefined) return
  session.worker.terminate()
  wipeRing(session.backend, session.ring)
}

function wipeRing(backend: CryptoBackend, ring: KeyRing): void {
  backend.wipe(ring.identitySecretKey)
  backend.wipe(ring.signingSeed)
  if (ring.orgSeed) backend.wipe(ring.orgSeed)
  if (ring.statsSecretKey) backend.wipe(ring.statsSecretKey)
  for (const versions of ring.desks.values()) for (const key of versions.values()) backend.wipe(key)
}
