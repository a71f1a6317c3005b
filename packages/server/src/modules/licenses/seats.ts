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
  const bindings = await trx
    .selectFrom('bindings')
    .selectAll()
    .where(
      'license_id',
      'in',
      licenses.map((l) => l.id),
    )
    .execute();
  const existing = bindings.find((b) => b.resource_kind === resource.kind && b.resource_id === resource.id);
  if (existing) return { created: false, binding: existing };
  const free = licenses.find((license) => {
    const limit = seatLimit(license.scope as Scope, license.max_seats);
    return limit === null || bindings.filter((b) => b.license_id === license.id).length < limit;
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
