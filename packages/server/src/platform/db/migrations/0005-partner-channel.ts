import type { Kysely } from 'kysely';

/** Partner users, orders, the entitlement ledger and draw-down requests (seed 002). */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s
    .createTable('partner_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await s
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('account_type', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('orders_account').on('orders').columns(['account_type', 'account_id']).execute();

  await s
    .createTable('order_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('license_type_id', 'text', (c) => c.notNull().references('license_types.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('term_unit', 'text')
    .addColumn('term_count', 'integer')
    .execute();

  // Balances are sums over this ledger, never edited: an order adds, a transfer moves, an issue spends.
  await s
    .createTable('entitlement_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('account_type', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('order_item_id', 'text', (c) => c.notNull().references('order_items.id'))
    .addColumn('license_type_id', 'text', (c) => c.notNull().references('license_types.id'))
    .addColumn('delta', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('ref_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await s
    .createIndex('entitlement_entries_account')
    .on('entitlement_entries')
    .columns(['account_type', 'account_id', 'order_item_id'])
    .execute();

  await s
    .createTable('drawdowns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
    .addColumn('new_customer', 'text')
    .addColumn('items', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('rejection_reason', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('cloned_from', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('accepted_at', 'text')
    .execute();
  await s.createIndex('drawdowns_partner').on('drawdowns').columns(['partner_id', 'id']).execute();
  await s.createIndex('drawdowns_state').on('drawdowns').columns(['vendor_id', 'state']).execute();
}
