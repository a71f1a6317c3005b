import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import {
  createCustomerWithKey,
  createLicenseType,
  createProduct,
  issue,
} from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('the customer cabinet on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  async function logInWithKey(key: string) {
    const response = await server.anon.post('/v1/customer/auth/login', { key });
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0];
    return {
      response,
      client: server.anon.withHeaders({ cookie, 'x-csrf-token': response.body?.csrfToken ?? '' }),
      cookie,
    };
  }

  it('a customer logs in with the license key alone, redeems a coupon and sees the product', async () => {
    const product = await createProduct(server.api, 'addon-x');
    await createLicenseType(server.api, product.id, { scope: 'seat' });
    const holder = await createCustomerWithKey(server.api, 'Shop on the corner');
    const [code] = (
      await server.api.post('/v1/coupon-batches', { type: 'add_product', items: [{ productId: product.id }] })
    ).body.codes;

    const { response, client } = await logInWithKey(holder.key.toLowerCase());
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(
      /HttpOnly.*SameSite=Strict|SameSite=Strict.*HttpOnly/i,
    );
    expect(response.body).toMatchObject({
      customer: { name: 'Shop on the corner' },
      loggedInWithKey: true,
      keys: [{ key: holder.key }],
    });
    expect((await client.get('/v1/customer/licenses')).body.data).toEqual([]);

    const redeemed = await client.post('/v1/customer/coupons/redeem', { coupon: code });
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(201);
    const licenses = (await client.get('/v1/customer/licenses')).body.data;
    expect(licenses.map((l: { productCode: string }) => l.productCode)).toEqual(['addon-x']);
    const history = (await server.api.get(`/v1/keys/${holder.keyId}/redemptions`)).body.data;
    expect(history[0]).toMatchObject({
      channel: 'cabinet',
      actor: { type: 'customer', id: holder.customerId },
    });

    expect((await client.post('/v1/customer/auth/logout')).status).toBe(204);
    expect((await client.get('/v1/customer/licenses')).status).toBe(401);
  });

  it('a key login sees only that key, even when its customer has another', async () => {
    const product = await createProduct(server.api);
    const type = await createLicenseType(server.api, product.id, { scope: 'seat' });
    const holder = await createCustomerWithKey(server.api);
    const secondKey = (await server.api.post('/v1/keys', { customerId: holder.customerId })).body;
    await issue(server.api, holder.keyId, type.id);
    await issue(server.api, secondKey.id, type.id);
    const { client } = await logInWithKey(holder.key);
    const me = (await client.get('/v1/customer/me')).body;
    expect(me.keys.map((k: { id: string }) => k.id)).toEqual([holder.keyId]);
    const licenses = (await client.get('/v1/customer/licenses')).body.data;
    expect(licenses.map((l: { keyId: string }) => l.keyId)).toEqual([holder.keyId]);
    expect(
      (
        await client.post('/v1/customer/coupons/redeem', {
          coupon: 'ACMEUPD-0000-0000-0000-0000',
          keyId: secondKey.id,
        })
      ).body.error.code,
    ).toBe('KEY_NOT_FOUND');
  });

  it('refuses unknown keys, writes without the CSRF header, and staff tokens', async () => {
    expect((await logInWithKey('ACME-00000-00000-00000-00000-00000')).response.body.error.code).toBe(
      'INVALID_CREDENTIALS',
    );
    const holder = await createCustomerWithKey(server.api);
    const { cookie } = await logInWithKey(holder.key);
    const noCsrf = await server.anon
      .withHeaders({ cookie })
      .post('/v1/customer/coupons/redeem', { coupon: 'x' });
    expect(noCsrf.body.error.code).toBe('CSRF_FAILED');
    expect((await server.api.get('/v1/customer/licenses')).status).toBe(401);
    // A customer cookie opens nothing in the vendor cabinet.
    expect((await server.anon.withHeaders({ cookie }).get('/v1/customers')).status).toBe(401);
  });
});
