import type { Mode, ResourceKind, Scope, Term } from '@licensor/core';
import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import type { LicenseTypeTable } from '../../platform/db/schema.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { assertUnused, findProduct } from '../products/products.service.js';

export interface LicenseTypeInput {
  productId: string;
  name: string;
  scope: Scope;
  resourceKind?: ResourceKind | null;
  mode: Mode;
  term: Term | null;
  maxSeats?: number | null;
  maxSessions?: number | null;
  heartbeatSeconds?: number | null;
  capabilities: string[];
  bindingLocked?: boolean;
  graceDays?: number;
}

export const termOf = (row: Pick<LicenseTypeTable, 'term_unit' | 'term_count'>): Term | null =>
  row.term_unit && row.term_count ? { unit: row.term_unit as Term['unit'], count: row.term_count } : null;

export const toLicenseType = (row: LicenseTypeTable & { product_code: string }) => ({
  id: row.id,
  productId: row.product_id,
  productCode: row.product_code,
  name: row.name,
  scope: row.scope,
  resourceKind: row.resource_kind,
  mode: row.mode,
  term: termOf(row),
  maxSeats: row.max_seats,
  maxSessions: row.max_sessions,
  heartbeatSeconds: row.heartbeat_seconds,
  capabilities: JSON.parse(row.capabilities) as string[],
  bindingLocked: row.binding_locked === 1,
  graceDays: row.grace_days,
  archived: Boolean(row.archived_at),
  createdAt: row.created_at,
});

export async function findLicenseType(db: Db, vendorId: string, id: string) {
  const row = await db
    .selectFrom('license_types')
    .innerJoin('products', 'products.id', 'license_types.product_id')
    .selectAll('license_types')
    .select('products.code as product_code')
    .where('license_types.vendor_id', '=', vendorId)
    .where('license_types.id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('LICENSE_TYPE_NOT_FOUND', 'license type');
  return row;
}

/** Rules that the schema alone cannot say. */
function checkRules(input: LicenseTypeInput): void {
  if (input.mode === 'perpetual' && input.term !== null) {
    throw new AppError('VALIDATION_FAILED', 'a perpetual license type has no term (send term: null)');
  }
  if (input.scope === 'floating' && !input.maxSessions) {
    throw new AppError('VALIDATION_FAILED', 'a floating license type needs maxSessions');
  }
  if (
    input.scope !== 'seat' &&
    input.maxSeats != null &&
    input.maxSeats !== 1 &&
    input.scope !== 'unlimited'
  ) {
    throw new AppError(
      'VALIDATION_FAILED',
      `maxSeats only applies to the seat scope (an ${input.scope} grant covers one)`,
    );
  }
}

export async function listLicenseTypes(ctx: AppContext, principal: Principal, productId?: string) {
  let query = ctx.handle.db
    .selectFrom('license_types')
    .innerJoin('products', 'products.id', 'license_types.product_id')
    .selectAll('license_types')
    .select('products.code as product_code')
    .where('license_types.vendor_id', '=', principal.vendorId);
  if (productId) query = query.where('license_types.product_id', '=', productId);
  const rows = await query.orderBy('license_types.id').execute();
  return { data: rows.map(toLicenseType), nextCursor: null };
}

export async function getLicenseType(ctx: AppContext, principal: Principal, id: string) {
  return toLicenseType(await findLicenseType(ctx.handle.db, principal.vendorId, id));
}

export async function createLicenseType(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  input: LicenseTypeInput,
) {
  assertRole(principal.role, 'manager');
  checkRules(input);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const product = await findProduct(trx, principal.vendorId, input.productId);
    const row: LicenseTypeTable = {
      id: newId(),
      vendor_id: principal.vendorId,
      product_id: product.id,
      name: input.name,
      scope: input.scope,
      resource_kind: input.resourceKind ?? null,
      mode: input.mode,
      term_unit: input.term?.unit ?? null,
      term_count: input.term?.count ?? null,
      max_seats: input.maxSeats ?? null,
      max_sessions: input.maxSessions ?? null,
      heartbeat_seconds: input.heartbeatSeconds ?? null,
      capabilities: JSON.stringify([...new Set(input.capabilities)]),
      binding_locked: input.bindingLocked ? 1 : 0,
      grace_days: input.graceDays ?? 0,
      created_at: now.toISOString(),
    };
    await trx.insertInto('license_types').values(row).execute();
    const dto = toLicenseType({ ...row, product_code: product.code });
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'license_type.created',
      subjectType: 'license_type',
      subjectId: row.id,
      after: dto,
    });
    return dto;
  });
}

/** Renames a license type, or archives it (no new issues; what was issued stays valid) or brings it back. */
export async function updateLicenseType(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  id: string,
  input: { name?: string; archived?: boolean },
) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const before = await findLicenseType(trx, principal.vendorId, id);
    const changes: Partial<LicenseTypeTable> = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.archived !== undefined)
      changes.archived_at = input.archived ? (before.archived_at ?? now.toISOString()) : null;
    if (Object.keys(changes).length)
      await trx.updateTable('license_types').set(changes).where('id', '=', id).execute();
    const after = toLicenseType({ ...before, ...changes });
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'license_type.updated',
      subjectType: 'license_type',
      subjectId: id,
      before: toLicenseType(before),
      after,
    });
    return after;
  });
}

/** Deletes a license type never issued, sold or put in coupons (409 IN_USE otherwise: archive it). */
export async function deleteLicenseType(ctx: AppContext, principal: Principal, actor: Actor, id: string) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  await inTransaction(ctx.handle, async (trx) => {
    const before = await findLicenseType(trx, principal.vendorId, id);
    await assertUnused(trx, principal.vendorId, [id], 'license type');
    await trx.deleteFrom('license_types').where('id', '=', id).execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'license_type.deleted',
      subjectType: 'license_type',
      subjectId: id,
      before: toLicenseType(before),
    });
  });
}
