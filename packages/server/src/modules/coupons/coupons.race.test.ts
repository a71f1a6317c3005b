import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, type TestStore } from '../../test-support/databases.js';
import {
  createCustomerWithKey,
  createLicenseType,
  createProduct,
  issue,
} from '../../test-support/fixtures.js';
import { ApiClient } from '../../test-support/http-client.js';
import { runCli, spawnServer, startTestServer, type TestServer } from '../../test-support/test-server.js';

/** Races 50 apps redeeming one single-use coupon, each on its own key: exactly one may win. */
async function raceSingleUse(api: ApiClient, apps: ApiClient[]) {
  const product = await createProduct(api);
  await createLicenseType(api, product.id, { scope: 'seat' });
  const [code] = (
    await api.post('/v1/coupon-batches', { type: 'add_product', items: [{ productId: product.id }] })
  ).body.codes;
  const holders = await Promise.all(Array.from({ length: 50 }, () => createCustomerWithKey(api)));
  const answers = await Promise.all(
    holders.map((holder, i) =>
      apps[i % apps.length].post('/v1/coupons/redeem', { key: holder.key, coupon: code }),
    ),
  );
  const statuses = answers.map((a) => a.status);
  expect(statuses.filter((s) => s === 200)).toHaveLength(1);
  expect(
    answers.filter((a) => a.status !== 200).every((a) => a.body.error.code === 'COUPON_ALREADY_USED'),
  ).toBe(true);
  const licensed = await Promise.all(
    holders.map(async (h) => (await api.get(`/v1/keys/${h.keyId}`)).body.licenses.length),
  );
  expect(licensed.reduce((sum, n) => sum + n, 0)).toBe(1);
}

describe.each(DIALECTS)('coupon races on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('50 apps race to redeem one single-use coupon: exactly one succeeds', async () => {
    await raceSingleUse(server.api, [server.anon]);
  });

  it('an app redeems a reusable trial coupon 20 times at once on one key: it applies once', async () => {
    const product = await createProduct(server.api);
    const trial = await createLicenseType(server.api, product.id, {
      scope: 'seat',
      mode: 'trial',
      term: { unit: 'day', count: 7 },
    });
    const holder = await createCustomerWithKey(server.api);
    const license = await issue(server.api, holder.keyId, trial.id);
    const [code] = (
      await server.api.post('/v1/coupon-batches', {
        type: 'extend_trial',
        items: [{ productId: product.id, days: 30 }],
        reusable: true,
      })
    ).body.codes;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        server.anon.post('/v1/coupons/redeem', { key: holder.key, coupon: code }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(
      answers
        .filter((a) => a.status !== 200)
        .every((a) => a.body.error.code === 'COUPON_ALREADY_USED_ON_KEY'),
    ).toBe(true);
    const history = (await server.api.get(`/v1/keys/${holder.keyId}/redemptions`)).body.data;
    expect(history).toHaveLength(1);
    expect(history[0].effect.extended).toEqual([
      { licenseId: license.id, from: license.expiresAt, to: expect.any(String) },
    ]);
  });

  it('a revert raced with a second redemption leaves every key consistent with its live redemptions', async () => {
    const product = await createProduct(server.api);
    await createLicenseType(server.api, product.id, { scope: 'seat' });
    for (let round = 0; round < 5; round++) {
      const [code] = (
        await server.api.post('/v1/coupon-batches', {
          type: 'add_product',
          items: [{ productId: product.id }],
        })
      ).body.codes;
      const first = await createCustomerWithKey(server.api);
      const second = await createCustomerWithKey(server.api);
      const redeemed = await server.anon.post('/v1/coupons/redeem', { key: first.key, coupon: code });
      const [revert, again] = await Promise.all([
        server.api.post(`/v1/redemptions/${redeemed.body.redemptionId}/actions/revert`),
        server.anon.post('/v1/coupons/redeem', { key: second.key, coupon: code }),
      ]);
      expect(revert.status).toBe(200);
      expect([200, 409]).toContain(again.status);
      const live = async (keyId: string) =>
        (await server.api.get(`/v1/keys/${keyId}`)).body.licenses.filter(
          (l: { status: string }) => l.status !== 'revoked',
        ).length;
      expect(await live(first.keyId)).toBe(0);
      expect(await live(second.keyId)).toBe(again.status === 200 ? 1 : 0);
      const coupon = (await server.api.get(`/v1/coupons?q=${code.slice(-4)}`)).body.data.find(
        (c: { code: string }) => c.code === code,
      );
      expect(coupon.redemptions).toBe(again.status === 200 ? 1 : 0);
    }
  });
});

describe.each(DIALECTS)('coupon races across two server processes on %s', (dialect) => {
  let store: TestStore;
  const children: ChildProcess[] = [];
  let apps: ApiClient[];
  let api: ApiClient;
  let token: string;
  beforeAll(async () => {
    store = createTestStore(dialect);
    const init = await runCli(
      ['init', '--vendor', 'Race', '--prefix', 'RACE', '--email', 'race@example.test'],
      store.env,
    );
    expect(init.code, init.stderr).toBe(0);
    const servers = await Promise.all([spawnServer(store.env), spawnServer(store.env)]);
    children.push(...servers.map((s) => s.child));
    apps = servers.map((s) => new ApiClient(s.url));
    token = JSON.parse(init.stdout).token;
    api = apps[0].withToken(token);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await store.drop();
  });

  it('50 apps on two servers race to redeem one single-use coupon: exactly one succeeds', async () => {
    await raceSingleUse(api, apps);
  });

  it('ten one-year coupons and two renewals on one key at once, on two servers: every year is granted once', async () => {
    const product = await createProduct(api);
    const type = await createLicenseType(api, product.id, {
      scope: 'seat',
      term: { unit: 'year', count: 1 },
    });
    const holder = await createCustomerWithKey(api);
    const license = await issue(api, holder.keyId, type.id);
    const codes = (
      await api.post('/v1/coupon-batches', {
        type: 'add_product',
        items: [{ licenseTypeId: type.id, term: { unit: 'year', count: 1 } }],
        count: 10,
      })
    ).body.codes as string[];
    const staff = apps.map((app) => app.withToken(token));
    const answers = await Promise.all([
      ...codes.map((coupon, i) => apps[i % 2].post('/v1/coupons/redeem', { key: holder.key, coupon })),
      ...[0, 1].map((i) => staff[i].post(`/v1/licenses/${license.id}/actions/renew`, {})),
    ]);
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    const expected = new Date(license.expiresAt);
    expected.setUTCFullYear(expected.getUTCFullYear() + 12);
    const card = (await api.get(`/v1/keys/${holder.keyId}`)).body;
    expect(card.licenses).toHaveLength(1);
    expect(card.licenses[0].expiresAt).toBe(expected.toISOString());

    // Five reverts at once take back exactly what their five redemptions added.
    const redemptions = (await api.get(`/v1/keys/${holder.keyId}/redemptions`)).body.data.slice(0, 5) as {
      id: string;
      effect: { extended: { from: string; to: string }[] };
    }[];
    const added = redemptions.reduce(
      (sum, r) => sum + Date.parse(r.effect.extended[0].to) - Date.parse(r.effect.extended[0].from),
      0,
    );
    const undo = await Promise.all(
      redemptions.map((r, i) => staff[i % 2].post(`/v1/redemptions/${r.id}/actions/revert`, {})),
    );
    expect(undo.map((a) => a.status)).toEqual(Array(5).fill(200));
    expect((await api.get(`/v1/licenses/${license.id}`)).body.expiresAt).toBe(
      new Date(expected.getTime() - added).toISOString(),
    );
  });
});
