/**
 * @module api/db/schema
 * The database schema (DESIGN.md §6) as drizzle code; drizzle-kit generates `migrations/` from it.
 *
 * Rules this file keeps, and why:
 * - One organisation per deployment: the `org` table holds at most one row, so other tables do
 *   not carry an org id.
 * - Random UUIDs for every id (nothing sequential that leaks volumes or order), except the audit
 *   log, whose `seq` is the hash chain's position (DESIGN §5a).
 * - Rows about reporters (cases, case items, attachments, spent proofs of work) hold **dates
 *   only**, never a precise timestamp, IP address or user agent (DESIGN §4): a seized database
 *   must not let anyone correlate a report with network logs.
 * - Every foreign key states its `onDelete`. Erasing a case cascades to its items, labels and
 *   attachments in one statement; `audit_log.target` is a plain uuid with no foreign key, so an
 *   erasure never touches the audit log (which names no reporter).
 * - Binary values (keys, envelopes, hashes, signatures) are `bytea` and come back as plain
 *   `Uint8Array` whichever driver (PGlite or postgres.js) read them.
 * - Signed statements are stored as the exact UTF-8 JCS string that was signed (DESIGN §5a), so
 *   they can be served and verified byte for byte.
 */
import { sql } from 'drizzle-orm'
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'

/**
 * `bytea` as a plain `Uint8Array`. postgres.js returns Node `Buffer`s and PGlite `Uint8Array`s;
 * copying into a fresh `Uint8Array` makes both identical (a Buffer's `toString`, `equals` and
 * pooled backing store must not leak into code that expects plain bytes).
 */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => Uint8Array.from(value),
})

/** Timestamps of staff and server events (never of reporter actions, see the module comment). */
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })
/** UTC calendar dates as `YYYY-MM-DD` strings (DESIGN §5a). */
const day = (name: string) => date(name, { mode: 'string' })

export const roles = ['admin', 'caseworker', 'analyst'] as const
export type Role = (typeof roles)[number]
export const roleEnum = pgEnum('role', roles)

export const caseStatuses = ['new', 'triaged', 'in_progress', 'referred', 'closed'] as const
export type CaseStatus = (typeof caseStatuses)[number]
export const caseStatusEnum = pgEnum('case_status', caseStatuses)

export const casePriorities = ['low', 'normal', 'high', 'urgent'] as const
export type CasePriority = (typeof casePriorities)[number]
export const casePriorityEnum = pgEnum('case_priority', casePriorities)

/** Envelope kinds of DESIGN §5a (1 report … 7 attachment manifest); 6 (key grant) never sits in a case. */
export const caseItemKinds = {
  report: 1,
  reporterMessage: 2,
  reply: 3,
  note: 4,
  coding: 5,
  manifest: 7,
} as const

// ---------------------------------------------------------------------------------------------
// Organisation and keys

/** The organisation (one row). Its signing key signs directories, user keys, stats and receipt keys. */
export const org = pgTable('org', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** Ed25519 public key of the organisation. */
  signingPublicKey: bytea('signing_public_key').notNull(),
  /** `fingerprint(signingPublicKey)`, lowercase hex (DESIGN §5a). */
  fingerprint: text('fingerprint').notNull(),
  /** The org-signed `receipt-key` statement certifying the server's receipt key (DESIGN §5). */
  receiptKeyStatement: text('receipt_key_statement'),
  receiptKeySignature: bytea('receipt_key_signature'),
  createdAt: at('created_at').notNull().defaultNow(),
})
export type Org = typeof org.$inferSelect

/** Signed key directories; the reporter page encrypts only to the latest unexpired one. */
export const directories = pgTable(
  'directories',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    seq: integer('seq').notNull(),
    statement: text('statement').notNull(),
    signature: bytea('signature').notNull(),
    issuedAt: at('issued_at').notNull(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [unique('directories_seq_unique').on(t.seq)],
)
export type Directory = typeof directories.$inferSelect

/** A team that receives a class of reports. */
export const desks = pgTable('desks', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  archived: boolean('archived').notNull().default(false),
  /** Closed cases are erased this many days after closing; null keeps them until purged by hand. */
  retentionDays: integer('retention_days'),
  createdAt: at('created_at').notNull().defaultNow(),
})
export type Desk = typeof desks.$inferSelect

