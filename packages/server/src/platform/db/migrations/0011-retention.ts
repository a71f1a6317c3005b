import { type Kysely, sql } from 'kysely';

/** Indexes by age of what the daily retention job prunes, so it never reads the live rows. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema;
  await s
    .createIndex('jobs_finished')
    .on('jobs')
    .column('finished_at')
    .where(sql.ref('finished_at'), 'is not', null)
    .execute();
  await s
    .createIndex('webhook_deliveries_settled')
    .on('webhook_deliveries')
    .column('created_at')
    .where(sql.ref('state'), '<>', 'pending')
    .execute();
  await s
    .createIndex('sessions_ended')
    .on('sessions')
    .column('ended_at')
    .where(sql.ref('ended_at'), 'is not', null)
    .execute();
  await s.createIndex('web_sessions_expiry').on('web_sessions').column('expires_at').execute();
  await s.createIndex('portal_sessions_expiry').on('portal_sessions').column('expires_at').execute();
}
