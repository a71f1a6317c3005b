import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import {
  EXTERNAL_KIND,
  type ExchangeBinding,
  type ExchangeCustomer,
  type ExchangeFile,
  type ExchangeKey,
  type ExchangeKind,
  type ExchangeLicense,
} from './exchange.schema.js';

/**
 * A vendor's customers, live keys, their licenses and bindings in the file `licensor import` reads. Each row's
 * externalId is the one it was imported with, else its Licensor id; a license names its product by code and
 * its type by name (by id when the product has several types of that name), so the file imports into another
 * vendor whose catalog has the same codes and names.
 */
export async function exportVendorData(ctx: AppContext, vendorId: string): Promise<ExchangeFile> {
  const db = ctx.handle.db;
  const vendor = await db.selectFrom('vendors').select('id').where('id', '=', vendorId).executeTakeFirst();
  if (!vendor) throw new AppError('NOT_FOUND', 'no such vendor');
  const mapped = await db
    .selectFrom('external_ids')
    .select(['kind', 'external_id', 'id'])
    .where('vendor_id', '=', vendorId)
    .execute();
  const external = new Map<string, string>();
  for (const row of mapped) external.set(`${row.kind}\n${row.id}`, row.external_id);
  const ext = (kind: ExchangeKind, id: string) => external.get(`${EXTERNAL_KIND[kind]}\n${id}`) ?? id;

  const customers = await db
    .selectFrom('customers')
    .selectAll()
    .where('vendor_id', '=', vendorId)
    .orderBy('id')
    .execute();
  const keys = await db
    .selectFrom('license_keys')
    .select(['id', 'customer_id', 'key'])
    .where('vendor_id', '=', vendorId)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
  const types = await db
    .selectFrom('license_types')
    .select(['id', 'product_id', 'name'])
    .where('vendor_id', '=', vendorId)
    .execute();
  const typeNames = new Map<string, string>();
  for (const type of types) {
    const same = types.filter((t) => t.product_id === type.product_id && t.name === type.name);
    typeNames.set(type.id, same.length === 1 ? type.name : type.id);
  }
  const licenses = await db
    .selectFrom('licenses')
    .innerJoin('license_keys', 'license_keys.id', 'licenses.key_id')
    .innerJoin('products', 'products.id', 'licenses.product_id')
    .select([
      'licenses.id',
      'licenses.key_id',
      'licenses.license_type_id',
      'licenses.starts_at',
      'licenses.expires_at',
      'licenses.suspended_at',
      'licenses.revoked_at',
      'licenses.superseded_at',
      'products.code',
    ])
    .where('licenses.vendor_id', '=', vendorId)
    .where('license_keys.deleted_at', 'is', null)
    .orderBy('licenses.id')
    .execute();
  const bindings = await db
    .selectFrom('bindings')
    .innerJoin('licenses', 'licenses.id', 'bindings.license_id')
    .innerJoin('license_keys', 'license_keys.id', 'licenses.key_id')
    .select([
      'bindings.id',
      'bindings.license_id',
      'bindings.resource_kind',
      'bindings.resource_id',
      'bindings.resource_name',
    ])
    .where('bindings.vendor_id', '=', vendorId)
    .where('license_keys.deleted_at', 'is', null)
    .orderBy('bindings.id')
    .execute();

  const present = <T extends Record<string, unknown>>(row: T): T =>
    Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null)) as T;
  return {
    customers: customers.map(
      (c): ExchangeCustomer =>
        present({
          externalId: ext('customers', c.id),
          name: c.name,
          contactName: c.contact_name,
          phone: c.phone,
          email: c.email,
          website: c.website,
          comment: c.comment,
          language: c.language,
        }),
    ),
    keys: keys.map(
      (k): ExchangeKey => ({
        externalId: ext('keys', k.id),
        customer: ext('customers', k.customer_id),
        key: k.key,
      }),
    ),
    licenses: licenses.map(
      (l): ExchangeLicense => ({
        externalId: ext('licenses', l.id),
        key: ext('keys', l.key_id),
        product: l.code,
        licenseType: typeNames.get(l.license_type_id) ?? l.license_type_id,
        startsAt: l.starts_at,
        // Always written: left out, the import would give the type's term instead of no expiry.
        expiresAt: l.expires_at,
        ...present({ suspendedAt: l.suspended_at, revokedAt: l.revoked_at, supersededAt: l.superseded_at }),
      }),
    ),
    bindings: bindings.map(
      (b): ExchangeBinding =>
        present({
          externalId: ext('bindings', b.id),
          license: ext('licenses', b.license_id),
          resourceKind: b.resource_kind,
          resourceId: b.resource_id,
          resourceName: b.resource_name,
        }),
    ),
  };
}
