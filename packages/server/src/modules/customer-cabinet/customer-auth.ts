import type { FastifyReply, FastifyRequest } from 'fastify';
import { chooseAccount } from '../../platform/auth/account-login.js';
import { authenticatePortal, openPortalSession } from '../../platform/auth/portal-sessions.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { findKeyByCode } from '../app-api/app-api.queries.js';

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
  reply: FastifyReply,
  keyText: string,
): Promise<CustomerPrincipal> {
  const { key } = await findKeyByCode(ctx.handle.db, keyText);
  if (key?.status !== 'active') throw new AppError('INVALID_CREDENTIALS', 'unknown or deleted license key');
  const session = await openPortalSession(ctx, reply, 'customer', {
    vendorId: key.vendorId,
    subjectId: key.customerId,
    keyId: key.id,
  });
  await markCabinetUsed(ctx, key.customerId);
  return {
    vendorId: session.vendorId,
    customerId: session.subjectId,
    keyId: session.keyId,
    csrfToken: session.csrfToken,
  };
}

/** Opens a cabinet session with a customer login (e-mail and password): it sees all the customer's keys. */
export async function loginWithPassword(
  ctx: AppContext,
  reply: FastifyReply,
  email: string,
  password: string,
  vendorPrefix?: string,
): Promise<CustomerPrincipal> {
  let query = ctx.handle.db
    .selectFrom('customer_users')
    .innerJoin('vendors', 'vendors.id', 'customer_users.vendor_id')
    .selectAll('customer_users')
    .select(['vendors.name as vendor_name', 'vendors.prefix as vendor_prefix'])
    .where('customer_users.email', '=', email.toLowerCase())
    .orderBy('vendors.prefix');
  if (vendorPrefix) query = query.where('vendors.prefix', '=', vendorPrefix.toUpperCase());
  const candidates = await query.execute();
  const user = await chooseAccount(
    ctx.handle.db,
    'customer_users',
    candidates,
    password,
    ctx.config.passwordCost,
  );
  const session = await openPortalSession(ctx, reply, 'customer', {
    vendorId: user.vendor_id,
    subjectId: user.customer_id,
  });
  await markCabinetUsed(ctx, user.customer_id);
  return {
    vendorId: session.vendorId,
    customerId: session.subjectId,
    keyId: null,
    csrfToken: session.csrfToken,
  };
}

export async function authenticateCustomer(
  ctx: AppContext,
  request: FastifyRequest,
): Promise<CustomerPrincipal> {
  const session = await authenticatePortal(ctx, request, 'customer');
  if (session.keyId) await assertKeyStillHeld(ctx, session.keyId, session.subjectId);
  return {
    vendorId: session.vendorId,
    customerId: session.subjectId,
    keyId: session.keyId,
    csrfToken: session.csrfToken,
  };
}

/**
 * A session opened with a license key lasts as long as the key is this customer's: deleted, suspended,
 * revoked or moved to another customer, the key no longer opens the cabinet, nor does its session.
 */
async function assertKeyStillHeld(ctx: AppContext, keyId: string, customerId: string): Promise<void> {
  const key = await ctx.handle.db
    .selectFrom('license_keys')
    .select(['customer_id', 'status'])
    .where('id', '=', keyId)
    .executeTakeFirst();
  if (key?.status === 'active' && key.customer_id === customerId) return;
  throw new AppError('UNAUTHENTICATED', 'the license key of this session was deleted or moved; log in again');
}

/** The customer holds its licenses itself from its first login on: they are no longer stock (see attach). */
async function markCabinetUsed(ctx: AppContext, customerId: string): Promise<void> {
  await ctx.handle.db
    .updateTable('customers')
    .set({ cabinet_used_at: ctx.clock.now().toISOString() })
    .where('id', '=', customerId)
    .where('cabinet_used_at', 'is', null)
    .execute();
}
