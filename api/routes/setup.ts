/**
 * @module api/routes/setup
 * First-admin setup (DESIGN §3, §5; issue 5 "Setup and accounts"), opened from the printed
 * one-time link `/console#setup=<token>`.
 *
 * The browser creates every key; the server receives only public keys, signed statements, wrapped
 * private keys, grants and the recovery kit, checks that they fit together (each statement under
 * the organisation key it was sent with, the receipt-key statement naming *this* server's key, the
 * user-key statement naming the account being created, each grant hashing its envelope, the TOTP
 * code matching the secret), and stores it all in one transaction that also consumes the token,
 * so a half-set-up organisation cannot exist and the link works once.
 */
import { Hono } from 'hono'
import { fromBase64, toBase64 } from '../../crypto/bytes.ts'
import { envelopeHash } from '../../crypto/envelope.ts'
import { fingerprint } from '../../crypto/fingerprint.ts'
import { authKeyHash, decodeKdfParams } from '../../crypto/kdf.ts'
import { verifyDirectory, verifyStatement } from '../../crypto/statements.ts'
import { setupRequest } from '../contract/staff.ts'
import {
  deskKeys,
  deskMembers,
  desks,
  directories,
  keyGrants,
  org,
  recoveryKits,
  statsKeys,
  users,
} from '../db/schema.ts'
import { AppError, validate } from '../errors.ts'
import { originCheck, requireSecureTransport, type StaffContext, startSession } from '../session.ts'
import { consumeSetupToken, organisationExists } from '../setup-token.ts'
import { appendStaffEntry } from '../storage/audit.ts'
import { encryptTotpSecret, findUser, mePayload, totpStep } from '../storage/staff.ts'

