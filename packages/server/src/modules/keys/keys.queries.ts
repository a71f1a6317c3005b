import type { Db } from '../../platform/db/database.js';
import type { LicenseKeyTable } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';

export async function findKey(db: Db, vendorId: string, id: string): Promise<LicenseKeyTable> {
  const row = await db
    .selectFrom('license_keys')
    .selectAll()
    .where('vendor_id', '=', vendorId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('KEY_NOT_FOUND', 'license key');
  return row;
}

/** A deleted key keeps its history but takes no new licenses or customers. */
export async function findLiveKey(db: Db, vendorId: string, id: string): Promise<LicenseKeyTable> {
  const row = await findKey(db, vendorId, id);
  if (row.deleted_at) throw new AppError('KEY_DELETED', 'the license key has been deleted');
  return row;
}

export const toKey = (row: LicenseKeyTable) => ({
  id: row.id,
  key: row.key,
  status: row.status,
  customerId: row.customer_id,
  createdAt: row.created_at,
  deletedAt: row.deleted_at,
});
