import type { AppContext } from '../../platform/context.js';
import { notFound } from '../../platform/errors.js';
import { selectRedemptions, toRedemption } from '../coupons/coupons.queries.js';
import { redeemCoupon } from '../coupons/redemptions.service.js';
import { selectLicenses, toLicense } from '../licenses/licenses.queries.js';
import { type CustomerPrincipal, customerActor } from './customer-auth.js';

/** The keys this session may see: the one it logged in with, or all of the customer's live keys. */
async function visibleKeys(ctx: AppContext, principal: CustomerPrincipal) {
  let query = ctx.handle.db
    .selectFrom('license_keys')
    .select(['id', 'key', 'status'])
    .where('vendor_id', '=', principal.vendorId)
    .where('customer_id', '=', principal.customerId)
    .where('deleted_at', 'is', null);
  if (principal.keyId) query = query.where('id', '=', principal.keyId);
  return query.orderBy('id').execute();
}

export async function customerMe(ctx: AppContext, principal: CustomerPrincipal) {
  const customer = await ctx.handle.db
    .selectFrom('customers')
    .innerJoin('vendors', 'vendors.id', 'customers.vendor_id')
    .select(['customers.id', 'customers.name', 'vendors.name as vendorName', 'vendors.prefix'])
    .where('customers.id', '=', principal.customerId)
    .executeTakeFirstOrThrow();
  return {
    customer: { id: customer.id, name: customer.name },
    vendor: { name: customer.vendorName, prefix: customer.prefix },
    keys: await visibleKeys(ctx, principal),
    loggedInWithKey: principal.keyId !== null,
    csrfToken: principal.csrfToken,
  };
}

export async function customerLicenses(ctx: AppContext, principal: CustomerPrincipal) {
  const keys = await visibleKeys(ctx, principal);
  if (keys.length === 0) return { data: [], nextCursor: null };
  const now = ctx.clock.now();
  const rows = await selectLicenses(ctx.handle.db)
    .where(
      'licenses.key_id',
      'in',
      keys.map((k) => k.id),
    )
    // Replaced editions and revoked grants are no longer the customer's.
    .where('licenses.superseded_at', 'is', null)
    .where('licenses.revoked_at', 'is', null)
    .orderBy('licenses.id')
    .execute();
  return { data: rows.map((row) => toLicense(row, now)), nextCursor: null };
}

/** The customer redeems a coupon on its key in the cabinet (seed 004, the second of three ways). */
export async function customerRedeem(
  ctx: AppContext,
  principal: CustomerPrincipal,
  input: { coupon: string; keyId?: string },
) {
  const keys = await visibleKeys(ctx, principal);
  const key = input.keyId ? keys.find((k) => k.id === input.keyId) : keys[0];
  if (!key) throw notFound('KEY_NOT_FOUND', 'license key');
  const { vendorId: _, ...redeemed } = await redeemCoupon(
    ctx,
    { actor: customerActor(principal), vendorId: principal.vendorId },
    { key: key.key, coupon: input.coupon },
  );
  return redeemed;
}

export async function customerRedemptions(ctx: AppContext, principal: CustomerPrincipal) {
  const keys = await visibleKeys(ctx, principal);
  if (keys.length === 0) return { data: [], nextCursor: null };
  const rows = await selectRedemptions(ctx.handle.db)
    .where(
      'redemptions.key_id',
      'in',
      keys.map((k) => k.id),
    )
    .execute();
  return { data: rows.map(toRedemption), nextCursor: null };
}
