import type { Kysely } from 'kysely';

/** One row per license and threshold reminded: the primary key makes each reminder exactly-once. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reminders_sent')
    .addColumn('license_id', 'text', (c) => c.notNull().references('licenses.id'))
    .addColumn('threshold', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reminders_sent_pk', ['license_id', 'threshold'])
    .execute();
}
