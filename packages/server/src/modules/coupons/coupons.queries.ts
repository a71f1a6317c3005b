import type { Db } from '../../platform/db/database.js';
import type { CouponBatchTable, RedemptionTable } from '../../platform/db/schema.js';
import type { CouponEffect } from './coupon-effects.js';
import type { CouponItem, CouponType } from './coupon-items.js';

export interface Batch {
  id: string;
  type: CouponType;
  partnerId: string | null;
  items: CouponItem[];
  count: number;
  reusable: boolean;
  keyId: string | null;
  activateNow: boolean;
  comment: string | null;
  createdAt: string;
}

export const toBatch = (row: CouponBatchTable): Batch => ({
  id: row.id,
  type: row.type as CouponType,
  partnerId: row.partner_id,
  items: JSON.parse(row.items) as CouponItem[],
  count: row.count,
  reusable: row.reusable === 1,
  keyId: row.key_id,
  activateNow: row.activate_now === 1,
  comment: row.comment,
  createdAt: row.created_at,
});

export const toRedemption = (row: RedemptionTable & { code?: string; key?: string }) => ({
  id: row.id,
  couponId: row.coupon_id,
  ...(row.code ? { code: row.code } : {}),
  keyId: row.key_id,
  ...(row.key ? { key: row.key } : {}),
  channel: row.channel,
  actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
  effect: JSON.parse(row.effect) as CouponEffect,
  redeemedAt: row.redeemed_at,
  revertedAt: row.reverted_at,
  revertedBy: row.reverted_by,
});

/** A coupon with its batch, found by its canonical code within one vendor. */
export function findCouponByCode(db: Db, vendorId: string, code: string) {
  return db
    .selectFrom('coupons')
    .innerJoin('coupon_batches', 'coupon_batches.id', 'coupons.batch_id')
    .selectAll('coupon_batches')
    .select('coupons.id as couponId')
    .where('coupons.vendor_id', '=', vendorId)
    .where('coupons.code', '=', code)
    .executeTakeFirst();
}

/** Redemptions with their coupon code and key, newest first. */
export function selectRedemptions(db: Db) {
  return db
    .selectFrom('redemptions')
    .innerJoin('coupons', 'coupons.id', 'redemptions.coupon_id')
    .innerJoin('license_keys', 'license_keys.id', 'redemptions.key_id')
    .selectAll('redemptions')
    .select(['coupons.code', 'license_keys.key'])
    .orderBy('redemptions.id', 'desc');
}
