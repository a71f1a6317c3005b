import { type Kysely, sql } from 'kysely';

/**
 * Each license counts its open sessions (started and not yet ended, whether or not past their TTL), so that
 * opening one is a conditional increment of that counter — `live_sessions < max_sessions` — taken as the last
 * step of its transaction, instead of counting the license's live sessions under its row lock: opens on one
 * license with 100,000 live no longer wait for each other's counts. Without that lock, what keeps one machine
 * to one session of a license when it opens several at once is a unique index over the open ones; the
 * duplicates earlier versions let through after an expiry are ended first (the newest stays).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await sql`update sessions set ended_at = expires_at, end_reason = 'expired'
    where ended_at is null and exists (
      select 1 from sessions newer
       where newer.license_id = sessions.license_id and newer.resource_kind = sessions.resource_kind
         and newer.resource_id = sessions.resource_id and newer.ended_at is null
         and (newer.expires_at > sessions.expires_at or (newer.expires_at = sessions.expires_at and newer.id > sessions.id)))`.execute(
    db,
  );
  await db.schema
    .createIndex('sessions_one_open_per_resource')
    .unique()
    .on('sessions')
    .columns(['license_id', 'resource_kind', 'resource_id'])
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
  await db.schema
    .alterTable('licenses')
    .addColumn('live_sessions', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update licenses set live_sessions = live.n
    from (select license_id, count(*) as n from sessions where ended_at is null group by license_id) as live
    where licenses.id = live.license_id`.execute(db);
}
