import { deriveStatus, type LicenseStatus, type Scope } from '@licensor/core';
import type { Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { LicenseTable, LicenseTypeTable } from '../../platform/db/schema.js';

/** A license with what its type and product say about it: the row behind every license answer. */
export type LicenseRow = Selectable<LicenseTable> & {
  product_code: string;
  product_name: string;
  type_name: string;
} & Pick<
    LicenseTypeTable,
    | 'scope'
    | 'resource_kind'
    | 'mode'
    | 'term_unit'
    | 'term_count'
    | 'max_seats'
    | 'max_sessions'
    | 'heartbeat_seconds'
    | 'capabilities'
    | 'binding_locked'
    | 'grace_days'
  > & {
    /** Resources bound (`licenses.bound_seats`). */
    seats_used: number | string | null;
  };

/** Licenses joined with their type and product, with the number of resources bound to each. */
export function selectLicenses(db: Db) {
  return db
    .selectFrom('licenses')
    .innerJoin('license_types', 'license_types.id', 'licenses.license_type_id')
    .innerJoin('products', 'products.id', 'licenses.product_id')
    .selectAll('licenses')
    .select([
      'products.code as product_code',
      'products.name as product_name',
      'license_types.name as type_name',
      'license_types.scope',
      'license_types.resource_kind',
      'license_types.mode',
      'license_types.term_unit',
      'license_types.term_count',
      'license_types.max_seats',
      'license_types.max_sessions',
      'license_types.heartbeat_seconds',
      'license_types.capabilities',
      'license_types.binding_locked',
      'license_types.grace_days',
      // Kept by the database (migration 0027), not counted: an unlimited license may bind 100,000 agents.
      'licenses.bound_seats as seats_used',
    ]);
}

export const dateOrNull = (value: string | null): Date | null => (value ? new Date(value) : null);

export function statusOf(row: LicenseRow, now: Date): LicenseStatus {
  return deriveStatus(
    {
      scope: row.scope as Scope,
      startsAt: new Date(row.starts_at),
      expiresAt: dateOrNull(row.expires_at),
      suspendedAt: dateOrNull(row.suspended_at),
      revokedAt: dateOrNull(row.revoked_at),
      supersededAt: dateOrNull(row.superseded_at),
      bindingCount: Number(row.seats_used),
    },
    now,
  );
}

export const toLicense = (row: LicenseRow, now: Date) => ({
  id: row.id,
  keyId: row.key_id,
  productId: row.product_id,
  productCode: row.product_code,
  productName: row.product_name,
  licenseTypeId: row.license_type_id,
  licenseTypeName: row.type_name,
  scope: row.scope,
  mode: row.mode,
  status: statusOf(row, now),
  startsAt: row.starts_at,
  expiresAt: row.expires_at,
  suspendedAt: row.suspended_at,
  revokedAt: row.revoked_at,
  supersededAt: row.superseded_at,
  capabilities: JSON.parse(row.capabilities) as string[],
  maxSeats: row.max_seats,
  seatsUsed: Number(row.seats_used),
  maxSessions: row.max_sessions,
  bindingLocked: row.binding_locked === 1,
  createdAt: row.created_at,
});

export type License = ReturnType<typeof toLicense>;

export async function findLicenseRow(db: Db, vendorId: string, id: string): Promise<LicenseRow | undefined> {
  return selectLicenses(db)
    .where('licenses.vendor_id', '=', vendorId)
    .where('licenses.id', '=', id)
    .executeTakeFirst();
}
