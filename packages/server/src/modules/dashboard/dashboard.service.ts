import type { Principal } from '../../platform/auth/principal.js';
import type { AppContext } from '../../platform/context.js';

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 30;
const EXPIRING_DAYS = 45;
/** How long a vendor's counts are reused: a page load per user every few seconds does not recount a million rows. */
const COUNTS_TTL_MS = 10_000;

export interface Dashboard {
  /** Validations per UTC day and outcome code, the last 30 days (days without any are absent). */
  validations: { day: string; code: string; count: number }[];
  activeDevices: number;
  liveSessions: number;
  expiringSoon: number;
  openRequests: number;
  openApprovals: number;
  countedAt: string;
}

type Counts = Omit<Dashboard, 'validations'>;
const cache = new Map<string, { at: number; counts: Counts }>();

/** Each count is one index range of the vendor (activations, live sessions, expiries, open queues). */
async function countNow(ctx: AppContext, vendorId: string, now: Date): Promise<Counts> {
  const db = ctx.handle.db;
  const nowIso = now.toISOString();
  const count = async (query: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }) =>
    Number((await query.executeTakeFirstOrThrow()).n);
  return {
    activeDevices: await count(
      db
        .selectFrom('bindings')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('vendor_id', '=', vendorId),
    ),
    liveSessions: await count(
      db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('vendor_id', '=', vendorId)
        .where('ended_at', 'is', null)
        .where('expires_at', '>', nowIso),
    ),
    expiringSoon: await count(
      db
        .selectFrom('licenses')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('vendor_id', '=', vendorId)
        .where('expires_at', '>', nowIso)
        .where('expires_at', '<=', new Date(now.getTime() + EXPIRING_DAYS * DAY_MS).toISOString())
        .where('revoked_at', 'is', null)
        .where('suspended_at', 'is', null)
        .where('superseded_at', 'is', null),
    ),
    openRequests: await count(
      db
        .selectFrom('service_requests')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('vendor_id', '=', vendorId)
        .where('state', '=', 'open'),
    ),
    openApprovals: await count(
      db
        .selectFrom('drawdowns')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('vendor_id', '=', vendorId)
        .where('state', '=', 'submitted'),
    ),
    countedAt: nowIso,
  };
}

/** The vendor's home page numbers: validations by day and outcome, devices, sessions, expiries, queues. */
export async function getDashboard(ctx: AppContext, principal: Principal): Promise<Dashboard> {
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - (HISTORY_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  const validations = await ctx.handle.db
    .selectFrom('validation_counts')
    .select(['day', 'code', 'count'])
    .where('vendor_id', '=', principal.vendorId)
    .where('day', '>=', since)
    .orderBy('day')
    .orderBy('code')
    .execute();
  // The reuse is about work, not the domain's time: measured on the process's own clock.
  let cached = cache.get(principal.vendorId);
  if (!cached || performance.now() - cached.at > COUNTS_TTL_MS) {
    cached = { at: performance.now(), counts: await countNow(ctx, principal.vendorId, now) };
    cache.set(principal.vendorId, cached);
  }
  return { validations: validations.map((v) => ({ ...v, count: Number(v.count) })), ...cached.counts };
}
