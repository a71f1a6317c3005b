import { parseCsv } from '@licensor/core';
/**
 * The file `licensor import` reads and `licensor export` writes: one JSON object of four lists whose rows
 * refer to each other by `externalId` (a key names its customer's, a license its key's, a binding its
 * license's). The external id is the row's id in the system it came from; Licensor remembers it per vendor,
 * so importing the same file twice writes nothing the second time.
 */
export interface ExchangeCustomer {
  externalId: string;
  name: string;
  contactName?: string | null;
  phone?: string | null;
  email?: string | null;
  website?: string | null;
  comment?: string | null;
  /** 'en' or 'ru'; the vendor's language when left out. */
  language?: string | null;
}

export interface ExchangeKey {
  externalId: string;
  /** The customer's externalId. */
  customer: string;
  /** The license key as issued (`ACME-XXXXX-…`): kept as it is, so apps and customers go on using it. */
  key: string;
}

export interface ExchangeLicense {
  externalId: string;
  /** The key's externalId. */
  key: string;
  /** The product's code. */
  product: string;
  /** The license type's id, or its name (unique among the product's types). */
  licenseType: string;
  /** ISO-8601 date or time. */
  startsAt: string;
  /** ISO-8601; null for no expiry; left out, the type's term from `startsAt`. */
  expiresAt?: string | null;
  /** When it was suspended, revoked or superseded (ISO-8601); left out or null when it was not. */
  suspendedAt?: string | null;
  revokedAt?: string | null;
  supersededAt?: string | null;
}

export interface ExchangeBinding {
  externalId: string;
  /** The license's externalId. */
  license: string;
  resourceKind: string;
  resourceId: string;
  resourceName?: string | null;
}

export interface ExchangeFile {
  customers: ExchangeCustomer[];
  keys: ExchangeKey[];
  licenses: ExchangeLicense[];
  bindings: ExchangeBinding[];
}

export const EXCHANGE_KINDS = ['customers', 'keys', 'licenses', 'bindings'] as const;
export type ExchangeKind = (typeof EXCHANGE_KINDS)[number];

/** The kind stored in `external_ids.kind` for each list. */
export const EXTERNAL_KIND: Record<ExchangeKind, string> = {
  customers: 'customer',
  keys: 'key',
  licenses: 'license',
  bindings: 'binding',
};

/** One bad row: which list, its index there (and its line in a CSV file), the field and why. */
export interface RowProblem {
  kind: ExchangeKind;
  index: number;
  line?: number;
  field: string;
  /** Why, as a code the cabinet words in its language (import-reasons.ts), with the values it names. */
  code: string;
  params: Record<string, string | number>;
  /** Why, in English. */
  reason: string;
}

export type ExchangeCounts = Record<ExchangeKind, number>;

export const zeroCounts = (): ExchangeCounts => ({ customers: 0, keys: 0, licenses: 0, bindings: 0 });

const CUSTOMER_COLUMNS = [
  'externalId',
  'name',
  'contactName',
  'phone',
  'email',
  'website',
  'comment',
  'language',
] as const;

/**
 * A customers CSV (header `externalId,name,contactName,phone,email,website,comment,language`; any order, the
 * last four optional) as an exchange file, with each row's line in the file. Empty cells are left out.
 */
export function customersFromCsv(text: string): { file: ExchangeFile; lines: number[] } {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new Error('the CSV file is empty');
  const names = header.fields.map((name) => name.trim());
  const unknown = names.filter((name) => !(CUSTOMER_COLUMNS as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`unknown CSV column(s): ${unknown.join(', ')}`);
  const twice = names.filter((name, i) => names.indexOf(name) !== i);
  if (twice.length) throw new Error(`the CSV header names a column twice: ${[...new Set(twice)].join(', ')}`);
  for (const required of ['externalId', 'name'])
    if (!names.includes(required)) throw new Error(`the CSV header has no ${required} column`);
  // More cells than columns is most often an unquoted comma inside a value: cutting it would store half a name.
  const wide = rows.filter(
    (row) => row.fields.length > names.length && row.fields.slice(names.length).some(Boolean),
  );
  if (wide.length)
    throw new Error(
      `line(s) ${wide
        .slice(0, 10)
        .map((row) => row.line)
        .join(
          ', ',
        )}${wide.length > 10 ? ' …' : ''} have more cells than the header has columns (${names.length}): quote a value that holds a comma`,
    );
  const customers = rows.map((row) => {
    const customer: Record<string, string> = {};
    names.forEach((name, i) => {
      const value = row.fields[i]?.trim();
      if (value) customer[name] = value;
    });
    return customer as unknown as ExchangeCustomer;
  });
  return {
    file: { customers, keys: [], licenses: [], bindings: [] },
    lines: rows.map((row) => row.line),
  };
}
