import type { Kysely } from 'kysely';

/** Customer cabinet sessions: a customer logged in, or a license key logged in (which sees only that key). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('customer_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('key_id', 'text', (c) => c.references('license_keys.id'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}
