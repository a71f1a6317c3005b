import { type RawBuilder, sql } from 'kysely';
import type { DatabaseHandle } from '../../platform/db/database.js';
import type { EventTable, SessionTable, WebhookDeliveryTable } from '../../platform/db/schema.js';
import { isUniqueViolation } from '../../platform/errors.js';
import { hasRoom } from './places.js';

/** PostgreSQL's code for a row whose referenced row is gone. */
const FOREIGN_KEY_VIOLATION = '23503';
const INTEGER_COLUMNS = new Set(['ttl_seconds', 'attempts', 'last_status']);

/** `select $1::text, $2::integer, …` — typed, since an INSERT … SELECT gives its parameters no types of its own. */
function selectRow(row: object, source: string): RawBuilder<unknown> {
  const values = Object.entries(row).map(([column, value]) =>
    INTEGER_COLUMNS.has(column) ? sql`cast(${value} as integer)` : sql`cast(${value} as text)`,
  );
  return sql`select ${sql.join(values)} from ${sql.table(source)}`;
}

const columns = (row: object) => sql.join(Object.keys(row).map((column) => sql.ref(column)));

/**
 * PostgreSQL only: takes a place of the license (the conditional increment of its counter), and — only if it got
 * one — writes the session, its event and the event's webhook deliveries, all in ONE statement, so the license's
 * row is locked only from that statement to its commit. Opening a session is then the validation read and this
 * where the transaction took eleven statements. False when the license had no
 * free place, or the statement met a concurrent open of the same machine.
 */
export async function openAtOnce(
  handle: DatabaseHandle,
  session: SessionTable,
  event: EventTable,
  deliveries: readonly WebhookDeliveryTable[],
): Promise<boolean> {
  const delivered = deliveries.length
    ? sql`, delivered as (insert into webhook_deliveries (${columns(deliveries[0]!)})
        ${sql.join(
          deliveries.map((row) => selectRow(row, 'logged')),
          sql` union all `,
        )})`
    : sql``;
  const statement = sql<{ opened: string | number }>`
    with claimed as (
      update licenses set live_sessions = live_sessions + 1
       where id = ${session.license_id} and ${hasRoom}
      returning id),
    opened as (insert into sessions (${columns(session)}) ${selectRow(session, 'claimed')} returning id),
    logged as (insert into events (${columns(event)}) ${selectRow(event, 'opened')} returning id)
    ${delivered}
    select count(*) as opened from opened`;
  try {
    // The license's row stays locked until the commit returns, so waiting there for the WAL to reach the disk
    // would let one open per fsync through on a license. A session is a lease its app renews every heartbeat:
    // it commits asynchronously, on the lease connections (`leaseDb`) — a crash of this server loses nothing, a
    // crash of PostgreSQL itself may forget the opens of its last fraction of a second (each session with its
    // place, its event and its deliveries), and those apps open again at their next heartbeat. One statement is
    // its own transaction: no BEGIN, SET or COMMIT round trips.
    const { rows } = await statement.execute(handle.leaseDb ?? handle.db);
    return Number(rows[0]?.opened) === 1;
  } catch (error) {
    // The same machine opened at this moment (one open session per machine and license), or a webhook endpoint
    // went away since it was read: nothing was written, and the transaction sorts it out.
    if (isUniqueViolation(error) || (error as { code?: string }).code === FOREIGN_KEY_VIOLATION) return false;
    throw error;
  }
}
