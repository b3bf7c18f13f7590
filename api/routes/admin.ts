/**
 * @module api/routes/admin
 * Administration (DESIGN §5, §7 "admin"; issue 5): re-signing the key directory, invitations,
 * accepting an invitation, the users list, and vetting (certifying a user's keys and granting
 * desk keys after the safety numbers were compared out of band).
 *
 * The server cannot sign anything that matters: directories and user-key statements are signed
 * by the organisation key in an admin's browser, grants by the granting admin. The server checks
 * that what it stores fits (signed by the organisation key it knows, naming the user being
 * certified with the keys that user registered, grants hashing their envelopes) so that a
 * careless or buggy client cannot store nonsense, but every reader verifies again.
 *
 * Keys (SPEC.md §18): `GET /keys` (holders per desk key version, how long a directory listing an
 * old version as current stays valid, retire jobs), the "retire old key" job (start, batches of
 * re-wrapped envelopes swapped in one transaction each with one audit entry, finish) and revoking
 * a retired version's grants.
 *
 * Retention (DESIGN §6, api/storage/retention.ts): each desk's period for closed cases, the
 * counts shown before purging, and "purge now" (the admin's signed entry plus a server entry per
 * erased case, in one transaction).
 *
 * Invite tokens: 32 random bytes in the link's fragment (`/console#invite=<token>&org=<fp>`),
 * stored as `H("tnr/v1/invite-token", token)`, single use, expiring after 72 hours.
 */
