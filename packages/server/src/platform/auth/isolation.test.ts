import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import type { ApiClient } from '../../test-support/http-client.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

/** Routes anyone may call, or that belong to the partner portal and the customer cabinet (tested in their modules). */
const OUTSIDE_THE_CABINET =
  /^\/v1\/(validate|activate|deactivate|sessions|coupons\/redeem|vendors\/|customer\/|partner\/|auth\/login|password-resets|passwords$)|^\/(healthz|readyz)$/;

interface Row {
  /** `METHOD /template` as in the OpenAPI document. */
  route: string;
  path: string;
  body?: unknown;
  /** 404: the other vendor's resource is not found. 403: B's token may not (a profile is a user's). `own`: B acts on its own data only (checked by the snapshot). `list`: the answer names none of A's ids. */
  expect: 404 | 403 | 'own' | 'list';
}

describe.each(DIALECTS)(
  'invariant 5: vendor B attempts every cabinet route on vendor A’s data on %s',
  (dialect) => {
    let server: TestServer;
    let b: ApiClient;
    const a: Record<string, string> = {};

    beforeAll(async () => {
      server = await startTestServer(dialect);
      const api = server.api;
      const licensed = await setupLicensed(api, { scope: 'seat', maxSeats: 2 });
      Object.assign(a, {
        product: licensed.productId,
        type: licensed.licenseTypeId,
        customer: licensed.customerId,
        key: licensed.keyId,
        keyString: licensed.key,
        license: licensed.licenseId,
      });
      a.partner = (await api.post('/v1/partners', { name: 'A partner' })).body.id;
      await api.post(`/v1/partners/${a.partner}/users`, {
        email: 'pu@a.test',
        name: 'P',
        password: 'partner-pass-1',
      });
      a.token = (await api.post('/v1/tokens', { name: 'a token', role: 'support' })).body.id;
      a.user = (await api.post('/v1/users', { email: 'staff@a.test', name: 'S', role: 'support' })).body.id;
      const batch = (
        await api.post('/v1/coupon-batches', {
          type: 'add_product',
          items: [{ licenseTypeId: a.type }],
          count: 2,
        })
      ).body;
      a.batch = batch.id;
      a.couponCode = batch.codes[1];
      a.redemption = (
        await api.post('/v1/redemptions', { key: licensed.key, coupon: batch.codes[0] })
      ).body.redemptionId;
      a.coupon = (await api.get(`/v1/coupons?batchId=${a.batch}&state=active`)).body.data[0].id;
      a.kid = (await api.get('/v1/signing-keys')).body.data[0].kid;
      a.webhook = (await api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/a', events: ['*'] })).body.id;
      const order = (
        await api.post('/v1/orders', {
          account: { type: 'partner', id: a.partner },
          items: [{ licenseTypeId: a.type, quantity: 5 }],
        })
      ).body;
      a.order = order.id;
      const login = await server.anon.post('/v1/partner/auth/login', {
        email: 'pu@a.test',
        password: 'partner-pass-1',
      });
      const partner = server.anon.withHeaders({
        cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
        'x-csrf-token': login.body.csrfToken,
      });
      a.drawdown = (
        await partner.post('/v1/partner/drawdowns', {
          orderId: order.id,
          customer: { name: 'N' },
          items: [{ orderItemId: order.items[0].id, quantity: 1 }],
        })
      ).body.id;
      const customerLogin = await server.anon.post('/v1/customer/auth/login', { key: licensed.key });
      const customer = server.anon.withHeaders({
        cookie: (customerLogin.headers.get('set-cookie') ?? '').split(';')[0],
        'x-csrf-token': customerLogin.body.csrfToken,
      });
      a.serviceRequest = (
        await customer.post('/v1/customer/requests', { kind: 'renew', licenseId: a.license })
      ).body.id;
      b = server.anon.withToken((await server.addVendor('BBBB')).token);
    });
    afterAll(() => server.close());

    /** Everything vendor A can see of itself; it must read the same after B has tried every route. */
    async function snapshotOfA() {
      const api = server.api;
      const [card, customer, product, type, coupon, drawdown, keys, events, entitlements] = await Promise.all(
        [
          api.get(`/v1/keys/${a.key}`),
          api.get(`/v1/customers/${a.customer}`),
          api.get(`/v1/products/${a.product}`),
          api.get(`/v1/license-types/${a.type}`),
          api.get(`/v1/coupons/${a.coupon}`),
          api.get(`/v1/drawdowns/${a.drawdown}`),
          api.get('/v1/signing-keys'),
          api.get('/v1/events?limit=500'),
          api.get(`/v1/entitlements?accountType=partner&accountId=${a.partner}`),
        ],
      );
      return [card, customer, product, type, coupon, drawdown, keys, events, entitlements].map((r) => r.body);
    }

    const rows = (): Row[] => [
      { route: 'GET /v1/auth/me', path: '/v1/auth/me', expect: 'own' },
      { route: 'PATCH /v1/auth/me', path: '/v1/auth/me', body: { name: 'taken over' }, expect: 403 },
      {
        route: 'POST /v1/auth/me/password',
        path: '/v1/auth/me/password',
        body: { currentPassword: 'guess', newPassword: 'taken-over-1' },
        expect: 403,
      },
      { route: 'POST /v1/auth/logout', path: '/v1/auth/logout', expect: 'own' },
      { route: 'GET /v1/users', path: '/v1/users', expect: 'list' },
      {
        route: 'POST /v1/users',
        path: '/v1/users',
        body: { email: 'b-staff@b.test', name: 'B', role: 'support' },
        expect: 'own',
      },
      { route: 'GET /v1/tokens', path: '/v1/tokens', expect: 'list' },
      { route: 'POST /v1/tokens', path: '/v1/tokens', body: { name: 'b', role: 'support' }, expect: 'own' },
      { route: 'DELETE /v1/tokens/{id}', path: `/v1/tokens/${a.token}`, expect: 404 },
      { route: 'GET /v1/products', path: '/v1/products', expect: 'list' },
      {
        route: 'POST /v1/products',
        path: '/v1/products',
        body: { code: 'b-product', name: 'B' },
        expect: 'own',
      },
      { route: 'GET /v1/products/{id}', path: `/v1/products/${a.product}`, expect: 404 },
      {
        route: 'PATCH /v1/products/{id}',
        path: `/v1/products/${a.product}`,
        body: { name: 'taken over' },
        expect: 404,
      },
      { route: 'GET /v1/license-types', path: '/v1/license-types', expect: 'list' },
      { route: 'GET /v1/licenses', path: '/v1/licenses', expect: 'list' },
      {
        route: 'POST /v1/license-types',
        path: '/v1/license-types',
        body: {
          productId: a.product,
          name: 'x',
          scope: 'seat',
          mode: 'subscription',
          term: null,
          capabilities: [],
        },
        expect: 404,
      },
      { route: 'GET /v1/license-types/{id}', path: `/v1/license-types/${a.type}`, expect: 404 },
      {
        route: 'GET /v1/customers',
        path: `/v1/customers?q=${encodeURIComponent(a.keyString)}`,
        expect: 'list',
      },
      {
        route: 'POST /v1/customers',
        path: '/v1/customers',
        body: { name: 'x', partnerId: a.partner },
        expect: 404,
      },
      { route: 'GET /v1/customers/{id}', path: `/v1/customers/${a.customer}`, expect: 404 },
      {
        route: 'PATCH /v1/customers/{id}',
        path: `/v1/customers/${a.customer}`,
        body: { name: 'taken over' },
        expect: 404,
      },
      { route: 'GET /v1/partners', path: '/v1/partners', expect: 'list' },
      { route: 'POST /v1/partners', path: '/v1/partners', body: { name: 'B partner' }, expect: 'own' },
      { route: 'GET /v1/keys', path: '/v1/keys', expect: 'list' },
      { route: 'POST /v1/keys', path: '/v1/keys', body: { customerId: a.customer }, expect: 404 },
      { route: 'GET /v1/keys/{id}', path: `/v1/keys/${a.key}`, expect: 404 },
      {
        route: 'PATCH /v1/keys/{id}',
        path: `/v1/keys/${a.key}`,
        body: { customerId: a.customer },
        expect: 404,
      },
      { route: 'DELETE /v1/keys/{id}', path: `/v1/keys/${a.key}`, expect: 404 },
      { route: 'DELETE /v1/products/{id}', path: `/v1/products/${a.product}`, expect: 404 },
      { route: 'DELETE /v1/license-types/{id}', path: `/v1/license-types/${a.type}`, expect: 404 },
      {
        route: 'PATCH /v1/license-types/{id}',
        path: `/v1/license-types/${a.type}`,
        body: { archived: true },
        expect: 404,
      },
      { route: 'DELETE /v1/webhooks/{id}', path: `/v1/webhooks/${a.webhook}`, expect: 404 },
      { route: 'PATCH /v1/users/{id}', path: `/v1/users/${a.user}`, body: { disabled: true }, expect: 404 },
      {
        route: 'POST /v1/keys/{id}/licenses',
        path: `/v1/keys/${a.key}/licenses`,
        body: { licenseTypeId: a.type },
        expect: 404,
      },
      { route: 'GET /v1/licenses/{id}', path: `/v1/licenses/${a.license}`, expect: 404 },
      { route: 'GET /v1/licenses/{id}/bindings', path: `/v1/licenses/${a.license}/bindings`, expect: 404 },
      {
        route: 'POST /v1/licenses/{id}/actions/{action}',
        path: `/v1/licenses/${a.license}/actions/revoke`,
        expect: 404,
      },
      { route: 'GET /v1/events', path: '/v1/events?limit=500', expect: 'list' },
      { route: 'GET /v1/signing-keys', path: '/v1/signing-keys', expect: 'list' },
      { route: 'POST /v1/signing-keys/rotate', path: '/v1/signing-keys/rotate', expect: 'own' },
      { route: 'POST /v1/signing-keys/{kid}/revoke', path: `/v1/signing-keys/${a.kid}/revoke`, expect: 404 },
      {
        route: 'POST /v1/offline/license-files',
        path: '/v1/offline/license-files',
        body: { licenseId: a.license, installationId: 'i' },
        expect: 404,
      },
      {
        route: 'POST /v1/offline/bundles',
        path: '/v1/offline/bundles',
        body: { licenseIds: [a.license], installationId: 'i' },
        expect: 404,
      },
      {
        route: 'POST /v1/coupon-batches',
        path: '/v1/coupon-batches',
        body: { type: 'add_product', items: [{ licenseTypeId: a.type }] },
        expect: 404,
      },
      { route: 'GET /v1/coupon-batches', path: '/v1/coupon-batches', expect: 'list' },
      {
        route: 'GET /v1/coupon-batches/{id}/coupons.csv',
        path: `/v1/coupon-batches/${a.batch}/coupons.csv`,
        expect: 404,
      },
      { route: 'GET /v1/coupons', path: '/v1/coupons', expect: 'list' },
      { route: 'GET /v1/coupons/{id}', path: `/v1/coupons/${a.coupon}`, expect: 404 },
      {
        route: 'POST /v1/redemptions',
        path: '/v1/redemptions',
        body: { key: a.keyString, coupon: a.couponCode },
        expect: 404,
      },
      {
        route: 'POST /v1/redemptions/{id}/actions/revert',
        path: `/v1/redemptions/${a.redemption}/actions/revert`,
        expect: 404,
      },
      { route: 'GET /v1/keys/{id}/redemptions', path: `/v1/keys/${a.key}/redemptions`, expect: 404 },
      { route: 'GET /v1/partners/{id}/users', path: `/v1/partners/${a.partner}/users`, expect: 404 },
      {
        route: 'POST /v1/partners/{id}/users',
        path: `/v1/partners/${a.partner}/users`,
        body: { email: 'x@b.test', name: 'x' },
        expect: 404,
      },
      {
        route: 'POST /v1/orders',
        path: '/v1/orders',
        body: {
          account: { type: 'partner', id: a.partner },
          items: [{ licenseTypeId: a.type, quantity: 1 }],
        },
        expect: 404,
      },
      { route: 'GET /v1/orders', path: '/v1/orders', expect: 'list' },
      { route: 'GET /v1/orders/{id}', path: `/v1/orders/${a.order}`, expect: 404 },
      {
        route: 'GET /v1/entitlements',
        path: `/v1/entitlements?accountType=partner&accountId=${a.partner}`,
        expect: 404,
      },
      { route: 'GET /v1/drawdowns', path: '/v1/drawdowns', expect: 'list' },
      { route: 'GET /v1/drawdowns/{id}', path: `/v1/drawdowns/${a.drawdown}`, expect: 404 },
      {
        route: 'POST /v1/drawdowns/{id}/actions/approve',
        path: `/v1/drawdowns/${a.drawdown}/actions/approve`,
        expect: 404,
      },
      {
        route: 'POST /v1/drawdowns/{id}/actions/reject',
        path: `/v1/drawdowns/${a.drawdown}/actions/reject`,
        body: { reason: 'x' },
        expect: 404,
      },
      { route: 'GET /v1/webhooks', path: '/v1/webhooks', expect: 'list' },
      {
        route: 'POST /v1/customers/{id}/users',
        path: `/v1/customers/${a.customer}/users`,
        body: { email: 'x@b.test', name: 'x' },
        expect: 404,
      },
      { route: 'GET /v1/service-requests', path: '/v1/service-requests', expect: 'list' },
      { route: 'GET /v1/vendor/settings', path: '/v1/vendor/settings', expect: 'own' },
      { route: 'GET /v1/dashboard', path: '/v1/dashboard', expect: 'own' },
      {
        route: 'PATCH /v1/vendor/settings',
        path: '/v1/vendor/settings',
        body: { reminderDays: [10, 1] },
        expect: 'own',
      },
      {
        // B imports into itself only: its rows, its external ids (A's, if the same, are A's own).
        route: 'POST /v1/imports',
        path: '/v1/imports',
        body: {
          format: 'csv',
          content: `externalId,name\nc-1,B customer\n${a.customer},Taken over\n`,
          dryRun: false,
        },
        expect: 'own',
      },
      {
        route: 'POST /v1/service-requests/{id}/actions/fulfil',
        path: `/v1/service-requests/${a.serviceRequest}/actions/fulfil`,
        expect: 404,
      },
      {
        route: 'POST /v1/webhooks',
        path: '/v1/webhooks',
        body: { url: 'http://127.0.0.1:9/b', events: ['license.*'] },
        expect: 'own',
      },
      {
        route: 'PATCH /v1/webhooks/{id}',
        path: `/v1/webhooks/${a.webhook}`,
        body: { enabled: false },
        expect: 404,
      },
      {
        route: 'GET /v1/webhooks/{id}/deliveries',
        path: `/v1/webhooks/${a.webhook}/deliveries`,
        expect: 404,
      },
      {
        route: 'POST /v1/webhook-deliveries/{id}/actions/redeliver',
        path: `/v1/webhook-deliveries/${a.webhook}/actions/redeliver`,
        expect: 404,
      },
    ];

    it('the table covers every cabinet route in the OpenAPI document', async () => {
      const doc = (await server.anon.get('/openapi.json')).body;
      const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
        .filter(([path]) => !OUTSIDE_THE_CABINET.test(path))
        .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
      expect(routes.sort()).toEqual(
        rows()
          .map((row) => row.route)
          .sort(),
      );
    });

    it('gets 404 for each of A’s resources, sees none of them in lists, and changes nothing of A', async () => {
      const before = await snapshotOfA();
      const ids = Object.values(a);
      for (const row of rows()) {
        const [method] = row.route.split(' ');
        const response = await b.request(method, row.path, row.body);
        if (typeof row.expect === 'number') {
          expect([row.route, response.status], JSON.stringify(response.body)).toEqual([
            row.route,
            row.expect,
          ]);
        } else {
          expect([row.route, response.status < 300]).toEqual([row.route, true]);
          if (row.expect === 'list')
            for (const id of ids) expect(response.text, `${row.route} shows A's ${id}`).not.toContain(id);
        }
      }
      expect(await snapshotOfA()).toEqual(before);
    });
  },
);