export function setupRoutes(ctx: StaffContext) {
  return new Hono()
    .use(originCheck(ctx.config))
    .get('/info', async (c) => {
      c.header('Cache-Control', 'no-store')
      return c.json(
        { setUp: await organisationExists(ctx.db), receiptPublicKey: toBase64(ctx.secrets.receiptPublicKey) },
        200,
      )
    })
    .post('/', validate('json', setupRequest), async (c) => {
      requireSecureTransport(ctx.config, c)
      const body = c.req.valid('json')
      const backend = await ctx.backend()
      const now = ctx.clock.now()
      const orgKey = fromBase64(body.orgSigningKey, 32)
      const { user } = body
      // The floor and ceiling of DESIGN §5a hold on the server too (crypto/kdf.ts checkKdfParams).
      decodeKdfParams(user.kdf)

      // Everything the browser signed must verify under the organisation key it sent.
      const { directory } = verifyDirectory(backend, body.directory, orgKey, now, { orgId: body.orgId })
      const deskEntry = directory.desks.find((d) => d.deskId === body.desk.deskId)
      if (directory.desks.length !== 1 || deskEntry === undefined || deskEntry.version !== 1)
        throw new AppError('unprocessable', 'directory: must list exactly the first desk')
      if (deskEntry.publicKey !== body.desk.publicKey || deskEntry.name !== body.desk.name)
        throw new AppError('unprocessable', 'directory: desk does not match')
      const receipt = verifyStatement(backend, body.receiptKey, orgKey, 'receipt-key')
      if (receipt.orgId !== body.orgId || receipt.publicKey !== toBase64(ctx.secrets.receiptPublicKey))
        throw new AppError('unprocessable', "receiptKey: must certify this server's receipt key")
      const stats = verifyStatement(backend, body.statsKey, orgKey, 'stats-key')
      if (stats.orgId !== body.orgId || stats.version !== 1) throw new AppError('unprocessable', 'statsKey')
      const userKey = verifyStatement(backend, body.userKey, orgKey, 'user-key')
      if (
        userKey.orgId !== body.orgId ||
        userKey.userId !== user.userId ||
        userKey.username !== user.username ||
        userKey.role !== 'admin' ||
        userKey.identityKey !== user.identityKey ||
        userKey.signingKey !== user.signingKey ||
        !(Date.parse(userKey.notAfter) > now.getTime())
      )
        throw new AppError('unprocessable', 'userKey: does not certify this account')
      const signingKey = fromBase64(user.signingKey, 32)
      const grants = body.grants.map((upload) => {
        const envelope = fromBase64(upload.envelope)
        const grant = verifyStatement(backend, upload.grant, signingKey, 'grant')
        if (
          grant.orgId !== body.orgId ||
          grant.granter !== user.userId ||
          grant.grantee !== user.userId ||
          grant.granteeIdentityKey !== user.identityKey ||
          grant.envelopeHash !== envelopeHash(backend, envelope) ||
          !(grant.target === 'org' || grant.target === 'stats' || grant.target === body.desk.deskId)
        )
          throw new AppError('unprocessable', 'grants: a grant does not fit this setup')
        return {
          grant,
          envelope,
          signature: fromBase64(upload.grant.signature),
          statement: upload.grant.statement,
        }
      })
      const targets = new Set(grants.map((g) => g.grant.target))
      if (!targets.has('org') || !targets.has('stats') || !targets.has(body.desk.deskId))
        throw new AppError(
          'unprocessable',
          'grants: the organisation, statistics and desk keys are all granted',
        )
      if (totpStep(body.totp.secret, body.totp.code, now) === undefined)
        throw new AppError('unprocessable', 'totp: the code does not match the secret')
      const step = totpStep(body.totp.secret, body.totp.code, now) ?? 0

      await ctx.db.transaction(async (tx) => {
        if (await organisationExists(tx))
          throw new AppError('conflict', 'The organisation is already set up.')
        if (!(await consumeSetupToken(tx, backend, body.token, ctx.clock)))
          throw new AppError('unauthorized', 'The setup link is not valid (used, expired or replaced).')
        await tx.insert(org).values({
          id: body.orgId,
          name: body.orgName,
          signingPublicKey: orgKey,
          fingerprint: fingerprint(backend, orgKey),
          receiptKeyStatement: body.receiptKey.statement,
          receiptKeySignature: fromBase64(body.receiptKey.signature),
        })
        await tx.insert(desks).values({ id: body.desk.deskId, name: body.desk.name })
        await tx
          .insert(deskKeys)
          .values({ deskId: body.desk.deskId, version: 1, publicKey: fromBase64(body.desk.publicKey, 32) })
        await tx.insert(directories).values({
          seq: directory.seq,
          statement: body.directory.statement,
          signature: fromBase64(body.directory.signature),
          issuedAt: new Date(directory.issuedAt),
          expiresAt: new Date(directory.expiresAt),
        })
        await tx.insert(statsKeys).values({
          version: 1,
          publicKey: fromBase64(stats.publicKey, 32),
          statement: body.statsKey.statement,
          signature: fromBase64(body.statsKey.signature),
        })
        await tx.insert(users).values({
          id: user.userId,
          role: 'admin',
          username: user.username,
          kdfSalt: fromBase64(user.kdf.salt, 16),
          kdfParams: { version: 1, opsLimit: user.kdf.opsLimit, memLimitBytes: user.kdf.memLimitBytes },
          authHash: authKeyHash(backend, fromBase64(user.authKey, 32)),
          identityPublicKey: fromBase64(user.identityKey, 32),
          signingPublicKey: signingKey,
          wrappedIdentityKey: fromBase64(user.wrappedIdentityKey, 72),
          wrappedSigningKey: fromBase64(user.wrappedSigningKey, 72),
          userKeyStatement: body.userKey.statement,
          userKeySignature: fromBase64(body.userKey.signature),
          totpSecretEncrypted: encryptTotpSecret(backend, ctx.secrets, user.userId, body.totp.secret),
          // The enrolment code is spent: it cannot log in a second time.
          totpLastUsedStep: step,
        })
        await tx.insert(deskMembers).values({ deskId: body.desk.deskId, userId: user.userId })
        for (const g of grants) {
          const isDesk = g.grant.target !== 'org' && g.grant.target !== 'stats'
          await tx.insert(keyGrants).values({
            granteeId: user.userId,
            granterId: user.userId,
            target: isDesk ? 'desk' : (g.grant.target as 'org' | 'stats'),
            deskId: isDesk ? g.grant.target : null,
            version: g.grant.version,
            envelope: g.envelope,
            statement: g.statement,
            signature: g.signature,
          })
        }
        await tx.insert(recoveryKits).values({
          createdBy: user.userId,
          recoveryPublicKey: fromBase64(body.recoveryKit.publicKey, 32),
          envelope: fromBase64(body.recoveryKit.envelope),
        })
        await appendStaffEntry(tx, backend, {
          actor: user.userId,
          actorSigningKey: signingKey,
          action: 'org.setup',
          target: body.orgId,
          wire: body.audit,
          now,
        })
      })
      const session = await startSession(ctx, c, user.userId)
      const created = await findUser(ctx.db, user.userId)
      if (created === undefined) throw new Error('user vanished after setup')
      const me = await mePayload(ctx.db, created, session)
      return c.json(me, 201)
    })
}
