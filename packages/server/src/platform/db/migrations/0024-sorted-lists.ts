import type { Kysely } from 'kysely';

/**
 * Indexes for the cabinet's sorted and paged lists (issue 13): the vendor's licenses newest first and by expiry
 * (soonest first, ties by id, so a page ends exactly where the next begins), and orders newest first, the
 * vendor's and one account's; customers by name with their id. The by-expiry index replaces the one without id: the reminder scan reads the
 * same range from it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.dropIndex('licenses_vendor_expiry').execute();
  await s
    .createIndex('licenses_vendor_expiry_id')
    .on('licenses')
    .columns(['vendor_id', 'expires_at', 'id'])
    .execute();
  await s.createIndex('licenses_vendor_id').on('licenses').columns(['vendor_id', 'id']).execute();
  // Customers by name with their id, the tie-break of the by-customer order (a superset of the old index).
  await s.dropIndex('customers_vendor_name').execute();
  await s
    .createIndex('customers_vendor_name_id')
    .on('customers')
    .columns(['vendor_id', 'name', 'id'])
    .execute();
  await s.dropIndex('orders_account').execute();
  await s
    .createIndex('orders_account_id')
    .on('orders')
    .columns(['account_type', 'account_id', 'id'])
    .execute();
  await s.createIndex('orders_vendor_id').on('orders').columns(['vendor_id', 'id']).execute();
}
