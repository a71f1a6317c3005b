import type { Principal } from '../../platform/auth/principal.js';
import type { AppContext } from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';
import { DEFAULT_PAGE_SIZE } from '../../platform/db/paging.js';
import { AppError } from '../../platform/errors.js';
import { nulPath } from '../../platform/http/nul-bytes.js';
import { matchingIds, searchTerms } from '../customers/search-terms.js';
import { selectLicenses, toLicense } from './licenses.queries.js';

/**
 * The vendor's licenses across keys (issue 13, tables): newest first, by expiry (soonest first, perpetual ones
 * last) or by customer name (A–Z, then the customer's licenses oldest first). Every order ends in a unique id, so
 * its cursor — the sort's name with the last row's sort values — pages on exactly where the page before ended.
 */
export const LICENSE_SORTS = ['newest', 'expiry', 'customer'] as const;
export type LicenseSort = (typeof LICENSE_SORTS)[number];

type Cursor =
  | { sort: 'newest'; id: string }
  | { sort: 'expiry'; expiresAt: string | null; id: string }
  | { sort: 'customer'; name: string; customerId: string; id: string };
type ExpiryCursor = Extract<Cursor, { sort: 'expiry' }>;
type CustomerCursor = Extract<Cursor, { sort: 'customer' }>;

const encode = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

function badCursor(sort: LicenseSort): AppError {
  return new AppError('VALIDATION_FAILED', `the cursor does not belong to sort=${sort}`, [
    { path: 'querystring/cursor', message: `must be a nextCursor of sort=${sort}` },
  ]);
}

function parseCursor(sort: LicenseSort, cursor: string): Cursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor(sort);
  }
  // Decoded here, past the request's own check for NUL characters: a cursor holding one is as bad as a request.
  if (!Array.isArray(value) || value[0] !== sort || nulPath(value, 'cursor')) throw badCursor(sort);
  const text = (v: unknown): v is string => typeof v === 'string';
  if (sort === 'newest' && value.length === 2 && text(value[1])) return { sort, id: value[1] };
  if (sort === 'expiry' && value.length === 3 && (value[1] === null || text(value[1])) && text(value[2]))
    return { sort, expiresAt: value[1], id: value[2] };
  if (sort === 'customer' && value.length === 4 && value.slice(1).every(text))
    return { sort, name: value[1], customerId: value[2], id: value[3] };
  throw badCursor(sort);
}

/** A search matching up to this many customers reads their licenses by customer. */
const NARROW_SEARCH = 500;
type Matching = readonly string[] | ReturnType<typeof matchingIds>;

/**
 * The customers a search matches: their ids when they are few (their licenses are then read by index and sorted,
 * instead of walking the vendor's licenses in order and probing each one), else the matching as a subquery (a
 * broad search matches often, so walking in order finds a page soon).
 */
async function matchingCustomers(db: Db, vendorId: string, terms: readonly string[]): Promise<Matching> {
  const found = await matchingIds(db, vendorId, terms, 'customer_id')
    .limit(NARROW_SEARCH + 1)
    .execute();
  const ids = [...new Set(found.map((row) => row.customer_id).filter((id): id is string => id !== null))];
  return found.length > NARROW_SEARCH ? matchingIds(db, vendorId, terms, 'customer_id') : ids;
}

/** Licenses with their key and customer, of one vendor. */
function listed(db: Db, vendorId: string) {
  return selectLicenses(db)
    .innerJoin('license_keys', 'license_keys.id', 'licenses.key_id')
    .innerJoin('customers', 'customers.id', 'license_keys.customer_id')
    .select([
      'license_keys.key as key_string',
      'customers.id as customer_id',
      'customers.name as customer_name',
    ])
    .where('licenses.vendor_id', '=', vendorId);
}
type ListedRow = Awaited<ReturnType<ReturnType<typeof listed>['execute']>>[number];

/** How many customers the by-customer order reads at a time while it fills a page. */
/** Customers read per step: few enough that their licenses are found by index (a few hundred rows), not by a scan. */
const CUSTOMER_BATCH = 20;

