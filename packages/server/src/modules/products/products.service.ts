import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import type { ProductTable } from '../../platform/db/schema.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';

export const toProduct = (row: ProductTable) => ({
  id: row.id,
  code: row.code,
  name: row.name,
  archived: Boolean(row.archived_at),
  createdAt: row.created_at,
});

export async function findProduct(db: Db, vendorId: string, id: string): Promise<ProductTable> {
  const row = await db
    .selectFrom('products')
    .selectAll()
    .where('vendor_id', '=', vendorId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('PRODUCT_NOT_FOUND', 'product');
  return row;
}

export async function listProducts(ctx: AppContext, principal: Principal) {
  const rows = await ctx.handle.db
    .selectFrom('products')
    .selectAll()
    .where('vendor_id', '=', principal.vendorId)
    .orderBy('code')
    .execute();
  return { data: rows.map(toProduct), nextCursor: null };
}

export async function getProduct(ctx: AppContext, principal: Principal, id: string) {
  return toProduct(await findProduct(ctx.handle.db, principal.vendorId, id));
}

export async function createProduct(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  input: { code: string; name: string },
) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const taken = await trx
      .selectFrom('products')
      .select('id')
      .where('vendor_id', '=', principal.vendorId)
      .where('code', '=', input.code)
      .executeTakeFirst();
    if (taken) throw new AppError('ALREADY_EXISTS', `a product with code ${input.code} exists`);
    const row: ProductTable = {
      id: newId(),
      vendor_id: principal.vendorId,
      code: input.code,
      name: input.name,
      created_at: now.toISOString(),
    };
    await trx.insertInto('products').values(row).execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'product.created',
      subjectType: 'product',
      subjectId: row.id,
      after: toProduct(row),
    });
    return toProduct(row);
  });
}

export async function updateProduct(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  id: string,
  input: { name?: string; archived?: boolean },
) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const before = await findProduct(trx, principal.vendorId, id);
    const after = {
      ...before,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.archived !== undefined
        ? { archived_at: input.archived ? (before.archived_at ?? now.toISOString()) : null }
        : {}),
    };
    await trx
      .updateTable('products')
      .set({ name: after.name, archived_at: after.archived_at ?? null })
      .where('id', '=', id)
      .execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'product.updated',
      subjectType: 'product',
      subjectId: id,
      before: toProduct(before),
      after: toProduct(after),
    });
    return toProduct(after);
  });
}

/**
 * Deletes a product nobody has used: no license, order, request or coupon batch names it or its types
 * (archive it otherwise). Its license types go with it.
 */
export async function deleteProduct(ctx: AppContext, principal: Principal, actor: Actor, id: string) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  await inTransaction(ctx.handle, async (trx) => {
    const product = await findProduct(trx, principal.vendorId, id);
    const types = await trx.selectFrom('license_types').select('id').where('product_id', '=', id).execute();
    await assertUnused(trx, principal.vendorId, [id, ...types.map((t) => t.id)], 'product');
    await trx.deleteFrom('license_types').where('product_id', '=', id).execute();
    await trx.deleteFrom('products').where('id', '=', id).execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'product.deleted',
      subjectType: 'product',
      subjectId: id,
      before: toProduct(product),
    });
  });
}

/**
 * Refuses (409 IN_USE) when a license, order line, request or coupon batch refers to any of these products
 * or license types: what was issued or sold keeps its catalog entry.
 */
export async function assertUnused(trx: Db, vendorId: string, ids: string[], what: string): Promise<void> {
  const used =
    (await trx
      .selectFrom('licenses')
      .select('id')
      .where((eb) => eb.or([eb('product_id', 'in', ids), eb('license_type_id', 'in', ids)]))
      .limit(1)
      .executeTakeFirst()) ??
    (await trx
      .selectFrom('order_items')
      .select('id')
      .where('license_type_id', 'in', ids)
      .limit(1)
      .executeTakeFirst()) ??
    (await trx
      .selectFrom('service_requests')
      .select('id')
      .where((eb) => eb.or([eb('product_id', 'in', ids), eb('license_type_id', 'in', ids)]))
      .limit(1)
      .executeTakeFirst());
  const batches = await trx
    .selectFrom('coupon_batches')
    .select('items')
    .where('vendor_id', '=', vendorId)
    .execute();
  const inBatch = batches.some((batch) => ids.some((id) => batch.items.includes(id)));
  if (used || inBatch)
    throw new AppError('IN_USE', `this ${what} has been issued, sold or put in coupons; archive it instead`);
}
