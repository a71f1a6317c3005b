import { newId } from './crypto.js';
import type { Db } from './db/database.js';

/** `*`, a family (`license.*`) or an exact event name. */
export function subscribed(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))),
  );
}

export interface OutboxEvent {
  readonly id: string;
  readonly type: string;
  readonly at: string;
}

/**
 * The webhook outbox (DESIGN §6.10): a pending delivery per subscribed endpoint, written in the transaction
 * that writes the events. It commits or rolls back with them, so an event is delivered however late its
 * transaction commits and whatever the clock of the process that wrote it.
 */
export async function enqueueDeliveries(
  trx: Db,
  vendorId: string,
  events: readonly OutboxEvent[],
): Promise<void> {
  if (events.length === 0) return;
  // Disabled endpoints get their deliveries too: they wait, unclaimed, until the endpoint is enabled again.
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select(['id', 'events'])
    .where('vendor_id', '=', vendorId)
    .execute();
  if (endpoints.length === 0) return;
  const rows = [];
  for (const endpoint of endpoints) {
    const patterns = JSON.parse(endpoint.events) as string[];
    for (const event of events)
      if (subscribed(patterns, event.type))
        rows.push({
          id: newId(),
          vendor_id: vendorId,
          endpoint_id: endpoint.id,
          event_id: event.id,
          event_type: event.type,
          state: 'pending',
          attempts: 0,
          last_status: null,
          last_error: null,
          created_at: event.at,
          delivered_at: null,
          next_attempt_at: event.at,
          locked_by: null,
          locked_until: null,
        });
  }
  for (let i = 0; i < rows.length; i += 200)
    await trx
      .insertInto('webhook_deliveries')
      .values(rows.slice(i, i + 200))
      .execute();
}
