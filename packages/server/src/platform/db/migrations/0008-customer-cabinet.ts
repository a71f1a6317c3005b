import type { Kysely } from 'kysely';

/** Customer logins, keys a customer added by hand (offline licenses), and renewal and order requests. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('customer_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('attached_licenses')
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('license_id', 'text', (c) => c.notNull().references('licenses.id'))
    .addColumn('source', 'text', (c) => c.notNull())
    // The key a key-login session attached it through: such a session sees only its own key's records.
    .addColumn('via_key_id', 'text')
    .addColumn('attached_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('attached_licenses_pk', ['customer_id', 'license_id'])
    .execute();
  await db.schema
    .createTable('service_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('license_id', 'text', (c) => c.references('licenses.id'))
    .addColumn('product_id', 'text', (c) => c.references('products.id'))
    .addColumn('comment', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('fulfilled_at', 'text')
    .addColumn('fulfilled_by', 'text')
    .execute();
}
