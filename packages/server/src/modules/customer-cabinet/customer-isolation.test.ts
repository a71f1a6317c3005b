import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import type { ApiClient } from '../../test-support/http-client.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

/** Invariant 5 for the customer cabinet: a customer sees only itself, and a key login only that key. */
describe.each(DIALECTS)(
  'a customer attempts every cabinet route on another customer’s data on %s',
  (dialect) => {
    let server: TestServer;
    let mine: ApiClient;
    const theirs: Record<string, string> = {};
    beforeAll(async () => {
      server = await startTestServer(dialect);
      const me = await setupLicensed(server.api, { scope: 'seat' });
      const other = await setupLicensed(server.api, { scope: 'seat' });
      Object.assign(theirs, {
        key: other.keyId,
        keyString: other.key,
        license: other.licenseId,
        customer: other.customerId,
      });
      await server.anon.post('/v1/activate', {
        key: other.key,
        product: other.productCode,
        resource: { kind: 'machine', id: 'their-pc' },
      });
      const login = await server.anon.post('/v1/customer/auth/login', { key: me.key });
      mine = server.anon.withHeaders({
        cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
        'x-csrf-token': login.body.csrfToken,
      });
    });
    afterAll(() => server.close());

    it('reads nothing of the other customer, and cannot act on its licenses', async () => {
      const ids = Object.values(theirs);
      for (const path of [
        '/v1/customer/me',
        '/v1/customer/licenses',
        '/v1/customer/devices',
        '/v1/customer/entitlements',
        '/v1/customer/redemptions',
        '/v1/customer/requests',
      ]) {
        const response = await mine.get(path);
        expect([path, response.status]).toEqual([path, 200]);
        for (const id of ids) expect(response.text, `${path} shows ${id}`).not.toContain(id);
        expect(response.text).not.toContain('their-pc');
      }
      const attempts: [string, unknown, number][] = [
        ['/v1/customer/requests', { kind: 'renew', licenseId: theirs.license }, 404],
        ['/v1/customer/coupons/redeem', { coupon: 'ACMEUPD-0000-0000-0000-0000', keyId: theirs.key }, 404],
        [
          '/v1/customer/entitlements/issue',
          { licenseTypeId: 'x', delivery: 'cloud', installationId: 'i' },
          409,
        ],
      ];
      for (const [path, body, status] of attempts) {
        const response = await mine.post(path, body);
        expect([path, response.status]).toEqual([path, status]);
      }
      // A staff or partner credential opens nothing here, and a customer cookie nothing there.
      expect((await server.api.get('/v1/customer/licenses')).status).toBe(401);
      expect((await mine.get(`/v1/keys/${theirs.key}`)).status).toBe(401);
      expect((await mine.get('/v1/partner/me')).status).toBe(401);
    });
  },
);
