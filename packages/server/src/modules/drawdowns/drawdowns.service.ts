import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { DEFAULT_PAGE_SIZE, pageOf } from '../../platform/db/paging.js';
import type { DrawdownTable } from '../../platform/db/schema.js';
import { inTransaction, lockRows } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { sendMailLater } from '../../platform/mail/send-later.js';
import { indexCustomer } from '../customers/search-terms.js';
import { type Account, balanceLines, lockAccount, postEntries } from '../entitlements/ledger.js';
import { findOrder } from '../orders/orders.service.js';
import { type PartnerPrincipal, partnerActor } from '../partners/partner-auth.js';
import { type DrawdownNotice, drawdownMail } from './drawdown-mail.js';

export const DRAWDOWN_STATES = ['draft', 'submitted', 'approved', 'rejected', 'accepted'] as const;
export type DrawdownState = (typeof DRAWDOWN_STATES)[number];

/** The customer a request moves entitlements to: an existing customer of the partner, or a new account. */
export type DrawdownCustomer =
  | { id: string }
  | { name: string; website?: string | null; contactName?: string | null; email?: string | null };

export interface DrawdownInput {
  orderId: string;
  customer: DrawdownCustomer;
  items: { orderItemId: string; quantity: number }[];
  /** Saving submits the request (seed 002); `false` keeps a draft. */
  submit?: boolean;
}

const reference = (id: string) => `PDR-${id.slice(-6).toUpperCase()}`;

/** Names read beside a page of requests, so each card says who asks for what (never a query per card). */
interface Names {
  customers: Map<string, string>;
  partners: Map<string, string>;
  orders: Map<string, string>;
  lines: Map<string, { licenseTypeId: string; licenseTypeName: string; productName: string }>;
}

const toDrawdown = (row: DrawdownTable, names: Names) => {
  const newCustomer = row.new_customer ? (JSON.parse(row.new_customer) as DrawdownCustomer) : null;
  return {
    id: row.id,
    reference: reference(row.id),
    partnerId: row.partner_id,
    partnerName: names.partners.get(row.partner_id) ?? null,
    orderId: row.order_id,
    orderReference: names.orders.get(row.order_id) ?? null,
    customerId: row.customer_id,
    customerName: row.customer_id
      ? (names.customers.get(row.customer_id) ?? null)
      : ((newCustomer as { name?: string } | null)?.name ?? null),
    newCustomer,
    items: (JSON.parse(row.items) as DrawdownInput['items']).map((item) => ({
      ...item,
      licenseTypeId: names.lines.get(item.orderItemId)?.licenseTypeId ?? null,
      licenseTypeName: names.lines.get(item.orderItemId)?.licenseTypeName ?? null,
      productName: names.lines.get(item.orderItemId)?.productName ?? null,
    })),
    state: row.state as DrawdownState,
    rejectionReason: row.rejection_reason,
    clonedFrom: row.cloned_from,
    createdAt: row.created_at,
    submittedAt: row.submitted_at,
    decidedAt: row.decided_at,
    acceptedAt: row.accepted_at,
  };
};

