import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { pageOf } from '../../platform/db/paging.js';
import type { CustomerTable } from '../../platform/db/schema.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { assertPartnerOf } from '../partners/partners.service.js';
import { languageOfVendor } from '../vendors/vendor-language.js';
import { indexCustomer, matchingIds, matchingPage, searchTerms } from './search-terms.js';

/** The key-card client fields (seed 004): who the customer is and who looks after it. */
export interface CustomerFields {
  name: string;
  contactName?: string | null;
  phone?: string | null;
  email?: string | null;
  website?: string | null;
  partnerId?: string | null;
  managerId?: string | null;
  comment?: string | null;
  language?: 'en' | 'ru';
}

export const toCustomer = (row: CustomerTable) => ({
  id: row.id,
  name: row.name,
  contactName: row.contact_name,
  phone: row.phone,
  email: row.email,
  website: row.website,
  partnerId: row.partner_id,
  managerId: row.manager_id,
  comment: row.comment,
  language: row.language,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function findCustomer(db: Db, vendorId: string, id: string): Promise<CustomerTable> {
  const row = await db
    .selectFrom('customers')
    .selectAll()
    .where('vendor_id', '=', vendorId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('CUSTOMER_NOT_FOUND', 'customer');
  return row;
}

/** Partner and manager must belong to the same vendor: ids from elsewhere are refused as unknown. */
async function checkReferences(db: Db, vendorId: string, fields: Partial<CustomerFields>): Promise<void> {
  if (fields.partnerId) await assertPartnerOf(db, vendorId, fields.partnerId);
  if (fields.managerId) {
    const manager = await db
      .selectFrom('users')
      .select('id')
      .where('vendor_id', '=', vendorId)
      .where('id', '=', fields.managerId)
      .executeTakeFirst();
    if (!manager) throw notFound('USER_NOT_FOUND', 'manager');
  }
}

/** A cursor of the by-name order: the last row's name and id, so that equal names page on by id. */
const nameCursor = {
  of: (row: { name: string; id: string }) =>
    Buffer.from(JSON.stringify([row.name, row.id])).toString('base64url'),
  parse(cursor: string): [string, string] {
    try {
      const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (
        Array.isArray(value) &&
        value.length === 2 &&
        value.every((v) => typeof v === 'string' && !v.includes('\u0000'))
      )
        return value as [string, string];
    } catch {}
    throw new AppError('VALIDATION_FAILED', 'the cursor does not belong to the by-name order', [
      { path: 'querystring/cursor', message: 'must be a nextCursor of sort=name' },
    ]);
  },
};

/** The vendor's customers by name A–Z, a page after the cursor (a search keeps to its matches). */
/** Customers by name, a page after the cursor, matching the search; only a partner's own when `partnerId`. */
async function listCustomersByName(
  ctx: AppContext,
  vendorId: string,
  query: { limit?: number; cursor?: string; q?: string },
  partnerId?: string,
) {
  const db = ctx.handle.db;
  const limit = query.limit ?? 50;
  let select = db.selectFrom('customers').selectAll().where('vendor_id', '=', vendorId);
  if (partnerId) select = select.where('partner_id', '=', partnerId);
  if (query.cursor) {
    const [name, id] = nameCursor.parse(query.cursor);
    select = select.where((eb) =>
      eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('id', '>', id)])]),
    );
  }
  const terms = await searchTerms(db, vendorId, query.q);
  if (terms?.length === 0) return { data: [], nextCursor: null };
  if (terms) select = select.where('id', 'in', matchingIds(db, vendorId, terms, 'customer_id'));
  const rows = await select
    .orderBy('name')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const data = rows.slice(0, limit);
  return {
    data: data.map(toCustomer),
    nextCursor: rows.length > limit ? nameCursor.of(data[data.length - 1]!) : null,
  };
}

/** A partner's own customers (the partner portal), by name, paged and searched as the vendor's list is. */
export const listPartnerCustomers = (
  ctx: AppContext,
  partner: { vendorId: string; partnerId: string },
  query: { limit?: number; cursor?: string; q?: string },
) => listCustomersByName(ctx, partner.vendorId, query, partner.partnerId);

