import { type Kysely, sql } from 'kysely';

/**
 * Each license counts its open sessions (started and not yet ended, whether or not past their TTL), so that
 * opening one is a conditional increment of that counter — `live_sessions < max_sessions` — taken as the last
 * step of its transaction, instead of counting the license's live sessions under its row lock: opens on one
 * license with 100,000 live no longer wait for each other's counts.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('licenses')
    .addColumn('live_sessions', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update licenses set live_sessions = live.n
    from (select license_id, count(*) as n from sessions where ended_at is null group by license_id) as live
    where licenses.id = live.license_id`.execute(db);
}