/** Requests as the API shows them, with their customers', partners', orders' and lines' names. */
async function presentAll(db: Db, rows: DrawdownTable[]) {
  const unique = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => v !== null))];
  const customerIds = unique(rows.map((r) => r.customer_id));
  const partnerIds = unique(rows.map((r) => r.partner_id));
  const orderIds = unique(rows.map((r) => r.order_id));
  const itemIds = unique(
    rows.flatMap((r) => (JSON.parse(r.items) as DrawdownInput['items']).map((i) => i.orderItemId)),
  );
  const names: Names = { customers: new Map(), partners: new Map(), orders: new Map(), lines: new Map() };
  if (customerIds.length)
    for (const c of await db
      .selectFrom('customers')
      .select(['id', 'name'])
      .where('id', 'in', customerIds)
      .execute())
      names.customers.set(c.id, c.name);
  if (partnerIds.length)
    for (const p of await db
      .selectFrom('partners')
      .select(['id', 'name'])
      .where('id', 'in', partnerIds)
      .execute())
      names.partners.set(p.id, p.name);
  if (orderIds.length)
    for (const o of await db
      .selectFrom('orders')
      .select(['id', 'reference'])
      .where('id', 'in', orderIds)
      .execute())
      names.orders.set(o.id, o.reference);
  if (itemIds.length) {
    const lines = await db
      .selectFrom('order_items')
      .innerJoin('license_types', 'license_types.id', 'order_items.license_type_id')
      .innerJoin('products', 'products.id', 'license_types.product_id')
      .select([
        'order_items.id',
        'license_types.id as typeId',
        'license_types.name as typeName',
        'products.name as productName',
      ])
      .where('order_items.id', 'in', itemIds)
      .execute();
    for (const line of lines)
      names.lines.set(line.id, {
        licenseTypeId: line.typeId,
        licenseTypeName: line.typeName,
        productName: line.productName,
      });
  }
  return rows.map((row) => toDrawdown(row, names));
}

async function present(db: Db, row: DrawdownTable) {
  return (await presentAll(db, [row]))[0];
}

/** The request, if it belongs to this partner (another partner's request is simply not found). */
async function partnerRequest(db: Db, partner: PartnerPrincipal, id: string): Promise<DrawdownTable> {
  const row = await db
    .selectFrom('drawdowns')
    .selectAll()
    .where('partner_id', '=', partner.partnerId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('DRAWDOWN_NOT_FOUND', 'draw-down request');
  return row;
}

async function vendorRequest(db: Db, vendorId: string, id: string): Promise<DrawdownTable> {
  const row = await db
    .selectFrom('drawdowns')
    .selectAll()
    .where('vendor_id', '=', vendorId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('DRAWDOWN_NOT_FOUND', 'draw-down request');
  return row;
}

function refuse(row: DrawdownTable, action: string): AppError {
  return new AppError('INVALID_TRANSITION', `a ${row.state} request cannot be ${action}`);
}

/** Each item is on the request's order and within what the partner still holds from it. */
async function checkItems(
  db: Db,
  partner: PartnerPrincipal,
  orderId: string,
  items: DrawdownInput['items'],
): Promise<void> {
  const order = await findOrder(db, partner.vendorId, orderId, { type: 'partner', id: partner.partnerId });
  const lines = await balanceLines(db, partner.vendorId, { type: 'partner', id: partner.partnerId });
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.orderItemId))
      throw new AppError('VALIDATION_FAILED', 'each order line may appear once');
    seen.add(item.orderItemId);
    const line = order.items.find((orderItem) => orderItem.id === item.orderItemId);
    if (!line)
      throw new AppError(
        'VALIDATION_FAILED',
        `order line ${item.orderItemId} is not on order ${order.reference}`,
      );
    const available = lines.find((l) => l.orderItemId === item.orderItemId)?.available ?? 0;
    if (item.quantity > available) {
      throw new AppError(
        'INSUFFICIENT_ENTITLEMENT',
        `only ${available} of ${line.productName} (${line.licenseTypeName}) are available on this order`,
        [{ orderItemId: item.orderItemId, available }],
      );
    }
  }
}

async function checkCustomer(db: Db, partner: PartnerPrincipal, customer: DrawdownCustomer): Promise<void> {
  if (!('id' in customer)) return;
  const own = await db
    .selectFrom('customers')
    .select('id')
    .where('id', '=', customer.id)
    .where('partner_id', '=', partner.partnerId)
    .executeTakeFirst();
  if (!own) throw notFound('CUSTOMER_NOT_FOUND', 'customer');
}

