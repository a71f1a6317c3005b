import { verify } from 'node:crypto';
import { decodeLicenseFile, decodePayload, isLicensePayload, signedMessage } from '@licensor/core';
import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { DatabaseHandle, Db } from '../../platform/db/database.js';
import { DEFAULT_PAGE_SIZE, pageOf } from '../../platform/db/paging.js';
import type { ServiceRequestTable } from '../../platform/db/schema.js';
import { inTransaction, lockRows } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { byLanguage } from '../../platform/mail/by-language.js';
import { sendMailLater } from '../../platform/mail/send-later.js';
import { publicKeyFromRaw } from '../../platform/signing.js';
import { findKeyByCode } from '../app-api/app-api.queries.js';
import { assertEmailFree } from '../auth/accounts.js';
import { firstPasswordHash, inviteUnlessPassword } from '../auth/password-links.service.js';
import { findCustomer } from '../customers/customers.service.js';
import { changeLicenseWith, issueLicenseWith } from '../licenses/licenses.service.js';
import { type CustomerPrincipal, customerActor } from './customer-auth.js';

/** A vendor gives a customer a cabinet login (e-mail + password; a generated password is shown once). */
export async function createCustomerUser(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  customerId: string,
  input: { email: string; name: string; password?: string },
) {
  assertRole(principal.role, 'manager');
  const passwordHash = await firstPasswordHash(ctx, input.password);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const customer = await findCustomer(trx, principal.vendorId, customerId);
    const email = input.email.toLowerCase();
    await assertEmailFree(trx, 'customer_users', principal.vendorId, email, 'a customer login');
    const id = newId();
    await trx
      .insertInto('customer_users')
      .values({
        id,
        vendor_id: principal.vendorId,
        customer_id: customerId,
        email,
        name: input.name,
        password_hash: passwordHash,
        created_at: now.toISOString(),
      })
      .execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'customer_user.created',
      subjectType: 'customer_user',
      subjectId: id,
      customerId,
      after: { email },
    });
    await inviteUnlessPassword(
      ctx,
      trx,
      {
        vendorId: principal.vendorId,
        table: 'customer_users',
        accountId: id,
        email,
        language: customer.language,
      },
      input.password,
      now,
    );
    return { id, customerId, email, name: input.name, invited: !input.password };
  });
}

async function attach(
  trx: Db,
  handle: DatabaseHandle,
  principal: CustomerPrincipal,
  licenseIds: string[],
  source: 'code' | 'file',
  now: Date,
) {
  await assertClaimable(trx, handle, principal, licenseIds);
  for (const licenseId of licenseIds) {
    await trx
      .insertInto('attached_licenses')
      .values({
        customer_id: principal.customerId,
        license_id: licenseId,
        source,
        via_key_id: principal.keyId,
        attached_at: now.toISOString(),
      })
      .onConflict((conflict) => conflict.columns(['customer_id', 'license_id']).doNothing())
      .execute();
  }
  await recordEvent(trx, principal.vendorId, customerActor(principal), now, {
    type: 'license.attached',
    subjectType: 'customer',
    subjectId: principal.customerId,
    customerId: principal.customerId,
    after: { licenseIds, source },
  });
}

/**
 * A license is never silently shared between customers: one held by another customer who uses a cabinet
 * (has logins, or has logged in with a key), or already added by another customer, is refused (the vendor
 * moves keys between customers). Stock keys (a customer that never used a cabinet: boxes on a shelf) go to
 * the first customer who adds them.
 * Checked under the licenses' row locks, so two customers adding one code at once cannot both succeed.
 */
