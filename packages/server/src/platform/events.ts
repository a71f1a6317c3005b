import type { Actor } from './context.js';
import { newId } from './crypto.js';
import type { Db } from './db/database.js';
import type { EventTable } from './db/schema.js';
import { enqueueDeliveries } from './outbox.js';

export interface EventInput {
  readonly type: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly keyId?: string | null;
  readonly customerId?: string | null;
  readonly before?: unknown;
  readonly after?: unknown;
}

/**
 * Appends to the event log inside the caller's transaction, so a change and its record land together (and
 * with them the webhook deliveries the event is owed).
 */
export async function recordEvent(
  trx: Db,
  vendorId: string,
  actor: Actor,
  at: Date,
  event: EventInput,
): Promise<void> {
  await recordEvents(trx, vendorId, actor, at, [event]);
}

/** The event log's rows for several events of one actor and moment. */
export function eventRows(
  vendorId: string,
  actor: Actor,
  at: Date,
  events: readonly EventInput[],
): EventTable[] {
  return events.map((event) => ({
    id: newId(),
    vendor_id: vendorId,
    at: at.toISOString(),
    actor_type: actor.type,
    actor_id: actor.id,
    actor_name: actor.name,
    channel: actor.channel,
    type: event.type,
    subject_type: event.subjectType,
    subject_id: event.subjectId,
    key_id: event.keyId ?? null,
    customer_id: event.customerId ?? null,
    before: event.before === undefined ? null : JSON.stringify(event.before),
    after: event.after === undefined ? null : JSON.stringify(event.after),
  }));
}

/** Several events of one actor and moment, written a few hundred rows per statement. */
export async function recordEvents(
  trx: Db,
  vendorId: string,
  actor: Actor,
  at: Date,
  events: readonly EventInput[],
): Promise<void> {
  const rows = eventRows(vendorId, actor, at, events);
  for (let i = 0; i < rows.length; i += 200)
    await trx
      .insertInto('events')
      .values(rows.slice(i, i + 200))
      .execute();
  await enqueueDeliveries(trx, vendorId, rows);
}
