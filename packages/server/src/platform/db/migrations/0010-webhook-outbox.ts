import { type Kysely, sql } from 'kysely';
import { newId } from '../../crypto.js';
import { subscribed } from '../../outbox.js';

/**
 * Webhook deliveries become the outbox: written with their events (platform/outbox.ts) and claimed by the
 * delivery lane, instead of a dispatcher reading the event log by a clock-minted cursor. Events past each
 * endpoint's old cursor get their deliveries here, and the jobs of the old dispatcher are dropped.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema;
  await s.alterTable('webhook_deliveries').addColumn('next_attempt_at', 'text').execute();
  await s.alterTable('webhook_deliveries').addColumn('locked_by', 'text').execute();
  await s.alterTable('webhook_deliveries').addColumn('locked_until', 'text').execute();
  await db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: sql`created_at` })
    .where('state', '=', 'pending')
    .execute();
  await s
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .column('next_attempt_at')
    .where(sql.ref('state'), '=', 'pending')
    .execute();
  // The lane claims per endpoint, oldest due first.
  await s
    .createIndex('webhook_deliveries_endpoint_due')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'next_attempt_at'])
    .where(sql.ref('state'), '=', 'pending')
    .execute();
  await s
    .createIndex('webhook_endpoints_vendor')
    .on('webhook_endpoints')
    .columns(['vendor_id', 'enabled'])
    .execute();

  // Every endpoint, disabled ones included: their events wait for them to be enabled again.
  const endpoints = await db.selectFrom('webhook_endpoints').selectAll().execute();
  for (const endpoint of endpoints) {
    const patterns = JSON.parse(endpoint.events) as string[];
    let cursor: string = endpoint.last_event_id;
    for (;;) {
      const events = await db
        .selectFrom('events')
        .select(['id', 'type', 'at'])
        .where('vendor_id', '=', endpoint.vendor_id)
        .where('id', '>', cursor)
        .orderBy('id')
        .limit(1000)
        .execute();
      if (events.length === 0) break;
      cursor = events[events.length - 1].id;
      const rows = events
        .filter((event) => subscribed(patterns, event.type))
        .map((event) => ({
          id: newId(),
          vendor_id: endpoint.vendor_id,
          endpoint_id: endpoint.id,
          event_id: event.id,
          event_type: event.type,
          state: 'pending',
          attempts: 0,
          created_at: event.at,
          next_attempt_at: event.at,
        }));
      for (let i = 0; i < rows.length; i += 200)
        await db
          .insertInto('webhook_deliveries')
          .values(rows.slice(i, i + 200))
          .execute();
    }
  }
  await s.alterTable('webhook_endpoints').dropColumn('last_event_id').execute();
  // Every signature reads which key of its vendor is active (a rotation elsewhere takes effect at once).
  await s
    .createIndex('signing_keys_vendor')
    .on('signing_keys')
    .columns(['vendor_id', 'created_at'])
    .execute();
  await db
    .deleteFrom('jobs')
    .where('kind', 'in', ['webhooks.dispatch', 'webhooks.deliver'])
    .where('state', 'in', ['pending', 'running'])
    .execute();
}
