import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { insertTerms, termRows } from '../../../modules/customers/search-terms.js';
import type { Db } from '../database.js';

/**
 * Indexes for every per-request path, so none reads a table that grows with customers (DESIGN §6.11),
 * and the search-term table behind customer and key search.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  // Live sessions of one license (the seat count of every validation and check-out), and the one a resource
  // holds: only open sessions are indexed, so ended history never slows them. The reaper walks them by expiry.
  await s.dropIndex('sessions_license_live').execute();
  await s.dropIndex('sessions_expiry').execute();
  await s
    .createIndex('sessions_open_by_license')
    .on('sessions')
    .columns(['license_id', 'expires_at'])
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
  await s
    .createIndex('sessions_open_by_resource')
    .on('sessions')
    .columns(['resource_id', 'license_id'])
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
  await s
    .createIndex('sessions_open_by_expiry')
    .on('sessions')
    .column('expires_at')
    .where(sql.ref('ended_at'), 'is', null)
    .execute();

  // Newest-first lists of the cabinet, each paged by id within its owner.
  await s.createIndex('customers_vendor_id').on('customers').columns(['vendor_id', 'id']).execute();
  await s.createIndex('customers_partner_name').on('customers').columns(['partner_id', 'name']).execute();
  await s.createIndex('license_keys_vendor_id').on('license_keys').columns(['vendor_id', 'id']).execute();
  await s.createIndex('events_vendor_type').on('events').columns(['vendor_id', 'type', 'id']).execute();
  await s
    .createIndex('service_requests_vendor_state')
    .on('service_requests')
    .columns(['vendor_id', 'state', 'id'])
    .execute();
  await s
    .createIndex('service_requests_customer')
    .on('service_requests')
    .columns(['customer_id', 'id'])
    .execute();
  await s.createIndex('redemptions_coupon').on('redemptions').columns(['coupon_id']).execute();

  // The reminder scan reads the licenses whose expiry falls on the days crossed since the vendor's last scan,
  // and those issued or changed since then.
  await s.createIndex('licenses_vendor_expiry').on('licenses').columns(['vendor_id', 'expires_at']).execute();
  await s
    .createIndex('licenses_vendor_updated')
    .on('licenses')
    .columns(['vendor_id', 'updated_at'])
    .execute();
  await s.alterTable('vendors').addColumn('reminders_scanned_at', 'text').execute();

  // Search by word prefix: lower-cased words of a customer's name, contact and e-mail, and the groups of its
  // keys. Compared byte-wise (collation C on PostgreSQL) so a prefix is a plain index range.
  await s
    .createTable('search_terms')
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('term', 'text', (c) => (postgres ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull()))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('key_id', 'text', (c) => c.references('license_keys.id'))
    .execute();
  await s
    .createIndex('search_terms_prefix')
    .on('search_terms')
    .columns(['vendor_id', 'term', 'customer_id', 'key_id'])
    .execute();
  await s
    .createIndex('search_terms_customer')
    .on('search_terms')
    .columns(['customer_id', 'key_id'])
    .execute();
  await s.createIndex('search_terms_key').on('search_terms').column('key_id').execute();

  // Terms for the customers and keys that exist already.
  // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
  const typed = db as Kysely<any>;
  const keys = new Map<string, { id: string; key: string }[]>();
  for (const key of await typed.selectFrom('license_keys').select(['id', 'key', 'customer_id']).execute())
    (keys.get(key.customer_id) ?? keys.set(key.customer_id, []).get(key.customer_id)!).push(key);
  const customers = await typed
    .selectFrom('customers')
    .select(['id', 'vendor_id', 'name', 'contact_name', 'email'])
    .execute();
  await insertTerms(
    typed as Db,
    customers.flatMap((c) => termRows(c.vendor_id, c.id, c, keys.get(c.id) ?? [])),
  );
}