/** Versioned X25519 desk keys; the newest version listed in the directory receives new reports. */
export const deskKeys = pgTable(
  'desk_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deskId: uuid('desk_id')
      .notNull()
      .references(() => desks.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    publicKey: bytea('public_key').notNull(),
    /** Optional signed statement about this key (the directory that lists it is what reporters trust). */
    statement: text('statement'),
    signature: bytea('signature'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [unique('desk_keys_desk_version_unique').on(t.deskId, t.version)],
)
export type DeskKey = typeof deskKeys.$inferSelect

/** Versioned statistics keys (X25519) with their org-signed `stats-key` statements. */
export const statsKeys = pgTable(
  'stats_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    version: integer('version').notNull(),
    publicKey: bytea('public_key').notNull(),
    statement: text('statement').notNull(),
    signature: bytea('signature').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [unique('stats_keys_version_unique').on(t.version)],
)
export type StatsKey = typeof statsKeys.$inferSelect

/** Admin-defined labels; cases carry only these, never free text (DESIGN §4). */
export const labels = pgTable('labels', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique('labels_name_unique'),
  createdAt: at('created_at').notNull().defaultNow(),
})
export type LabelRow = typeof labels.$inferSelect

// ---------------------------------------------------------------------------------------------
// Staff

/** Argon2id parameters stored with each user (DESIGN §5 "Staff passphrase"); versioned. */
export type KdfParams = { version: 1; opsLimit: number; memLimitBytes: number }

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    role: roleEnum('role').notNull(),
    username: text('username').notNull().unique('users_username_unique'),
    kdfSalt: bytea('kdf_salt').notNull(),
    kdfParams: jsonb('kdf_params').$type<KdfParams>().notNull(),
    /** `H("tnr/v1/auth-hash", authKey)`; compared in constant time. */
    authHash: bytea('auth_hash').notNull(),
    identityPublicKey: bytea('identity_public_key').notNull(),
    signingPublicKey: bytea('signing_public_key').notNull(),
    /** Private keys wrapped under the passphrase-derived `wrapKey` (DESIGN §5a); served only after login. */
    wrappedIdentityKey: bytea('wrapped_identity_key').notNull(),
    wrappedSigningKey: bytea('wrapped_signing_key').notNull(),
    /** The org-signed `user-key` statement, set once an admin compared the safety number. */
    userKeyStatement: text('user_key_statement'),
    userKeySignature: bytea('user_key_signature'),
    /** TOTP secret encrypted under the `totp-key` subkey of the server secret (api/secrets.ts). */
    totpSecretEncrypted: bytea('totp_secret_encrypted').notNull(),
    /** The last accepted TOTP time step: a code for this step or an earlier one is a replay. */
    totpLastUsedStep: bigint('totp_last_used_step', { mode: 'number' }),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [check('users_username_not_empty', sql`length(${t.username}) > 0`)],
)
export type User = typeof users.$inferSelect

export const invites = pgTable('invites', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Hash of the invite token; the token itself lives only in the link's fragment. */
  tokenHash: bytea('token_hash').notNull().unique('invites_token_hash_unique'),
  role: roleEnum('role').notNull(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
  usedBy: uuid('used_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: at('created_at').notNull().defaultNow(),
})
export type Invite = typeof invites.$inferSelect

/** Desks an invited user will belong to. */
export const inviteDesks = pgTable(
  'invite_desks',
  {
    inviteId: uuid('invite_id')
      .notNull()
      .references(() => invites.id, { onDelete: 'cascade' }),
    deskId: uuid('desk_id')
      .notNull()
      .references(() => desks.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ name: 'invite_desks_pk', columns: [t.inviteId, t.deskId] })],
)

/** Desk membership (what the server enforces besides key possession, DESIGN §5 "Desk keys"). */
export const deskMembers = pgTable(
  'desk_members',
  {
    deskId: uuid('desk_id')
      .notNull()
      .references(() => desks.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'desk_members_pk', columns: [t.deskId, t.userId] })],
)

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Hash of the session cookie's token (≥ 128 bits); the token itself is never stored. */
    tokenHash: bytea('token_hash').notNull().unique('sessions_token_hash_unique'),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: at('created_at').notNull().defaultNow(),
    lastSeenAt: at('last_seen_at').notNull().defaultNow(),
    /** Absolute timeout; the idle timeout is checked against `lastSeenAt`. */
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
)
export type Session = typeof sessions.$inferSelect

