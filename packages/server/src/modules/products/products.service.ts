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
  input: { name?: string },
) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const before = await findProduct(trx, principal.vendorId, id);
    const after = { ...before, ...(input.name !== undefined ? { name: input.name } : {}) };
    await trx.updateTable('products').set({ name: after.name }).where('id', '=', id).execute();
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
