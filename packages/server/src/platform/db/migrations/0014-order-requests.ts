import type { Kysely } from 'kysely';

/** "Order a new license" (seed 003) names the license type and how many, besides the product. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('service_requests')
    .addColumn('license_type_id', 'text', (c) => c.references('license_types.id'))
    .execute();
  await db.schema
    .alterTable('service_requests')
    .addColumn('quantity', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}
