import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import type { ApiClient } from '../../test-support/http-client.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

const CALLERS = [
  'owner',
  'admin',
  'manager',
  'support',
  'partner user',
  'customer user',
  'key-login customer',
  'anonymous',
] as const;
type Caller = (typeof CALLERS)[number];

/** Who may call each write route: anyone, a staff role and above, a partner user, or a cabinet customer. */
type Audience = 'anyone' | 'owner' | 'admin' | 'manager' | 'support' | 'partner' | 'customer';

const WRITE_ROUTES: Record<string, Audience> = {
  'POST /v1/auth/login': 'anyone',
  'POST /v1/customer/auth/login': 'anyone',
  'POST /v1/partner/auth/login': 'anyone',
  'POST /v1/password-resets': 'anyone',
  'POST /v1/passwords': 'anyone',
  // The app API: a license key is the credential.
  'POST /v1/validate': 'anyone',
  'POST /v1/activate': 'anyone',
  'POST /v1/deactivate': 'anyone',
  'POST /v1/sessions': 'anyone',
  'POST /v1/sessions/{id}/heartbeat': 'anyone',
  'DELETE /v1/sessions/{id}': 'anyone',
  'POST /v1/coupons/redeem': 'anyone',
  // The customer cabinet.
  'POST /v1/customer/coupons/redeem': 'customer',
  'POST /v1/customer/licenses/attach': 'customer',
  'POST /v1/customer/requests': 'customer',
  'POST /v1/customer/entitlements/issue': 'customer',
  'POST /v1/customer/auth/logout': 'customer',
  'PATCH /v1/customer/me': 'customer',
  // The partner portal.
  'POST /v1/partner/customers/{id}/licenses': 'partner',
  'POST /v1/partner/service-requests/{id}/actions/fulfil': 'partner',
  'POST /v1/partner/drawdowns': 'partner',
  'PATCH /v1/partner/drawdowns/{id}': 'partner',
  'POST /v1/partner/drawdowns/{id}/actions/{action}': 'partner',
  'POST /v1/partner/auth/logout': 'partner',
  'PATCH /v1/partner/me': 'partner',
  'POST /v1/partner/me/password': 'partner',
  // The vendor's staff.
  'POST /v1/auth/logout': 'support',
  'PATCH /v1/auth/me': 'support',
  'POST /v1/auth/me/password': 'support',
  'POST /v1/users': 'admin',
  'PATCH /v1/users/{id}': 'admin',
  'POST /v1/tokens': 'admin',
  'DELETE /v1/tokens/{id}': 'admin',
  'POST /v1/products': 'manager',
  'PATCH /v1/products/{id}': 'manager',
  'DELETE /v1/products/{id}': 'manager',
  'PATCH /v1/license-types/{id}': 'manager',
  'DELETE /v1/license-types/{id}': 'manager',
  'POST /v1/license-types': 'manager',
  'POST /v1/customers': 'manager',
  'PATCH /v1/customers/{id}': 'manager',
  'POST /v1/customers/{id}/users': 'manager',
  'POST /v1/partners': 'manager',
  'POST /v1/partners/{id}/users': 'admin',
  'POST /v1/keys': 'manager',
  'PATCH /v1/keys/{id}': 'manager',
  'DELETE /v1/keys/{id}': 'manager',
  'POST /v1/keys/{id}/licenses': 'manager',
  'POST /v1/licenses/{id}/actions/{action}': 'manager',
  'POST /v1/signing-keys/rotate': 'admin',
  'POST /v1/signing-keys/{kid}/revoke': 'admin',
  'POST /v1/offline/license-files': 'manager',
  'POST /v1/offline/bundles': 'manager',
  'POST /v1/coupon-batches': 'manager',
  'POST /v1/redemptions': 'manager',
  'POST /v1/redemptions/{id}/actions/revert': 'manager',
  'POST /v1/orders': 'manager',
  'POST /v1/drawdowns/{id}/actions/approve': 'manager',
  'POST /v1/drawdowns/{id}/actions/reject': 'manager',
  'POST /v1/service-requests/{id}/actions/fulfil': 'manager',
  'POST /v1/webhooks': 'admin',
  'PATCH /v1/webhooks/{id}': 'admin',
  'DELETE /v1/webhooks/{id}': 'admin',
  'POST /v1/webhook-deliveries/{id}/actions/redeliver': 'admin',
  'PATCH /v1/vendor/settings': 'admin',
  'POST /v1/imports': 'admin',
};