/**
 * Per-account login throttle (DESIGN §7 "throttling per account"). Keyed by a MAC of the
 * username, not the user id, so unknown usernames are throttled exactly like known ones and the
 * table names nobody in clear. Shared across instances (DESIGN §3).
 */
export const loginThrottle = pgTable('login_throttle', {
  key: bytea('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  windowStartedAt: at('window_started_at').notNull(),
  lockedUntil: at('locked_until'),
})

/**
 * Recovery kits (DESIGN §5 "Recovery kit", SPEC.md §16): the organisation, desk and statistics
 * private keys sealed (kind 6) to an offline recovery key whose secret exists only on paper.
 */
export const recoveryKits = pgTable('recovery_kits', {
  id: uuid('id').primaryKey().defaultRandom(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  recoveryPublicKey: bytea('recovery_public_key').notNull(),
  envelope: bytea('envelope').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
})

export const grantTargets = ['org', 'stats', 'desk'] as const
export const grantTargetEnum = pgEnum('grant_target', grantTargets)

/** A private key sealed (envelope kind 6) to a user's identity key, signed by the granting user. */
export const keyGrants = pgTable(
  'key_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    granteeId: uuid('grantee_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    granterId: uuid('granter_id').references(() => users.id, { onDelete: 'set null' }),
    target: grantTargetEnum('target').notNull(),
    /** Set exactly when `target` is 'desk'. */
    deskId: uuid('desk_id').references(() => desks.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    envelope: bytea('envelope').notNull(),
    statement: text('statement').notNull(),
    signature: bytea('signature').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('key_grants_grantee_idx').on(t.granteeId),
    check('key_grants_desk_target', sql`(${t.target} = 'desk') = (${t.deskId} is not null)`),
  ],
)
export type KeyGrant = typeof keyGrants.$inferSelect

// ---------------------------------------------------------------------------------------------
// Cases (reporter data: dates only, see the module comment)

export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // restrict: a desk with cases must be archived, not deleted (its cases would be orphaned).
    deskId: uuid('desk_id')
      .notNull()
      .references(() => desks.id, { onDelete: 'restrict' }),
    /** UTC day of receipt, never a time (DESIGN §4). */
    receivedOn: day('received_on').notNull(),
    status: caseStatusEnum('status').notNull().default('new'),
    priority: casePriorityEnum('priority').notNull().default('normal'),
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    /** 32 lowercase hex characters derived from the receipt (DESIGN §5a). */
    lookupId: text('lookup_id').notNull().unique('cases_lookup_id_unique'),
    /** `H("tnr/v1/auth-hash", authToken)`. */
    authHash: bytea('auth_hash').notNull(),
    reporterPublicKey: bytea('reporter_public_key').notNull(),
    reporterSigningKey: bytea('reporter_signing_key').notNull(),
    /** The signed `receipt-proof`, kept so a retried submission is answered identically. */
    proofStatement: text('proof_statement').notNull(),
    proofSignature: bytea('proof_signature').notNull(),
    /** UTC day the case was last closed; null while open (api/storage/retention.ts). */
    closedOn: day('closed_on'),
    /** Last UTC day the closed case is kept; the retention job erases it the day after. */
    retentionOn: day('retention_on'),
    spam: boolean('spam').notNull().default(false),
    mergedInto: uuid('merged_into').references((): AnyPgColumn => cases.id, {
      onDelete: 'set null',
    }),
  },
  (t) => [
    check('cases_lookup_id_hex', sql`${t.lookupId} ~ '^[0-9a-f]{32}$'`),
    // The queue (api/storage/staff-cases.ts): newest first, or by priority, over any set of desks
    // (a page stops after 50 rows that pass the filters), and per desk + spam + status (the tabs;
    // their counts are an index-only scan, hence merged_into at the end), so no page or count
    // reads the table in full. NULLS FIRST is what `order by … desc` means; with NULLS LAST the
    // planner would sort anyway.
    index('cases_received_idx').on(t.receivedOn.desc().nullsFirst(), t.id),
    index('cases_priority_idx').on(t.priority.desc().nullsFirst(), t.receivedOn.desc().nullsFirst(), t.id),
    index('cases_queue_idx').on(
      t.deskId,
      t.spam,
      t.status,
      t.receivedOn.desc().nullsFirst(),
      t.id,
      t.mergedInto,
    ),
    index('cases_retention_idx').on(t.retentionOn),
  ],
)
export type Case = typeof cases.$inferSelect

