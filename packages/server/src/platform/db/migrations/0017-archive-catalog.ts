import type { Kysely } from 'kysely';

/** Products and license types can be archived: no new issues, still valid for what was issued. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('products').addColumn('archived_at', 'text').execute();
  await db.schema.alterTable('license_types').addColumn('archived_at', 'text').execute();
}
