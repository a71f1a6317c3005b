import { setTimeout as sleep } from 'node:timers/promises';
import { checkLicense, parseLicenseKey } from '@licensor/core';
import { type AppContext, appActor, jobActor } from '../../platform/context.js';
import { newId, newSecretId } from '../../platform/crypto.js';
import { byCodeUnits } from '../../platform/db/code-units.js';
import { type Db, runNamed } from '../../platform/db/database.js';
import type { SessionTable } from '../../platform/db/schema.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { batchesPer } from '../../platform/db/turn-batches.js';
import { AppError, isUniqueViolation, notFound } from '../../platform/errors.js';
import { type EventInput, eventRows, recordEvent } from '../../platform/events.js';
import { requireKey, usableLicenses } from './activation.service.js';
import { type Candidate, usableNow } from './app-api.queries.js';
import { openAtOnce } from './open-at-once.js';
import { claimPlace } from './places.js';
import type { ValidationReader } from './validation-reader.js';

const DEFAULT_TTL_SECONDS = 600;
const MAX_TTL_SECONDS = 86_400;
/** Sessions ended per statement batch by the reaper (and per full license by an open). */
const REAP_BATCH = 1000;
/** Batches one pass of the reaper ends at most: a backlog (a crowd of clients stopping at once) takes a few passes,
 * without the reaper holding the database for minutes beside the live traffic. */
const REAP_BATCHES_PER_PASS = 20;

export interface CheckoutInput {
  key: string;
  product: string;
  resource: { kind: string; id: string; name?: string };
  ttlSeconds?: number;
}

/** Another open took the license's last place between this one's read and its claim: try again, carefully. */
class PlaceTaken extends Error {}

type Opened = { id: string; expiresAt: string; vendorId: string; activeKid: string | null };

/** The licenses a session may take, floating ones first. */
const byPreference = (usable: readonly Candidate[]) => [
  ...usable.filter((c) => c.scope === 'floating'),
  ...usable.filter((c) => c.scope !== 'floating'),
];

/** The TTL a session of the license gets (asked, else the type's heartbeat), and when it runs out from now. */
function leaseOf(input: CheckoutInput, license: Candidate, now: Date): { ttl: number; expiresAt: string } {
  const ttl = Math.min(
    input.ttlSeconds ?? license.row.heartbeat_seconds ?? DEFAULT_TTL_SECONDS,
    MAX_TTL_SECONDS,
  );
  return { ttl, expiresAt: new Date(now.getTime() + ttl * 1000).toISOString() };
}

/** A new session of the resource on the license, and the event that records it. */
function newSession(
  key: { id: string; vendorId: string; customerId: string },
  license: Candidate,
  input: CheckoutInput,
  now: Date,
): { row: SessionTable; started: EventInput } {
  const id = newSecretId();
  const { ttl, expiresAt } = leaseOf(input, license, now);
  return {
    row: {
      id,
      vendor_id: key.vendorId,
      license_id: license.row.id,
      key_id: key.id,
      resource_kind: input.resource.kind,
      resource_id: input.resource.id,
      resource_name: input.resource.name ?? null,
      started_at: now.toISOString(),
      last_heartbeat_at: now.toISOString(),
      expires_at: expiresAt,
      ended_at: null,
      end_reason: null,
      ttl_seconds: ttl,
    },
    started: {
      type: 'session.started',
      subjectType: 'session',
      subjectId: id,
      keyId: key.id,
      customerId: key.customerId,
      after: { licenseId: license.row.id, resource: input.resource, expiresAt },
    },
  };
}

/**
 * Opens (or refreshes) a live session of a resource on the key. Floating licenses are preferred and limit
 * concurrent sessions to maxSessions (invariant 1) through each license's counter of open sessions: a place is
 * claimed by a conditional increment (`live_sessions < max_sessions`), the last statement before the commit, so
 * the license's row is locked only for that instant and opens on one license do not queue behind each other.
 * A session past its TTL holds its place until it is ended — by the reaper, or here, when a license looks full.
 * On PostgreSQL the common case — a new session on a license with room — takes no transaction at all.
 */
