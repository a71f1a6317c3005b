import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import { TooManyRequests } from '../errors.js';
import type { Api } from '../http/types.js';

/** Who is counted: a request, or the direct lane's client (its address as `request.ip` gives it). */
export interface Counted {
  readonly ip: string;
}
export type RequestLimit = (request: Counted, account?: string) => Promise<void>;
type KeyOf = (request: Counted, account: string) => string;

const WINDOW_MS = 60_000;
const tooMany = (what: string, seconds: number) => {
  const wait = Math.max(1, Math.ceil(seconds));
  return new TooManyRequests(`too many ${what}; try again in ${wait} s`, wait);
};

/**
 * A per-minute limit on what `keyOf` names, in this process's memory (@fastify/rate-limit): for license checks,
 * the app API's hot path, where a write per check would cost more than the check. Behind several processes the
 * effective limit is per process, which is enough to stop a key being guessed (120 random bits). The client
 * address is the socket's, or the proxy's forwarded one with `TRUST_PROXY`.
 */
function perMinuteInMemory(app: Api, max: number, what: string, keyOf: KeyOf): RequestLimit {
  if (max === 0) return async () => undefined;
  // createRateLimit asks a request for its key and its route's options; it is handed what it reads.
  const check = app.createRateLimit({
    max,
    timeWindow: WINDOW_MS,
    keyGenerator: (probe) => (probe as unknown as { key: string }).key,
  });
  return async (request, account = '') => {
    const probe = { key: keyOf(request, account), routeOptions: { config: {} } };
    const result = await check(probe as unknown as FastifyRequest);
    if (!result.isAllowed && result.isExceeded) throw tooMany(what, result.ttlInSeconds);
  };
}

/** When each database last had its finished windows cleared by this process. */
const cleared = new WeakMap<Db, number>();

/**
 * A per-minute limit counted in the database (`attempt_windows`), one budget for every server process: for
 * logins, where a password guessed N times as fast behind N processes matters and an attempt already costs a
 * slow hash. One statement counts the attempt and opens a new window when the last one is over. What a process
 * saw over its limit it refuses without a write until the window ends, so a flood costs no write per attempt.
 */
function perMinuteShared(ctx: AppContext, max: number, what: string, keyOf: KeyOf): RequestLimit {
  if (max === 0) return async () => undefined;
  const refusedUntil = new Map<string, number>();
  let sweptAt = 0;
  return async (request, account = '') => {
    const db = ctx.handle.db;
    const now = ctx.clock.now().getTime();
    // Keyed: the table names no address or e-mail, not even to someone holding a copy of the database.
    const name = ctx.secrets.digest('attempts', `${what}\0${keyOf(request, account)}`);
    const until = refusedUntil.get(name);
    if (until !== undefined && until > now) throw tooMany(what, (until - now) / 1000);
    if (sweptAt <= now - WINDOW_MS) {
      sweptAt = now;
      for (const [refused, end] of refusedUntil) if (end <= now) refusedUntil.delete(refused);
    }
    const start = new Date(now).toISOString();
    const over = new Date(now - WINDOW_MS).toISOString();
    const counted = await db
      .insertInto('attempt_windows')
      .values({ name, window_start: start, hits: 1 })
      .onConflict((conflict) =>
        conflict.column('name').doUpdateSet({
          hits: sql<number>`case when attempt_windows.window_start <= ${over} then 1 else attempt_windows.hits + 1 end`,
          window_start: sql<string>`case when attempt_windows.window_start <= ${over} then ${start} else attempt_windows.window_start end`,
        }),
      )
      .returning(['hits', 'window_start'])
      .executeTakeFirstOrThrow();
    if ((cleared.get(db) ?? 0) <= now - WINDOW_MS) {
      cleared.set(db, now);
      await db.deleteFrom('attempt_windows').where('window_start', '<=', over).execute();
    }
    if (Number(counted.hits) > max) {
      // Another host's clock may run ahead of this one's: a window never ends more than a minute from now.
      const end = Math.min(Date.parse(counted.window_start) + WINDOW_MS, now + WINDOW_MS);
      refusedUntil.set(name, end);
      throw tooMany(what, (end - now) / 1000);
    }
  };
}

/** License checks per client address (the app API). */
export const keyCheckLimit = (app: Api, max: number): RequestLimit =>
  perMinuteInMemory(app, max, 'license checks from this address', (request) => request.ip);

/**
 * Logins: per client address and account (guessing one password), and per client address across
 * accounts and portals (spraying one password over many e-mails), each shared by every server process.
 */
export function loginLimit(ctx: AppContext): RequestLimit {
  const { loginRateLimit, loginAddressRateLimit } = ctx.config;
  const byAddress = perMinuteShared(
    ctx,
    loginAddressRateLimit,
    'login attempts from this address',
    (r) => r.ip,
  );
  const byAccount = perMinuteShared(
    ctx,
    loginRateLimit,
    'login attempts',
    (r, account) => `${r.ip}|${account}`,
  );
  return async (request, account = '') => {
    await byAddress(request);
    await byAccount(request, account.toLowerCase());
  };
}
