import type { Kysely } from 'kysely';

/**
 * When a customer first used its cabinet (by key or by password). A customer that never did may be stock —
 * keys in boxes on a shelf, which the buyer adds to its own cabinet; one that did holds its licenses itself.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('customers').addColumn('cabinet_used_at', 'text').execute();
}