export async function checkout(
  ctx: AppContext,
  reader: ValidationReader,
  input: CheckoutInput,
): Promise<Opened> {
  if (ctx.handle.dialect === 'postgres') {
    const opened = await openWithoutTransaction(ctx, reader, input);
    if (opened) return opened;
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await inTransaction(
        ctx.handle,
        (trx) => openSession(ctx, trx, input, attempt === 1 ? 'optimistic' : 'careful'),
        { deadlockRetries: 2 },
      );
    } catch (error) {
      // Another open took the last place, or the same machine opened at the same moment (one open session per
      // machine and license is a unique index): the next attempt sees what it wrote.
      if (attempt < 3 && (error instanceof PlaceTaken || isUniqueViolation(error))) continue;
      throw error;
    }
  }
}

/**
 * The validation read (key, licenses with their counters, the resource's live session), then one statement
 * that claims the place and writes the session with its event and deliveries (`openAtOnce`). Undefined when
 * anything is out of the ordinary — an unknown or unusable key, a session to refresh, a full license, a lost
 * race — which the transaction then handles (and answers with its error).
 */
async function openWithoutTransaction(
  ctx: AppContext,
  reader: ValidationReader,
  input: CheckoutInput,
): Promise<Opened | undefined> {
  const parsed = parseLicenseKey(input.key);
  if (!parsed.ok) return undefined;
  const now = ctx.clock.now();
  const read = await reader.read({
    code: parsed.code,
    product: input.product,
    resource: input.resource,
  });
  if (!read || read.usage.holding.size > 0) return undefined;
  const outcome = usableNow(read.key.status, read.licenses, now);
  if (!outcome.valid) return undefined;
  const [first] = byPreference(outcome.usable);
  if (!first || (first.maxSessions !== null && first.row.live_sessions >= first.maxSessions))
    return undefined;
  const vendorId = read.key.vendor_id;
  const { row, started } = newSession(
    { id: read.key.id, vendorId, customerId: read.key.customer_id },
    first,
    input,
    now,
  );
  const [event] = eventRows(vendorId, appActor, now, [started]);
  if (!(await openAtOnce(ctx.handle, row, event!, newId()))) return undefined;
  return { id: row.id, expiresAt: row.expires_at, vendorId, activeKid: read.key.active_kid };
}

/**
 * `optimistic`: the first license (in order of preference) has a free place by its counter as read, so the
 * session is written and the place claimed last. `careful` (the first looked full, or the optimistic claim
 * lost a race): each license in turn is claimed first — ending its expired sessions when it is full — and the
 * session written under that lock.
 */