export const caseLabels = pgTable(
  'case_labels',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id, { onDelete: 'cascade' }),
    labelId: uuid('label_id')
      .notNull()
      .references(() => labels.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ name: 'case_labels_pk', columns: [t.caseId, t.labelId] })],
)

/**
 * Related cases of one desk (DESIGN §8 "link or merge related cases"), stored once per pair with
 * `caseA < caseB` so a link has one spelling and reads both ways. Erased with either case.
 */
export const caseLinks = pgTable(
  'case_links',
  {
    caseA: uuid('case_a')
      .notNull()
      .references(() => cases.id, { onDelete: 'cascade' }),
    caseB: uuid('case_b')
      .notNull()
      .references(() => cases.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ name: 'case_links_pk', columns: [t.caseA, t.caseB] }),
    check('case_links_ordered', sql`${t.caseA} < ${t.caseB}`),
    index('case_links_b_idx').on(t.caseB),
  ],
)

/**
 * What each staff user has read of each case (unread markers): the highest `seq` seen. Staff
 * state, not reporter data; erased with the case.
 */
export const caseReads = pgTable(
  'case_reads',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    seenSeq: integer('seen_seq').notNull(),
  },
  (t) => [primaryKey({ name: 'case_reads_pk', columns: [t.caseId, t.userId] })],
)

/** Envelopes in a case, in `seq` order; the report is `seq` 0 (DESIGN §7). */
export const caseItems = pgTable(
  'case_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    /** Envelope kind (header byte 5, DESIGN §5a), duplicated so the server can filter without parsing. */
    kind: smallint('kind').notNull(),
    envelope: bytea('envelope').notNull(),
    /** Staff author, for the `signers` list served to the reporter; null for reporter items. */
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    createdOn: day('created_on').notNull(),
  },
  (t) => [
    unique('case_items_case_seq_unique').on(t.caseId, t.seq),
    check('case_items_seq_nonnegative', sql`${t.seq} >= 0`),
  ],
)
export type CaseItem = typeof caseItems.$inferSelect

/** An encrypted attachment stream (DESIGN §5a), uploaded in chunks; its manifest is a case item. */
export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id, { onDelete: 'cascade' }),
    chunksExpected: integer('chunks_expected').notNull(),
    /**
     * The 21-byte stream header ("TNRA" ‖ 0x01 ‖ prefix, DESIGN §5a). The chunks open only under
     * it, and its random prefix also lets a reader match the stream to its kind-7 manifest.
     */
    header: bytea('header').notNull(),
    /** Size of the encrypted stream in bytes (padded, so it does not reveal the real size). */
    size: bigint('size', { mode: 'number' }).notNull(),
    complete: boolean('complete').notNull().default(false),
    createdOn: day('created_on').notNull(),
  },
  (t) => [
    index('attachments_case_idx').on(t.caseId),
    check('attachments_chunks_positive', sql`${t.chunksExpected} > 0`),
  ],
)
export type Attachment = typeof attachments.$inferSelect

export const attachmentChunks = pgTable(
  'attachment_chunks',
  {
    attachmentId: uuid('attachment_id')
      .notNull()
      .references(() => attachments.id, { onDelete: 'cascade' }),
    index: integer('index').notNull(),
    bytes: bytea('bytes').notNull(),
  },
  (t) => [primaryKey({ name: 'attachment_chunks_pk', columns: [t.attachmentId, t.index] })],
)

/**
 * Spent proof-of-work challenges. `expiresAt` is rounded **up** to the hour (DESIGN §5 "Proof of
 * work"), so the row does not timestamp a reporter's action; purged hourly once past it.
 */