/** Mails a transition: submissions and acceptances to the vendor's accounts team, decisions to the partner user. */
async function notify(
  ctx: AppContext,
  trx: Db,
  row: DrawdownTable,
  notice: DrawdownNotice,
  now: Date,
): Promise<void> {
  const shown = await present(trx, row);
  const facts = {
    reference: shown.reference,
    partnerName: shown.partnerName ?? '',
    customerName: shown.customerName ?? '',
    reason: row.rejection_reason,
  };
  if (notice === 'submitted' || notice === 'accepted') {
    const team = await trx
      .selectFrom('users')
      .select(['email', 'language'])
      .where('vendor_id', '=', row.vendor_id)
      .where('role', 'in', ['owner', 'admin', 'manager'])
      .where('disabled_at', 'is', null)
      .execute();
    for (const member of team) {
      const link = `${ctx.config.publicUrl}/drawdowns/${row.id}`;
      await sendMailLater(
        trx,
        row.vendor_id,
        drawdownMail(notice, member.language, [member.email], { ...facts, link }),
        now,
      );
    }
    return;
  }
  const author = await trx
    .selectFrom('partner_users')
    .select(['email', 'language'])
    .where('id', '=', row.created_by)
    .executeTakeFirst();
  if (!author) return;
  const link = `${ctx.config.publicUrl}/partner/drawdowns/${row.id}`;
  await sendMailLater(
    trx,
    row.vendor_id,
    drawdownMail(notice, author.language, [author.email], { ...facts, link }),
    now,
  );
}

async function transition(
  ctx: AppContext,
  trx: Db,
  row: DrawdownTable,
  changes: Partial<DrawdownTable>,
  actor: Actor,
  now: Date,
) {
  await trx.updateTable('drawdowns').set(changes).where('id', '=', row.id).execute();
  const after = { ...row, ...changes };
  await recordEvent(trx, row.vendor_id, actor, now, {
    type: `drawdown.${after.state}`,
    subjectType: 'drawdown',
    subjectId: row.id,
    customerId: after.customer_id,
    before: { state: row.state },
    after: { state: after.state, reason: after.rejection_reason },
  });
  if (after.state !== 'draft') await notify(ctx, trx, after, after.state as DrawdownNotice, now);
  return present(trx, after);
}

/** A partner creates a request from exactly one order; saving submits it unless kept as a draft. */
export async function createDrawdown(
  ctx: AppContext,
  partner: PartnerPrincipal,
  input: DrawdownInput,
  clonedFrom: string | null = null,
) {
  const now = ctx.clock.now();
  const actor = partnerActor(partner);
  return inTransaction(ctx.handle, async (trx) => {
    await checkCustomer(trx, partner, input.customer);
    await checkItems(trx, partner, input.orderId, input.items);
    const row: DrawdownTable = {
      id: newId(),
      vendor_id: partner.vendorId,
      partner_id: partner.partnerId,
      order_id: input.orderId,
      customer_id: 'id' in input.customer ? input.customer.id : null,
      new_customer: 'id' in input.customer ? null : JSON.stringify(input.customer),
      items: JSON.stringify(input.items),
      state: 'draft',
      rejection_reason: null,
      created_by: partner.userId,
      cloned_from: clonedFrom,
      created_at: now.toISOString(),
      submitted_at: null,
      decided_at: null,
      decided_by: null,
      accepted_at: null,
    };
    await trx.insertInto('drawdowns').values(row).execute();
    await recordEvent(trx, partner.vendorId, actor, now, {
      type: 'drawdown.draft',
      subjectType: 'drawdown',
      subjectId: row.id,
      customerId: row.customer_id,
      after: { orderId: row.order_id, items: input.items, clonedFrom },
    });
    if (input.submit === false) return present(trx, row);
    return transition(ctx, trx, row, { state: 'submitted', submitted_at: now.toISOString() }, actor, now);
  });
}

