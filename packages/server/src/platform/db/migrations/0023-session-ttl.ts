import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * A session keeps the TTL it was opened with, so that a heartbeat can extend it in one statement (on PostgreSQL
 * one round trip, computing the new expiry in the database) instead of reading it first. Open sessions get
 * theirs from their current expiry; ended ones never beat again and keep none.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('ttl_seconds', 'integer').execute();
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const seconds = postgres
    ? sql`round(extract(epoch from (expires_at::timestamptz - last_heartbeat_at::timestamptz)))`
    : sql`cast(round((julianday(expires_at) - julianday(last_heartbeat_at)) * 86400) as integer)`;
  await sql`update sessions set ttl_seconds = ${seconds} where ended_at is null`.execute(db);
}
