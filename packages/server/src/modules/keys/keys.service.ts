import { randomBytes } from 'node:crypto';
import { generateLicenseKey } from '@licensor/core';
import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { pageOf } from '../../platform/db/paging.js';
import type { LicenseKeyTable } from '../../platform/db/schema.js';
import { inTransaction, lockEvery, lockRows } from '../../platform/db/transaction.js';
import { recordEvent } from '../../platform/events.js';
import { findCustomer, toCustomer } from '../customers/customers.service.js';
import { indexKey, matchingPage, moveKeyTerms, searchTerms } from '../customers/search-terms.js';
import { selectLicenses, toLicense } from '../licenses/licenses.queries.js';
import {
  findKey,
  findLiveKey,
  firstListed,
  listedBindings,
  listedSessionsOfKey,
  toKey,
} from './keys.queries.js';

export async function createKey(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  input: { customerId: string },
) {
  assertRole(principal.role, 'manager');
  return inTransaction(ctx.handle, async (trx) => {
    const customer = await findCustomer(trx, principal.vendorId, input.customerId);
    return createKeyWith(trx, principal.vendorId, customer.id, actor, ctx.clock.now());
  });
}

/** A new key for a customer inside the caller's transaction (the caller checked who may). */
export async function createKeyWith(trx: Db, vendorId: string, customerId: string, actor: Actor, now: Date) {
  const vendor = await trx
    .selectFrom('vendors')
    .select('prefix')
    .where('id', '=', vendorId)
    .executeTakeFirstOrThrow();
  const row: LicenseKeyTable = {
    id: newId(),
    vendor_id: vendorId,
    customer_id: customerId,
    key: generateLicenseKey(vendor.prefix, randomBytes),
    status: 'active',
    created_at: now.toISOString(),
    deleted_at: null,
  };
  await trx.insertInto('license_keys').values(row).execute();
  await indexKey(trx, vendorId, customerId, row);
  await recordEvent(trx, vendorId, actor, now, {
    type: 'key.created',
    subjectType: 'key',
    subjectId: row.id,
    keyId: row.id,
    customerId,
    after: toKey(row),
  });
  return toKey(row);
}

export async function listKeys(
  ctx: AppContext,
  principal: Principal,
  query: { customerId?: string; q?: string; limit?: number; cursor?: string },
) {
  const limit = query.limit ?? 50;
  let select = ctx.handle.db
    .selectFrom('license_keys')
    .selectAll()
    .where('vendor_id', '=', principal.vendorId);
  if (query.customerId) select = select.where('customer_id', '=', query.customerId);
  const terms = await searchTerms(ctx.handle.db, principal.vendorId, query.q);
  if (terms?.length === 0) return { data: [], nextCursor: null };
  if (terms)
    select = select.where(
      'id',
      'in',
      matchingPage(ctx.handle.db, principal.vendorId, terms, 'key_id', {
        cursor: query.cursor,
        limit: limit + 1,
        customerId: query.customerId,
      }),
    );
  if (query.cursor) select = select.where('id', '<', query.cursor);
  const page = pageOf(
    await select
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute(),
    limit,
  );
  return { data: page.data.map(toKey), nextCursor: page.nextCursor };
}

/** The key card (seed 004): the client, the products bound to the key, and where it is in use now. */
export async function getKeyCard(ctx: AppContext, principal: Principal, id: string) {
  const db = ctx.handle.db;
  const now = ctx.clock.now();
  const key = await findKey(db, principal.vendorId, id);
  const customer = await findCustomer(db, principal.vendorId, key.customer_id);
  const licenses = await selectLicenses(db)
    .where('licenses.key_id', '=', id)
    .orderBy('licenses.id')
    .execute();
  const bindings = firstListed(await listedBindings(db, licenses));
  const sessions = await listedSessionsOfKey(db, id, now);
  return {
    ...toKey(key),
    customer: toCustomer(customer),
    licenses: licenses.map((row) => toLicense(row, now)),
    bindings: bindings.map((b) => ({
      id: b.id,
      licenseId: b.license_id,
      productCode: b.product_code,
      resource: { kind: b.resource_kind, id: b.resource_id, name: b.resource_name },
      createdAt: b.created_at,
    })),
    bindingsBound: licenses.reduce((bound, row) => bound + Number(row.seats_used), 0),
    sessionsOpen: licenses.reduce((open, row) => open + Number(row.live_sessions), 0),
    sessions: sessions.map((s) => ({
      id: s.id,
      licenseId: s.license_id,
      productCode: s.product_code,
      resource: { kind: s.resource_kind, id: s.resource_id, name: s.resource_name },
      startedAt: s.started_at,
      lastHeartbeatAt: s.last_heartbeat_at,
      expiresAt: s.expires_at,
    })),
  };
}

/** Moves the key (and so all its licenses) to another customer of the same vendor. */
export async function rebindKey(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  id: string,
  input: { customerId: string },
) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const key = await findLiveKey(trx, principal.vendorId, id);
    const customer = await findCustomer(trx, principal.vendorId, input.customerId);
    if (customer.id === key.customer_id) return toKey(key);
    await trx.updateTable('license_keys').set({ customer_id: customer.id }).where('id', '=', id).execute();
    await moveKeyTerms(trx, id, customer.id);
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'key.rebound',
      subjectType: 'key',
      subjectId: id,
      keyId: id,
      customerId: customer.id,
      before: { customerId: key.customer_id },
      after: { customerId: customer.id },
    });
    return toKey({ ...key, customer_id: customer.id });
  });
}

/** Deleting a key revokes its licenses and ends its sessions; the key row and its history stay. */
export async function deleteKey(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  id: string,
): Promise<void> {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  const at = now.toISOString();
  await inTransaction(
    ctx.handle,
    async (trx) => {
      const key = await findKey(trx, principal.vendorId, id);
      if (key.deleted_at) return;
      // Sessions before licenses, each in id order: the order in which a check-in, the reaper and a heartbeat
      // batch lock them (no deadlock with one of them touching these sessions at this moment). The key's open
      // sessions are found by expiry, which would lock them in that order.
      await lockEvery(
        ctx.handle,
        trx,
        trx
          .selectFrom('sessions')
          .select('id')
          .where('key_id', '=', id)
          .where('ended_at', 'is', null)
          .orderBy('id'),
      );
      await lockRows(
        ctx.handle,
        trx.selectFrom('licenses').select('id').where('key_id', '=', id).orderBy('id'),
      ).execute();
      await trx
        .updateTable('sessions')
        .set({ ended_at: at, end_reason: 'key_deleted' })
        .where('key_id', '=', id)
        .where('ended_at', 'is', null)
        .execute();
      await trx.updateTable('licenses').set({ live_sessions: 0 }).where('key_id', '=', id).execute();
      const revoked = await trx
        .updateTable('licenses')
        .set({ revoked_at: at, updated_at: at })
        .where('key_id', '=', id)
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute();
      await trx
        .updateTable('license_keys')
        .set({ status: 'revoked', deleted_at: at })
        .where('id', '=', id)
        .execute();
      await recordEvent(trx, principal.vendorId, actor, now, {
        type: 'key.deleted',
        subjectType: 'key',
        subjectId: id,
        keyId: id,
        customerId: key.customer_id,
        before: toKey(key),
        after: { revokedLicenses: revoked.map((r) => r.id) },
      });
    },
    { deadlockRetries: 2 },
  );
}
