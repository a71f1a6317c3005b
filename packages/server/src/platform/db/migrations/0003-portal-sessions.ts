import type { Kysely } from 'kysely';

/**
 * Sessions of the two portals outside the vendor cabinet: the customer cabinet (a customer, or a license
 * key that then sees only itself) and the partner portal (a partner user).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('portal_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('portal', 'text', (c) => c.notNull())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.references('license_keys.id'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}
