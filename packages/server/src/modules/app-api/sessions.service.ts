import { checkLicense } from '@licensor/core';
import { type AppContext, appActor, jobActor } from '../../platform/context.js';
import { newSecretId } from '../../platform/crypto.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { lockUsableLicenses, requireKey } from './activation.service.js';

const DEFAULT_TTL_SECONDS = 600;
const MAX_TTL_SECONDS = 86_400;

export interface CheckoutInput {
  key: string;
  product: string;
  resource: { kind: string; id: string; name?: string };
  ttlSeconds?: number;
}

/**
 * Opens (or refreshes) a live session of a resource on the key. Floating licenses are preferred and
 * limit concurrent sessions to maxSessions; the count is taken under the license row locks, and
 * sessions past their TTL no longer count even before the reaper ends them.
 */
export async function checkout(
  ctx: AppContext,
  input: CheckoutInput,
): Promise<{ id: string; expiresAt: string; vendorId: string }> {
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  return inTransaction(ctx.handle, async (trx) => {
    const key = await requireKey(trx, input.key);
    const usable = await lockUsableLicenses(ctx, trx, key, input.product);
    const ordered = [
      ...usable.filter((c) => c.scope === 'floating'),
      ...usable.filter((c) => c.scope !== 'floating'),
    ];
    const licenseIds = ordered.map((c) => c.row.id);
    // The resource's own live session, and how many live sessions each license has: two index reads that
    // never load the other sessions of the license.
    const held = await trx
      .selectFrom('sessions')
      .select(['id', 'license_id'])
      .where('resource_id', '=', input.resource.id)
      .where('license_id', 'in', licenseIds)
      .where('resource_kind', '=', input.resource.kind)
      .where('ended_at', 'is', null)
      .where('expires_at', '>', nowIso)
      .executeTakeFirst();

    const ttlFor = (heartbeatSeconds: number | null) =>
      Math.min(input.ttlSeconds ?? heartbeatSeconds ?? DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS);
    if (held) {
      const license = ordered.find((c) => c.row.id === held.license_id)!;
      const expiresAt = new Date(now.getTime() + ttlFor(license.row.heartbeat_seconds) * 1000).toISOString();
      await trx
        .updateTable('sessions')
        .set({ last_heartbeat_at: nowIso, expires_at: expiresAt })
        .where('id', '=', held.id)
        .execute();
      return { id: held.id, expiresAt, vendorId: key.vendorId };
    }

    const counts = await trx
      .selectFrom('sessions')
      .select((eb) => ['license_id', eb.fn.countAll<number | string>().as('live')])
      .where('license_id', 'in', licenseIds)
      .where('ended_at', 'is', null)
      .where('expires_at', '>', nowIso)
      .groupBy('license_id')
      .execute();
    const live = new Map(counts.map((row) => [row.license_id, Number(row.live)]));
    const free = ordered.find((c) => c.maxSessions === null || (live.get(c.row.id) ?? 0) < c.maxSessions);
    if (!free) throw new AppError('TOO_MANY_SESSIONS', 'all concurrent sessions of this license are in use');
    const id = newSecretId();
    const expiresAt = new Date(now.getTime() + ttlFor(free.row.heartbeat_seconds) * 1000).toISOString();
    await trx
      .insertInto('sessions')
      .values({
        id,
        vendor_id: key.vendorId,
        license_id: free.row.id,
        key_id: key.id,
        resource_kind: input.resource.kind,
        resource_id: input.resource.id,
        resource_name: input.resource.name ?? null,
        started_at: nowIso,
        last_heartbeat_at: nowIso,
        expires_at: expiresAt,
        ended_at: null,
        end_reason: null,
      })
      .execute();
    await recordEvent(trx, key.vendorId, appActor, now, {
      type: 'session.started',
      subjectType: 'session',
      subjectId: id,
      keyId: key.id,
      customerId: key.customerId,
      after: { licenseId: free.row.id, resource: input.resource, expiresAt },
    });
    return { id, expiresAt, vendorId: key.vendorId };
  });
}

