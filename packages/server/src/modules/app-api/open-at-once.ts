import { type DatabaseHandle, runNamed } from '../../platform/db/database.js';
import type { EventTable, SessionTable } from '../../platform/db/schema.js';
import { isUniqueViolation } from '../../platform/errors.js';
import { HAS_ROOM } from './places.js';

/** PostgreSQL's code for a row whose referenced row is gone. */
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Takes a place of the license (the conditional increment of its counter, `HAS_ROOM`) and, only if
 * it got one, writes the session, its event and a pending delivery for each webhook endpoint subscribed to the
 * event (the rule of `subscribed` in outbox.ts, in SQL). Parameters, in order: license, session (id, key,
 * resource kind, id, name, at, expires, ttl), event (id, actor type, id, name, channel, type, subject type,
 * customer, before, after), vendor, the delivery ids' prefix.
 */
const OPEN_AT_ONCE = `
  with claimed as (
    update licenses set live_sessions = live_sessions + 1
     where id = $1 and ${HAS_ROOM}
    returning id),
  opened as (
    insert into sessions (id, vendor_id, license_id, key_id, resource_kind, resource_id, resource_name, started_at,
      last_heartbeat_at, expires_at, ttl_seconds)
    select $2::text, $19::text, claimed.id, $3::text, $4::text, $5::text, $6::text, $7::text, $7::text, $8::text,
      $9::integer
      from claimed
    returning id, key_id, started_at),
  logged as (
    insert into events (id, vendor_id, at, actor_type, actor_id, actor_name, channel, type, subject_type, subject_id,
      key_id, customer_id, before, after)
    select $10::text, $19::text, opened.started_at, $11::text, $12::text, $13::text, $14::text, $15::text,
      $16::text, opened.id, opened.key_id, $17::text, $18::text, $20::text
      from opened
    returning id, type, at),
  delivered as (
    insert into webhook_deliveries (id, vendor_id, endpoint_id, event_id, event_type, state, attempts, created_at,
      next_attempt_at)
    select $21::text || '.' || row_number() over (), $19::text, e.id, logged.id, logged.type, 'pending', 0,
      logged.at, logged.at
      from logged join webhook_endpoints e on e.vendor_id = $19::text
     where exists (select 1 from json_array_elements_text(e.events::json) as p(pattern)
       where p.pattern in ('*', logged.type)
          or (right(p.pattern, 2) = '.*' and starts_with(logged.type, left(p.pattern, -1)))))
  select count(*) as opened from opened`;

/**
 * PostgreSQL only: opens the session in ONE named statement (`OPEN_AT_ONCE`), so the license's row is locked only
 * from that statement to its commit, and an open is the validation read and this. False when the license had no
 * free place, or the statement met a concurrent open of the same machine.
 */
export async function openAtOnce(
  handle: DatabaseHandle,
  session: SessionTable,
  event: EventTable,
  deliveryPrefix: string,
): Promise<boolean> {
  const values = [
    session.license_id,
    session.id,
    session.key_id,
    session.resource_kind,
    session.resource_id,
    session.resource_name,
    session.started_at,
    session.expires_at,
    session.ttl_seconds,
    event.id,
    event.actor_type,
    event.actor_id,
    event.actor_name,
    event.channel,
    event.type,
    event.subject_type,
    event.customer_id,
    event.before,
    session.vendor_id,
    event.after,
    deliveryPrefix,
  ];
  try {
    // The license's row stays locked until the commit returns, so waiting there for the WAL to reach the disk
    // would let one open per fsync through on a license. A session is a lease its app renews every heartbeat:
    // it commits asynchronously, on the lease connections — a crash of this server loses nothing, a crash of
    // PostgreSQL itself may forget the opens of its last fraction of a second (each session with its place, its
    // event and its deliveries), and those apps open again at their next heartbeat. One statement is its own
    // transaction: no BEGIN, SET or COMMIT round trips.
    const [row] = await runNamed<{ opened: string }>(handle, 'leasePool', {
      name: 'open_session',
      text: OPEN_AT_ONCE,
      values,
    });
    return Number(row?.opened) === 1;
  } catch (error) {
    // The same machine opened at this moment (one open session per machine and license), or a webhook endpoint
    // was deleted since the statement's snapshot: nothing was written, and the transaction sorts it out.
    if (isUniqueViolation(error) || (error as { code?: string }).code === FOREIGN_KEY_VIOLATION) return false;
    throw error;
  }
}