/** A draft's order, customer or quantities change before it is submitted. */
export async function updateDraft(
  ctx: AppContext,
  partner: PartnerPrincipal,
  id: string,
  input: Omit<DrawdownInput, 'submit'>,
) {
  return inTransaction(ctx.handle, async (trx) => {
    const row = await partnerRequest(trx, partner, id);
    if (row.state !== 'draft') throw refuse(row, 'edited');
    await checkCustomer(trx, partner, input.customer);
    await checkItems(trx, partner, input.orderId, input.items);
    const changes = {
      order_id: input.orderId,
      customer_id: 'id' in input.customer ? input.customer.id : null,
      new_customer: 'id' in input.customer ? null : JSON.stringify(input.customer),
      items: JSON.stringify(input.items),
    };
    await trx.updateTable('drawdowns').set(changes).where('id', '=', id).execute();
    return present(trx, { ...row, ...changes });
  });
}

export async function submitDrawdown(ctx: AppContext, partner: PartnerPrincipal, id: string) {
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    await lockRows(ctx.handle, trx.selectFrom('drawdowns').select('id').where('id', '=', id)).execute();
    const row = await partnerRequest(trx, partner, id);
    if (row.state !== 'draft') throw refuse(row, 'submitted');
    await checkItems(trx, partner, row.order_id, JSON.parse(row.items));
    return transition(
      ctx,
      trx,
      row,
      { state: 'submitted', submitted_at: now.toISOString() },
      partnerActor(partner),
      now,
    );
  });
}

/** Clone: a new draft with the same order, customer and quantities, to correct and resubmit. */
export async function cloneDrawdown(ctx: AppContext, partner: PartnerPrincipal, id: string) {
  const row = await partnerRequest(ctx.handle.db, partner, id);
  const customer: DrawdownCustomer = row.customer_id
    ? { id: row.customer_id }
    : JSON.parse(row.new_customer!);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    await checkCustomer(trx, partner, customer);
    const clone: DrawdownTable = {
      ...row,
      id: newId(),
      state: 'draft',
      rejection_reason: null,
      cloned_from: row.id,
      created_by: partner.userId,
      created_at: now.toISOString(),
      submitted_at: null,
      decided_at: null,
      decided_by: null,
      accepted_at: null,
    };
    await trx.insertInto('drawdowns').values(clone).execute();
    await recordEvent(trx, partner.vendorId, partnerActor(partner), now, {
      type: 'drawdown.draft',
      subjectType: 'drawdown',
      subjectId: clone.id,
      customerId: clone.customer_id,
      after: { clonedFrom: row.id },
    });
    return present(trx, clone);
  });
}

/** The vendor's accounts team approves a submitted request, or rejects it with a reason. */
export async function decideDrawdown(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  id: string,
  decision: { approve: true } | { approve: false; reason: string },
) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    await lockRows(ctx.handle, trx.selectFrom('drawdowns').select('id').where('id', '=', id)).execute();
    const row = await vendorRequest(trx, principal.vendorId, id);
    if (row.state !== 'submitted') throw refuse(row, decision.approve ? 'approved' : 'rejected');
    return transition(
      ctx,
      trx,
      row,
      {
        state: decision.approve ? 'approved' : 'rejected',
        rejection_reason: decision.approve ? null : decision.reason,
        decided_at: now.toISOString(),
        decided_by: actor.name,
      },
      actor,
      now,
    );
  });
}

/**
 * The partner accepts an approved request and the entitlements move (invariant 3): the request row
 * and the partner's account are locked, so a second acceptance finds it accepted and moves nothing.
 */
