import type { Term } from '@licensor/core';
import type { Db } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/errors.js';

export const COUPON_TYPES = ['add_product', 'extend_trial', 'change_composition'] as const;
export type CouponType = (typeof COUPON_TYPES)[number];

/** What the vendor asks for in the generator: a product or license type, with a period or days. */
export interface CouponItemInput {
  productId?: string;
  licenseTypeId?: string;
  term?: Term | null;
  days?: number;
}

/** A batch item as stored: resolved once, so every coupon of the batch does the same thing. */
export interface CouponItem {
  productId: string;
  productCode: string;
  licenseTypeId: string;
  licenseTypeName: string;
  /** The period a license gets (add_product, change_composition); null = perpetual. */
  term: Term | null;
  /** The remaining trial days (extend_trial). */
  days?: number;
}

/**
 * Resolves generator items to license types of the vendor. A product alone names its license type
 * when it has exactly one (or, for trial extension, exactly one trial type).
 */
export async function resolveItems(
  db: Db,
  vendorId: string,
  type: CouponType,
  inputs: CouponItemInput[],
): Promise<CouponItem[]> {
  if (inputs.length === 0) throw new AppError('VALIDATION_FAILED', 'a coupon needs at least one product');
  if (type === 'extend_trial' && inputs.length !== 1) {
    throw new AppError('VALIDATION_FAILED', 'a trial extension coupon names exactly one product');
  }
  const items: CouponItem[] = [];
  for (const input of inputs) {
    let query = db
      .selectFrom('license_types')
      .innerJoin('products', 'products.id', 'license_types.product_id')
      .select([
        'license_types.id',
        'license_types.name',
        'license_types.mode',
        'license_types.term_unit',
        'license_types.term_count',
        'products.id as productId',
        'products.code',
      ])
      .where('license_types.vendor_id', '=', vendorId);
    if (input.licenseTypeId) query = query.where('license_types.id', '=', input.licenseTypeId);
    else if (input.productId) query = query.where('license_types.product_id', '=', input.productId);
    else throw new AppError('VALIDATION_FAILED', 'each item names a productId or a licenseTypeId');
    let types = await query.execute();
    if (type === 'extend_trial') types = types.filter((t) => t.mode === 'trial');
    if (types.length === 0) {
      throw input.licenseTypeId
        ? notFound('LICENSE_TYPE_NOT_FOUND', type === 'extend_trial' ? 'trial license type' : 'license type')
        : notFound(
            'PRODUCT_NOT_FOUND',
            type === 'extend_trial' ? 'product with a trial license type' : 'product',
          );
    }
    if (types.length > 1) {
      throw new AppError(
        'VALIDATION_FAILED',
        `product ${types[0].code} has several license types; name the licenseTypeId`,
      );
    }
    const [chosen] = types;
    if (type === 'extend_trial' && !input.days)
      throw new AppError('VALIDATION_FAILED', 'a trial extension needs days');
    const typeTerm: Term | null =
      chosen.term_unit && chosen.term_count
        ? { unit: chosen.term_unit as Term['unit'], count: chosen.term_count }
        : null;
    items.push({
      productId: chosen.productId,
      productCode: chosen.code,
      licenseTypeId: chosen.id,
      licenseTypeName: chosen.name,
      term: input.term === undefined ? typeTerm : input.term,
      ...(type === 'extend_trial' ? { days: input.days } : {}),
    });
  }
  const products = items.map((item) => item.productId);
  if (new Set(products).size !== products.length)
    throw new AppError('VALIDATION_FAILED', 'each product may appear once');
  return items;
}
