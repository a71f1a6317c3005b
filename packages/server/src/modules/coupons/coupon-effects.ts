import { addDays, addTerm, renewedExpiry } from '@licensor/core';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import { expiryText } from '../licenses/license-expiry.js';
import { type LicenseRow, selectLicenses, statusOf } from '../licenses/licenses.queries.js';
import type { CouponItem, CouponType } from './coupon-items.js';

/** Exactly what a redemption changed, kept so that a revert undoes that and nothing else. */
export interface CouponEffect {
  created: string[];
  extended: { licenseId: string; from: string; to: string }[];
  superseded: string[];
}

const HELD = new Set(['unused', 'active', 'expiring', 'expired', 'suspended']);

/** The key's license of a product that a coupon builds on: the latest-ending one still held. */
function heldLicense(rows: LicenseRow[], productId: string, now: Date): LicenseRow | undefined {
  const held = rows.filter((row) => row.product_id === productId && HELD.has(statusOf(row, now)));
  return held.sort((a, b) => (b.expires_at ?? '9999').localeCompare(a.expires_at ?? '9999'))[0];
}

async function createLicense(
  trx: Db,
  vendorId: string,
  keyId: string,
  item: CouponItem,
  now: Date,
): Promise<string> {
  const id = newId();
  const at = now.toISOString();
  await trx
    .insertInto('licenses')
    .values({
      id,
      vendor_id: vendorId,
      key_id: keyId,
      product_id: item.productId,
      license_type_id: item.licenseTypeId,
      starts_at: at,
      expires_at: item.term ? expiryText(addTerm(now, item.term)) : null,
      suspended_at: null,
      revoked_at: null,
      superseded_at: null,
      created_at: at,
      updated_at: at,
    })
    .execute();
  return id;
}

async function setExpiry(trx: Db, licenseId: string, expiresAt: string | null, now: Date): Promise<void> {
  await trx
    .updateTable('licenses')
    .set({ expires_at: expiresAt, updated_at: now.toISOString() })
    .where('id', '=', licenseId)
    .execute();
}

/**
 * Adds the product, or extends the license the key already holds from its current expiry
 * (a perpetual grant is always a new license; a perpetual license held already needs nothing).
 */
async function addOrExtend(
  trx: Db,
  vendorId: string,
  keyId: string,
  rows: LicenseRow[],
  item: CouponItem,
  now: Date,
  effect: CouponEffect,
): Promise<void> {
  const held = heldLicense(rows, item.productId, now);
  if (!held || item.term === null) {
    effect.created.push(await createLicense(trx, vendorId, keyId, item, now));
    return;
  }
  if (held.expires_at === null) return;
  const to = expiryText(renewedExpiry(new Date(held.expires_at), now, item.term)!);
  await setExpiry(trx, held.id, to, now);
  effect.extended.push({ licenseId: held.id, from: held.expires_at, to });
}

/** Applies one coupon to a key inside the caller's transaction and says what changed. */
export async function applyCoupon(
  trx: Db,
  vendorId: string,
  keyId: string,
  type: CouponType,
  items: CouponItem[],
  now: Date,
): Promise<CouponEffect> {
  const rows = await selectLicenses(trx).where('licenses.key_id', '=', keyId).execute();
  const effect: CouponEffect = { created: [], extended: [], superseded: [] };
  switch (type) {
    case 'add_product':
      for (const item of items) await addOrExtend(trx, vendorId, keyId, rows, item, now, effect);
      break;
    case 'extend_trial': {
      const [item] = items;
      const trial = rows.find(
        (row) => row.product_id === item.productId && row.mode === 'trial' && HELD.has(statusOf(row, now)),
      );
      if (!trial)
        throw new AppError('COUPON_NOT_APPLICABLE', `the key holds no ${item.productCode} trial to extend`);
      const to = addDays(now, item.days ?? 0).toISOString();
      if (trial.expires_at === null || to <= trial.expires_at) {
        throw new AppError(
          'COUPON_NOT_APPLICABLE',
          `the ${item.productCode} trial already runs longer than ${item.days} days`,
        );
      }
      await setExpiry(trx, trial.id, to, now);
      effect.extended.push({ licenseId: trial.id, from: trial.expires_at, to });
      break;
    }
    case 'change_composition': {
      const listed = new Set(items.map((item) => item.productId));
      for (const row of rows) {
        if (listed.has(row.product_id) || !HELD.has(statusOf(row, now))) continue;
        await trx
          .updateTable('licenses')
          .set({ superseded_at: now.toISOString(), updated_at: now.toISOString() })
          .where('id', '=', row.id)
          .execute();
        effect.superseded.push(row.id);
      }
      for (const item of items) await addOrExtend(trx, vendorId, keyId, rows, item, now, effect);
      break;
    }
  }
  return effect;
}

/** Undoes exactly a redemption's effect: its new licenses revoked, its extensions taken back, replaced editions restored. */
export async function revertEffect(trx: Db, effect: CouponEffect, now: Date): Promise<void> {
  const at = now.toISOString();
  if (effect.created.length > 0) {
    await trx
      .updateTable('licenses')
      .set({ revoked_at: at, updated_at: at })
      .where('id', 'in', effect.created)
      .where('revoked_at', 'is', null)
      .execute();
  }
  for (const extension of effect.extended) {
    const row = await trx
      .selectFrom('licenses')
      .select('expires_at')
      .where('id', '=', extension.licenseId)
      .executeTakeFirstOrThrow();
    if (!row.expires_at) continue;
    // Take back the days this redemption added, keeping any renewal made since.
    const added = new Date(extension.to).getTime() - new Date(extension.from).getTime();
    await setExpiry(
      trx,
      extension.licenseId,
      new Date(new Date(row.expires_at).getTime() - added).toISOString(),
      now,
    );
  }
  if (effect.superseded.length > 0) {
    await trx
      .updateTable('licenses')
      .set({ superseded_at: null, updated_at: at })
      .where('id', 'in', effect.superseded)
      .execute();
  }
}
