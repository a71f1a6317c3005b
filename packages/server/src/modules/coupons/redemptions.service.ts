import { type CodeProblem, parseCouponCode } from '@licensor/core';
import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { inTransaction, lockRows } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { type AppKey, findKeyByCode } from '../app-api/app-api.queries.js';
import { selectLicenses, toLicense } from '../licenses/licenses.queries.js';
import { applyCoupon, type CouponEffect, revertEffect } from './coupon-effects.js';
import { type Batch, findCouponByCode, toBatch, toRedemption } from './coupons.queries.js';

const CODE_PROBLEMS: Record<CodeProblem, () => AppError> = {
  MALFORMED: () =>
    new AppError('COUPON_MALFORMED', 'this is not a coupon code: it looks like ABCDUPD-XXXX-XXXX-XXXX-XXXX'),
  BAD_CHECK: () =>
    new AppError('COUPON_MISTYPED', 'the coupon code has a typo: its check character does not match'),
  WRONG_KIND: () => new AppError('NOT_A_COUPON', 'this looks like a license key, not a coupon code'),
};

/** The coupon code as typed, or a clear error for each way it can be wrong. */
function readCouponCode(input: string): { prefix: string; code: string } {
  const parsed = parseCouponCode(input);
  if (!parsed.ok) throw CODE_PROBLEMS[parsed.problem]();
  return parsed;
}

export interface RedeemInput {
  key: string;
  coupon: string;
}

/** Who may redeem against which keys: an app or a customer holds the key; vendor staff act within their vendor. */
export interface Redeemer {
  readonly actor: Actor;
  /** Staff of this vendor may only redeem on its keys. */
  readonly vendorId?: string;
}

/**
 * A coupon's effect reads expiries and writes them back: the key's license rows stay locked until the
 * transaction ends, so a second coupon, a renewal or a revert on the same key waits and reads the new
 * expiry instead of overwriting it (invariant 9). Always in id order, so two of them never deadlock.
 */
async function lockKeyLicenses(handle: AppContext['handle'], trx: Db, keyId: string): Promise<void> {
  await lockRows(
    handle,
    trx.selectFrom('licenses').select('id').where('key_id', '=', keyId).orderBy('id'),
  ).execute();
}

/** Redeems inside the caller's transaction (coupon generation with "activate now" uses it too). */
export async function redeemWith(
  trx: Db,
  handle: AppContext['handle'],
  key: AppKey,
  batch: Batch & { couponId: string },
  actor: Actor,
  now: Date,
) {
  await lockRows(handle, trx.selectFrom('coupons').select('id').where('id', '=', batch.couponId)).execute();
  const slot = batch.reusable ? key.id : 'once';
  const live = await trx
    .selectFrom('redemptions')
    .select('id')
    .where('coupon_id', '=', batch.couponId)
    .where('slot', '=', slot)
    .where('reverted_at', 'is', null)
    .executeTakeFirst();
  if (live) {
    throw batch.reusable
      ? new AppError(
          'COUPON_ALREADY_USED_ON_KEY',
          'this reusable coupon has already been redeemed on this key',
        )
      : new AppError('COUPON_ALREADY_USED', 'this coupon has already been redeemed');
  }
  if (batch.type === 'change_composition' && batch.keyId !== key.id) {
    throw new AppError('COUPON_NOT_APPLICABLE', 'this upgrade coupon was made for another license key');
  }
  await lockKeyLicenses(handle, trx, key.id);
  const effect = await applyCoupon(trx, key.vendorId, key.id, batch.type, batch.items, now);
  const id = newId();
  await trx
    .insertInto('redemptions')
    .values({
      id,
      vendor_id: key.vendorId,
      coupon_id: batch.couponId,
      key_id: key.id,
      slot,
      channel: actor.channel,
      actor_type: actor.type,
      actor_id: actor.id,
      actor_name: actor.name,
      effect: JSON.stringify(effect),
      redeemed_at: now.toISOString(),
      reverted_at: null,
      reverted_by: null,
    })
    .execute();
  await recordEvent(trx, key.vendorId, actor, now, {
    type: 'coupon.redeemed',
    subjectType: 'redemption',
    subjectId: id,
    keyId: key.id,
    customerId: key.customerId,
    after: { couponId: batch.couponId, type: batch.type, effect },
  });
  return id;
}

/**
 * Redeems a coupon on a key — the same use case whether an app, the customer in the cabinet or
 * vendor staff do it; only the recorded channel and actor differ. Answers the key's licenses after.
 */
export async function redeemCoupon(ctx: AppContext, redeemer: Redeemer, input: RedeemInput) {
  const code = readCouponCode(input.coupon);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const { key } = await findKeyByCode(trx, input.key);
    if (!key || (redeemer.vendorId && key.vendorId !== redeemer.vendorId))
      throw notFound('KEY_NOT_FOUND', 'license key');
    if (key.status !== 'active')
      throw new AppError('KEY_DELETED', 'coupons cannot be redeemed on a deleted or suspended key');
    const vendor = await trx
      .selectFrom('vendors')
      .select('prefix')
      .where('id', '=', key.vendorId)
      .executeTakeFirstOrThrow();
    if (code.prefix !== vendor.prefix) {
      throw new AppError(
        'COUPON_WRONG_VENDOR',
        `coupons for this key start with ${vendor.prefix}UPD; this one is for another vendor`,
      );
    }
    const coupon = await findCouponByCode(trx, key.vendorId, code.code);
    if (!coupon) throw notFound('COUPON_NOT_FOUND', 'coupon');
    const redemptionId = await redeemWith(
      trx,
      ctx.handle,
      key,
      { ...toBatch(coupon), couponId: coupon.couponId },
      redeemer.actor,
      now,
    );
    const licenses = await selectLicenses(trx)
      .where('licenses.key_id', '=', key.id)
      .orderBy('licenses.id')
      .execute();
    return {
      redemptionId,
      keyId: key.id,
      licenses: licenses.map((row) => toLicense(row, now)),
      vendorId: key.vendorId,
    };
  });
}

/** Undoes a redemption made by mistake; a single-use coupon becomes usable again. */
export async function revertRedemption(ctx: AppContext, principal: Principal, actor: Actor, id: string) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const redemption = await trx
      .selectFrom('redemptions')
      .selectAll()
      .where('vendor_id', '=', principal.vendorId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!redemption) throw notFound('REDEMPTION_NOT_FOUND', 'redemption');
    await lockRows(
      ctx.handle,
      trx.selectFrom('coupons').select('id').where('id', '=', redemption.coupon_id),
    ).execute();
    const current = await trx
      .selectFrom('redemptions')
      .select('reverted_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    if (current.reverted_at)
      throw new AppError('INVALID_TRANSITION', 'this redemption has already been reverted');
    await lockKeyLicenses(ctx.handle, trx, redemption.key_id);
    const effect = JSON.parse(redemption.effect) as CouponEffect;
    await revertEffect(trx, effect, now);
    await trx
      .updateTable('redemptions')
      .set({ reverted_at: now.toISOString(), reverted_by: actor.name ?? actor.id })
      .where('id', '=', id)
      .execute();
    const key = await trx
      .selectFrom('license_keys')
      .select('customer_id')
      .where('id', '=', redemption.key_id)
      .executeTakeFirstOrThrow();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'coupon.reverted',
      subjectType: 'redemption',
      subjectId: id,
      keyId: redemption.key_id,
      customerId: key.customer_id,
      before: { effect },
    });
    return toRedemption({
      ...redemption,
      reverted_at: now.toISOString(),
      reverted_by: actor.name ?? actor.id,
    });
  });
}