async function assertClaimable(trx: Db, handle: DatabaseHandle, principal: CustomerPrincipal, ids: string[]) {
  if (ids.length === 0) return;
  await lockRows(
    handle,
    trx.selectFrom('licenses').select('id').where('id', 'in', ids).orderBy('id'),
  ).execute();
  const owners = await trx
    .selectFrom('licenses')
    .innerJoin('license_keys', 'license_keys.id', 'licenses.key_id')
    .select('license_keys.customer_id')
    .where('licenses.id', 'in', ids)
    .innerJoin('customers', 'customers.id', 'license_keys.customer_id')
    .where('license_keys.customer_id', '<>', principal.customerId)
    .where((eb) =>
      eb.or([
        eb('customers.cabinet_used_at', 'is not', null),
        eb.exists(
          eb
            .selectFrom('customer_users')
            .select('customer_users.id')
            .whereRef('customer_users.customer_id', '=', 'license_keys.customer_id'),
        ),
      ]),
    )
    .executeTakeFirst();
  const claimed = await trx
    .selectFrom('attached_licenses')
    .select('license_id')
    .where('license_id', 'in', ids)
    .where('customer_id', '<>', principal.customerId)
    .executeTakeFirst();
  if (owners || claimed)
    throw new AppError(
      'OWNED_BY_ANOTHER_CUSTOMER',
      'this license belongs to another customer; the vendor can move it to you',
    );
}

/** Seed 003: a license activated offline is added by typing its activation code (the license key it came with). */
export async function attachByCode(ctx: AppContext, principal: CustomerPrincipal, code: string) {
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const { key } = await findKeyByCode(trx, code);
    if (!key || key.vendorId !== principal.vendorId) throw notFound('KEY_NOT_FOUND', 'activation code');
    const licenses = await trx
      .selectFrom('licenses')
      .select('id')
      .where('key_id', '=', key.id)
      .where('revoked_at', 'is', null)
      .execute();
    await attach(
      trx,
      ctx.handle,
      principal,
      licenses.map((l) => l.id),
      'code',
      now,
    );
    return { attached: licenses.length };
  });
}

/** …or by uploading the license files saved on the computer; only files this vendor signed are taken. */
export async function attachByFiles(ctx: AppContext, principal: CustomerPrincipal, files: string[]) {
  const now = ctx.clock.now();
  const keys = await ctx.handle.db
    .selectFrom('signing_keys')
    .select(['kid', 'public_key'])
    .where('vendor_id', '=', principal.vendorId)
    .where('revoked_at', 'is', null)
    .execute();
  const ids: string[] = [];
  for (const file of files) {
    const envelope = decodeLicenseFile(file);
    const key = envelope && keys.find((k) => k.kid === envelope.kid);
    const genuine =
      key &&
      verify(
        null,
        signedMessage(envelope.enc),
        publicKeyFromRaw(key.public_key),
        Buffer.from(envelope.sig, 'base64'),
      );
    const payload = genuine && envelope.alg === 'ed25519' ? decodePayload(envelope.enc) : undefined;
    if (!isLicensePayload(payload))
      throw new AppError(
        'INVALID_LICENSE_FILE',
        'a file is not a readable license file signed by this vendor',
      );
    ids.push(payload.id);
  }
  return inTransaction(ctx.handle, async (trx) => {
    const known = ids.length
      ? await trx
          .selectFrom('licenses')
          .select('id')
          .where('vendor_id', '=', principal.vendorId)
          .where('id', 'in', ids)
          .execute()
      : [];
    if (known.length !== new Set(ids).size)
      throw new AppError('INVALID_LICENSE_FILE', 'a license file names a license this vendor does not know');
    await attach(trx, ctx.handle, principal, [...new Set(ids)], 'file', now);
    return { attached: known.length };
  });
}

/** What a request is about, read beside it for the lists: whose, which key, product, type and term. */
interface RequestContext {
  customer_name?: string | null;
  license_key?: string | null;
  product_name?: string | null;
  type_id?: string | null;
  type_name?: string | null;
  term_unit?: string | null;
  term_count?: number | null;
}

