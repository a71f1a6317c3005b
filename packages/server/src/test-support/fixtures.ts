import { expect } from 'vitest';
import type { ApiClient } from './http-client.js';

let sequence = 0;

export interface LicenseTypeSpec {
  scope: 'installation' | 'tenant' | 'seat' | 'floating' | 'unlimited';
  mode?: string;
  term?: { unit: 'day' | 'month' | 'year'; count: number } | null;
  resourceKind?: string | null;
  maxSeats?: number | null;
  maxSessions?: number | null;
  heartbeatSeconds?: number | null;
  capabilities?: string[];
  bindingLocked?: boolean;
  graceDays?: number;
}

/** A product with one license type, a customer with a key, and a license of that type on the key. */
export interface Licensed {
  productId: string;
  productCode: string;
  licenseTypeId: string;
  customerId: string;
  keyId: string;
  key: string;
  licenseId: string;
}

async function created<T = any>(promise: Promise<{ status: number; body: T }>): Promise<T> {
  const response = await promise;
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

export async function createProduct(api: ApiClient, code = `prod${++sequence}`) {
  return created(api.post('/v1/products', { code, name: `Product ${code}` }));
}

export async function createLicenseType(api: ApiClient, productId: string, spec: LicenseTypeSpec) {
  return created(
    api.post('/v1/license-types', {
      productId,
      name: `${spec.scope} type`,
      mode: spec.mode ?? 'subscription',
      term: spec.term === undefined ? { unit: 'year', count: 1 } : spec.term,
      capabilities: spec.capabilities ?? [],
      ...spec,
    }),
  );
}

export async function createCustomerWithKey(api: ApiClient, name = `Customer ${++sequence}`) {
  const customer = await created(api.post('/v1/customers', { name }));
  const key = await created(api.post('/v1/keys', { customerId: customer.id }));
  return { customerId: customer.id as string, keyId: key.id as string, key: key.key as string };
}

export async function issue(
  api: ApiClient,
  keyId: string,
  licenseTypeId: string,
  extra: Record<string, unknown> = {},
) {
  return created(api.post(`/v1/keys/${keyId}/licenses`, { licenseTypeId, ...extra }));
}

export async function setupLicensed(api: ApiClient, spec: LicenseTypeSpec): Promise<Licensed> {
  const product = await createProduct(api);
  const type = await createLicenseType(api, product.id, spec);
  const holder = await createCustomerWithKey(api);
  const license = await issue(api, holder.keyId, type.id);
  return {
    productId: product.id,
    productCode: product.code,
    licenseTypeId: type.id,
    ...holder,
    licenseId: license.id,
  };
}
