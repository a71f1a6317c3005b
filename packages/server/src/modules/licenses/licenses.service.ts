import { addTerm, renewedExpiry, type Term } from '@licensor/core';
import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { DatabaseHandle, Db } from '../../platform/db/database.js';
import { inTransaction, lockRows } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { findLiveKey } from '../keys/keys.queries.js';
import { findLicenseType, termOf } from '../license-types/license-types.service.js';
import { expiryText } from './license-expiry.js';
import { findLicenseRow, type LicenseRow, statusOf, toLicense } from './licenses.queries.js';

export interface IssueLicenseInput {
  licenseTypeId: string;
  startsAt?: string;
  term?: Term | null;
}

async function loadLicense(db: Db, vendorId: string, id: string): Promise<LicenseRow> {
  const row = await findLicenseRow(db, vendorId, id);
  if (!row) throw notFound('LICENSE_NOT_FOUND', 'license');
  return row;
}

export async function getLicense(ctx: AppContext, principal: Principal, id: string) {
  return toLicense(await loadLicense(ctx.handle.db, principal.vendorId, id), ctx.clock.now());
}

/** A new grant on a key: the type's default term from the start date, unless a term is given. */
export async function issueLicense(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  keyId: string,
  input: IssueLicenseInput,
) {
  assertRole(principal.role, 'manager');
  return inTransaction(ctx.handle, async (trx) => {
    const type = await trx
      .selectFrom('license_types')
      .innerJoin('products', 'products.id', 'license_types.product_id')
      .select(['license_types.archived_at as typeArchived', 'products.archived_at as productArchived'])
      .where('license_types.vendor_id', '=', principal.vendorId)
      .where('license_types.id', '=', input.licenseTypeId)
      .executeTakeFirst();
    if (type?.typeArchived || type?.productArchived)
      throw new AppError('ARCHIVED', 'this license type (or its product) is archived: no new licenses of it');
    return issueLicenseWith(trx, ctx.clock.now(), principal.vendorId, actor, keyId, input);
  });
}

/**
 * `issueLicense` inside a caller's transaction, for use cases that issue and then do more; the caller
 * has checked who may issue (staff role, or a partner or customer spending an entitlement).
 */
export async function issueLicenseWith(
  trx: Db,
  now: Date,
  vendorId: string,
  actor: Actor,
  keyId: string,
  input: IssueLicenseInput,
) {
  const key = await findLiveKey(trx, vendorId, keyId);
  const type = await findLicenseType(trx, vendorId, input.licenseTypeId);
  const startsAt = input.startsAt ? new Date(input.startsAt) : now;
  const term = input.term === undefined ? termOf(type) : input.term;
  const id = newId();
  const at = now.toISOString();
  await trx
    .insertInto('licenses')
    .values({
      id,
      vendor_id: vendorId,
      key_id: key.id,
      product_id: type.product_id,
      license_type_id: type.id,
      starts_at: startsAt.toISOString(),
      expires_at: term ? expiryText(addTerm(startsAt, term)) : null,
      suspended_at: null,
      revoked_at: null,
      superseded_at: null,
      created_at: at,
      updated_at: at,
    })
    .execute();
  const license = toLicense(await loadLicense(trx, vendorId, id), now);
  await recordEvent(trx, vendorId, actor, now, {
    type: 'license.issued',
    subjectType: 'license',
    subjectId: id,
    keyId: key.id,
    customerId: key.customer_id,
    after: license,
  });
  return license;
}

export const LICENSE_ACTIONS = ['suspend', 'reinstate', 'revoke', 'renew', 'transfer'] as const;
export type LicenseAction = (typeof LICENSE_ACTIONS)[number];

export interface ActionInput {
  term?: Term;
  bindingId?: string;
  resource?: { kind: string; id: string; name?: string };
}

const EVENT_TYPES = {
  suspend: 'license.suspended',
  reinstate: 'license.reinstated',
  revoke: 'license.revoked',
  renew: 'license.renewed',
} as const;

type Changes = { expires_at?: string | null; suspended_at?: string | null; revoked_at?: string | null };

