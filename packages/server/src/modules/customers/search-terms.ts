import type { Db } from '../../platform/db/database.js';

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

/** `ACME-ABCDE-FGHIJ-…` → its body `abcdefghij…` and its groups after the prefix. */
export function keyTerms(key: string): string[] {
  const groups = key.toLowerCase().split('-').slice(1);
  return [...new Set([groups.join(''), ...groups.slice(1)])];
}

/**
 * The word prefixes a query asks for. A key, whole or in part (`ACME-ABCDE-FG`, the four-letter vendor
 * prefix optional), is one prefix of a key body; anything else is up to four words.
 */
export function queryTerms(query: string): string[] {
  const trimmed = query.trim().toLowerCase();
  if (/^[0-9a-z]+(-[0-9a-z]*)+$/.test(trimmed)) {
    const groups = trimmed.split('-');
    const body = (/^[a-z]{4}$/.test(groups[0]) ? groups.slice(1) : groups).join('');
    if (body) return [body];
  }
  return [...new Set(words(trimmed))].slice(0, MAX_QUERY_WORDS);
}

/** Ids of the vendor's customers, or of its keys, having a term that starts with `prefix`. */
export function matching(db: Db, vendorId: string, prefix: string, column: 'customer_id' | 'key_id') {
  return db
    .selectFrom('search_terms')
    .select(column)
    .where('vendor_id', '=', vendorId)
    .where('term', '>=', prefix)
    .where('term', '<', prefixEnd(prefix));
}

/** The end of the index range of every term that starts with `prefix` (terms compare byte-wise). */
export const prefixEnd = (prefix: string): string => `${prefix}\uffff`;

export function termRows(
  vendorId: string,
  customerId: string,
  customer: SearchableCustomer,
  keys: readonly { id: string; key: string }[],
): TermRow[] {
  return [
    ...customerTerms(customer).map((term) => ({ vendor_id: vendorId, term, customer_id: customerId, key_id: null })),
    ...keys.flatMap((key) =>
      keyTerms(key.key).map((term) => ({ vendor_id: vendorId, term, customer_id: customerId, key_id: key.id })),
    ),
  ];
}

/** Rewrites a customer's search terms from its current fields and keys (inside the caller's transaction). */
export async function reindexCustomer(trx: Db, customerId: string): Promise<void> {
  const customer = await trx
    .selectFrom('customers')
    .select(['vendor_id', 'name', 'contact_name', 'email'])
    .where('id', '=', customerId)
    .executeTakeFirst();
  await trx.deleteFrom('search_terms').where('customer_id', '=', customerId).execute();
  if (!customer) return;
  const keys = await trx
    .selectFrom('license_keys')
    .select(['id', 'key'])
    .where('customer_id', '=', customerId)
    .execute();
  const rows = termRows(customer.vendor_id, customerId, customer, keys);
  for (let i = 0; i < rows.length; i += 500)
    await trx
      .insertInto('search_terms')
      .values(rows.slice(i, i + 500))
      .execute();
}
