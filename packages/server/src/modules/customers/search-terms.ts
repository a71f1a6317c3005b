import type { Db } from '../../platform/db/database.js';
import { plannedPerRun } from '../../platform/db/postgres-prepared.js';

/**
 * Customer and key search by word prefix. Every customer has rows in `search_terms`: the lower-cased words
 * of its name, contact and e-mail, and for each of its keys its body (the 25 symbols after the vendor prefix)
 * and each of its groups. A query matches when each of its words starts some term of the customer — an index
 * range per word, however many customers the vendor has (no `LIKE '%…%'` over the table).
 */
const WORD = /[\p{L}\p{N}]+/gu;
const MAX_QUERY_WORDS = 4;

export interface SearchableCustomer {
  readonly name: string;
  readonly contact_name: string | null;
  readonly email: string | null;
}

export interface TermRow {
  vendor_id: string;
  term: string;
  customer_id: string;
  key_id: string | null;
}

const words = (text: string | null): string[] => (text ? (text.toLowerCase().match(WORD) ?? []) : []);

export function customerTerms(customer: SearchableCustomer): string[] {
  return [...new Set([customer.name, customer.contact_name, customer.email].flatMap(words))];
}

/**
 * `ACME-ABCDE-FGHIJ-…` → its body from each group on (`abcdefghij…`, `fghij…`, …), so a key is found by any
 * run of its groups, typed with or without dashes.
 */
export function keyTerms(key: string): string[] {
  const groups = key.toLowerCase().split('-').slice(1);
  return groups.map((_, i) => groups.slice(i).join(''));
}

/** A run of key groups as typed (`ACME-ABCDE-FG`, `ABCDE-FGHIJ`): the vendor prefix is optional. */
const KEY_SHAPE = /^(?:[a-z]{4}-)?(?:[0-9a-z]{5}-)*[0-9a-z]{1,5}-?$/;
/** The key body a query may be: the groups after the vendor's prefix (optional), joined; dashes optional. */
function keyBody(query: string, vendorPrefix: string): string | undefined {
  if (KEY_SHAPE.test(query) && query.includes('-')) {
    const groups = query.split('-').filter(Boolean);
    return (groups[0] === vendorPrefix && groups.length > 1 ? groups.slice(1) : groups).join('');
  }
  return /^[0-9a-z]+$/.test(query) && query.startsWith(vendorPrefix) && query.length > vendorPrefix.length
    ? query.slice(vendorPrefix.length)
    : undefined;
}

/**
 * The word prefixes a query asks for: null for no query, [] for a query with nothing to look for. A key, or
 * a run of its groups, is one prefix of a key body when some key has it (`ANNA-MARIA` is a name, not a key);
 * anything else is up to four words, each of which must start a term of the customer.
 */
export async function searchTerms(
  db: Db,
  vendorId: string,
  query: string | undefined,
): Promise<string[] | null> {
  const trimmed = query?.trim().toLowerCase() ?? '';
  if (!trimmed) return null;
  const vendor = await db
    .selectFrom('vendors')
    .select('prefix')
    .where('id', '=', vendorId)
    .executeTakeFirst();
  const body = keyBody(trimmed, vendor?.prefix.toLowerCase() ?? '');
  if (body) {
    const isKey = await matching(db, vendorId, body, 'key_id')
      .where('key_id', 'is not', null)
      .limit(1)
      .executeTakeFirst();
    if (isKey) return [body];
  }
  return [...new Set(words(trimmed))].slice(0, MAX_QUERY_WORDS);
}

/** Ids of the vendor's customers, or of its keys, having a term that starts with `prefix`. */
export function matching(db: Db, vendorId: string, prefix: string, column: 'customer_id' | 'key_id') {
  return db
    .selectFrom('search_terms')
    .modifyFront(plannedPerRun)
    .select(column)
    .where('vendor_id', '=', vendorId)
    .where('term', '>=', prefix)
    .where('term', '<', prefixEnd(prefix));
}