async function liveSession(ctx: AppContext, id: string) {
  const session = await ctx.handle.db
    .selectFrom('sessions')
    .innerJoin('licenses', 'licenses.id', 'sessions.license_id')
    .innerJoin('license_types', 'license_types.id', 'licenses.license_type_id')
    .selectAll('sessions')
    .select([
      'licenses.starts_at',
      'licenses.expires_at as license_expires_at',
      'licenses.suspended_at',
      'licenses.revoked_at',
      'license_types.grace_days',
    ])
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

type LiveSession = Awaited<ReturnType<typeof liveSession>>;

/** A session outlives neither its license's revocation or suspension nor its expiry (past grace). */
function licenseStillUsable(session: LiveSession, now: Date): boolean {
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

async function endSession(ctx: AppContext, session: LiveSession, reason: string, now: Date): Promise<void> {
  await inTransaction(ctx.handle, async (trx) => {
    const ended = await trx
      .updateTable('sessions')
      .set({ ended_at: now.toISOString(), end_reason: reason })
      .where('id', '=', session.id)
      .where('ended_at', 'is', null)
      .returning('id')
      .execute();
    if (ended.length === 0) return; // another request or the reaper ended it first, and said so
    await recordEvent(trx, session.vendor_id, appActor, now, {
      type: 'session.ended',
      subjectType: 'session',
      subjectId: session.id,
      keyId: session.key_id,
      after: { reason },
    });
  });
}

/** Keeps a session alive for another TTL (the TTL it was opened with), while its license is usable. */
export async function heartbeat(
  ctx: AppContext,
  id: string,
): Promise<{ expiresAt: string; vendorId: string }> {
  const session = await liveSession(ctx, id);
  const now = ctx.clock.now();
  if (!licenseStillUsable(session, now)) {
    await endSession(ctx, session, 'license_unusable', now);
    throw new AppError(
      'LICENSE_NOT_USABLE',
      'the license of this session is no longer usable; the session has ended',
    );
  }
  const ttl = new Date(session.expires_at).getTime() - new Date(session.last_heartbeat_at).getTime();
  const expiresAt = new Date(now.getTime() + ttl).toISOString();
  // Only a session still live at this moment is extended: once expired, its place counts as free to
  // others (invariant 1), so a late heartbeat must not bring it back beside the one that took it.
  const kept = await ctx.handle.db
    .updateTable('sessions')
    .set({ last_heartbeat_at: now.toISOString(), expires_at: expiresAt })
    .where('id', '=', id)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .returning('id')
    .execute();
  if (kept.length === 0) throw sessionExpired();
  return { expiresAt, vendorId: session.vendor_id };
}

export async function checkin(ctx: AppContext, id: string): Promise<void> {
  await endSession(ctx, await liveSession(ctx, id), 'checkin', ctx.clock.now());
}

/** Ends sessions whose heartbeat stopped, freeing their places, each with an event. */
export async function reapSessions(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  return inTransaction(ctx.handle, async (trx) => {
    const dead = await trx
      .selectFrom('sessions')
      .select(['id', 'vendor_id', 'key_id', 'expires_at'])
      .where('ended_at', 'is', null)
      .where('expires_at', '<=', nowIso)
      .orderBy('expires_at')
      .limit(1000)
      .execute();
    let reaped = 0;
    for (const session of dead) {
      const ended = await trx
        .updateTable('sessions')
        .set({ ended_at: session.expires_at, end_reason: 'expired' })
        .where('id', '=', session.id)
        .where('ended_at', 'is', null)
        .returning('id')
        .execute();
      if (ended.length === 0) continue; // another runner reaped it
      reaped += 1;
      await recordEvent(trx, session.vendor_id, jobActor, now, {
        type: 'session.expired',
        subjectType: 'session',
        subjectId: session.id,
        keyId: session.key_id,
        after: { reason: 'no heartbeat', expiredAt: session.expires_at },
      });
    }
    return reaped;
  });
}