const toRequest = (row: ServiceRequestTable & RequestContext) => ({
  id: row.id,
  customerId: row.customer_id,
  customerName: row.customer_name ?? null,
  kind: row.kind,
  licenseId: row.license_id,
  key: row.license_key ?? null,
  productId: row.product_id,
  productName: row.product_name ?? null,
  licenseTypeId: row.license_type_id ?? row.type_id ?? null,
  licenseTypeName: row.type_name ?? null,
  term: row.term_unit && row.term_count ? { unit: row.term_unit, count: row.term_count } : null,
  quantity: row.quantity,
  comment: row.comment,
  state: row.state,
  createdAt: row.created_at,
  fulfilledAt: row.fulfilled_at,
});

/**
 * Requests with what they are about: the customer, the license's key, the product and license type (the
 * order's, or the renewed license's) and its term.
 */
function selectRequests(db: Db) {
  return db
    .selectFrom('service_requests as sr')
    .innerJoin('customers as c', 'c.id', 'sr.customer_id')
    .leftJoin('licenses as l', 'l.id', 'sr.license_id')
    .leftJoin('license_keys as k', 'k.id', 'l.key_id')
    .leftJoin('license_types as t', (join) =>
      join.on((eb) =>
        eb.or([
          eb('t.id', '=', eb.ref('sr.license_type_id')),
          eb.and([eb('sr.license_type_id', 'is', null), eb('t.id', '=', eb.ref('l.license_type_id'))]),
        ]),
      ),
    )
    .leftJoin('products as p', (join) =>
      join.on((eb) =>
        eb.or([
          eb('p.id', '=', eb.ref('sr.product_id')),
          eb.and([eb('sr.product_id', 'is', null), eb('p.id', '=', eb.ref('t.product_id'))]),
        ]),
      ),
    )
    .selectAll('sr')
    .select([
      'c.name as customer_name',
      'k.key as license_key',
      'p.name as product_name',
      't.id as type_id',
      't.name as type_name',
      't.term_unit',
      't.term_count',
    ]);
}

/** What a customer may order in its cabinet: the vendor's products and their license types. */
export async function orderCatalog(ctx: AppContext, principal: CustomerPrincipal) {
  const db = ctx.handle.db;
  const products = await db
    .selectFrom('products')
    .select(['id', 'code', 'name'])
    .where('vendor_id', '=', principal.vendorId)
    .where('archived_at', 'is', null)
    .orderBy('name')
    .execute();
  const types = await db
    .selectFrom('license_types')
    .select(['id', 'product_id', 'name', 'scope', 'term_unit', 'term_count'])
    .where('vendor_id', '=', principal.vendorId)
    .where('archived_at', 'is', null)
    .orderBy('name')
    .execute();
  return {
    data: products.map((product) => ({
      ...product,
      licenseTypes: types
        .filter((type) => type.product_id === product.id)
        .map((type) => ({
          id: type.id,
          name: type.name,
          scope: type.scope,
          term: type.term_unit && type.term_count ? { unit: type.term_unit, count: type.term_count } : null,
        })),
    })),
  };
}

