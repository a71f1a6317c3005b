import { type Scope, seatLimit } from '@licensor/core';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import type { BindingTable } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';

export interface SeatHolder {
  readonly id: string;
  readonly vendor_id: string;
  readonly scope: string;
  readonly max_seats: number | null;
}

export interface Resource {
  readonly kind: string;
  readonly id: string;
  readonly name?: string | null;
  readonly metadata?: Record<string, unknown>;
}

/**
 * Binds a resource to the first license with a free seat, or finds its binding (idempotent). The caller
 * holds the licenses' row locks, so counting the seats and taking one are one step (invariant 1): an app's
 * activation and a vendor's offline license file both take seats here.
 */
export async function claimSeat(
  trx: Db,
  licenses: readonly SeatHolder[],
  resource: Resource,
  now: Date,
): Promise<{ created: boolean; binding: BindingTable }> {
  const ids = licenses.map((l) => l.id);
  const existing = await trx
    .selectFrom('bindings')
    .selectAll()
    .where('license_id', 'in', ids)
    .where('resource_kind', '=', resource.kind)
    .where('resource_id', '=', resource.id)
    .executeTakeFirst();
  if (existing) return { created: false, binding: existing };
  // The seats each license has bound, as the database keeps them (migration 0027), read under the caller's locks.
  const bound = new Map(
    (await trx.selectFrom('licenses').select(['id', 'bound_seats']).where('id', 'in', ids).execute()).map(
      (row) => [row.id, row.bound_seats],
    ),
  );
  const free = licenses.find((license) => {
    const limit = seatLimit(license.scope as Scope, license.max_seats);
    return limit === null || (bound.get(license.id) ?? 0) < limit;
  });
  if (!free)
    throw new AppError('SEATS_EXHAUSTED', 'every seat of this license is bound; deactivate one first');
  const binding: BindingTable = {
    id: newId(),
    vendor_id: free.vendor_id,
    license_id: free.id,
    resource_kind: resource.kind,
    resource_id: resource.id,
    resource_name: resource.name ?? null,
    metadata: JSON.stringify(resource.metadata ?? {}),
    created_at: now.toISOString(),
  };
  await trx.insertInto('bindings').values(binding).execute();
  return { created: true, binding };
}
