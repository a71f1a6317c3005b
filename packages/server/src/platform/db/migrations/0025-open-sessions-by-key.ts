import { type Kysely, sql } from 'kysely';

/**
 * A key's open sessions by expiry, so the key card and the customer cabinet read the newest few of a key with
 * 100,000 live (a site license) instead of all of them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('sessions_open_by_key')
    .on('sessions')
    .columns(['key_id', 'expires_at'])
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
}
