import type { Term } from '@licensor/core';
import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { DEFAULT_PAGE_SIZE, pageOf } from '../../platform/db/paging.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { findCustomer } from '../customers/customers.service.js';
import { type Account, postEntries } from '../entitlements/ledger.js';
import { findLicenseType } from '../license-types/license-types.service.js';
import { assertPartnerOf } from '../partners/partners.service.js';

export interface OrderInput {
  account: Account;
  reference?: string;
  comment?: string | null;
  items: { licenseTypeId: string; quantity: number; term?: Term | null }[];
}

export async function assertAccountOf(db: Db, vendorId: string, account: Account): Promise<void> {
  if (account.type === 'partner') await assertPartnerOf(db, vendorId, account.id);
  else await findCustomer(db, vendorId, account.id);
}

async function orderItems(db: Db, orderIds: string[]) {
  if (orderIds.length === 0) return [];
  return db
    .selectFrom('order_items')
    .innerJoin('license_types', 'license_types.id', 'order_items.license_type_id')
    .innerJoin('products', 'products.id', 'license_types.product_id')
    .select([
      'order_items.id',
      'order_items.order_id',
      'order_items.license_type_id',
      'order_items.quantity',
      'order_items.term_unit',
      'order_items.term_count',
      'license_types.name as type_name',
      'products.code as product_code',
      'products.name as product_name',
    ])
    .where('order_items.order_id', 'in', orderIds)
    .orderBy('order_items.id')
    .execute();
}

/** Orders with their items (product, license type, quantity, term). */
export async function ordersWithItems(
  db: Db,
  orders: {
    id: string;
    account_type: string;
    account_id: string;
    reference: string;
    comment: string | null;
    created_at: string;
  }[],
) {
  const items = await orderItems(
    db,
    orders.map((o) => o.id),
  );
  return orders.map((order) => ({
    id: order.id,
    account: { type: order.account_type, id: order.account_id },
    reference: order.reference,
    comment: order.comment,
    createdAt: order.created_at,
    items: items
      .filter((item) => item.order_id === order.id)
      .map((item) => ({
        id: item.id,
        licenseTypeId: item.license_type_id,
        licenseTypeName: item.type_name,
        productCode: item.product_code,
        productName: item.product_name,
        quantity: item.quantity,
        term: item.term_unit && item.term_count ? { unit: item.term_unit, count: item.term_count } : null,
      })),
  }));
}

/** The vendor records what a partner (or customer) bought: the ledger gains each item's quantity. */
export async function createOrder(ctx: AppContext, principal: Principal, actor: Actor, input: OrderInput) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    await assertAccountOf(trx, principal.vendorId, input.account);
    const id = newId();
    const reference =
      input.reference ??
      `ORD-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${id.slice(-6).toUpperCase()}`;
    await trx
      .insertInto('orders')
      .values({
        id,
        vendor_id: principal.vendorId,
        account_type: input.account.type,
        account_id: input.account.id,
        reference,
        comment: input.comment ?? null,
        created_at: now.toISOString(),
      })
      .execute();
    for (const item of input.items) {
      const type = await findLicenseType(trx, principal.vendorId, item.licenseTypeId);
      const term =
        item.term === undefined
          ? type.term_unit && type.term_count
            ? { unit: type.term_unit, count: type.term_count }
            : null
          : item.term;
      const itemId = newId();
      await trx
        .insertInto('order_items')
        .values({
          id: itemId,
          order_id: id,
          license_type_id: type.id,
          quantity: item.quantity,
          term_unit: term?.unit ?? null,
          term_count: term?.count ?? null,
        })
        .execute();
      await postEntries(
        trx,
        principal.vendorId,
        [
          {
            account: input.account,
            orderItemId: itemId,
            licenseTypeId: type.id,
            delta: item.quantity,
            reason: 'order',
            refId: id,
          },
        ],
        now,
      );
    }
    const [order] = await ordersWithItems(trx, [
      {
        id,
        account_type: input.account.type,
        account_id: input.account.id,
        reference,
        comment: input.comment ?? null,
        created_at: now.toISOString(),
      },
    ]);
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'order.created',
      subjectType: 'order',
      subjectId: id,
      customerId: input.account.type === 'customer' ? input.account.id : null,
      after: order,
    });
    return order;
  });
}

/** Orders newest first (the vendor's, or one account's), a page below the cursor: the last id of the page before. */
export async function listOrders(
  db: Db,
  vendorId: string,
  account?: Account,
  page: { limit?: number; cursor?: string } = {},
) {
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  let query = db.selectFrom('orders').selectAll().where('vendor_id', '=', vendorId);
  if (account) query = query.where('account_type', '=', account.type).where('account_id', '=', account.id);
  if (page.cursor) query = query.where('id', '<', page.cursor);
  const rows = pageOf(
    await query
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute(),
    limit,
  );
  return { data: await ordersWithItems(db, rows.data), nextCursor: rows.nextCursor };
}

export async function findOrder(db: Db, vendorId: string, id: string, account?: Account) {
  let query = db.selectFrom('orders').selectAll().where('vendor_id', '=', vendorId).where('id', '=', id);
  if (account) query = query.where('account_type', '=', account.type).where('account_id', '=', account.id);
  const order = await query.executeTakeFirst();
  if (!order) throw notFound('ORDER_NOT_FOUND', 'order');
  return (await ordersWithItems(db, [order]))[0];
}
