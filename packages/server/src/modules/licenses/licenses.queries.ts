import { deriveStatus, type LicenseStatus, type Scope } from '@licensor/core';
import type { Db } from '../../platform/db/database.js';

/** A license with what its type and product say about it: the row behind every license answer. */
export interface LicenseRow {
  id: string;
  vendor_id: string;
  key_id: string;
  product_id: string;
  license_type_id: string;
  starts_at: string;
  expires_at: string | null;
  suspended_at: string | null;
  revoked_at: string | null;
  superseded_at: string | null;
  created_at: string;
  product_code: string;
  product_name: string;
  type_name: string;
  scope: string;
  resource_kind: string | null;
  mode: string;
  term_unit: string | null;
  term_count: number | null;
  max_seats: number | null;
  max_sessions: number | null;
  heartbeat_seconds: number | null;
  capabilities: string;
  binding_locked: number;
  grace_days: number;
  seats_used: number | string | null;
}

/** Licenses joined with their type and product, with the number of resources bound to each. */
export function selectLicenses(db: Db) {
  return db
    .selectFrom('licenses')
    .innerJoin('license_types', 'license_types.id', 'licenses.license_type_id')
    .innerJoin('products', 'products.id', 'licenses.product_id')
    .selectAll('licenses')
    .select((eb) => [
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
      eb
        .selectFrom('bindings')
        .select((b) => b.fn.countAll<number>().as('n'))
        .whereRef('bindings.license_id', '=', 'licenses.id')
        .as('seats_used'),
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
