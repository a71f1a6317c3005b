import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { checkCsrf } from '../../platform/auth/authenticate.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newSecret, sha256 } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import { findKeyByCode } from '../app-api/app-api.queries.js';

export const CUSTOMER_COOKIE = 'licensor_customer';
const SESSION_DAYS = 7;

/** A customer in its cabinet; logged in with a license key, it sees that key and nothing else. */
export interface CustomerPrincipal {
  readonly vendorId: string;
  readonly customerId: string;
  readonly keyId: string | null;
  readonly csrfToken: string;
}

export const customerActor = (principal: CustomerPrincipal, name: string | null = null): Actor => ({
  type: 'customer',
  id: principal.customerId,
  name,
  channel: 'cabinet',
});

/** Opens a cabinet session with the license key alone (seed 004: the customer logs in with its key). */
export async function loginWithKey(
  ctx: AppContext,
  keyText: string,
): Promise<{ token: string; expiresAt: Date; principal: CustomerPrincipal }> {
  const { key } = await findKeyByCode(ctx.handle.db, keyText);
  if (!key || key.status !== 'active')
    throw new AppError('INVALID_CREDENTIALS', 'unknown or deleted license key');
  const now = ctx.clock.now();
  const token = newSecret('');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000);
  await ctx.handle.db
    .insertInto('customer_sessions')
    .values({
      token_hash: sha256(token),
      vendor_id: key.vendorId,
      customer_id: key.customerId,
      key_id: key.id,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
    })
    .execute();
  return {
    token,
    expiresAt,
    principal: { vendorId: key.vendorId, customerId: key.customerId, keyId: key.id, csrfToken },
  };
}

export async function logoutCustomer(ctx: AppContext, token: string): Promise<void> {
  await ctx.handle.db.deleteFrom('customer_sessions').where('token_hash', '=', sha256(token)).execute();
}

export async function authenticateCustomer(
  ctx: AppContext,
  request: FastifyRequest,
): Promise<CustomerPrincipal> {
  const token = request.cookies?.[CUSTOMER_COOKIE];
  if (!token) throw new AppError('UNAUTHENTICATED', 'log in to the customer cabinet');
  const session = await ctx.handle.db
    .selectFrom('customer_sessions')
    .selectAll()
    .where('token_hash', '=', sha256(token))
    .where('expires_at', '>', ctx.clock.now().toISOString())
    .executeTakeFirst();
  if (!session) throw new AppError('UNAUTHENTICATED', 'the session has expired; log in again');
  checkCsrf(request, session.csrf_token);
  return {
    vendorId: session.vendor_id,
    customerId: session.customer_id,
    keyId: session.key_id,
    csrfToken: session.csrf_token,
  };
}
