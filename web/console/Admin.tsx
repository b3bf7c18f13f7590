/**
 * @module web/console/Admin
 * Administration (DESIGN §5, issue 5): desks and how many people hold each desk key (a warning
 * below two: losing every holder and the recovery kit loses every case), invitations (one-time,
 * expiring links carrying the organisation fingerprint in the fragment), and vetting: the admin
 * compares the person's safety number out of band, then this browser signs their `user-key`
 * statement with the organisation key and seals the desk keys of their invitation to them.
 * Removing someone from a desk says both honest things (DESIGN §5: earlier cases are then guarded
 * only by the server; new reports only once the key is rotated and older directories expired) and
 * offers the rotation and a short-lived directory. Desk key versions and the "retire old key" job
 * live in ./admin/RetireKey.tsx.
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react'
import { intakeConfigResponse } from '../../api/contract/reporter.ts'
import type { UsersResponse } from '../../api/contract/staff.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { safetyNumber } from '../../crypto/fingerprint.ts'
import { sealGrant } from '../../crypto/grants.ts'
import { ContextAdmin } from './admin/Context.tsx'
import { Retention } from './admin/Retention.tsx'
import { KeyVersions } from './admin/RetireKey.tsx'
import { api, audited } from './api.ts'
import {
  buildDeskKey,
  certifyUser,
  directoryToResign,
  randomUuid,
  resignDirectory,
  SHORT_DIRECTORY_LIFETIME_MS,
  signAudit,
} from './keys.ts'
import { Select } from './Queue.tsx'
import { Alert, errorText, type Session, useT } from './ui.tsx'

type Role = 'admin' | 'caseworker' | 'analyst'

export function Admin({ session }: { session: Session }) {
  const t = useT()
  const { backend, ring, me } = session
  const [data, setData] = useState<UsersResponse | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [notice, setNotice] = useState<string | undefined>()
  const [role, setRole] = useState<Role>('caseworker')
  const [deskIds, setDeskIds] = useState<string[]>([])
  const [link, setLink] = useState<string | undefined>()
  const [compared, setCompared] = useState<Record<string, boolean>>({})
  // After a removal: the desk whose key the admin is offered to rotate (DESIGN §5).
  const [removal, setRemoval] = useState<
    { deskId: string; name: string; username: string; rotated: boolean } | undefined
  >()
  const [keysShown, setKeysShown] = useState(0)

  const load = useCallback(() => {
    setKeysShown((n) => n + 1)
    return api.users().then(setData, (e: unknown) => setError(errorText(t, e)))
  }, [t])
  useEffect(() => {
    void load()
  }, [load])

  const invite = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    setLink(undefined)
    const inviteId = randomUuid(backend)
    try {
      const answer = await audited(
        (head) =>
          signAudit(backend, {
            signingSeed: ring.signingSeed,
            actor: ring.userId,
            action: 'invite.create',
            target: inviteId,
            head,
            now: new Date(),
          }),
        (audit) => api.invite({ role, deskIds, inviteId, audit }),
      )
      setLink(`${location.origin}/console#invite=${answer.token}&org=${me.org.fingerprint}`)
      await load()
    } catch (e) {
      setError(errorText(t, e))
    }
  }

  const verify = async (user: UsersResponse['users'][number]) => {
    setError(undefined)
    setNotice(undefined)
    const orgSeed = ring.orgSeed
    if (orgSeed === undefined) return setError(t('admin.noOrgKey'))
    try {
      const now = new Date()
      const identityKey = fromBase64(user.identityKey, 32)
      const userKey = certifyUser(backend, {
        orgSeed,
        orgId: ring.orgId,
        userId: user.id,
        username: user.username,
        role: user.role,
        identityKey,
        signingKey: fromBase64(user.signingKey, 32),
        now,
      })
      const grants = user.pendingDesks.flatMap((deskId) => {
        const versions = ring.desks.get(deskId)
        if (versions === undefined) return []
        return [...versions].map(([version, secretKey]) => {
          const sealed = sealGrant(backend, {
            orgId: ring.orgId,
            granterId: ring.userId,
            granterSigningSeed: ring.signingSeed,
            granteeId: user.id,
            granteeIdentityKey: identityKey,
            target: deskId,
            version,
            secretKey,
            now,
          })
          return { envelope: toBase64(sealed.envelope), grant: sealed.grant }
        })
      })
      // Further admins also receive the organisation key (DESIGN §5: it "can be granted to further
      // admins"), and admins and analysts the statistics key.
      const extra: [string, Uint8Array | undefined][] = [
        ...(user.role === 'admin' ? ([['org', orgSeed]] as [string, Uint8Array][]) : []),
        ...(user.role !== 'caseworker'
          ? ([['stats', ring.statsSecretKey]] as [string, Uint8Array | undefined][])
          : []),
      ]
      for (const [target, secretKey] of extra) {
        if (secretKey === undefined) continue
        const sealed = sealGrant(backend, {
          orgId: ring.orgId,
          granterId: ring.userId,
          granterSigningSeed: ring.signingSeed,
          granteeId: user.id,
          granteeIdentityKey: identityKey,
          target,
          version: 1,
          secretKey,
          now,
        })
        grants.push({ envelope: toBase64(sealed.envelope), grant: sealed.grant })
      }
      await audited(
        (head) =>
          signAudit(backend, {
            signingSeed: ring.signingSeed,
            actor: ring.userId,
            action: 'user.certify',
            target: user.id,
            head,
            now: new Date(),
          }),
        (audit) => api.certify(user.id, { userKey, grants, audit }),
      )
      setNotice(t('admin.verified', { username: user.username }))
      await load()
    } catch (e) {
      setError(errorText(t, e))
    }
  }

  const [newDesk, setNewDesk] = useState('')
  const [newLabel, setNewLabel] = useState('')
  const createLabel = async (event: FormEvent) => {
    event.preventDefault()
    const name = newLabel.trim()
    if (name === '') return
    setError(undefined)
    setNotice(undefined)
    const labelId = randomUuid(backend)
    try {
      await audited(
        (head) =>
          signAudit(backend, {
            signingSeed: ring.signingSeed,
            actor: ring.userId,
            action: 'label.create',
            target: labelId,
            head,
            now: new Date(),
          }),
        (audit) => api.createLabel({ labelId, name, audit }),
      )
      setNewLabel('')
      await load()
      setNotice(t('admin.labelCreated', { name }))
    } catch (e) {
      setError(errorText(t, e))
    }
  }

  /** Creates a desk (no id yet) or rotates one; members get the new key, so does this admin. */
  const deskKey = async (desk: { deskId?: string; name: string; version: number }) => {
    setError(undefined)
    setNotice(undefined)
    if (data === undefined || data.recoveryPublicKey === null) return
    if (ring.orgSeed === undefined) return setError(t('admin.noOrgKey'))
    try {
      // The current directory as reporters see it, verified under the organisation key.
      const config = intakeConfigResponse.parse(
        await (await fetch('/api/intake/config', { cache: 'no-store' })).json(),
      )
      const current = directoryToResign(backend, ring, config.directory, new Date())
      const deskId = desk.deskId ?? randomUuid(backend)
      const members = data.users
        .filter(
          (u) =>
            u.verified &&
            !u.disabled &&
            (u.id === ring.userId || (desk.deskId !== undefined && u.desks.includes(desk.deskId))),
        )
        .map((u) => ({ userId: u.id, identityKey: fromBase64(u.identityKey, 32) }))
      const built = buildDeskKey(backend, ring, {
        deskId,
        name: desk.name,
        version: desk.version,
        current,
        members,
        recoveryPublicKey: fromBase64(data.recoveryPublicKey, 32),
        now: new Date(),
      })
      await audited(
        (head) =>
          signAudit(backend, {
            signingSeed: ring.signingSeed,
            actor: ring.userId,
            action: desk.version === 1 ? 'desk.create' : 'desk.rotate',
            target: deskId,
            head,
            now: new Date(),
          }),
        (audit) => api.createDeskKey({ ...built.request, audit }),
      )
      const versions = ring.desks.get(deskId) ?? new Map<number, Uint8Array>()
      versions.set(desk.version, built.secretKey)
      ring.desks.set(deskId, versions)
      if (!session.me.desks.some((d) => d.deskId === deskId))
        session.me.desks.push({ deskId, name: desk.name })
      await session.worker.setKeys(ring.desks)
      setNotice(t(desk.version === 1 ? 'admin.deskCreated' : 'admin.deskRotated', { name: desk.name }))
      if (removal?.deskId === deskId) setRemoval({ ...removal, rotated: true })
      setNewDesk('')
      await load()
    } catch (e) {
      setError(errorText(t, e))
    }
  }

  const removeFromDesk = async (user: UsersResponse['users'][number], deskId: string) => {
    setError(undefined)
    setNotice(undefined)
    try {
      await audited(
        (head) =>
          signAudit(backend, {
            signingSeed: ring.signingSeed,
            actor: ring.userId,
            action: 'desk.remove-member',
            target: user.id,
            head,
            now: new Date(),
          }),
        (audit) => api.removeFromDesk(user.id, { deskId, audit }),
      )
      setRemoval({ deskId, name: deskName(deskId), username: user.username, rotated: false })
      await load()
    } catch (e) {
      setError(errorText(t, e))
    }
  }

  /** Re-signs the current directory with a short expiry (offered after a removal). */
  const resignShort = async () => {
    setError(undefined)
    setNotice(undefined)
    try {
      const config = intakeConfigResponse.parse(
        await (await fetch('/api/intake/config', { cache: 'no-store' })).json(),
      )
      const current = directoryToResign(backend, ring, config.directory, new Date())
      const directory = resignDirectory(backend, ring, current, {
        now: new Date(),
        lifetimeMs: SHORT_DIRECTORY_LIFETIME_MS,
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
      setNotice(t('admin.resignedShort'))
      await load()
    } catch (e) {
      setError(errorText(t, e))
    }
  }

  const deskName = (id: string) => data?.desks.find((d) => d.deskId === id)?.name ?? id.slice(0, 8)
  return (
    <section>
      <h1>{t('admin.title')}</h1>
      {error && <Alert kind="error">{error}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      {removal !== undefined && (
        <div className="card" data-testid="after-removal">
          <h2>{t('admin.removedTitle', { username: removal.username, desk: removal.name })}</h2>
          <Alert kind="warning">{t('admin.removedEarlier', { username: removal.username })}</Alert>
          <Alert kind="warning">
            {t(removal.rotated ? 'admin.removedRotated' : 'admin.removedLater', {
              username: removal.username,
            })}
          </Alert>
          <div className="actions">
            {!removal.rotated && ring.orgSeed !== undefined && ring.desks.has(removal.deskId) && (
              <button
                type="button"
                className="primary"
                onClick={() => {
                  const desk = data?.desks.find((d) => d.deskId === removal.deskId)
                  if (desk !== undefined)
                    void deskKey({ deskId: desk.deskId, name: desk.name, version: desk.version + 1 })
                }}
              >
                {t('admin.rotateNow', { desk: removal.name })}
              </button>
            )}
            {ring.orgSeed !== undefined && (
              <button type="button" onClick={resignShort}>
                {t('admin.resignShort')}
              </button>
            )}
            <button type="button" onClick={() => setRemoval(undefined)}>
              {t(removal.rotated ? 'admin.done' : 'admin.later')}
            </button>
          </div>
          <p className="muted">{t('admin.resignShortWhy')}</p>
        </div>
      )}
      <div className="card">
        <h2>{t('admin.desks')}</h2>
        <ul className="plain">
          {data?.desks.map((d) => (
            <li key={d.deskId}>
              <strong>{d.name}</strong> — {t('admin.holders', { count: d.holders })} ·{' '}
              {t('admin.keyVersion', { version: d.version })}{' '}
              {ring.desks.has(d.deskId) && ring.orgSeed !== undefined && (
                <button
                  type="button"
                  onClick={() => deskKey({ deskId: d.deskId, name: d.name, version: d.version + 1 })}
                >
                  {t('admin.rotate')}
                </button>
              )}
              {d.holders < 2 && <Alert kind="warning">{t('admin.fewHolders')}</Alert>}
            </li>
          ))}
        </ul>
        <p className="muted">{t('admin.rotateHonest')}</p>
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault()
            if (newDesk.trim() !== '') void deskKey({ name: newDesk.trim(), version: 1 })
          }}
        >
          <label>
            {t('admin.newDesk')}
            <input value={newDesk} maxLength={200} onChange={(e) => setNewDesk(e.target.value)} />
          </label>
          {/* Disabled until the desk list has loaded: the new key is sealed to the members it lists. */}
          <button type="submit" disabled={data === undefined}>
            {t('admin.createDesk')}
          </button>
        </form>
      </div>
      <KeyVersions session={session} refresh={keysShown} />
      <div className="card">
        <h2>{t('admin.labels')}</h2>
        <p className="muted">{t('admin.labelsWhy')}</p>
        {(data?.labels.length ?? 0) > 0 && (
          <p>
            {data?.labels.map((l) => (
              <span key={l.id} className="badge label">
                {l.name}
              </span>
            ))}
          </p>
        )}
        <form className="inline-form" onSubmit={createLabel}>
          <label>
            {t('admin.newLabel')}
            <input value={newLabel} maxLength={60} onChange={(e) => setNewLabel(e.target.value)} />
          </label>
          <button type="submit">{t('admin.createLabel')}</button>
        </form>
      </div>
      <form className="card" onSubmit={invite}>
        <h2>{t('admin.invite')}</h2>
        <Select
          label={t('admin.role')}
          value={role}
          onChange={(v) => setRole(v as Role)}
          options={(['caseworker', 'analyst', 'admin'] as const).map(
            (r) => [r, t(`role.${r}`)] as [string, string],
          )}
        />
        <fieldset>
          <legend>{t('admin.inviteDesks')}</legend>
          {data?.desks.map((d) => (
            <label key={d.deskId} className="check">
              <input
                type="checkbox"
                checked={deskIds.includes(d.deskId)}
                onChange={(e) =>
                  setDeskIds((ids) =>
                    e.target.checked ? [...ids, d.deskId] : ids.filter((x) => x !== d.deskId),
                  )
                }
              />
              {d.name}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary">
          {t('admin.createInvite')}
        </button>
        {link && (
          <div>
            <p>{t('admin.inviteLink')}</p>
            <p className="code-block" data-testid="invite-link">
              {link}
            </p>
          </div>
        )}
      </form>
      <div className="card">
        <h2>{t('admin.users')}</h2>
        <ul className="plain users">
          {data?.users.map((u) => (
            <li key={u.id} data-testid={`user-${u.username}`}>
              <div>
                <strong>{u.username}</strong> · {t(`role.${u.role}`)} ·{' '}
                {u.verified ? (
                  <span className="badge">{t('admin.verifiedBadge')}</span>
                ) : (
                  <span className="badge urgent">{t('admin.pending')}</span>
                )}
              </div>
              <div className="muted">
                {(u.verified ? u.desks : u.pendingDesks).map(deskName).join(', ') || t('admin.noDesks')}
              </div>
              {u.verified && u.id !== ring.userId && u.desks.length > 0 && (
                <div className="actions">
                  {u.desks.map((deskId) => (
                    <button key={deskId} type="button" onClick={() => removeFromDesk(u, deskId)}>
                      {t('admin.removeFrom', { desk: deskName(deskId) })}
                    </button>
                  ))}
                </div>
              )}
              {!u.verified && (
                <div className="vet">
                  <p>{t('admin.compare')}</p>
                  <p className="safety-number" data-testid="their-safety-number">
                    {safetyNumber(backend, fromBase64(u.identityKey, 32), fromBase64(u.signingKey, 32))}
                  </p>
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={compared[u.id] === true}
                      onChange={(e) => setCompared((c) => ({ ...c, [u.id]: e.target.checked }))}
                    />
                    {t('admin.compared')}
                  </label>
                  <button
                    type="button"
                    className="primary"
                    disabled={compared[u.id] !== true}
                    onClick={() => verify(u)}
                  >
                    {t('admin.verifyGrant')}
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      </div>
      <Retention session={session} />
      <ContextAdmin session={session} />
    </section>
  )
}