const STAFF = ['owner', 'admin', 'manager', 'support'] as const;

/** Refused with 401 (who are you?) or 403 (not you), or let through to validation and the handler. */
function expected(audience: Audience, caller: Caller): 401 | 403 | 'allowed' {
  if (audience === 'anyone') return 'allowed';
  if (audience === 'partner') return caller === 'partner user' ? 'allowed' : 401;
  if (audience === 'customer')
    return caller === 'customer user' || caller === 'key-login customer' ? 'allowed' : 401;
  const rank = (role: string) => STAFF.length - STAFF.indexOf(role as (typeof STAFF)[number]);
  if (!(STAFF as readonly string[]).includes(caller)) return 401;
  return rank(caller) >= rank(audience) ? 'allowed' : 403;
}

describe.each(DIALECTS)('who may call each write route, on %s', (dialect) => {
  let server: TestServer;
  const clients = new Map<Caller, ApiClient>();
  beforeAll(async () => {
    server = await startTestServer(dialect);
    const api = server.api;
    clients.set('owner', api);
    for (const role of ['admin', 'manager', 'support'] as const)
      clients.set(
        role,
        server.anon.withToken((await api.post('/v1/tokens', { name: role, role })).body.token),
      );
    const portal = async (path: string, body: Record<string, string>) => {
      const login = await server.anon.post(path, body);
      expect(login.status, JSON.stringify(login.body)).toBe(200);
      return server.anon.withHeaders({
        cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
        'x-csrf-token': login.body.csrfToken,
      });
    };
    const partner = (await api.post('/v1/partners', { name: 'Matrix partner' })).body;
    await api.post(`/v1/partners/${partner.id}/users`, {
      email: 'p@matrix.test',
      name: 'P',
      password: 'partner-pass-1',
    });
    clients.set(
      'partner user',
      await portal('/v1/partner/auth/login', { email: 'p@matrix.test', password: 'partner-pass-1' }),
    );
    const licensed = await setupLicensed(api, { scope: 'seat' });
    await api.post(`/v1/customers/${licensed.customerId}/users`, {
      email: 'c@matrix.test',
      name: 'C',
      password: 'customer-pass-1',
    });
    clients.set(
      'customer user',
      await portal('/v1/customer/auth/login', { email: 'c@matrix.test', password: 'customer-pass-1' }),
    );
    clients.set('key-login customer', await portal('/v1/customer/auth/login', { key: licensed.key }));
    clients.set('anonymous', server.anon);
  });
  afterAll(() => server.close());

  it('every write route of /openapi.json answers each caller as the table says', async () => {
    const doc = (await server.anon.get('/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => method !== 'get')
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(Object.keys(WRITE_ROUTES).sort());

    // Logging out ends the caller's session, so those go last.
    const ordered = [...routes].sort((a, b) => Number(a.includes('logout')) - Number(b.includes('logout')));
    const mismatches: string[] = [];
    for (const route of ordered) {
      const [method, template] = route.split(' ');
      const path = template
        .replace('{action}', 'suspend')
        .replace('{kid}', 'no-such-key')
        .replace(/\{[a-z]+\}/g, '01900000-0000-7000-8000-000000000000');
      for (const caller of CALLERS) {
        const response = await clients.get(caller)!.request(method, path, {});
        const want = expected(WRITE_ROUTES[route], caller);
        const got = response.status === 401 || response.status === 403 ? response.status : 'allowed';
        if (response.status >= 500 || got !== want)
          mismatches.push(`${route} as ${caller}: expected ${want}, got ${response.status} ${response.text}`);
      }
    }
    expect(mismatches, mismatches.join('\n')).toEqual([]);
  });
});