export const powSpent = pgTable(
  'pow_spent',
  {
    challengeId: text('challenge_id').primaryKey(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [index('pow_spent_expires_idx').on(t.expiresAt)],
)

// ---------------------------------------------------------------------------------------------
// Audit, statistics, server state

/**
 * Hash-chained, signed audit entries (DESIGN §5a, §6). A trigger (migration
 * `audit_append_only`) rejects UPDATE, DELETE and TRUNCATE. `target` has no foreign key on
 * purpose. `at` is the exact RFC 3339 string that was signed, so JCS re-serialisation matches.
 */
export const auditLog = pgTable('audit_log', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  /** Lowercase hex of the previous entry's hash; 32 zero bytes for seq 1. */
  prevHash: text('prev_hash').notNull(),
  /** Staff user id; null for server-side events (signed with the receipt key). */
  actor: uuid('actor'),
  action: text('action').notNull(),
  target: uuid('target'),
  at: text('at').notNull(),
  sig: bytea('sig').notNull(),
  /** Lowercase hex of `H("tnr/v1/audit-entry", JCS(entry))`. */
  entryHash: text('entry_hash').notNull(),
})
export type AuditEntry = typeof auditLog.$inferSelect

/** Admin-signed `audit-checkpoint` statements, so a cut-off tail is detected (DESIGN §6). */
export const auditCheckpoints = pgTable(
  'audit_checkpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    headHash: text('head_hash').notNull(),
    signerId: uuid('signer_id').references(() => users.id, { onDelete: 'set null' }),
    statement: text('statement').notNull(),
    signature: bytea('signature').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [index('audit_checkpoints_seq_idx').on(t.seq)],
)

export const releaseStatuses = ['draft', 'published'] as const
export const releaseStatusEnum = pgEnum('release_status', releaseStatuses)

/** Statistics releases (DESIGN §9): the signed release JSON exactly as signed. */
export const releases = pgTable('releases', {
  id: uuid('id').primaryKey().defaultRandom(),
  status: releaseStatusEnum('status').notNull().default('draft'),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  statement: text('statement').notNull(),
  signature: bytea('signature'),
  createdAt: at('created_at').notNull().defaultNow(),
  publishedAt: at('published_at'),
})
export type Release = typeof releases.$inferSelect

/** Single row: which server secret this database belongs to (DESIGN §5 "Server secrets"). */
export const serverMeta = pgTable(
  'server_meta',
  {
    id: smallint('id').primaryKey().default(1),
    /** Lowercase hex of `H("tnr/v1/secret-id", secret)`. */
    secretId: text('secret_id').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [check('server_meta_single_row', sql`${t.id} = 1`)],
)

/** One-time links for the first admin (api/setup-token.ts); only hashes are stored. */
export const setupTokens = pgTable('setup_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  tokenHash: bytea('token_hash').notNull().unique('setup_tokens_token_hash_unique'),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
  createdAt: at('created_at').notNull().defaultNow(),
})

/**
 * "Retire old key" jobs (DESIGN §5, crypto/SPEC.md §18): an admin's browser re-wraps the content
 * keys of a desk's case items from key version `fromVersion` to `toVersion`, one batch per
 * transaction. `cursor` is the last case item id a batch covered (items are taken in id order),
 * so a closed tab resumes where it stopped; a final pass from the start catches items that
 * arrived behind the cursor. One job per old version.
 */
export const retireJobs = pgTable(
  'retire_jobs',
  {
    id: uuid('id').primaryKey(),
    deskId: uuid('desk_id')
      .notNull()
      .references(() => desks.id, { onDelete: 'cascade' }),
    fromVersion: integer('from_version').notNull(),
    toVersion: integer('to_version').notNull(),
    cursor: uuid('cursor'),
    rewrapped: integer('rewrapped').notNull().default(0),
    startedBy: uuid('started_by').references(() => users.id, { onDelete: 'set null' }),
    startedAt: at('started_at').notNull(),
    finishedAt: at('finished_at'),
  },
  (t) => [
    unique('retire_jobs_desk_version_unique').on(t.deskId, t.fromVersion),
    check('retire_jobs_versions', sql`${t.toVersion} > ${t.fromVersion}`),
  ],
)
export type RetireJob = typeof retireJobs.$inferSelect

/**
 * Progress of once-a-day server jobs shared by every instance (DESIGN §3): the daily digest
 * claims a day here before sending, so two instances never both send it.
 */
export const jobState = pgTable('job_state', {
  name: text('name').primaryKey(),
  /** The last UTC day the job has covered. */
  doneThrough: day('done_through').notNull(),
})

/**
 * Organisation-signed context updates (issue 9, SPEC.md §9 `context-update`): the statement as
 * signed, its signature and the exact overlay text it hashes. Readers verify the latest
 * themselves; the table keeps every earlier one as history.
 */
export const contextUpdates = pgTable('context_updates', {
  seq: integer('seq').primaryKey(),
  statement: text('statement').notNull(),
  signature: bytea('signature').notNull(),
  overlay: text('overlay').notNull(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: at('created_at').notNull().defaultNow(),
})
