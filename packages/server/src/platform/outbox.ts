import { newId } from './crypto.js';
import type { Db } from './db/database.js';
import type { WebhookDeliveryTable } from './db/schema.js';

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

/** A vendor's webhook endpoints and the events each subscribes to. */
export interface Endpoint {
  readonly id: string;
  readonly events: string;
}

export function endpointsOf(db: Db, vendorId: string): Promise<Endpoint[]> {
  // Disabled endpoints get their deliveries too: they wait, unclaimed, until the endpoint is enabled again.
  return db
    .selectFrom('webhook_endpoints')
    .select(['id', 'events'])
    .where('vendor_id', '=', vendorId)
    .execute();
}

/** The pending deliveries the events owe the endpoints subscribed to them. */
export function deliveryRows(
  vendorId: string,
  endpoints: readonly Endpoint[],
  events: readonly OutboxEvent[],
): WebhookDeliveryTable[] {
  const rows: WebhookDeliveryTable[] = [];
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
  return rows;
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
  const rows = deliveryRows(vendorId, await endpointsOf(trx, vendorId), events);
  for (let i = 0; i < rows.length; i += 200)
    await trx
      .insertInto('webhook_deliveries')
      .values(rows.slice(i, i + 200))
      .execute();
}