export async function listLicenses(
  ctx: AppContext,
  principal: Principal,
  query: { limit?: number; cursor?: string; q?: string; sort?: LicenseSort },
) {
  const db = ctx.handle.db;
  const vendorId = principal.vendorId;
  const sort = query.sort ?? 'newest';
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const cursor = query.cursor ? parseCursor(sort, query.cursor) : undefined;
  // Each word of the query starts a word of the customer's name, contact, e-mail or keys.
  const terms = await searchTerms(db, vendorId, query.q);
  if (terms?.length === 0) return { data: [], nextCursor: null };
  const customers = terms ? await matchingCustomers(db, vendorId, terms) : undefined;
  if (Array.isArray(customers) && customers.length === 0) return { data: [], nextCursor: null };
  const base = () =>
    customers
      ? listed(db, vendorId).where('license_keys.customer_id', 'in', customers)
      : listed(db, vendorId);

  let rows: ListedRow[];
  // parseCursor has checked that the cursor is of this sort.
  if (sort === 'customer')
    // The customers it walks are already the matching ones: their licenses need no second filter.
    rows = await byCustomer(
      db,
      vendorId,
      () => listed(db, vendorId),
      limit + 1,
      cursor as CustomerCursor | undefined,
      customers,
    );
  else if (sort === 'expiry') rows = await byExpiry(base, limit + 1, cursor as ExpiryCursor | undefined);
  else {
    let select = base();
    if (cursor?.sort === 'newest') select = select.where('licenses.id', '<', cursor.id);
    rows = await select
      .orderBy('licenses.id', 'desc')
      .limit(limit + 1)
      .execute();
  }

  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  const now = ctx.clock.now();
  return {
    data: data.map((row) => ({
      ...toLicense(row, now),
      key: row.key_string,
      customerId: row.customer_id,
      customerName: row.customer_name,
    })),
    nextCursor:
      rows.length > limit && last
        ? sort === 'expiry'
          ? encode(['expiry', last.expires_at, last.id])
          : sort === 'customer'
            ? encode(['customer', last.customer_name, last.customer_id, last.id])
            : encode(['newest', last.id])
        : null,
  };
}

/** Soonest expiry first, then the perpetual licenses (no expiry) by id: two index ranges, in that order. */
async function byExpiry(
  base: () => ReturnType<typeof listed>,
  want: number,
  cursor: ExpiryCursor | undefined,
): Promise<ListedRow[]> {
  const rows: ListedRow[] = [];
  if (!cursor || cursor.expiresAt !== null) {
    let dated = base().where('licenses.expires_at', 'is not', null);
    if (cursor) {
      const { expiresAt, id } = cursor;
      // The `>=` bound makes it a range of the (vendor, expiry, id) index that starts at the cursor, not a filter
      // over every license before it.
      dated = dated
        .where('licenses.expires_at', '>=', expiresAt)
        .where((eb) =>
          eb.or([
            eb('licenses.expires_at', '>', expiresAt),
            eb.and([eb('licenses.expires_at', '=', expiresAt), eb('licenses.id', '>', id)]),
          ]),
        );
    }
    rows.push(...(await dated.orderBy('licenses.expires_at').orderBy('licenses.id').limit(want).execute()));
  }
  if (rows.length < want) {
    let perpetual = base().where('licenses.expires_at', 'is', null);
    if (cursor && cursor.expiresAt === null) perpetual = perpetual.where('licenses.id', '>', cursor.id);
    rows.push(
      ...(await perpetual
        .orderBy('licenses.id')
        .limit(want - rows.length)
        .execute()),
    );
  }
  return rows;
}

/**
 * By customer name, then customer id, then license id. The customers are walked in name order from the index a
 * batch at a time and only their licenses read, so a page costs the same on the millionth license as on the first.
 */
async function byCustomer(
  db: Db,
  vendorId: string,
  base: () => ReturnType<typeof listed>,
  want: number,
  cursor: CustomerCursor | undefined,
  customers: Matching | undefined,
): Promise<ListedRow[]> {
  const rows: ListedRow[] = [];
  const ofCustomers = (ids: string[], afterId?: string) =>
    base()
      .where('license_keys.customer_id', 'in', ids)
      .$if(afterId !== undefined, (q) => q.where('licenses.id', '>', afterId!))
      .orderBy('customers.name')
      .orderBy('customers.id')
      .orderBy('licenses.id')
      .limit(want - rows.length)
      .execute();
  let after: { name: string; id: string } | undefined;
  if (cursor) {
    // The rest of the licenses of the customer the page before ended in.
    rows.push(...(await ofCustomers([cursor.customerId], cursor.id)));
    after = { name: cursor.name, id: cursor.customerId };
  }
  while (rows.length < want) {
    let batch = db.selectFrom('customers').select(['id', 'name']).where('vendor_id', '=', vendorId);
    if (customers) batch = batch.where('id', 'in', customers);
    if (after) {
      const { name, id } = after;
      batch = batch
        .where('name', '>=', name)
        .where((eb) => eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('id', '>', id)])]));
    }
    const next = await batch.orderBy('name').orderBy('id').limit(CUSTOMER_BATCH).execute();
    if (next.length === 0) break;
    rows.push(...(await ofCustomers(next.map((c) => c.id))));
    if (next.length < CUSTOMER_BATCH) break;
    after = next[next.length - 1];
  }
  return rows;
}