/** "Renew" and "order a new license" (seed 003): a request the vendor sees in its cabinet and fulfils. */
export async function requestService(
  ctx: AppContext,
  principal: CustomerPrincipal,
  input: {
    kind: 'renew' | 'order';
    licenseId?: string;
    productId?: string;
    licenseTypeId?: string;
    quantity?: number;
    comment?: string;
  },
  visibleLicenseIds: string[],
) {
  if (input.kind === 'renew' && (!input.licenseId || !visibleLicenseIds.includes(input.licenseId))) {
    throw notFound('LICENSE_NOT_FOUND', 'license');
  }
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    if (input.kind === 'renew') {
      // Under the license's row lock, so two clicks (or two processes) cannot both find none open.
      await lockRows(
        ctx.handle,
        trx.selectFrom('licenses').select('id').where('id', '=', input.licenseId!),
      ).execute();
      const open = await trx
        .selectFrom('service_requests')
        .select('id')
        .where('license_id', '=', input.licenseId!)
        .where('kind', '=', 'renew')
        .where('state', '=', 'open')
        .executeTakeFirst();
      if (open)
        throw new AppError('REQUEST_ALREADY_OPEN', 'a renewal of this license is already requested', [
          { requestId: open.id },
        ]);
    }
    let productId = input.productId ?? null;
    if (input.kind === 'order') {
      if (input.licenseTypeId) {
        const type = await trx
          .selectFrom('license_types')
          .select('product_id')
          .where('vendor_id', '=', principal.vendorId)
          .where('id', '=', input.licenseTypeId)
          .executeTakeFirst();
        if (!type || (productId && type.product_id !== productId))
          throw notFound('LICENSE_TYPE_NOT_FOUND', 'license type');
        productId = type.product_id;
      }
      const product = productId
        ? await trx
            .selectFrom('products')
            .select('id')
            .where('vendor_id', '=', principal.vendorId)
            .where('id', '=', productId)
            .executeTakeFirst()
        : undefined;
      if (!product) throw notFound('PRODUCT_NOT_FOUND', 'product');
    }
    const row: ServiceRequestTable = {
      id: newId(),
      vendor_id: principal.vendorId,
      customer_id: principal.customerId,
      kind: input.kind,
      license_id: input.kind === 'renew' ? (input.licenseId ?? null) : null,
      product_id: input.kind === 'order' ? productId : null,
      license_type_id: input.kind === 'order' ? (input.licenseTypeId ?? null) : null,
      quantity: input.kind === 'order' ? (input.quantity ?? 1) : 1,
      comment: input.comment ?? null,
      state: 'open',
      created_at: now.toISOString(),
      fulfilled_at: null,
      fulfilled_by: null,
    };
    await trx.insertInto('service_requests').values(row).execute();
    await recordEvent(trx, principal.vendorId, customerActor(principal), now, {
      type: `service_request.${input.kind}`,
      subjectType: 'service_request',
      subjectId: row.id,
      customerId: principal.customerId,
      after: toRequest(row),
    });
    const team = await trx
      .selectFrom('users')
      .select(['email', 'language'])
      .where('vendor_id', '=', principal.vendorId)
      .where('role', 'in', ['owner', 'admin', 'manager'])
      .where('disabled_at', 'is', null)
      .execute();
    if (team.length) {
      const customer = await trx
        .selectFrom('customers')
        .select('name')
        .where('id', '=', principal.customerId)
        .executeTakeFirstOrThrow();
      const renew = input.kind === 'renew';
      for (const [language, to] of byLanguage(team))
        await sendMailLater(
          trx,
          principal.vendorId,
          {
            to,
            subject:
              language === 'ru'
                ? `${customer.name} просит ${renew ? 'продлить лицензию' : 'новую лицензию'}`
                : `${customer.name} asks to ${renew ? 'renew a license' : 'order a new license'}`,
            text: `${input.comment ?? ''}\n${ctx.config.publicUrl}/requests`,
          },
          now,
        );
    }
    return toRequest(row);
  });
}

export async function listCustomerRequests(ctx: AppContext, principal: CustomerPrincipal) {
  const rows = await selectRequests(ctx.handle.db)
    .where('sr.customer_id', '=', principal.customerId)
    .orderBy('sr.id', 'desc')
    .execute();
  return { data: rows.map(toRequest), nextCursor: null };
}