import { and, asc, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm'
import { Hono } from 'hono'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { envelopeHash } from '../../crypto/envelope.ts'
import { H } from '../../crypto/hash.ts'
import { authKeyHash, decodeKdfParams } from '../../crypto/kdf.ts'
import { verifyStatement } from '../../crypto/statements.ts'
import {
  auditOnlyRequest,
  retireUploadRequest,
  revokeVersionRequest,
  startRetireRequest,
} from '../contract/keys.ts'
import { purgeNowRequest, retentionPeriodRequest } from '../contract/retention.ts'
import {
  acceptInviteRequest,
  certifyRequest,
  createLabelRequest,
  deskKeyRequest,
  directoryRequest,
  inviteInfoRequest,
  inviteRequest,
  removeMemberRequest,
  uuid,
} from '../contract/staff.ts'
import {
  deskKeys,
  deskMembers,
  desks,
  directories,
  inviteDesks,
  invites,
  keyGrants,
  labels,
  org,
  recoveryKits,
  retireJobs,
  users,
} from '../db/schema.ts'
import { AppError, validate } from '../errors.ts'
import {
  originCheck,
  requireSecureTransport,
  requireStaff,
  type StaffContext,
  type StaffEnv,
  startSession,
} from '../session.ts'
import { appendEntryOf } from '../storage/audit.ts'
import { purgeDeskNow, retentionOverview, setDeskRetention, utcDay } from '../storage/retention.ts'
import {
  applyRetireBatch,
  findRetireJob,
  nextRetireBatch,
  remainingItems,
  retireKeyIds,
} from '../storage/retire.ts'
import { encryptTotpSecret, findUser, findUserByName, mePayload, totpStep } from '../storage/staff.ts'

export const INVITE_LIFETIME_MS = 72 * 60 * 60 * 1000
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

function hashInviteToken(backend: CryptoBackend, token: string): Uint8Array {
  if (!TOKEN_PATTERN.test(token)) throw new AppError('unauthorized', 'The invitation link is not valid.')
  return H(backend, 'tnr/v1/invite-token', [new Uint8Array(Buffer.from(token, 'base64url'))])
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** A uuid path parameter; anything else answers like an unknown id. */
function uuidParam(value: string): string {
  if (!UUID_PATTERN.test(value)) throw new AppError('not_found')
  return value
}

async function organisation(ctx: StaffContext) {
  const [row] = await ctx.db.select().from(org).limit(1)
  if (row === undefined) throw new AppError('not_set_up')
  return row
}

async function usableInvite(ctx: StaffContext, backend: CryptoBackend, token: string) {
  const [row] = await ctx.db
    .select()
    .from(invites)
    .where(
      and(
        eq(invites.tokenHash, hashInviteToken(backend, token)),
        isNull(invites.usedAt),
        gt(invites.expiresAt, ctx.clock.now()),
      ),
    )
    .limit(1)
  if (row === undefined)
    throw new AppError('unauthorized', 'The invitation link is not valid (used or expired).')
  return row
}

/** What an audited admin action starts from: the backend, the time and the acting user's row. */
async function acting(ctx: StaffContext, userId: string) {
  const actor = await findUser(ctx.db, userId)
  if (actor === undefined) throw new AppError('unauthorized')
  return { backend: await ctx.backend(), now: ctx.clock.now(), actor }
}

export function adminRoutes(ctx: StaffContext) {
  const admin = requireStaff(ctx, ['admin'])
  return (
    new Hono<StaffEnv>()
      .use(originCheck(ctx.config))
      // ---- invitations (no session: the token is the credential) ----
      .post('/invites/info', validate('json', inviteInfoRequest), async (c) => {
        const backend = await ctx.backend()
        const invite = await usableInvite(ctx, backend, c.req.valid('json').token)
        const organisationRow = await organisation(ctx)
        return c.json(
          {
            role: invite.role,
            orgName: organisationRow.name,
            orgSigningKey: toBase64(organisationRow.signingPublicKey),
            orgId: organisationRow.id,
            expiresAt: invite.expiresAt.toISOString(),
          },
          200,
        )
      })
      .post('/invites/accept', validate('json', acceptInviteRequest), async (c) => {
        requireSecureTransport(ctx.config, c)
        const body = c.req.valid('json')
        const backend = await ctx.backend()
        const now = ctx.clock.now()
        decodeKdfParams(body.user.kdf)
        const step = totpStep(body.totp.secret, body.totp.code, now)
        if (step === undefined)
          throw new AppError('unprocessable', 'totp: the code does not match the secret')
        if (await findUserByName(ctx.db, body.user.username))
          throw new AppError('conflict', 'username: taken')
        const tokenHash = hashInviteToken(backend, body.token)
        const { user } = body
        await ctx.db.transaction(async (tx) => {
          const used = await tx
            .update(invites)
            .set({ usedAt: now })
            .where(and(eq(invites.tokenHash, tokenHash), isNull(invites.usedAt), gt(invites.expiresAt, now)))
            .returning({ id: invites.id, role: invites.role })
          const invite = used[0]
          if (invite === undefined) throw new AppError('unauthorized', 'The invitation link is not valid.')
          await tx.insert(users).values({
            id: user.userId,
            role: invite.role,
            username: user.username,
            kdfSalt: fromBase64(user.kdf.salt, 16),
            kdfParams: { version: 1, opsLimit: user.kdf.opsLimit, memLimitBytes: user.kdf.memLimitBytes },
            authHash: authKeyHash(backend, fromBase64(user.authKey, 32)),
            identityPublicKey: fromBase64(user.identityKey, 32),
            signingPublicKey: fromBase64(user.signingKey, 32),
            wrappedIdentityKey: fromBase64(user.wrappedIdentityKey, 72),
            wrappedSigningKey: fromBase64(user.wrappedSigningKey, 72),
            totpSecretEncrypted: encryptTotpSecret(backend, ctx.secrets, user.userId, body.totp.secret),
            totpLastUsedStep: step,
          })
          await tx.update(invites).set({ usedBy: user.userId }).where(eq(invites.id, invite.id))
        })
        const session = await startSession(ctx, c, user.userId)
        const created = await findUser(ctx.db, user.userId)
        if (created === undefined) throw new Error('user vanished after accepting')
        return c.json(await mePayload(ctx.db, created, session), 201)
      })
      // ---- admin only ----
      .post('/invites', admin, validate('json', inviteRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const backend = await ctx.backend()
        const now = ctx.clock.now()
        const known =
          body.deskIds.length === 0
            ? []
            : await ctx.db.select({ id: desks.id }).from(desks).where(inArray(desks.id, body.deskIds))
        if (known.length !== new Set(body.deskIds).size)
          throw new AppError('unprocessable', 'deskIds: unknown desk')
        const actor = await findUser(ctx.db, staff.userId)
        if (actor === undefined) throw new AppError('unauthorized')
        const bytes = backend.randomBytes(32)
        const token = Buffer.from(bytes).toString('base64url')
        const expiresAt = new Date(now.getTime() + INVITE_LIFETIME_MS)
        await ctx.db.transaction(async (tx) => {
          await tx.insert(invites).values({
            id: body.inviteId,
            tokenHash: H(backend, 'tnr/v1/invite-token', [bytes]),
            role: body.role,
            createdBy: staff.userId,
            expiresAt,
            createdAt: now,
          })
          for (const deskId of new Set(body.deskIds))
            await tx.insert(inviteDesks).values({ inviteId: body.inviteId, deskId })
          await appendEntryOf(tx, backend, actor, {
            action: 'invite.create',
            target: body.inviteId,
            wire: body.audit,
            now,
          })
        })
        return c.json({ token, expiresAt: expiresAt.toISOString() }, 201)
      })
      .get('/users', admin, async (c) => {
        const rows = await ctx.db.select().from(users).orderBy(asc(users.username))
        const members = await ctx.db.select().from(deskMembers)
        const inviteRows = await ctx.db.select().from(invites).orderBy(desc(invites.createdAt))
        const inviteDeskRows = await ctx.db.select().from(inviteDesks)
        const deskRows = await ctx.db
          .select()
          .from(desks)
          .where(eq(desks.archived, false))
          .orderBy(asc(desks.name))
        const versions = await ctx.db
          .select({ deskId: deskKeys.deskId, version: sql<number>`max(${deskKeys.version})::int` })
          .from(deskKeys)
          .groupBy(deskKeys.deskId)
        // Holders of each desk's current key: that is the key new reports and items need.
        const holders = await ctx.db
          .select({
            deskId: keyGrants.deskId,
            version: keyGrants.version,
            n: sql<number>`count(distinct ${keyGrants.granteeId})::int`,
          })
          .from(keyGrants)
          .where(eq(keyGrants.target, 'desk'))
          .groupBy(keyGrants.deskId, keyGrants.version)
        const currentVersion = (deskId: string) =>
          Number(versions.find((v) => v.deskId === deskId)?.version ?? 0)
        const [kit] = await ctx.db.select().from(recoveryKits).orderBy(asc(recoveryKits.createdAt)).limit(1)
        const desksOfInvite = (id: string) =>
          inviteDeskRows.filter((r) => r.inviteId === id).map((r) => r.deskId)
        return c.json(
          {
            users: rows.map((u) => {
              const invite = inviteRows.find((i) => i.usedBy === u.id)
              return {
                id: u.id,
                username: u.username,
                role: u.role,
                identityKey: toBase64(u.identityPublicKey),
                signingKey: toBase64(u.signingPublicKey),
                verified: u.userKeyStatement !== null,
                disabled: u.disabled,
                desks: members.filter((m) => m.userId === u.id).map((m) => m.deskId),
                pendingDesks: invite === undefined ? [] : desksOfInvite(invite.id),
              }
            }),
            invites: inviteRows.map((i) => ({
              id: i.id,
              role: i.role,
              expiresAt: i.expiresAt.toISOString(),
              used: i.usedAt !== null,
              desks: desksOfInvite(i.id),
            })),
            desks: deskRows.map((d) => ({
              deskId: d.id,
              name: d.name,
              holders: Number(
                holders.find((h) => h.deskId === d.id && h.version === currentVersion(d.id))?.n ?? 0,
              ),
              version: currentVersion(d.id),
            })),
            labels: await ctx.db
              .select({ id: labels.id, name: labels.name })
              .from(labels)
              .orderBy(asc(labels.name)),
            recoveryPublicKey: kit === undefined ? null : toBase64(kit.recoveryPublicKey),
          },
          200,
        )
      })
      .post('/users/:id/certify', admin, validate('json', certifyRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const backend = await ctx.backend()
        const now = ctx.clock.now()
        const organisationRow = await organisation(ctx)
        const target = await findUser(ctx.db, c.req.param('id'))
        if (target === undefined) throw new AppError('not_found')
        const actor = await findUser(ctx.db, staff.userId)
        if (actor === undefined) throw new AppError('unauthorized')
        const statement = verifyStatement(backend, body.userKey, organisationRow.signingPublicKey, 'user-key')
        if (
          statement.orgId !== organisationRow.id ||
          statement.userId !== target.id ||
          statement.username !== target.username ||
          statement.role !== target.role ||
          statement.identityKey !== toBase64(target.identityPublicKey) ||
          statement.signingKey !== toBase64(target.signingPublicKey)
        )
          throw new AppError('unprocessable', 'userKey: does not certify this user')
        const grants = body.grants.map((upload) => {
          const envelope = fromBase64(upload.envelope)
          const grant = verifyStatement(backend, upload.grant, actor.signingPublicKey, 'grant')
          if (
            grant.orgId !== organisationRow.id ||
            grant.granter !== actor.id ||
            grant.grantee !== target.id ||
            grant.granteeIdentityKey !== toBase64(target.identityPublicKey) ||
            grant.envelopeHash !== envelopeHash(backend, envelope)
          )
            throw new AppError('unprocessable', 'grants: a grant does not fit this user')
          return { grant, envelope, upload }
        })
        const deskTargets = grants.filter((g) => g.grant.target !== 'org' && g.grant.target !== 'stats')
        if (deskTargets.length > 0) {
          const existing = await ctx.db
            .select({ deskId: deskKeys.deskId, version: deskKeys.version })
            .from(deskKeys)
            .where(
              inArray(
                deskKeys.deskId,
                deskTargets.map((g) => g.grant.target),
              ),
            )
          for (const g of deskTargets)
            if (!existing.some((k) => k.deskId === g.grant.target && k.version === g.grant.version))
              throw new AppError('unprocessable', 'grants: unknown desk key')
        }
        await ctx.db.transaction(async (tx) => {
          await tx
            .update(users)
            .set({
              userKeyStatement: body.userKey.statement,
              userKeySignature: fromBase64(body.userKey.signature),
            })
            .where(eq(users.id, target.id))
          for (const g of grants) {
            const isDesk = g.grant.target !== 'org' && g.grant.target !== 'stats'
            await tx.insert(keyGrants).values({
              granteeId: target.id,
              granterId: actor.id,
              target: isDesk ? 'desk' : (g.grant.target as 'org' | 'stats'),
              deskId: isDesk ? g.grant.target : null,
              version: g.grant.version,
              envelope: g.envelope,
              statement: g.upload.grant.statement,
              signature: fromBase64(g.upload.grant.signature),
            })
            if (isDesk)
              await tx
                .insert(deskMembers)
                .values({ deskId: g.grant.target, userId: target.id })
                .onConflictDoNothing()
          }
          await appendEntryOf(tx, backend, actor, {
            action: 'user.certify',
            target: target.id,
            wire: body.audit,
            now,
          })
        })
        return c.json({ ok: true as const }, 200)
      })
      .post('/desks', admin, validate('json', deskKeyRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const { backend, now, actor } = await acting(ctx, staff.userId)
        const organisationRow = await organisation(ctx)
        const statement = verifyStatement(
          backend,
          body.directory,
          organisationRow.signingPublicKey,
          'directory',
        )
        const [latest] = await ctx.db.select().from(directories).orderBy(desc(directories.seq)).limit(1)
        if (statement.orgId !== organisationRow.id || statement.seq <= (latest?.seq ?? 0))
          throw new AppError('unprocessable', 'directory: wrong organisation or sequence')
        const keys = await ctx.db.select().from(deskKeys)
        const current = keys
          .filter((k) => k.deskId === body.deskId)
          .reduce((v, k) => Math.max(v, k.version), 0)
        if (body.version !== current + 1)
          throw new AppError('conflict', 'version: not the next version of this desk')
        for (const entry of statement.desks) {
          const isNew = entry.deskId === body.deskId && entry.version === body.version
          if (
            isNew
              ? entry.publicKey !== body.publicKey || entry.name !== body.name
              : !keys.some(
                  (k) =>
                    k.deskId === entry.deskId &&
                    k.version === entry.version &&
                    toBase64(k.publicKey) === entry.publicKey,
                )
          )
            throw new AppError('unprocessable', 'directory: lists a desk key the server does not hold')
        }
        if (!statement.desks.some((e) => e.deskId === body.deskId && e.version === body.version))
          throw new AppError('unprocessable', 'directory: does not list the new key')
        const grantees = await ctx.db
          .select()
          .from(users)
          .where(
            inArray(
              users.id,
              body.grants.map((g) => (JSON.parse(g.grant.statement) as { grantee?: string }).grantee ?? ''),
            ),
          )
        const grants = body.grants.map((upload) => {
          const envelope = fromBase64(upload.envelope)
          const grant = verifyStatement(backend, upload.grant, actor.signingPublicKey, 'grant')
          const grantee = grantees.find((u) => u.id === grant.grantee)
          if (
            grantee === undefined ||
            grantee.userKeyStatement === null ||
            grant.orgId !== organisationRow.id ||
            grant.granter !== actor.id ||
            grant.target !== body.deskId ||
            grant.version !== body.version ||
            grant.granteeIdentityKey !== toBase64(grantee.identityPublicKey) ||
            grant.envelopeHash !== envelopeHash(backend, envelope)
          )
            throw new AppError('unprocessable', 'grants: a grant does not fit this desk key')
          return { grant, envelope, upload }
        })
        if (!grants.some((g) => g.grant.grantee === actor.id))
          throw new AppError('unprocessable', 'grants: the admin must hold the new key too')
        const [kit] = await ctx.db.select().from(recoveryKits).orderBy(asc(recoveryKits.createdAt)).limit(1)
        if (kit === undefined) throw new AppError('not_set_up')
        await ctx.db.transaction(async (tx) => {
          if (current === 0) await tx.insert(desks).values({ id: body.deskId, name: body.name })
          await tx
            .insert(deskKeys)
            .values({ deskId: body.deskId, version: body.version, publicKey: fromBase64(body.publicKey, 32) })
          await tx.insert(directories).values({
            seq: statement.seq,
            statement: body.directory.statement,
            signature: fromBase64(body.directory.signature),
            issuedAt: new Date(statement.issuedAt),
            expiresAt: new Date(statement.expiresAt),
          })
          for (const g of grants) {
            await tx.insert(keyGrants).values({
              granteeId: g.grant.grantee,
              granterId: actor.id,
              target: 'desk',
              deskId: body.deskId,
              version: body.version,
              envelope: g.envelope,
              statement: g.upload.grant.statement,
              signature: fromBase64(g.upload.grant.signature),
            })
            await tx
              .insert(deskMembers)
              .values({ deskId: body.deskId, userId: g.grant.grantee })
              .onConflictDoNothing()
          }
          await tx.insert(recoveryKits).values({
            createdBy: actor.id,
            recoveryPublicKey: kit.recoveryPublicKey,
            envelope: fromBase64(body.recoveryKit),
          })
          await appendEntryOf(tx, backend, actor, {
            action: current === 0 ? 'desk.create' : 'desk.rotate',
            target: body.deskId,
            wire: body.audit,
            now,
          })
        })
        return c.json({ ok: true as const }, 201)
      })
      .post('/users/:id/remove-desk', admin, validate('json', removeMemberRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const backend = await ctx.backend()
        const target = await findUser(ctx.db, c.req.param('id'))
        const actor = await findUser(ctx.db, staff.userId)
        if (target === undefined || actor === undefined) throw new AppError('not_found')
        await ctx.db.transaction(async (tx) => {
          // The server stops serving the desk's cases and grants at once; what the person already
          // decrypted or kept cannot be taken back, and new reports stay readable to them until
          // the desk key is rotated and older directories expire (the console says so).
          await tx
            .delete(deskMembers)
            .where(and(eq(deskMembers.deskId, body.deskId), eq(deskMembers.userId, target.id)))
          await tx
            .delete(keyGrants)
            .where(
              and(
                eq(keyGrants.granteeId, target.id),
                eq(keyGrants.target, 'desk'),
                eq(keyGrants.deskId, body.deskId),
              ),
            )
          await appendEntryOf(tx, backend, actor, {
            action: 'desk.remove-member',
            target: target.id,
            wire: body.audit,
            now: ctx.clock.now(),
          })
        })
        return c.json({ ok: true as const }, 200)
      })
      .post('/labels', admin, validate('json', createLabelRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const backend = await ctx.backend()
        const actor = await findUser(ctx.db, staff.userId)
        if (actor === undefined) throw new AppError('unauthorized')
        const [existing] = await ctx.db.select().from(labels).where(eq(labels.name, body.name)).limit(1)
        if (existing !== undefined) throw new AppError('conflict', 'name: a label with this name exists')
        await ctx.db.transaction(async (tx) => {
          await tx.insert(labels).values({ id: body.labelId, name: body.name })
          await appendEntryOf(tx, backend, actor, {
            action: 'label.create',
            target: body.labelId,
            wire: body.audit,
            now: ctx.clock.now(),
          })
        })
        return c.json({ ok: true as const }, 201)
      })
      .post('/directory', admin, validate('json', directoryRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const backend = await ctx.backend()
        const now = ctx.clock.now()
        const organisationRow = await organisation(ctx)
        const statement = verifyStatement(
          backend,
          body.directory,
          organisationRow.signingPublicKey,
          'directory',
        )
        const [latest] = await ctx.db.select().from(directories).orderBy(desc(directories.seq)).limit(1)
        if (statement.orgId !== organisationRow.id || statement.seq <= (latest?.seq ?? 0))
          throw new AppError('unprocessable', 'directory: wrong organisation or sequence')
        const keys = await ctx.db.select().from(deskKeys)
        for (const entry of statement.desks) {
          if (
            !keys.some(
              (k) =>
                k.deskId === entry.deskId &&
                k.version === entry.version &&
                toBase64(k.publicKey) === entry.publicKey,
            )
          )
            throw new AppError('unprocessable', 'directory: lists a desk key the server does not hold')
        }
        const actor = await findUser(ctx.db, staff.userId)
        if (actor === undefined) throw new AppError('unauthorized')
        await ctx.db.transaction(async (tx) => {
          await tx.insert(directories).values({
            seq: statement.seq,
            statement: body.directory.statement,
            signature: fromBase64(body.directory.signature),
            issuedAt: new Date(statement.issuedAt),
            expiresAt: new Date(statement.expiresAt),
          })
          await appendEntryOf(tx, backend, actor, {
            action: 'directory.sign',
            target: organisationRow.id,
            wire: body.audit,
            now,
          })
        })
        return c.json({ ok: true as const }, 201)
      })
      // ---- keys: overview, "retire old key" jobs, revoking a retired version (SPEC.md §18) ----
      .get('/keys', admin, async (c) => {
        const backend = await ctx.backend()
        const now = ctx.clock.now()
        const deskRows = await ctx.db
          .select()
          .from(desks)
          .where(eq(desks.archived, false))
          .orderBy(asc(desks.name))
        const keyRows = await ctx.db.select().from(deskKeys).orderBy(asc(deskKeys.version))
        const holders = await ctx.db
          .select({
            deskId: keyGrants.deskId,
            version: keyGrants.version,
            n: sql<number>`count(distinct ${keyGrants.granteeId})::int`,
          })
          .from(keyGrants)
          .where(eq(keyGrants.target, 'desk'))
          .groupBy(keyGrants.deskId, keyGrants.version)
        const liveDirectories = await ctx.db
          .select()
          .from(directories)
          .where(gt(directories.expiresAt, now))
          .orderBy(asc(directories.seq))
        // The server verified each directory when it was stored; here it only reads the desks.
        const listed = liveDirectories.map((d) => ({
          expiresAt: d.expiresAt,
          desks: (JSON.parse(d.statement) as { desks: { deskId: string; version: number }[] }).desks,
        }))
        const [newest] = await ctx.db.select().from(directories).orderBy(desc(directories.seq)).limit(1)
        const jobRows = await ctx.db.select().from(retireJobs).orderBy(asc(retireJobs.startedAt))
        const jobs = []
        for (const job of jobRows) {
          const ids = await retireKeyIds(ctx.db, backend, job)
          jobs.push({
            id: job.id,
            deskId: job.deskId,
            fromVersion: job.fromVersion,
            toVersion: job.toVersion,
            rewrapped: job.rewrapped,
            remaining: await remainingItems(ctx.db, job, ids),
            startedAt: job.startedAt.toISOString(),
            finishedAt: job.finishedAt?.toISOString() ?? null,
          })
        }
        return c.json(
          {
            desks: deskRows.map((d) => {
              const current = keyRows
                .filter((k) => k.deskId === d.id)
                .reduce((v, k) => Math.max(v, k.version), 0)
              const exposed = listed
                .filter((dir) => {
                  const versions = dir.desks.filter((e) => e.deskId === d.id).map((e) => e.version)
                  return versions.length > 0 && Math.max(...versions) < current
                })
                .reduce<Date | null>(
                  (latest, dir) => (latest === null || dir.expiresAt > latest ? dir.expiresAt : latest),
                  null,
                )
              return {
                deskId: d.id,
                name: d.name,
                versions: keyRows
                  .filter((k) => k.deskId === d.id)
                  .map((k) => ({
                    version: k.version,
                    holders: Number(
                      holders.find((h) => h.deskId === d.id && h.version === k.version)?.n ?? 0,
                    ),
                  })),
                oldKeyListedUntil: exposed?.toISOString() ?? null,
              }
            }),
            directoryExpiresAt: newest?.expiresAt.toISOString() ?? null,
            jobs,
          },
          200,
        )
      })
      .post('/retire-jobs', admin, validate('json', startRetireRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const { backend, now, actor } = await acting(ctx, staff.userId)
        if (body.toVersion <= body.fromVersion)
          throw new AppError('unprocessable', 'toVersion: must be newer than fromVersion')
        await retireKeyIds(ctx.db, backend, body)
        // The browser that runs the job needs both versions; a missing grant is a mistake, not a
        // security check (the server holds no key either way).
        const own = await ctx.db
          .select({ version: keyGrants.version })
          .from(keyGrants)
          .where(
            and(
              eq(keyGrants.granteeId, actor.id),
              eq(keyGrants.target, 'desk'),
              eq(keyGrants.deskId, body.deskId),
            ),
          )
        if (
          !own.some((g) => g.version === body.fromVersion) ||
          !own.some((g) => g.version === body.toVersion)
        )
          throw new AppError('unprocessable', 'grants: you do not hold both key versions')
        const [existing] = await ctx.db
          .select({ id: retireJobs.id })
          .from(retireJobs)
          .where(and(eq(retireJobs.deskId, body.deskId), eq(retireJobs.fromVersion, body.fromVersion)))
        if (existing !== undefined)
          throw new AppError('conflict', 'a job for this key version exists; resume it')
        await ctx.db.transaction(async (tx) => {
          await tx.insert(retireJobs).values({
            id: body.jobId,
            deskId: body.deskId,
            fromVersion: body.fromVersion,
            toVersion: body.toVersion,
            startedBy: actor.id,
            startedAt: now,
          })
          await appendEntryOf(tx, backend, actor, {
            action: 'key.retire-start',
            target: body.jobId,
            wire: body.audit,
            now,
          })
        })
        return c.json({ ok: true as const }, 201)
      })
      .get('/retire-jobs/:id/batch', admin, async (c) => {
        const backend = await ctx.backend()
        const job = await findRetireJob(ctx.db, uuidParam(c.req.param('id')))
        if (job.finishedAt !== null) throw new AppError('conflict', 'the job is finished')
        const ids = await retireKeyIds(ctx.db, backend, job)
        const items = await nextRetireBatch(ctx.db, job, ids)
        c.header('Cache-Control', 'no-store')
        return c.json({ items, remaining: await remainingItems(ctx.db, job, ids) }, 200)
      })
      .post('/retire-jobs/:id/batch', admin, validate('json', retireUploadRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const { backend, now, actor } = await acting(ctx, staff.userId)
        const job = await findRetireJob(ctx.db, uuidParam(c.req.param('id')))
        if (job.finishedAt !== null) throw new AppError('conflict', 'the job is finished')
        const ids = await retireKeyIds(ctx.db, backend, job)
        const items = body.items.map((i) => ({ itemId: i.itemId, envelope: fromBase64(i.envelope) }))
        const rewrapped = await ctx.db.transaction(async (tx) => {
          const n = await applyRetireBatch(tx, job, ids, items)
          await appendEntryOf(tx, backend, actor, {
            action: 'key.retire-batch',
            target: job.id,
            wire: body.audit,
            now,
          })
          return n
        })
        return c.json({ rewrapped, remaining: await remainingItems(ctx.db, job, ids) }, 200)
      })
      .post('/retire-jobs/:id/finish', admin, validate('json', auditOnlyRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const { backend, now, actor } = await acting(ctx, staff.userId)
        const job = await findRetireJob(ctx.db, uuidParam(c.req.param('id')))
        if (job.finishedAt !== null) throw new AppError('conflict', 'the job is finished')
        const ids = await retireKeyIds(ctx.db, backend, job)
        await ctx.db.transaction(async (tx) => {
          if ((await remainingItems(tx, job, ids)) > 0)
            throw new AppError('conflict', 'items still use the old key; run the job on')
          await tx.update(retireJobs).set({ finishedAt: now }).where(eq(retireJobs.id, job.id))
          await appendEntryOf(tx, backend, actor, {
            action: 'key.retire-finish',
            target: job.id,
            wire: body.audit,
            now,
          })
        })
        return c.json({ ok: true as const }, 200)
      })
      .post('/desks/:id/revoke-version', admin, validate('json', revokeVersionRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const { backend, now, actor } = await acting(ctx, staff.userId)
        const deskId = uuidParam(c.req.param('id'))
        const [job] = await ctx.db
          .select()
          .from(retireJobs)
          .where(and(eq(retireJobs.deskId, deskId), eq(retireJobs.fromVersion, body.version)))
        if (job === undefined || job.finishedAt === null)
          throw new AppError('conflict', 'version: retire it first (the job must have finished)')
        const ids = await retireKeyIds(ctx.db, backend, job)
        await ctx.db.transaction(async (tx) => {
          // Checked again here: an item may have arrived under the old key after the job finished.
          if ((await remainingItems(tx, job, ids)) > 0)
            throw new AppError('conflict', 'items still use the old key; run the job again')
          await tx
            .delete(keyGrants)
            .where(
              and(
                eq(keyGrants.target, 'desk'),
                eq(keyGrants.deskId, deskId),
                eq(keyGrants.version, body.version),
              ),
            )
          await appendEntryOf(tx, backend, actor, {
            action: 'key.revoke-version',
            target: deskId,
            wire: body.audit,
            now,
          })
        })
        return c.json({ ok: true as const }, 200)
      })
      // ---- retention (DESIGN §6, issue 5; api/storage/retention.ts) ----
      .get('/retention', admin, async (c) => {
        const now = ctx.clock.now()
        const digest = ctx.config.digest
        return c.json(
          {
            today: utcDay(now),
            desks: await retentionOverview(ctx.db, now),
            digest: { enabled: digest !== undefined, hourUtc: digest?.hourUtc ?? null },
          },
          200,
        )
      })
      .post('/retention/:deskId', admin, validate('json', retentionPeriodRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const deskId = c.req.param('deskId')
        if (!uuid.safeParse(deskId).success) throw new AppError('not_found')
        const backend = await ctx.backend()
        const now = ctx.clock.now()
        const actor = await findUser(ctx.db, staff.userId)
        if (actor === undefined) throw new AppError('unauthorized')
        await ctx.db.transaction(async (tx) => {
          await setDeskRetention(tx, deskId, body.retentionDays, now)
          await appendEntryOf(tx, backend, actor, {
            action: 'desk.retention',
            target: deskId,
            wire: body.audit,
            now,
          })
        })
        return c.json({ ok: true as const }, 200)
      })
      .post('/retention/:deskId/purge', admin, validate('json', purgeNowRequest), async (c) => {
        const staff = c.get('staff')
        const body = c.req.valid('json')
        const deskId = c.req.param('deskId')
        if (!uuid.safeParse(deskId).success) throw new AppError('not_found')
        const backend = await ctx.backend()
        const actor = await findUser(ctx.db, staff.userId)
        if (actor === undefined) throw new AppError('unauthorized')
        const purged = await purgeDeskNow(
          { db: ctx.db, backend, receiptSeed: ctx.secrets.receiptSeed },
          { deskId, expected: body.expected, actor, wire: body.audit, now: ctx.clock.now() },
        )
        return c.json({ purged }, 200)
      })
  )
}
