import { type Kysely, sql } from 'kysely';

/**
 * The language a customer's e-mails are written in. Customers before this column got Russian reminders
 * (the language was fixed), so they keep Russian; new customers default to English unless told.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('customers')
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .execute();
  await sql`update customers set language = 'ru'`.execute(db);
  // The reminder scan reads a partner's users by partner, in batches.
  await db.schema.createIndex('partner_users_partner').on('partner_users').column('partner_id').execute();
}
