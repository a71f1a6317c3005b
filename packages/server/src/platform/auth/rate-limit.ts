import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Api } from '../http/types.js';

export type RequestLimit = (request: FastifyRequest, account?: string) => Promise<void>;

/**
 * A per-minute limit on what `keyOf` names (@fastify/rate-limit's in-memory store). Each server process
 * limits on its own; behind a load balancer the effective limit is per process, which is enough to stop
 * guessing. The client address is the socket's, or the proxy's forwarded one with `TRUST_PROXY`.
 */
function perMinute(
  app: Api,
  max: number,
  what: string,
  keyOf: (request: FastifyRequest, account: string) => string,
): RequestLimit {
  if (max === 0) return async () => undefined;
  // createRateLimit asks the key of a request; the account the request is for rides beside it.
  const accounts = new WeakMap<FastifyRequest, string>();
  const check = app.createRateLimit({
    max,
    timeWindow: 60_000,
    keyGenerator: (request) => keyOf(request, accounts.get(request) ?? ''),
  });
  return async (request, account = '') => {
    accounts.set(request, account);
    const result = await check(request);
    if (!result.isAllowed && result.isExceeded)
      throw new AppError('RATE_LIMITED', `too many ${what}; try again in ${result.ttlInSeconds} s`);
  };
}

/** License checks per client address (the app API). */
export const keyCheckLimit = (app: Api, max: number): RequestLimit =>
  perMinute(app, max, 'license checks from this address', (request) => request.ip);

/** One per-address budget for all three login routes of an app: each attempt may cost a slow hash. */
const addressBudgets = new WeakMap<Api, RequestLimit>();

/**
 * Logins: per client address and account (guessing one password), and per client address across
 * accounts and portals (spraying one password over many e-mails).
 */
export function loginLimit(app: Api, perAccount: number, perAddress: number): RequestLimit {
  const byAccount = perMinute(app, perAccount, 'login attempts', (r, account) => `${r.ip}|${account}`);
  let byAddress = addressBudgets.get(app);
  if (!byAddress) {
    byAddress = perMinute(app, perAddress, 'login attempts from this address', (r) => r.ip);
    addressBudgets.set(app, byAddress);
  }
  const shared = byAddress;
  return async (request, account = '') => {
    await shared(request);
    await byAccount(request, account.toLowerCase());
  };
}