export async function listCustomers(
  ctx: AppContext,
  principal: Principal,
  query: { limit?: number; cursor?: string; q?: string; sort?: 'newest' | 'name' },
) {
  if (query.sort === 'name') return listCustomersByName(ctx, principal.vendorId, query);
  const limit = query.limit ?? 50;
  let select = ctx.handle.db.selectFrom('customers').selectAll().where('vendor_id', '=', principal.vendorId);
  if (query.cursor) select = select.where('id', '<', query.cursor);
  // Each word of the query starts a word of the customer's name, contact, e-mail or keys.
  const terms = await searchTerms(ctx.handle.db, principal.vendorId, query.q);
  if (terms?.length === 0) return { data: [], nextCursor: null };
  if (terms)
    select = select.where(
      'id',
      'in',
      matchingPage(ctx.handle.db, principal.vendorId, terms, 'customer_id', {
        cursor: query.cursor,
        limit: limit + 1,
      }),
    );
  const rows = await select
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = pageOf(rows, limit);
  return { data: page.data.map(toCustomer), nextCursor: page.nextCursor };
}

export async function getCustomer(ctx: AppContext, principal: Principal, id: string) {
  const customer = await findCustomer(ctx.handle.db, principal.vendorId, id);
  const keys = await ctx.handle.db
    .selectFrom('license_keys')
    .select(['id', 'key', 'status', 'created_at'])
    .where('customer_id', '=', id)
    .orderBy('id')
    .execute();
  return {
    ...toCustomer(customer),
    keys: keys.map((k) => ({ id: k.id, key: k.key, status: k.status, createdAt: k.created_at })),
  };
}

export async function createCustomer(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  input: CustomerFields,
) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now().toISOString();
  return inTransaction(ctx.handle, async (trx) => {
    await checkReferences(trx, principal.vendorId, input);
    const row: CustomerTable = {
      id: newId(),
      vendor_id: principal.vendorId,
      name: input.name,
      contact_name: input.contactName ?? null,
      phone: input.phone ?? null,
      email: input.email ?? null,
      website: input.website ?? null,
      partner_id: input.partnerId ?? null,
      manager_id: input.managerId ?? null,
      comment: input.comment ?? null,
      language: input.language ?? (await languageOfVendor(trx, principal.vendorId)),
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('customers').values(row).execute();
    await indexCustomer(trx, row.vendor_id, row.id, row);
    const dto = toCustomer(row);
    await recordEvent(trx, principal.vendorId, actor, ctx.clock.now(), {
      type: 'customer.created',
      subjectType: 'customer',
      subjectId: row.id,
      customerId: row.id,
      after: dto,
    });
    return dto;
  });
}

export async function updateCustomer(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  id: string,
  input: Partial<CustomerFields>,
) {
  assertRole(principal.role, 'manager');
  if (input.name !== undefined && input.name.trim() === '')
    throw new AppError('VALIDATION_FAILED', 'the customer name cannot be empty');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const before = await findCustomer(trx, principal.vendorId, id);
    await checkReferences(trx, principal.vendorId, input);
    const changes: Partial<CustomerTable> = { updated_at: now.toISOString() };
    if (input.name !== undefined) changes.name = input.name;
    if (input.contactName !== undefined) changes.contact_name = input.contactName;
    if (input.phone !== undefined) changes.phone = input.phone;
    if (input.email !== undefined) changes.email = input.email;
    if (input.website !== undefined) changes.website = input.website;
    if (input.partnerId !== undefined) changes.partner_id = input.partnerId;
    if (input.managerId !== undefined) changes.manager_id = input.managerId;
    if (input.comment !== undefined) changes.comment = input.comment;
    if (input.language !== undefined) changes.language = input.language;
    await trx.updateTable('customers').set(changes).where('id', '=', id).execute();
    const after = { ...before, ...changes };
    await indexCustomer(trx, principal.vendorId, id, after);
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'customer.updated',
      subjectType: 'customer',
      subjectId: id,
      customerId: id,
      before: toCustomer(before),
      after: toCustomer(after),
    });
    return toCustomer(after);
  });
}