/**
 * Ids matching every one of the prefixes: an INTERSECT of one index range per word, so each word is read
 * from the term index alone (a planner given `id in (…) and id in (…)` may probe every term of each
 * candidate instead).
 */
/** Every id matching every prefix, for a caller that orders and pages by something other than the id. */
export const matchingIds = (
  db: Db,
  vendorId: string,
  prefixes: readonly string[],
  column: 'customer_id' | 'key_id',
) => matchingAll(db, vendorId, prefixes, column, undefined);

function matchingAll(
  db: Db,
  vendorId: string,
  prefixes: readonly string[],
  column: 'customer_id' | 'key_id',
  customerId: string | undefined,
) {
  const [first, ...rest] = prefixes.map((prefix) =>
    matching(db, vendorId, prefix, column).$if(customerId !== undefined, (q) =>
      q.where('customer_id', '=', customerId!),
    ),
  );
  return rest.reduce((all, next) => all.intersect(next), first);
}

/**
 * One page of the ids matching every prefix (of one customer's, when given), newest first, below the cursor:
 * cut to the page among the term rows, so that only the page's own customers or keys are read, not every
 * match newer than it. The caller's own filters must be no narrower than these.
 */
export function matchingPage(
  db: Db,
  vendorId: string,
  prefixes: readonly string[],
  column: 'customer_id' | 'key_id',
  page: { cursor?: string; limit: number; customerId?: string },
) {
  // A customer matches once per matching term (and keys per matching group): one id each, no customer rows.
  let ids = db
    .selectFrom(matchingAll(db, vendorId, prefixes, column, page.customerId).as('m'))
    .select(`m.${column}`)
    .distinct()
    .where(`m.${column}`, 'is not', null);
  if (page.cursor) ids = ids.where(`m.${column}`, '<', page.cursor);
  return ids.orderBy(`m.${column}`, 'desc').limit(page.limit);
}

/** The end of the index range of every term that starts with `prefix` (terms compare byte-wise). */
const prefixEnd = (prefix: string): string => `${prefix}\u{10FFFF}`;

export function termRows(
  vendorId: string,
  customerId: string,
  customer: SearchableCustomer | null,
  keys: readonly { id: string; key: string }[],
): TermRow[] {
  return [
    ...(customer ? customerTerms(customer) : []).map((term) => ({
      vendor_id: vendorId,
      term,
      customer_id: customerId,
      key_id: null,
    })),
    ...keys.flatMap((key) =>
      keyTerms(key.key).map((term) => ({
        vendor_id: vendorId,
        term,
        customer_id: customerId,
        key_id: key.id,
      })),
    ),
  ];
}

/** Writes term rows a few hundred per statement. */
export async function insertTerms(trx: Db, rows: readonly TermRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500)
    await trx
      .insertInto('search_terms')
      .values(rows.slice(i, i + 500))
      .execute();
}

/** Rewrites the terms of a customer's own fields (its keys' terms stay), inside the caller's transaction. */
export async function indexCustomer(
  trx: Db,
  vendorId: string,
  customerId: string,
  customer: SearchableCustomer,
): Promise<void> {
  await trx
    .deleteFrom('search_terms')
    .where('customer_id', '=', customerId)
    .where('key_id', 'is', null)
    .execute();
  await insertTerms(trx, termRows(vendorId, customerId, customer, []));
}

/** Adds a new key's terms to its customer. */
export async function indexKey(
  trx: Db,
  vendorId: string,
  customerId: string,
  key: { id: string; key: string },
) {
  await insertTerms(trx, termRows(vendorId, customerId, null, [key]));
}

/** A key moved to another customer: its terms follow it. */
export async function moveKeyTerms(trx: Db, keyId: string, customerId: string): Promise<void> {
  await trx
    .updateTable('search_terms')
    .set({ customer_id: customerId })
    .where('key_id', '=', keyId)
    .execute();
}
