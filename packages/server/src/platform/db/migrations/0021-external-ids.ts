import type { Kysely } from 'kysely';

/**
 * External ids of imported rows (`licensor import`): the id a row had in the system it came from, per vendor
 * and kind, so importing the same file again finds what the first import wrote instead of writing it twice.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('external_ids')
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('external_ids_pk', ['vendor_id', 'kind', 'external_id'])
    .execute();
}
