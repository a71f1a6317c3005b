import { byCodeUnits } from '../../platform/db/code-units.js';
import type { Db } from '../../platform/db/database.js';
import type { LicenseKeyTable } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';

export async function findKey(db: Db, vendorId: string, id: string): Promise<LicenseKeyTable> {
  const row = await db
    .selectFrom('license_keys')
    .selectAll()
    .where('vendor_id', '=', vendorId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('KEY_NOT_FOUND', 'license key');
  return row;
}

/** A deleted key keeps its history but takes no new licenses or customers. */
export async function findLiveKey(db: Db, vendorId: string, id: string): Promise<LicenseKeyTable> {
  const row = await findKey(db, vendorId, id);
  if (row.deleted_at) throw new AppError('KEY_DELETED', 'the license key has been deleted');
  return row;
}

export const toKey = (row: LicenseKeyTable) => ({
  id: row.id,
  key: row.key,
  status: row.status,
  customerId: row.customer_id,
  createdAt: row.created_at,
  deletedAt: row.deleted_at,
});

/** How many of a key's live sessions its card and the customer cabinet list: the latest to run out last. */
export const LISTED_SESSIONS = 100;

/**
 * The key's live sessions that run out last, at most LISTED_SESSIONS, through the open-sessions-by-key index:
 * a site license may hold 100,000, and a page lists a few and says how many there are.
 */
export function listedSessionsOfKey(db: Db, keyId: string, now: Date) {
  return (
    db
      .selectFrom('sessions')
      .innerJoin('licenses', 'licenses.id', 'sessions.license_id')
      .innerJoin('products', 'products.id', 'licenses.product_id')
      .selectAll('sessions')
      .select(['products.code as product_code', 'products.name as product_name'])
      .where('sessions.key_id', '=', keyId)
      .where('sessions.ended_at', 'is', null)
      .where('sessions.expires_at', '>', now.toISOString())
      // No tie-break: one over a thousand sessions of the same expiry would sort them all.
      .orderBy('sessions.expires_at', 'desc')
      .limit(LISTED_SESSIONS)
      .execute()
  );
}

/** How many bindings of a license its key's card and the customer cabinet list. */
export const LISTED_BINDINGS = 100;

/**
 * The first LISTED_BINDINGS bindings of each of these licenses by resource (kind, then id), with their product: one
 * range of the license's unique index each (an unlimited license may bind 100,000 agents; `licenses.bound_seats`
 * says how many there are). Not by creation: an index for that order would also tempt the validation read's
 * planner away from the resource's own index.
 */
export async function listedBindings(
  db: Db,
  licenses: readonly { id: string; seats_used: number | string | null }[],
) {
  const bound = licenses.filter((l) => Number(l.seats_used) > 0);
  const lists = await Promise.all(
    bound.map(({ id: licenseId }) =>
      db
        .selectFrom('bindings')
        .innerJoin('licenses', 'licenses.id', 'bindings.license_id')
        .innerJoin('products', 'products.id', 'licenses.product_id')
        .selectAll('bindings')
        .select(['products.code as product_code', 'products.name as product_name'])
        .where('bindings.license_id', '=', licenseId)
        .orderBy('bindings.resource_kind')
        .orderBy('bindings.resource_id')
        .limit(LISTED_BINDINGS)
        .execute(),
    ),
  );
  return lists.flat();
}

/** The first LISTED_BINDINGS of several licenses' listed bindings, by resource. */
export const firstListed = <B extends { resource_kind: string; resource_id: string }>(
  bindings: readonly B[],
): B[] =>
  [...bindings]
    .sort(
      (a, b) => byCodeUnits(a.resource_kind, b.resource_kind) || byCodeUnits(a.resource_id, b.resource_id),
    )
    .slice(0, LISTED_BINDINGS);

/** Keys (of these) with open sessions by their licenses' counters (those past their TTL count until ended). */
export async function openSessionsByKey(db: Db, keyIds: readonly string[]): Promise<Map<string, number>> {
  if (keyIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('licenses')
    .select(['key_id', (eb) => eb.fn.sum<number | string>('live_sessions').as('open')])
    .where('key_id', 'in', keyIds)
    .where('live_sessions', '>', 0)
    .groupBy('key_id')
    .execute();
  return new Map(rows.map((row) => [row.key_id, Number(row.open)]));
}