/** What each action changes, or why it cannot apply to a license in this state. */
function plan(
  action: Exclude<LicenseAction, 'transfer'>,
  row: LicenseRow,
  now: Date,
  input: ActionInput,
): Changes {
  const status = statusOf(row, now);
  const refuse = (why: string) =>
    new AppError('INVALID_TRANSITION', `cannot ${action} a license that ${why}`);
  if (status === 'revoked') throw refuse('is revoked');
  switch (action) {
    case 'suspend':
      if (row.suspended_at) throw refuse('is already suspended');
      return { suspended_at: now.toISOString() };
    case 'reinstate':
      if (!row.suspended_at) throw refuse('is not suspended');
      return { suspended_at: null };
    case 'revoke':
      return { revoked_at: now.toISOString() };
    case 'renew': {
      if (status === 'superseded') throw refuse('was superseded');
      const term = input.term ?? termOf(row);
      if (!row.expires_at || !term) throw refuse('is perpetual');
      return { expires_at: expiryText(renewedExpiry(new Date(row.expires_at), now, term)!) };
    }
  }
}

export async function applyLicenseAction(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  id: string,
  action: LicenseAction,
  input: ActionInput,
) {
  assertRole(principal.role, action === 'transfer' ? 'admin' : 'manager');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, (trx) =>
    changeLicenseWith(ctx.handle, trx, now, principal.vendorId, actor, id, action, input),
  );
}

/**
 * A license action inside the caller's transaction (the caller has checked who may): the license row is
 * locked first, so the change reads the expiry it extends.
 */
export async function changeLicenseWith(
  handle: DatabaseHandle,
  trx: Db,
  now: Date,
  vendorId: string,
  actor: Actor,
  id: string,
  action: LicenseAction,
  input: ActionInput,
) {
  await lockRows(
    handle,
    trx.selectFrom('licenses').select('id').where('id', '=', id).where('vendor_id', '=', vendorId),
  ).execute();
  const before = await loadLicense(trx, vendorId, id);
  const key = await trx
    .selectFrom('license_keys')
    .select(['id', 'customer_id'])
    .where('id', '=', before.key_id)
    .executeTakeFirstOrThrow();
  if (action === 'transfer') {
    await transferBinding(trx, vendorId, actor, now, before, input, key.customer_id);
    return toLicense(await loadLicense(trx, vendorId, id), now);
  }
  const changes = plan(action, before, now, input);
  await trx
    .updateTable('licenses')
    .set({ ...changes, updated_at: now.toISOString() })
    .where('id', '=', id)
    .execute();
  const after = toLicense(await loadLicense(trx, vendorId, id), now);
  await recordEvent(trx, vendorId, actor, now, {
    type: EVENT_TYPES[action],
    subjectType: 'license',
    subjectId: id,
    keyId: key.id,
    customerId: key.customer_id,
    before: toLicense(before, now),
    after,
  });
  return after;
}

/** An admin moves a bound seat to another resource, the one way a locked binding can change. */
async function transferBinding(
  trx: Db,
  vendorId: string,
  actor: Actor,
  now: Date,
  license: LicenseRow,
  input: ActionInput,
  customerId: string,
): Promise<void> {
  if (!input.bindingId || !input.resource) {
    throw new AppError('VALIDATION_FAILED', 'transfer needs bindingId and the new resource');
  }
  const binding = await trx
    .selectFrom('bindings')
    .selectAll()
    .where('id', '=', input.bindingId)
    .where('license_id', '=', license.id)
    .executeTakeFirst();
  if (!binding) throw notFound('BINDING_NOT_FOUND', 'binding');
  const clash = await trx
    .selectFrom('bindings')
    .select('id')
    .where('license_id', '=', license.id)
    .where('resource_kind', '=', input.resource.kind)
    .where('resource_id', '=', input.resource.id)
    .executeTakeFirst();
  if (clash) throw new AppError('CONFLICT', 'the license is already bound to that resource');
  await trx
    .updateTable('bindings')
    .set({
      resource_kind: input.resource.kind,
      resource_id: input.resource.id,
      resource_name: input.resource.name ?? null,
    })
    .where('id', '=', binding.id)
    .execute();
  await recordEvent(trx, vendorId, actor, now, {
    type: 'binding.transferred',
    subjectType: 'binding',
    subjectId: binding.id,
    keyId: license.key_id,
    customerId,
    before: { kind: binding.resource_kind, id: binding.resource_id, name: binding.resource_name },
    after: input.resource,
  });
}