export async function listServiceRequests(
  ctx: AppContext,
  principal: Pick<Principal, 'vendorId'>,
  filter: { state?: string; partnerId?: string; limit?: number; cursor?: string },
) {
  const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
  let query = selectRequests(ctx.handle.db).where('sr.vendor_id', '=', principal.vendorId);
  if (filter.state) query = query.where('sr.state', '=', filter.state);
  // By the partner's customers first: a partner's share of the requests is read, never the vendor's all.
  if (filter.partnerId) {
    const partnerId = filter.partnerId;
    query = query.where('sr.customer_id', 'in', (eb) =>
      eb
        .selectFrom('customers')
        .select('id')
        .where('vendor_id', '=', principal.vendorId)
        .where('partner_id', '=', partnerId),
    );
  }
  if (filter.cursor) query = query.where('sr.id', '<', filter.cursor);
  const rows = await query
    .orderBy('sr.id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = pageOf(rows, limit);
  return { data: page.data.map(toRequest), nextCursor: page.nextCursor };
}

/** Who fulfils a request: vendor staff, or a partner for its own customers' renewals. */
export interface Fulfiller {
  readonly vendorId: string;
  readonly actor: Actor;
  /** Set when a partner fulfils: only its own customers' renewals. */
  readonly partnerId?: string;
}

/** Vendor staff fulfil a request (manager and up). */
export function fulfilAsStaff(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  id: string,
  input: { licenseTypeId?: string },
) {
  assertRole(principal.role, 'manager');
  return fulfilServiceRequest(ctx, { vendorId: principal.vendorId, actor }, id, input);
}

/**
 * Fulfils a request in one transaction (invariant 9): the request is claimed (open → fulfilled), the
 * renewal or the new license is granted, and the event is written, or none of it happens. Of two clicks,
 * or two processes, one grants; the other finds the request fulfilled.
 */
export async function fulfilServiceRequest(
  ctx: AppContext,
  fulfiller: Fulfiller,
  id: string,
  input: { licenseTypeId?: string },
) {
  const { vendorId, actor, partnerId } = fulfiller;
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    let query = trx
      .selectFrom('service_requests')
      .innerJoin('customers', 'customers.id', 'service_requests.customer_id')
      .selectAll('service_requests')
      .where('service_requests.vendor_id', '=', vendorId)
      .where('service_requests.id', '=', id);
    if (partnerId) query = query.where('customers.partner_id', '=', partnerId);
    const request = await query.executeTakeFirst();
    if (!request) throw notFound('REQUEST_NOT_FOUND', 'request');
    if (partnerId && request.kind !== 'renew') {
      throw new AppError(
        'FORBIDDEN',
        'a partner fulfils renewals; a new license comes from the customer’s entitlements',
      );
    }
    const orderedType = input.licenseTypeId ?? request.license_type_id;
    if (request.kind === 'order' && !orderedType) {
      throw new AppError('VALIDATION_FAILED', 'an order is fulfilled with a license type (licenseTypeId)');
    }
    const claimed = await trx
      .updateTable('service_requests')
      .set({ state: 'fulfilled', fulfilled_at: now.toISOString(), fulfilled_by: actor.name })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .returning('id')
      .execute();
    if (claimed.length === 0)
      throw new AppError('INVALID_TRANSITION', 'this request has been fulfilled already');
    let licenseId = request.license_id;
    if (request.kind === 'renew') {
      await changeLicenseWith(ctx.handle, trx, now, vendorId, actor, request.license_id!, 'renew', {});
    } else {
      const key = await trx
        .selectFrom('license_keys')
        .select('id')
        .where('customer_id', '=', request.customer_id)
        .where('deleted_at', 'is', null)
        .orderBy('id')
        .executeTakeFirst();
      if (!key) throw notFound('KEY_NOT_FOUND', 'license key of the customer');
      // As many licenses as ordered, on the customer's first key; the request points at the first.
      for (let i = 0; i < request.quantity; i++) {
        const issued = await issueLicenseWith(trx, now, vendorId, actor, key.id, {
          licenseTypeId: orderedType!,
        });
        licenseId ??= issued.id;
      }
      await trx.updateTable('service_requests').set({ license_id: licenseId }).where('id', '=', id).execute();
    }
    await recordEvent(trx, vendorId, actor, now, {
      type: 'service_request.fulfilled',
      subjectType: 'service_request',
      subjectId: id,
      customerId: request.customer_id,
    });
    return toRequest({
      ...request,
      state: 'fulfilled',
      fulfilled_at: now.toISOString(),
      fulfilled_by: actor.name,
      license_id: licenseId,
    });
  });
}
