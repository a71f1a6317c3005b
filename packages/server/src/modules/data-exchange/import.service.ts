import {
  addTerm,
  boundKind,
  isAcceptedInstant,
  LATEST_INSTANT,
  parseLicenseKey,
  RESOURCE_KINDS,
  type ResourceKind,
  type Scope,
  seatLimit,
} from '@licensor/core';
import type { Insertable } from 'kysely';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import type {
  BindingTable,
  CustomerTable,
  ExternalIdTable,
  LicenseKeyTable,
  LicenseTable,
  LicenseTypeTable,
} from '../../platform/db/schema.js';
import { inTransaction, lockRows } from '../../platform/db/transaction.js';
import { AppError, isUniqueViolation } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { nulPath } from '../../platform/http/nul-bytes.js';
import { insertTerms, type TermRow, termRows } from '../customers/search-terms.js';
import { termOf } from '../license-types/license-types.service.js';
import { vendorLanguage } from '../vendors/vendor-language.js';
import {
  EXCHANGE_KINDS,
  EXTERNAL_KIND,
  type ExchangeCounts,
  type ExchangeKind,
  type RowProblem,
  zeroCounts,
} from './exchange.schema.js';
import { REASONS, type ReasonCode, type ReasonParams } from './import-reasons.js';

export interface ImportProgress {
  readonly kind: ExchangeKind;
  readonly done: number;
  readonly total: number;
}

export interface ImportOptions {
  readonly vendorId: string;
  /** The parsed file: `{ customers, keys, licenses, bindings }` (lists left out are empty). */
  readonly file: unknown;
  /** For a CSV file: each row's line, per list, so problems name it. */
  readonly lines?: Partial<Record<ExchangeKind, readonly number[]>>;
  /** Validate and count only; write nothing. */
  readonly dryRun?: boolean;
  /** Write the good rows even when some are bad (rows referring to a bad row are bad too). */
  readonly partial?: boolean;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportResult {
  readonly dryRun: boolean;
  readonly partial: boolean;
  /** Whether anything was written (false on a dry run, when bad rows stopped the import, and when every row was there already). */
  readonly written: boolean;
  /** Rows new to this vendor: written, or to be written on a dry run. */
  readonly created: ExchangeCounts;
  /** Rows whose externalId an earlier import already wrote: left as they are. */
  readonly unchanged: ExchangeCounts;
  /** Bad rows (see problems). */
  readonly rejected: ExchangeCounts;
  readonly problems: RowProblem[];
}

const MAX_TEXT = 1000;
/** The fields the API limits more tightly (customers.routes.ts): an import writes nothing the API would refuse. */
const MAX_LENGTH: Record<string, number> = {
  name: 200,
  contactName: 200,
  email: 254,
  phone: 50,
  website: 500,
};
const LOOKUP_CHUNK = 500;
const INSERT_CHUNK = 400;
/** Rows written between two progress reports. */
const PROGRESS_EVERY = 1000;

type Row = Record<string, unknown>;

/** An ISO-8601 date or time of a real calendar day (no 30 February) within the years the API accepts (1970–9999). */
function isIsoDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1, 4).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.parse rolls 2025-02-30 over into March; a day that does not exist is a typo, not a date.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return false;
  return isAcceptedInstant(value);
}

