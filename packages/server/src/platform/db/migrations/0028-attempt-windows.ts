import type { Kysely } from 'kysely';

/**
 * Login attempts counted in the database, per minute and per what is limited (an address, an address and an
 * account), so every server process (`WEB_CONCURRENCY`, several hosts) draws on one budget: counted in each
 * process's memory, N processes let an attacker guess N times as often. Names are keyed digests (HMAC under the
 * master key): no address or e-mail is kept.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('attempt_windows')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('attempt_windows_by_start')
    .on('attempt_windows')
    .column('window_start')
    .execute();
}
