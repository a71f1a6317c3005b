import { sql } from 'kysely';
import type { Principal } from '../../platform/auth/principal.js';
import type { AppContext } from '../../platform/context.js';
import { pageOf } from '../../platform/db/paging.js';
import type { EventTable } from '../../platform/db/schema.js';

export interface EventQuery {
  keyId?: string;
  customerId?: string;
  type?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

const parse = (value: string | null): unknown => (value === null ? null : JSON.parse(value));

export const toEvent = (row: EventTable) => ({
  id: row.id,
  at: row.at,
  actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
  channel: row.channel,
  type: row.type,
  subjectType: row.subject_type,
  subjectId: row.subject_id,
  keyId: row.key_id,
  customerId: row.customer_id,
  before: parse(row.before),
  after: parse(row.after),
});

/**
 * The vendor's event types, one index descent each (a loose index scan over `events_vendor_type`): a log of
 * millions has a few dozen types.
 */
async function typesOf(ctx: AppContext, vendorId: string): Promise<string[]> {
  const { rows } = await sql<{ type: string | null }>`
    with recursive seen(type) as (
      select (select type from events where vendor_id = ${vendorId} order by type limit 1)
      union all
      select (select e.type from events e where e.vendor_id = ${vendorId} and e.type > seen.type
               order by e.type limit 1)
        from seen where seen.type is not null)
    select type from seen where type is not null`.execute(ctx.handle.db);
  return rows.map((row) => row.type as string);
}

/**
 * The vendor's event log, newest first; `type` ending in `.*` matches a family (`license.*`): the vendor's types
 * that begin so.
 *
 * No index gives a family's events in the order of their ids: PostgreSQL either sorted every event of the family
 * or walked the log back through every event of other families (15,000 rows read for one page once the reaper had
 * ended 5,000 sessions). Without a key or customer to narrow it, a family's page is the newest page of each of
 * its types, merged: one short walk back per type.
 */
export async function listEvents(ctx: AppContext, principal: Principal, query: EventQuery) {
  const limit = query.limit ?? 50;
  const db = ctx.handle.db;
  const newest = (types: readonly string[] | undefined) => {
    let select = db.selectFrom('events').selectAll().where('vendor_id', '=', principal.vendorId);
    if (query.keyId) select = select.where('key_id', '=', query.keyId);
    if (query.customerId) select = select.where('customer_id', '=', query.customerId);
    if (types) select = select.where('type', 'in', types);
    if (query.from) select = select.where('at', '>=', new Date(query.from).toISOString());
    if (query.to) select = select.where('at', '<', new Date(query.to).toISOString());
    if (query.cursor) select = select.where('id', '<', query.cursor);
    return select.orderBy('id', 'desc').limit(limit + 1);
  };
  const family = query.type?.endsWith('.*') ? query.type.slice(0, -1) : undefined;
  const types = family
    ? (await typesOf(ctx, principal.vendorId)).filter((type) => type.startsWith(family))
    : query.type
      ? [query.type]
      : undefined;
  if (types?.length === 0) return { data: [], nextCursor: null };
  // A key's or a customer's events are few enough to walk back through whatever their types.
  const rows =
    types && types.length > 1 && !query.keyId && !query.customerId
      ? await db
          .selectFrom(
            types
              .map((type) => db.selectFrom(newest([type]).as('newest')).selectAll())
              .reduce((union, next) => union.unionAll(next))
              .as('family'),
          )
          .selectAll()
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute()
      : await newest(types).execute();
  const page = pageOf(rows, limit);
  return { data: page.data.map(toEvent), nextCursor: page.nextCursor };
}