async function openSession(
  ctx: AppContext,
  trx: Db,
  input: CheckoutInput,
  mode: 'optimistic' | 'careful',
): Promise<Opened> {
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const key = await requireKey(trx, input.key);
  const ordered = byPreference(await usableLicenses(ctx, trx, key, input.product));

  // The resource's own open session, found through the open-sessions-by-resource index (no ORDER BY: sorting by
  // expiry would have the planner walk the license's open sessions, 100,000 of them on a large license, instead).
  const open = await trx
    .selectFrom('sessions')
    .select(['id', 'license_id', 'vendor_id', 'key_id', 'expires_at'])
    .where('resource_id', '=', input.resource.id)
    .where(
      'license_id',
      'in',
      ordered.map((c) => c.row.id),
    )
    .where('resource_kind', '=', input.resource.kind)
    .where('ended_at', 'is', null)
    .execute();
  const held = open.find((s) => s.expires_at > nowIso);
  // Its expired ones end now, as the reaper would end them, and give their places back.
  const expired = open.filter((s) => s.expires_at <= nowIso);
  if (expired.length) await endExpiredSessions(trx, expired, now);
  if (held) {
    const { ttl, expiresAt } = leaseOf(input, ordered.find((c) => c.row.id === held.license_id)!, now);
    await trx
      .updateTable('sessions')
      .set({ last_heartbeat_at: nowIso, expires_at: expiresAt, ttl_seconds: ttl })
      .where('id', '=', held.id)
      .execute();
    return { id: held.id, expiresAt, vendorId: key.vendorId, activeKid: key.activeKid };
  }
  const openOn = async (license: Candidate) => {
    const { row, started } = newSession(key, license, input, now);
    await trx.insertInto('sessions').values(row).execute();
    await recordEvent(trx, key.vendorId, appActor, now, started);
    return { id: row.id, expiresAt: row.expires_at, vendorId: key.vendorId, activeKid: key.activeKid };
  };

  const first = ordered[0]!;
  if (mode === 'optimistic' && (first.maxSessions === null || first.row.live_sessions < first.maxSessions)) {
    const opened = await openOn(first);
    if (!(await claimPlace(trx, first.row.id))) throw new PlaceTaken();
    return opened;
  }
  for (const license of ordered) {
    if (
      (await claimPlace(trx, license.row.id)) ||
      ((await reapLicense(trx, license.row.id, now)) > 0 && (await claimPlace(trx, license.row.id)))
    )
      return openOn(license);
  }
  throw new AppError('TOO_MANY_SESSIONS', 'all concurrent sessions of this license are in use');
}

/** Ends one full license's sessions that are past their TTL; how many places that freed. */
async function reapLicense(trx: Db, licenseId: string, now: Date): Promise<number> {
  const expired = await trx
    .selectFrom('sessions')
    .select(['id', 'license_id', 'vendor_id', 'key_id', 'expires_at'])
    .where('license_id', '=', licenseId)
    .where('ended_at', 'is', null)
    .where('expires_at', '<=', now.toISOString())
    .limit(REAP_BATCH)
    .execute();
  return endExpiredSessions(trx, expired, now);
}

type OpenSession = { id: string; license_id: string; vendor_id: string; key_id: string; expires_at: string };

/**
 * Ends sessions whose heartbeat stopped, at the moment they expired, each with an event, and gives their places
 * back to their licenses' counters. A session another request or runner ended first is skipped. Sessions are
 * locked in id order, then licenses in id order, as a key's deletion and a heartbeat batch lock them.
 */
async function endExpiredSessions(trx: Db, sessions: readonly OpenSession[], now: Date): Promise<number> {
  const freed = new Map<string, number>();
  for (const session of [...sessions].sort((a, b) => byCodeUnits(a.id, b.id))) {
    const ended = await trx
      .updateTable('sessions')
      .set({ ended_at: session.expires_at, end_reason: 'expired' })
      .where('id', '=', session.id)
      .where('ended_at', 'is', null)
      .returning('id')
      .execute();
    if (ended.length === 0) continue;
    freed.set(session.license_id, (freed.get(session.license_id) ?? 0) + 1);
    await recordEvent(trx, session.vendor_id, jobActor, now, {
      type: 'session.expired',
      subjectType: 'session',
      subjectId: session.id,
      keyId: session.key_id,
      after: { reason: 'no heartbeat', expiredAt: session.expires_at },
    });
  }
  await givePlacesBack(trx, freed);
  return [...freed.values()].reduce((sum, n) => sum + n, 0);
}

/** Lowers licenses' counters of open sessions, in id order (two processes never lock them crosswise). */
async function givePlacesBack(trx: Db, freed: ReadonlyMap<string, number>): Promise<void> {
  for (const licenseId of [...freed.keys()].sort()) {
    await trx
      .updateTable('licenses')
      .set((eb) => ({ live_sessions: eb('live_sessions', '-', freed.get(licenseId)!) }))
      .where('id', '=', licenseId)
      .execute();
  }
}

