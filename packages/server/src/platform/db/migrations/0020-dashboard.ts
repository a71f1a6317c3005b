import type { Kysely } from 'kysely';

/**
 * The dashboard's numbers: validations counted per vendor, day and outcome (added up in memory and written a
 * few times a minute, never one row per check), and an index to count a vendor's activations without reading
 * its licenses.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema;
  await s
    .createTable('validation_counts')
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('validation_counts_pk', ['vendor_id', 'day', 'code'])
    .execute();
  await s.createIndex('bindings_vendor').on('bindings').column('vendor_id').execute();
}
