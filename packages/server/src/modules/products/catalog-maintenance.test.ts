import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import {
  createCustomerWithKey,
  createLicenseType,
  createProduct,
  issue,
} from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('keeping the catalog on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('a license type in use is archived, not deleted: no new issues, what was issued still validates', async () => {
    const product = await createProduct(server.api);
    const type = await createLicenseType(server.api, product.id, { scope: 'seat' });
    const holder = await createCustomerWithKey(server.api);
    await issue(server.api, holder.keyId, type.id);

    const refused = await server.api.delete(`/v1/license-types/${type.id}`);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'IN_USE']);
    expect((await server.api.delete(`/v1/products/${product.id}`)).body.error.code).toBe('IN_USE');

    const renamed = await server.api.patch(`/v1/license-types/${type.id}`, {
      name: 'Seat (2025 price list)',
      archived: true,
    });
    expect(renamed.body).toMatchObject({ name: 'Seat (2025 price list)', archived: true });
    const again = await server.api.post(`/v1/keys/${holder.keyId}/licenses`, { licenseTypeId: type.id });
    expect([again.status, again.body.error.code]).toEqual([409, 'ARCHIVED']);
    const validation = await server.anon.post('/v1/validate', { key: holder.key, product: product.code });
    expect(validation.body.code).toBe('VALID');

    await server.api.patch(`/v1/license-types/${type.id}`, { archived: false });
    expect(
      (await server.api.post(`/v1/keys/${holder.keyId}/licenses`, { licenseTypeId: type.id })).status,
    ).toBe(201);

    const archivedProduct = await server.api.patch(`/v1/products/${product.id}`, { archived: true });
    expect(archivedProduct.body.archived).toBe(true);
    expect(
      (await server.api.post(`/v1/keys/${holder.keyId}/licenses`, { licenseTypeId: type.id })).body.error
        .code,
    ).toBe('ARCHIVED');
  });

  it('a product and license type never used are deleted; a webhook endpoint is deleted with its log', async () => {
    const product = await createProduct(server.api);
    const type = await createLicenseType(server.api, product.id, { scope: 'seat' });
    expect((await server.api.delete(`/v1/license-types/${type.id}`)).status).toBe(204);
    expect((await server.api.get(`/v1/license-types/${type.id}`)).status).toBe(404);
    await createLicenseType(server.api, product.id, { scope: 'installation' });
    expect((await server.api.delete(`/v1/products/${product.id}`)).status).toBe(204);
    expect((await server.api.get(`/v1/products/${product.id}`)).status).toBe(404);

    const endpoint = (
      await server.api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['*'] })
    ).body;
    await server.api.post('/v1/customers', { name: 'Makes a delivery' });
    expect((await server.api.delete(`/v1/webhooks/${endpoint.id}`)).status).toBe(204);
    expect(
      (await server.api.get('/v1/webhooks')).body.data.some((e: { id: string }) => e.id === endpoint.id),
    ).toBe(false);
    const events = (await server.api.get('/v1/events?type=webhook.deleted')).body.data;
    expect(events[0].subjectId).toBe(endpoint.id);
  });
});