/** Sessions with what decides whether their license is still usable (`licenseStillUsable`). */
const sessionsWithLicense = (db: Db) =>
  db
    .selectFrom('sessions')
    .innerJoin('licenses', 'licenses.id', 'sessions.license_id')
    .innerJoin('license_types', 'license_types.id', 'licenses.license_type_id')
    .select([
      'licenses.starts_at',
      'licenses.expires_at as license_expires_at',
      'licenses.suspended_at',
      'licenses.revoked_at',
      'license_types.grace_days',
    ]);

async function liveSession(ctx: AppContext, id: string) {
  const session = await sessionsWithLicense(ctx.handle.db)
    .selectAll('sessions')
    .where('sessions.id', '=', id)
    .executeTakeFirst();
  if (!session) throw notFound('SESSION_NOT_FOUND', 'session');
  if (session.ended_at !== null || session.expires_at <= ctx.clock.now().toISOString())
    throw sessionExpired();
  return session;
}

const sessionExpired = () =>
  new AppError(
    'SESSION_EXPIRED',
    'this session ended or expired and its place may be taken; start a new one',
  );

/** What a heartbeat needs of a session and its license. */
type BeatingSession = Pick<
  Awaited<ReturnType<typeof liveSession>>,
  | 'id'
  | 'vendor_id'
  | 'key_id'
  | 'license_id'
  | 'starts_at'
  | 'license_expires_at'
  | 'suspended_at'
  | 'revoked_at'
  | 'grace_days'
>;

/** A session outlives neither its license's revocation or suspension nor its expiry (past grace). */
function licenseStillUsable(session: BeatingSession, now: Date): boolean {
  const code = checkLicense(
    {
      scope: 'floating',
      kind: null,
      startsAt: new Date(session.starts_at),
      expiresAt: session.license_expires_at ? new Date(session.license_expires_at) : null,
      graceDays: session.grace_days,
      suspendedAt: session.suspended_at ? new Date(session.suspended_at) : null,
      revokedAt: session.revoked_at ? new Date(session.revoked_at) : null,
      capabilities: [],
      boundToResource: false,
      maxSessions: null,
      liveSessions: 0,
      resourceHasSession: true,
    },
    { now },
  );
  return code === 'VALID' || code === 'GRACE_PERIOD';
}

async function endSession(
  ctx: AppContext,
  session: BeatingSession,
  reason: string,
  now: Date,
): Promise<void> {
  await inTransaction(ctx.handle, async (trx) => {
    const ended = await trx
      .updateTable('sessions')
      .set({ ended_at: now.toISOString(), end_reason: reason })
      .where('id', '=', session.id)
      .where('ended_at', 'is', null)
      .returning('id')
      .execute();
    if (ended.length === 0) return; // another request or the reaper ended it first, and said so
    await givePlacesBack(trx, new Map([[session.license_id, 1]]));
    await recordEvent(trx, session.vendor_id, appActor, now, {
      type: 'session.ended',
      subjectType: 'session',
      subjectId: session.id,
      keyId: session.key_id,
      after: { reason },
    });
  });
}

/**
 * Extends a session that is live at this moment by the TTL it was opened with, returning it with its license.
 * Only a live session is extended: once expired, its place counts as free to others (invariant 1), so a late
 * heartbeat must not bring it back beside the one that took it. On PostgreSQL this is the whole heartbeat in one
 * round trip (the new expiry computed by the database), committed on the lease connections without waiting for
 * the disk (a heartbeat forgotten by a crash of PostgreSQL is renewed by the next); SQLite, in process, reads first.
 */
type Extended = BeatingSession & { expires_at: string; active_kid?: string | null };

const RETURNING = `s.id, s.vendor_id, s.key_id, s.license_id, s.expires_at, l.starts_at,
    l.expires_at as license_expires_at, l.suspended_at, l.revoked_at, t.grace_days,
    (select kid from signing_keys where vendor_id = s.vendor_id and retired_at is null and revoked_at is null
      order by created_at desc limit 1) as active_kid`;
