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

/** The vendor's event log, newest first; `type` ending in `.*` matches a family (`license.*`). */
export async function listEvents(ctx: AppContext, principal: Principal, query: EventQuery) {
  const limit = query.limit ?? 50;
  let select = ctx.handle.db.selectFrom('events').selectAll().where('vendor_id', '=', principal.vendorId);
  if (query.keyId) select = select.where('key_id', '=', query.keyId);
  if (query.customerId) select = select.where('customer_id', '=', query.customerId);
  if (query.type?.endsWith('.*'))
    select = select.where('type', 'like', `${query.type.slice(0, -1).replace(/[%_\\]/g, '')}%`);
  else if (query.type) select = select.where('type', '=', query.type);
  if (query.from) select = select.where('at', '>=', new Date(query.from).toISOString());
  if (query.to) select = select.where('at', '<', new Date(query.to).toISOString());
  if (query.cursor) select = select.where('id', '<', query.cursor);
  const page = pageOf(
    await select
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute(),
    limit,
  );
  return { data: page.data.map(toEvent), nextCursor: page.nextCursor };
}
