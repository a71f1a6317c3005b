import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, type TestStore } from '../../test-support/databases.js';
import { createLicenseType, createProduct } from '../../test-support/fixtures.js';
import { ApiClient } from '../../test-support/http-client.js';
import { runCli, spawnServer } from '../../test-support/test-server.js';

/** Invariant 3 across two OS processes: balances never go negative, an accepted draw-down transfers once. */
describe.each(DIALECTS)('entitlements under races across two server processes on %s', (dialect) => {
  let store: TestStore;
  const children: ChildProcess[] = [];
  let api: ApiClient;
  let partners: ApiClient[];
  let partnerId: string;
  let botType: string;
  beforeAll(async () => {
    store = createTestStore(dialect);
    const init = await runCli(
      ['init', '--vendor', 'Chan', '--prefix', 'CHAN', '--email', 'c@chan.test'],
      store.env,
    );
    const servers = await Promise.all([spawnServer(store.env), spawnServer(store.env)]);
    children.push(...servers.map((s) => s.child));
    const apps = servers.map((s) => new ApiClient(s.url));
    api = apps[0].withToken(JSON.parse(init.stdout).token);
    const product = await createProduct(api, 'robot');
    botType = (
      await createLicenseType(api, product.id, { scope: 'seat', resourceKind: 'robot', maxSeats: 1 })
    ).id;
    partnerId = (await api.post('/v1/partners', { name: 'Racing reseller' })).body.id;
    await api.post(`/v1/partners/${partnerId}/users`, {
      email: 'race@reseller.test',
      name: 'R',
      password: 'partner-pass-1',
    });
    const login = await apps[0].post('/v1/partner/auth/login', {
      email: 'race@reseller.test',
      password: 'partner-pass-1',
    });
    // One portal session, used through both processes (sessions live in the database).
    partners = apps.map((app) =>
      app.withHeaders({
        cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
        'x-csrf-token': login.body.csrfToken,
      }),
    );
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await store.drop();
  });

  it('20 licenses issued at once through two servers from 3 entitlements: exactly 3', async () => {
    const customer = (await api.post('/v1/customers', { name: 'Racer', partnerId })).body;
    await api.post('/v1/orders', {
      account: { type: 'customer', id: customer.id },
      items: [{ licenseTypeId: botType, quantity: 3 }],
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        partners[i % 2].post(`/v1/partner/customers/${customer.id}/licenses`, {
          licenseTypeId: botType,
          delivery: 'cloud',
          installationId: `pc-${i}`,
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(
      answers.filter((a) => a.status !== 201).every((a) => a.body.error.code === 'INSUFFICIENT_ENTITLEMENT'),
    ).toBe(true);
    const view = (await api.get(`/v1/entitlements?accountType=customer&accountId=${customer.id}`)).body;
    expect(view.data[0]).toMatchObject({ purchased: 3, allocated: 3, available: 0 });
  });

  it('one approved draw-down accepted 10 times at once through two servers transfers once', async () => {
    const order = (
      await api.post('/v1/orders', {
        account: { type: 'partner', id: partnerId },
        items: [{ licenseTypeId: botType, quantity: 5 }],
      })
    ).body;
    const customer = (await api.post('/v1/customers', { name: 'Twice Inc', partnerId })).body;
    const request = (
      await partners[0].post('/v1/partner/drawdowns', {
        orderId: order.id,
        customer: { id: customer.id },
        items: [{ orderItemId: order.items[0].id, quantity: 2 }],
      })
    ).body;
    expect((await api.post(`/v1/drawdowns/${request.id}/actions/approve`)).status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        partners[i % 2].post(`/v1/partner/drawdowns/${request.id}/actions/accept`),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const view = (await api.get(`/v1/entitlements?accountType=customer&accountId=${customer.id}`)).body;
    expect(view.data[0]).toMatchObject({ received: 2, available: 2 });
    const partnerView = (await api.get(`/v1/entitlements?accountType=partner&accountId=${partnerId}`)).body;
    expect(partnerView.data[0]).toMatchObject({ purchased: 5, available: 3 });
  });
});