const extendBy = (now: string) => `set last_heartbeat_at = ${now},
         expires_at = to_char((${now}::timestamptz + make_interval(secs => coalesce(s.ttl_seconds, $2::integer)))
           at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The PostgreSQL heartbeat, a named statement. Parameters: now, the default TTL, the session. */
const EXTEND_LIVE = `
  update sessions as s
     ${extendBy('$1::text')}
    from licenses as l join license_types as t on t.id = l.license_type_id
   where s.id = $3::text and l.id = s.license_id and s.ended_at is null and s.expires_at > $1::text
  returning ${RETURNING}`;

/**
 * The heartbeats of one turn of the event loop. Parameters: the sessions, the default TTL, each one's now. The
 * rows are locked in id order first, as a key's deletion locks its sessions, so two batches (or a batch and a
 * deletion) sharing sessions wait for each other instead of deadlocking.
 */
const EXTEND_LIVE_BATCH = `
  with beat(id, now) as (select * from unnest($1::text[], $3::text[])),
    locked as (select s.id from sessions s join beat on beat.id = s.id
      where s.ended_at is null and s.expires_at > beat.now order by s.id for update of s)
  update sessions as s
     ${extendBy('beat.now')}
    from beat, locked, licenses as l join license_types as t on t.id = l.license_type_id
   where s.id = beat.id and locked.id = s.id and l.id = s.license_id and s.ended_at is null
     and s.expires_at > beat.now
  returning ${RETURNING}`;

interface Beat {
  id: string;
  now: string;
}

/**
 * SQLite's heartbeat: the session read with its license, then extended if it is live at `now`. Undefined when it
 * is not (ended, expired, or no such session: the caller says which).
 */
async function extendOnSqlite(db: Db, beat: Beat): Promise<Extended | undefined> {
  const session = await sessionsWithLicense(db)
    .select([
      'sessions.id',
      'sessions.vendor_id',
      'sessions.key_id',
      'sessions.license_id',
      'sessions.ttl_seconds',
    ])
    .where('sessions.id', '=', beat.id)
    .where('sessions.ended_at', 'is', null)
    .where('sessions.expires_at', '>', beat.now)
    .executeTakeFirst();
  if (!session) return undefined;
  const expiresAt = new Date(
    Date.parse(beat.now) + (session.ttl_seconds ?? DEFAULT_TTL_SECONDS) * 1000,
  ).toISOString();
  await db
    .updateTable('sessions')
    .set({ last_heartbeat_at: beat.now, expires_at: expiresAt })
    .where('id', '=', beat.id)
    .execute();
  return { ...session, expires_at: expiresAt };
}

/** One heartbeat alone: PostgreSQL's named statement, or SQLite's read and write. */
const extendOne = async (ctx: AppContext, beat: Beat): Promise<Extended | undefined> =>
  ctx.handle.dialect === 'postgres'
    ? (
        await runNamed<Extended>(ctx.handle, 'leasePool', {
          name: 'extend_session',
          text: EXTEND_LIVE,
          values: [beat.now, DEFAULT_TTL_SECONDS, beat.id],
        })
      )[0]
    : inTransaction(ctx.handle, (trx) => extendOnSqlite(trx, beat));

/**
 * The sessions of one batch extended together: on PostgreSQL one statement, on SQLite one transaction (one commit,
 * and one set of written pages, for the whole turn instead of one per heartbeat).
 */
async function extendMany(ctx: AppContext, latest: Map<string, string>): Promise<Extended[]> {
  if (ctx.handle.dialect === 'postgres')
    return runNamed<Extended>(ctx.handle, 'leasePool', {
      name: 'extend_sessions',
      text: EXTEND_LIVE_BATCH,
      values: [[...latest.keys()], DEFAULT_TTL_SECONDS, [...latest.values()]],
    });
  return inTransaction(ctx.handle, async (trx) => {
    const extended: Extended[] = [];
    for (const [id, now] of latest) {
      const one = await extendOnSqlite(trx, { id, now });
      if (one) extended.push(one);
    }
    return extended;
  });
}

/** A heartbeat whose own statement failed after its batch had: only its caller hears the error. */
class BeatFailed {
  constructor(readonly error: unknown) {}
}

/**
 * Heartbeats batched per turn (platform/db/turn-batches.ts), one batcher per database. A session beating twice in
 * one turn is extended once and both hear it. Should the batch fail (a lost connection, a statement timeout, a
 * busy file), each heartbeat runs alone, and one that fails again fails alone.
 */
const heartbeatBatches = batchesPer<AppContext, Beat, Extended | undefined | BeatFailed>(
  async (ctx, beats) => {
    const latest = new Map<string, string>();
    for (const beat of beats) if ((latest.get(beat.id) ?? '') < beat.now) latest.set(beat.id, beat.now);
    const byId = new Map<string, Extended | BeatFailed>();
    try {
      for (const row of await extendMany(ctx, latest)) byId.set(row.id, row);
    } catch {
      for (const [id, now] of latest) {
        const one = await extendOne(ctx, { id, now }).catch((error: unknown) => new BeatFailed(error));
        if (one) byId.set(id, one);
      }
    }
    return beats.map((beat) => byId.get(beat.id));
  },
);

async function extendLive(ctx: AppContext, id: string, now: Date): Promise<Extended | undefined> {
  const outcome = await heartbeatBatches(ctx).ask({ id, now: now.toISOString() });
  if (outcome instanceof BeatFailed) throw outcome.error;
  return outcome;
}

/** Keeps a session alive for another TTL (the TTL it was opened with), while its license is usable. */
export async function heartbeat(
  ctx: AppContext,
  id: string,
): Promise<{ expiresAt: string; vendorId: string; activeKid?: string | null }> {
  const now = ctx.clock.now();
  const session = await extendLive(ctx, id, now);
  if (!session) {
    await liveSession(ctx, id); // says why: no such session, or it ended or expired
    throw sessionExpired(); // it expired between the two reads
  }
  if (!licenseStillUsable(session, now)) {
    await endSession(ctx, session, 'license_unusable', now);
    throw new AppError(
      'LICENSE_NOT_USABLE',
      'the license of this session is no longer usable; the session has ended',
    );
  }
  return { expiresAt: session.expires_at, vendorId: session.vendor_id, activeKid: session.active_kid };
}

export async function checkin(ctx: AppContext, id: string): Promise<void> {
  await endSession(ctx, await liveSession(ctx, id), 'checkin', ctx.clock.now());
}

/**
 * Ends sessions whose heartbeat stopped, freeing their places, each with an event: a transaction per `batch`,
 * earliest expiry first, up to REAP_BATCHES_PER_PASS. One batch per pass fell behind when many clients stopped at
 * once (1,000 per 30 s against a million licenses' sessions running out together).
 */
export async function reapSessions(ctx: AppContext, batch = REAP_BATCH): Promise<number> {
  const now = ctx.clock.now();
  let total = 0;
  for (let pass = 1; ; pass++) {
    const { found, ended } = await inTransaction(
      ctx.handle,
      async (trx) => {
        const dead = await trx
          .selectFrom('sessions')
          .select(['id', 'license_id', 'vendor_id', 'key_id', 'expires_at'])
          .where('ended_at', 'is', null)
          .where('expires_at', '<=', now.toISOString())
          .orderBy('expires_at')
          .limit(batch)
          .execute();
        return { found: dead.length, ended: await endExpiredSessions(trx, dead, now) };
      },
      { deadlockRetries: 2 },
    );
    total += ended;
    // A short batch was the last; one that ended none was another process's, reaping alongside.
    if (found < batch || ended === 0 || pass === REAP_BATCHES_PER_PASS) return total;
    await sleep(1); // on SQLite a batch holds the event loop: requests queued meanwhile go first
  }
}