/** Why a field cannot be stored as it is: a NUL character, or nesting deeper than a request may. */
function unstorable(field: string, value: unknown): 'CONTAINS_NUL' | 'NESTED_TOO_DEEP' | undefined {
  try {
    return (nulPath(field, field) ?? nulPath(value, field)) ? 'CONTAINS_NUL' : undefined;
  } catch (error) {
    if (error instanceof AppError) return 'NESTED_TOO_DEEP';
    throw error;
  }
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Imports customers, keys (their strings kept), licenses and bindings into a vendor. Every row is checked
 * first; with any bad row nothing is written unless `partial`. Rows whose externalId an earlier import of
 * this vendor wrote are left alone, so the same file imported twice changes nothing the second time. Writes
 * go straight into the tables (search terms included) in one transaction with one summary event, so an import
 * refused midway (a concurrent import took one of its key strings first) leaves nothing behind.
 */
export async function importVendorData(
  ctx: AppContext,
  actor: Actor,
  options: ImportOptions,
): Promise<ImportResult> {
  const db = ctx.handle.db;
  const { vendorId } = options;
  const vendor = await db
    .selectFrom('vendors')
    .select(['id', 'prefix', 'settings'])
    .where('id', '=', vendorId)
    .executeTakeFirst();
  if (!vendor) throw new AppError('NOT_FOUND', 'no such vendor');
  if (typeof options.file !== 'object' || options.file === null || Array.isArray(options.file))
    throw new AppError(
      'VALIDATION_FAILED',
      'the file must hold an object { customers, keys, licenses, bindings }',
    );
  const file = options.file as Record<string, unknown>;
  const lists = {} as Record<ExchangeKind, Row[]>;
  for (const kind of EXCHANGE_KINDS) {
    const list = file[kind] ?? [];
    if (!Array.isArray(list)) throw new AppError('VALIDATION_FAILED', `"${kind}" must be a list`);
    lists[kind] = list as Row[];
  }

  const problems: RowProblem[] = [];
  const bad = Object.fromEntries(EXCHANGE_KINDS.map((k) => [k, new Set<number>()])) as Record<
    ExchangeKind,
    Set<number>
  >;
  const problem = <C extends ReasonCode>(
    kind: ExchangeKind,
    index: number,
    field: string,
    code: C,
    params: ReasonParams<C>,
  ) => {
    const line = options.lines?.[kind]?.[index];
    const reason = (REASONS[code] as (p: ReasonParams<C>) => string)(params);
    problems.push({ kind, index, ...(line !== undefined ? { line } : {}), field, code, params, reason });
    bad[kind].add(index);
  };
  // A NUL character (U+0000) is bad input on both databases alike (invariant 7): the row is reported and the
  // field dropped before anything (a lookup of its references included) reaches the database.
  for (const kind of EXCHANGE_KINDS)
    lists[kind] = lists[kind].map((row, index) => {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) return row;
      const clean = { ...row };
      for (const [field, value] of Object.entries(row)) {
        const reason = unstorable(field, value);
        if (reason) {
          problem(kind, index, field, reason, {});
          delete clean[field];
        }
      }
      return clean;
    });
  /** A text field: a string (trimmed), or undefined/null when optional. Reports and returns undefined when bad. */
  const text = (kind: ExchangeKind, index: number, row: Row, field: string, required: boolean) => {
    const value = row[field];
    if (value === undefined || value === null || value === '') {
      if (required) problem(kind, index, field, 'REQUIRED', {});
      return undefined;
    }
    if (typeof value !== 'string') {
      problem(kind, index, field, 'NOT_TEXT', {});
      return undefined;
    }
    if (value.length > (MAX_LENGTH[field] ?? MAX_TEXT)) {
      problem(kind, index, field, 'TOO_LONG', { max: MAX_LENGTH[field] ?? MAX_TEXT });
      return undefined;
    }
    const trimmed = value.trim();
    if (trimmed === '') {
      if (required) problem(kind, index, field, 'REQUIRED', {});
      return undefined;
    }
    return trimmed;
  };

  // Rows must be objects with an externalId unique in their list.
  const externalIds = Object.fromEntries(
    EXCHANGE_KINDS.map((k) => [k, [] as (string | undefined)[]]),
  ) as Record<ExchangeKind, (string | undefined)[]>;
  for (const kind of EXCHANGE_KINDS) {
    const seen = new Set<string>();
    lists[kind].forEach((row, index) => {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        problem(kind, index, '', 'NOT_OBJECT', {});
        externalIds[kind].push(undefined);
        return;
      }
      const id = text(kind, index, row, 'externalId', true);
      if (id !== undefined && seen.has(id)) {
        problem(kind, index, 'externalId', 'DUPLICATE_ID', { id });
        externalIds[kind].push(undefined);
        return;
      }
      if (id !== undefined) seen.add(id);
      externalIds[kind].push(id);
    });
  }

  // What earlier imports wrote: externalId → Licensor id, for the ids in the file and those its rows refer to.
  const known = Object.fromEntries(EXCHANGE_KINDS.map((k) => [k, new Map<string, string>()])) as Record<
    ExchangeKind,
    Map<string, string>
  >;
  const refs: Record<ExchangeKind, Set<string>> = {
    customers: new Set(externalIds.customers.filter((id): id is string => !!id)),
    keys: new Set(externalIds.keys.filter((id): id is string => !!id)),
    licenses: new Set(externalIds.licenses.filter((id): id is string => !!id)),
    bindings: new Set(externalIds.bindings.filter((id): id is string => !!id)),
  };
  // References resolve trimmed, as the rows' own ids are read.
  for (const row of lists.keys)
    if (typeof row?.customer === 'string') refs.customers.add(row.customer.trim());
  for (const row of lists.licenses) if (typeof row?.key === 'string') refs.keys.add(row.key.trim());
  for (const row of lists.bindings)
    if (typeof row?.license === 'string') refs.licenses.add(row.license.trim());
  for (const kind of EXCHANGE_KINDS)
    for (const chunk of chunks([...refs[kind]], LOOKUP_CHUNK)) {
      const rows = await db
        .selectFrom('external_ids')
        .select(['external_id', 'id'])
        .where('vendor_id', '=', vendorId)
        .where('kind', '=', EXTERNAL_KIND[kind])
        .where('external_id', 'in', chunk)
        .execute();
      for (const row of rows) known[kind].set(row.external_id, row.id);
    }

  /** Resolves a reference to another list: known from an earlier import, or a good row of this file. */
  const fileIndex = (kind: ExchangeKind) => {
    const map = new Map<string, number>();
    externalIds[kind].forEach((id, index) => {
      if (id !== undefined) map.set(id, index);
    });
    return map;
  };
  const indexes = Object.fromEntries(EXCHANGE_KINDS.map((k) => [k, fileIndex(k)])) as Record<
    ExchangeKind,
    Map<string, number>
  >;
  const reference = (kind: ExchangeKind, index: number, row: Row, field: string, target: ExchangeKind) => {
    const ref = text(kind, index, row, field, true);
    if (ref === undefined) return undefined;
    if (known[target].has(ref)) return ref;
    const at = indexes[target].get(ref);
    if (at === undefined) {
      problem(kind, index, field, 'UNKNOWN_REFERENCE', { target: EXTERNAL_KIND[target], ref });
      return undefined;
    }
    if (bad[target].has(at)) {
      problem(kind, index, field, 'BAD_REFERENCE', { target: EXTERNAL_KIND[target], ref });
      return undefined;
    }
    return ref;
  };

  // Customers.
  lists.customers.forEach((row, index) => {
    if (bad.customers.has(index)) return;
    text('customers', index, row, 'name', true);
    for (const field of ['contactName', 'phone', 'email', 'website', 'comment'])
      text('customers', index, row, field, false);
    const email = typeof row.email === 'string' ? row.email.trim() : '';
    if (email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
      problem('customers', index, 'email', 'NOT_EMAIL', {});
    const language = text('customers', index, row, 'language', false);
    if (language !== undefined && language !== 'en' && language !== 'ru')
      problem('customers', index, 'language', 'BAD_LANGUAGE', {});
  });

  // Keys: a well-formed key of this vendor, used by no other key anywhere.
  const keyStrings: (string | undefined)[] = [];
  const keySeen = new Set<string>();
  lists.keys.forEach((row, index) => {
    keyStrings.push(undefined);
    if (bad.keys.has(index)) return;
    reference('keys', index, row, 'customer', 'customers');
    const raw = text('keys', index, row, 'key', true);
    if (raw === undefined) return;
    const parsed = parseLicenseKey(raw);
    if (!parsed.ok) {
      problem('keys', index, 'key', parsed.problem === 'BAD_CHECK' ? 'BAD_CHECK_SYMBOL' : 'NOT_A_KEY', {});
      return;
    }
    if (parsed.prefix !== vendor.prefix) {
      problem('keys', index, 'key', 'WRONG_PREFIX', { prefix: parsed.prefix, vendor: vendor.prefix });
      return;
    }
    if (keySeen.has(parsed.code)) {
      problem('keys', index, 'key', 'DUPLICATE_KEY', { key: parsed.code });
      return;
    }
    keySeen.add(parsed.code);
    keyStrings[index] = parsed.code;
  });
  const existingKeys = new Map<string, string>();
  for (const chunk of chunks([...keySeen], LOOKUP_CHUNK)) {
    const rows = await db
      .selectFrom('license_keys')
      .select(['key', 'id'])
      .where('key', 'in', chunk)
      .execute();
    for (const row of rows) existingKeys.set(row.key, row.id);
  }
  lists.keys.forEach((_row, index) => {
    const key = keyStrings[index];
    const externalId = externalIds.keys[index];
    if (key === undefined || externalId === undefined || bad.keys.has(index)) return;
    const existing = existingKeys.get(key);
    if (existing !== undefined && known.keys.get(externalId) !== existing)
      problem('keys', index, 'key', 'KEY_EXISTS', { key });
  });

  // Licenses: a product of the vendor by code, one of its types by id or name, and dates.
  const products = new Map(
    (await db.selectFrom('products').select(['id', 'code']).where('vendor_id', '=', vendorId).execute()).map(
      (p) => [p.code, p.id],
    ),
  );
  const types = await db.selectFrom('license_types').selectAll().where('vendor_id', '=', vendorId).execute();
  const licenseTypes: (LicenseTypeTable | undefined)[] = [];
  const licenseDates: (
    | Pick<LicenseTable, 'starts_at' | 'expires_at' | 'suspended_at' | 'revoked_at' | 'superseded_at'>
    | undefined
  )[] = [];
  lists.licenses.forEach((row, index) => {
    licenseTypes.push(undefined);
    licenseDates.push(undefined);
    if (bad.licenses.has(index)) return;
    reference('licenses', index, row, 'key', 'keys');
    const code = text('licenses', index, row, 'product', true);
    const productId = code === undefined ? undefined : products.get(code);
    if (code !== undefined && productId === undefined)
      problem('licenses', index, 'product', 'UNKNOWN_PRODUCT', { product: code });
    const typeName = text('licenses', index, row, 'licenseType', true);
    if (productId !== undefined && code !== undefined && typeName !== undefined) {
      const own = types.filter((t) => t.product_id === productId);
      const byId = own.find((t) => t.id === typeName);
      const byName = own.filter((t) => t.name === typeName);
      if (byId) licenseTypes[index] = byId;
      else if (byName.length === 1) licenseTypes[index] = byName[0];
      else
        problem('licenses', index, 'licenseType', byName.length > 1 ? 'AMBIGUOUS_TYPE' : 'UNKNOWN_TYPE', {
          product: code,
          type: typeName,
        });
    }
    const starts = text('licenses', index, row, 'startsAt', true);
    if (starts !== undefined && !isIsoDate(starts)) problem('licenses', index, 'startsAt', 'NOT_A_DATE', {});
    const expiresRaw = row.expiresAt;
    let expires: string | null | undefined;
    if (expiresRaw === null) expires = null;
    else if (expiresRaw !== undefined) {
      expires = text('licenses', index, row, 'expiresAt', false);
      if (expires !== undefined && !isIsoDate(expires)) {
        problem('licenses', index, 'expiresAt', 'NOT_A_DATE', {});
        return;
      }
    }
    const states: Record<string, string | null> = {};
    for (const field of ['suspendedAt', 'revokedAt', 'supersededAt']) {
      const value = text('licenses', index, row, field, false);
      if (value !== undefined && !isIsoDate(value)) {
        problem('licenses', index, field, 'NOT_A_DATE', {});
        continue;
      }
      states[field] = value === undefined ? null : new Date(value).toISOString();
    }
    if (starts === undefined || !isIsoDate(starts) || bad.licenses.has(index)) return;
    const startsAt = new Date(starts);
    if (expires === undefined) {
      const term = licenseTypes[index] ? termOf(licenseTypes[index]) : null;
      const end = term ? addTerm(startsAt, term) : null;
      if (end && end.getTime() > LATEST_INSTANT) {
        problem('licenses', index, 'startsAt', 'ENDS_AFTER_9999', {});
        return;
      }
      expires = end ? end.toISOString() : null;
    } else if (expires !== null) {
      if (Date.parse(expires) <= startsAt.getTime()) {
        problem('licenses', index, 'expiresAt', 'NOT_AFTER_START', {});
        return;
      }
      expires = new Date(expires).toISOString();
    }
    licenseDates[index] = {
      starts_at: startsAt.toISOString(),
      expires_at: expires,
      suspended_at: states.suspendedAt,
      revoked_at: states.revokedAt,
      superseded_at: states.supersededAt,
    };
  });

  // Bindings: a resource of the kind the license's type binds, bound once.
  const licenseTypeOf = new Map<string, LicenseTypeTable>();
  lists.licenses.forEach((_row, index) => {
    const type = licenseTypes[index];
    const id = externalIds.licenses[index];
    if (type && id !== undefined) licenseTypeOf.set(id, type);
  });
  const knownLicenseIds = [...known.licenses.values()];
  const knownLicenseTypes = new Map<string, LicenseTypeTable>();
  const boundBefore = new Set<string>();
  /** Bindings per license: those it has (by id) and those the file adds (by `file:externalId`). */
  const seatsTaken = new Map<string, number>();
  for (const chunk of chunks(knownLicenseIds, LOOKUP_CHUNK)) {
    const rows = await db
      .selectFrom('licenses')
      .select(['id', 'license_type_id'])
      .where('vendor_id', '=', vendorId)
      .where('id', 'in', chunk)
      .execute();
    for (const row of rows) {
      const type = types.find((t) => t.id === row.license_type_id);
      if (type) knownLicenseTypes.set(row.id, type);
    }
    const bound = await db
      .selectFrom('bindings')
      .select(['license_id', 'resource_kind', 'resource_id'])
      .where('license_id', 'in', chunk)
      .execute();
    for (const b of bound) {
      boundBefore.add(`${b.license_id}\n${b.resource_kind}\n${b.resource_id}`);
      seatsTaken.set(b.license_id, (seatsTaken.get(b.license_id) ?? 0) + 1);
    }
  }
  const boundInFile = new Set<string>();
  lists.bindings.forEach((row, index) => {
    if (bad.bindings.has(index)) return;
    const license = reference('bindings', index, row, 'license', 'licenses');
    const kind = text('bindings', index, row, 'resourceKind', true);
    const resource = text('bindings', index, row, 'resourceId', true);
    text('bindings', index, row, 'resourceName', false);
    if (license === undefined || kind === undefined || resource === undefined) return;
    const licenseId = known.licenses.get(license);
    const type = licenseId !== undefined ? knownLicenseTypes.get(licenseId) : licenseTypeOf.get(license);
    if (!(RESOURCE_KINDS as readonly string[]).includes(kind)) {
      problem('bindings', index, 'resourceKind', 'UNKNOWN_KIND', { kinds: RESOURCE_KINDS.join(', ') });
      return;
    }
    if (!type) return;
    const scope = type.scope as Scope;
    const binds = boundKind(scope, type.resource_kind as ResourceKind | null);
    // An installation a license file was issued for is a seat of any type that has seats (DESIGN §5).
    if (binds !== null && kind !== binds && kind !== 'installation') {
      problem('bindings', index, 'resourceKind', 'WRONG_KIND', { binds, kind });
      return;
    }
    const externalId = externalIds.bindings[index];
    if (externalId !== undefined && known.bindings.has(externalId)) return;
    const holder = licenseId ?? `file:${license}`;
    const slot = `${holder}\n${kind}\n${resource}`;
    if (boundInFile.has(slot) || boundBefore.has(slot)) {
      problem('bindings', index, 'resourceId', 'ALREADY_BOUND', { kind, resource });
      return;
    }
    // No more bindings than seats (invariant 1), counting those the license has already.
    const limit = seatLimit(scope, type.max_seats);
    const taken = seatsTaken.get(holder) ?? 0;
    if (limit !== null && taken >= limit) {
      problem('bindings', index, 'license', 'SEATS_FULL', { limit });
      return;
    }
    seatsTaken.set(holder, taken + 1);
    boundInFile.add(slot);
  });

  const created = zeroCounts();
  const unchanged = zeroCounts();
  const rejected = zeroCounts();
  for (const kind of EXCHANGE_KINDS) {
    rejected[kind] = bad[kind].size;
    externalIds[kind].forEach((id, index) => {
      if (bad[kind].has(index) || id === undefined) return;
      if (known[kind].has(id)) unchanged[kind]++;
      else created[kind]++;
    });
  }
  problems.sort((a, b) =>
    a.kind === b.kind ? a.index - b.index : EXCHANGE_KINDS.indexOf(a.kind) - EXCHANGE_KINDS.indexOf(b.kind),
  );
  const dryRun = options.dryRun ?? false;
  const partial = options.partial ?? false;
  const result = { dryRun, partial, created, unchanged, rejected, problems };
  const nothingNew = EXCHANGE_KINDS.every((kind) => created[kind] === 0);
  if (dryRun || nothingNew || (problems.length > 0 && !partial)) return { ...result, written: false };

  // The rows to write, with their new ids.
  const now = ctx.clock.now();
  const at = now.toISOString();
  const ids = Object.fromEntries(EXCHANGE_KINDS.map((k) => [k, new Map(known[k])])) as Record<
    ExchangeKind,
    Map<string, string>
  >;
  const fresh = (kind: ExchangeKind) =>
    lists[kind].flatMap((row, index) => {
      const externalId = externalIds[kind][index];
      if (bad[kind].has(index) || externalId === undefined || known[kind].has(externalId)) return [];
      const id = newId();
      ids[kind].set(externalId, id);
      return [{ row, index, externalId, id }];
    });
  const language = vendorLanguage(vendor.settings);
  const opt = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
  const customerRows = fresh('customers').map(({ row, externalId, id }) => ({
    externalId,
    row: {
      id,
      vendor_id: vendorId,
      name: (row.name as string).trim(),
      contact_name: opt(row.contactName),
      phone: opt(row.phone),
      email: opt(row.email),
      website: opt(row.website),
      partner_id: null,
      manager_id: null,
      comment: opt(row.comment),
      language: opt(row.language) ?? language,
      created_at: at,
      updated_at: at,
    } satisfies CustomerTable,
  }));
  const keyRows = fresh('keys').map(({ row, index, externalId, id }) => ({
    externalId,
    row: {
      id,
      vendor_id: vendorId,
      customer_id: ids.customers.get((row.customer as string).trim())!,
      key: keyStrings[index]!,
      status: 'active',
      created_at: at,
      deleted_at: null,
    } satisfies LicenseKeyTable,
  }));
  const licenseRows = fresh('licenses').map(({ row, index, externalId, id }) => ({
    externalId,
    row: {
      id,
      vendor_id: vendorId,
      key_id: ids.keys.get((row.key as string).trim())!,
      product_id: licenseTypes[index]!.product_id,
      license_type_id: licenseTypes[index]!.id,
      ...licenseDates[index]!,
      created_at: at,
      updated_at: at,
    } satisfies Insertable<LicenseTable>,
  }));
  const bindingRows = fresh('bindings').map(({ row, externalId, id }) => ({
    externalId,
    row: {
      id,
      vendor_id: vendorId,
      license_id: ids.licenses.get((row.license as string).trim())!,
      resource_kind: (row.resourceKind as string).trim(),
      resource_id: (row.resourceId as string).trim(),
      resource_name: opt(row.resourceName),
      metadata: '{}',
      created_at: at,
    } satisfies BindingTable,
  }));

  const externalRows = (kind: ExchangeKind, rows: readonly { externalId: string; row: { id: string } }[]) =>
    rows.map(
      ({ externalId, row }): ExternalIdTable => ({
        vendor_id: vendorId,
        kind: EXTERNAL_KIND[kind],
        external_id: externalId,
        id: row.id,
      }),
    );
  async function write<T extends { id: string }>(
    trx: Db,
    kind: ExchangeKind,
    rows: readonly { externalId: string; row: T }[],
    insert: (batch: T[]) => Promise<unknown>,
    terms: (batch: T[]) => TermRow[],
  ) {
    let done = 0;
    for (const batch of chunks(rows, PROGRESS_EVERY)) {
      const values = batch.map((entry) => entry.row);
      for (const chunk of chunks(values, INSERT_CHUNK)) await insert(chunk);
      for (const chunk of chunks(externalRows(kind, batch), INSERT_CHUNK))
        await trx.insertInto('external_ids').values(chunk).execute();
      await insertTerms(trx, terms(values));
      done += batch.length;
      options.onProgress?.({ kind, done, total: rows.length });
    }
  }
  /**
   * The seats were counted before the transaction: under the licenses' locks, check that no activation, license
   * file or other import bound licenses of this vendor meanwhile past what the file still adds (invariant 1).
   */
  const assertSeatsStillFree = async (trx: Db, rows: readonly { row: { license_id: string } }[]) => {
    const adding = new Map<string, number>();
    for (const { row } of rows)
      if (knownLicenseTypes.has(row.license_id))
        adding.set(row.license_id, (adding.get(row.license_id) ?? 0) + 1);
    for (const chunk of chunks([...adding.keys()].sort(), LOOKUP_CHUNK)) {
      // In id order, so two imports binding the same licenses lock them in the same order (no deadlock); each
      // license's bound seats are its counter (migration 0027), kept by the database under that lock.
      const bound = await lockRows(
        ctx.handle,
        trx
          .selectFrom('licenses')
          .select(['id as license_id', 'bound_seats as n'])
          .where('id', 'in', chunk)
          .orderBy('id'),
      ).execute();
      for (const { license_id, n } of bound) {
        const type = knownLicenseTypes.get(license_id)!;
        const limit = seatLimit(type.scope as Scope, type.max_seats);
        if (limit !== null && Number(n) + adding.get(license_id)! > limit)
          throw new AppError(
            'CONFLICT',
            'a license of this file got other bindings while the import ran; nothing was written: run it again to see which rows',
          );
      }
    }
  };
  await inTransaction(ctx.handle, async (trx) => {
    await write(
      trx,
      'customers',
      customerRows,
      (batch) => trx.insertInto('customers').values(batch).execute(),
      (batch) => batch.flatMap((c) => termRows(vendorId, c.id, c, [])),
    );
    await write(
      trx,
      'keys',
      keyRows,
      (batch) => trx.insertInto('license_keys').values(batch).execute(),
      (batch) => batch.flatMap((k) => termRows(vendorId, k.customer_id, null, [k])),
    );
    await write(
      trx,
      'licenses',
      licenseRows,
      (batch) => trx.insertInto('licenses').values(batch).execute(),
      () => [],
    );
    await assertSeatsStillFree(trx, bindingRows);
    await write(
      trx,
      'bindings',
      bindingRows,
      (batch) => trx.insertInto('bindings').values(batch).execute(),
      () => [],
    );
    await recordEvent(trx, vendorId, actor, now, {
      type: 'data.imported',
      subjectType: 'vendor',
      subjectId: vendorId,
      after: { created, unchanged, rejected, partial },
    });
  }).catch((error: unknown) => {
    if (!isUniqueViolation(error)) throw error;
    throw new AppError(
      'CONFLICT',
      'another import wrote some of the same rows (an external id or a key string) while this one ran; nothing was written: run it again to see which rows',
    );
  });
  return { ...result, written: true };
}