export async function acceptDrawdown(ctx: AppContext, partner: PartnerPrincipal, id: string) {
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    await lockRows(ctx.handle, trx.selectFrom('drawdowns').select('id').where('id', '=', id)).execute();
    const row = await partnerRequest(trx, partner, id);
    if (row.state !== 'approved') throw refuse(row, 'accepted');
    const from: Account = { type: 'partner', id: partner.partnerId };
    await lockAccount(ctx.handle, trx, from);
    const items = JSON.parse(row.items) as DrawdownInput['items'];
    await checkItems(trx, partner, row.order_id, items);
    let customerId = row.customer_id;
    if (!customerId) {
      const fields = JSON.parse(row.new_customer!) as Exclude<DrawdownCustomer, { id: string }>;
      customerId = newId();
      await trx
        .insertInto('customers')
        .values({
          id: customerId,
          vendor_id: partner.vendorId,
          name: fields.name,
          contact_name: fields.contactName ?? null,
          phone: null,
          email: fields.email ?? null,
          website: fields.website ?? null,
          partner_id: partner.partnerId,
          manager_id: null,
          comment: null,
          language: partner.language === 'ru' ? 'ru' : 'en',
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        })
        .execute();
      await indexCustomer(trx, partner.vendorId, customerId, {
        name: fields.name,
        contact_name: fields.contactName ?? null,
        email: fields.email ?? null,
      });
      await recordEvent(trx, partner.vendorId, partnerActor(partner), now, {
        type: 'customer.created',
        subjectType: 'customer',
        subjectId: customerId,
        customerId,
        after: fields,
      });
    }
    const to: Account = { type: 'customer', id: customerId };
    const order = await findOrder(trx, partner.vendorId, row.order_id);
    await postEntries(
      trx,
      partner.vendorId,
      items.flatMap((item) => {
        const licenseTypeId = order.items.find((i) => i.id === item.orderItemId)!.licenseTypeId;
        return [
          {
            account: from,
            orderItemId: item.orderItemId,
            licenseTypeId,
            delta: -item.quantity,
            reason: 'transfer_out' as const,
            refId: row.id,
          },
          {
            account: to,
            orderItemId: item.orderItemId,
            licenseTypeId,
            delta: item.quantity,
            reason: 'transfer_in' as const,
            refId: row.id,
          },
        ];
      }),
      now,
    );
    return transition(
      ctx,
      trx,
      row,
      { state: 'accepted', accepted_at: now.toISOString(), customer_id: customerId },
      partnerActor(partner),
      now,
    );
  });
}

type DrawdownQuery = ReturnType<typeof selectDrawdowns>;
const selectDrawdowns = (db: Db) => db.selectFrom('drawdowns').selectAll();

/** One page of requests, newest first, below the cursor. */
async function pageDrawdowns(db: Db, query: DrawdownQuery, page: { limit?: number; cursor?: string }) {
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  const rows = await (page.cursor ? query.where('id', '<', page.cursor) : query)
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const paged = pageOf(rows, limit);
  return { data: await presentAll(db, paged.data), nextCursor: paged.nextCursor };
}

export async function listPartnerDrawdowns(
  ctx: AppContext,
  partner: PartnerPrincipal,
  page: { limit?: number; cursor?: string } = {},
) {
  const db = ctx.handle.db;
  return pageDrawdowns(db, selectDrawdowns(db).where('partner_id', '=', partner.partnerId), page);
}

export async function getPartnerDrawdown(ctx: AppContext, partner: PartnerPrincipal, id: string) {
  return present(ctx.handle.db, await partnerRequest(ctx.handle.db, partner, id));
}

/** The vendor's view: every partner's requests, the approval queue when filtered to `submitted`. */
export async function listDrawdowns(
  ctx: AppContext,
  principal: Principal,
  filter: { state?: DrawdownState; limit?: number; cursor?: string } = {},
) {
  const db = ctx.handle.db;
  let query = selectDrawdowns(db).where('vendor_id', '=', principal.vendorId);
  if (filter.state) query = query.where('state', '=', filter.state);
  return pageDrawdowns(db, query, filter);
}

export async function getDrawdown(ctx: AppContext, principal: Principal, id: string) {
  return present(ctx.handle.db, await vendorRequest(ctx.handle.db, principal.vendorId, id));
}
