import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import {
  createCustomerWithKey,
  createLicenseType,
  createProduct,
  issue,
} from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

const DAY = 86_400_000;

describe.each(DIALECTS)('coupons on %s', (dialect) => {
  let server: TestServer;
  let base: { id: string; code: string };
  let pro: { id: string; code: string };
  let addon: { id: string; code: string };
  let baseType: string;
  let addonType: string;
  let trialType: string;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    base = await createProduct(server.api, 'smarts-base');
    pro = await createProduct(server.api, 'smarts-pro');
    addon = await createProduct(server.api, 'smarts-addon');
    baseType = (await createLicenseType(server.api, base.id, { scope: 'seat' })).id;
    await createLicenseType(server.api, pro.id, { scope: 'seat' });
    addonType = (
      await createLicenseType(server.api, addon.id, { scope: 'seat', term: { unit: 'month', count: 6 } })
    ).id;
    trialType = (
      await createLicenseType(server.api, addon.id, {
        scope: 'seat',
        mode: 'trial',
        term: { unit: 'day', count: 14 },
      })
    ).id;
  });
  afterAll(() => server.close());

  const generate = async (body: Record<string, unknown>) => {
    const response = await server.api.post('/v1/coupon-batches', body);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  };
  const redeemByApp = (key: string, coupon: string) =>
    server.anon.post('/v1/coupons/redeem', { key, coupon });
  const card = async (keyId: string) => (await server.api.get(`/v1/keys/${keyId}`)).body;

  it('the vendor generates add_product coupons with the prefix, UPD and a check symbol', async () => {
    const partner = (await server.api.post('/v1/partners', { name: 'Distributor' })).body;
    const batch = await generate({
      type: 'add_product',
      partnerId: partner.id,
      items: [{ productId: pro.id }],
      count: 3,
      comment: 'for the fair',
    });
    expect(batch.codes).toHaveLength(3);
    for (const code of batch.codes) expect(code).toMatch(/^ACMEUPD(-[0-9A-Z]{4}){4}$/);
    expect(batch).toMatchObject({
      type: 'add_product',
      partnerId: partner.id,
      comment: 'for the fair',
      count: 3,
    });
    expect(batch.items[0]).toMatchObject({ productCode: 'smarts-pro', term: { unit: 'year', count: 1 } });
  });

  it('an app redeems add_product: a new license, then the same product extends from its expiry', async () => {
    const holder = await createCustomerWithKey(server.api);
    const [first, second] = (
      await generate({
        type: 'add_product',
        items: [{ productId: addon.id, licenseTypeId: addonType }],
        count: 2,
      })
    ).codes;
    const redeemed = await redeemByApp(holder.key.toLowerCase(), first.toLowerCase().replaceAll('-', ''));
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(200);
    expect(redeemed.headers.get('licensor-signature')).toMatch(/^kid=/);
    const license = redeemed.body.licenses[0];
    expect(license.productCode).toBe('smarts-addon');
    const again = await redeemByApp(holder.key, second);
    expect(again.body.licenses).toHaveLength(1);
    const sixMonthsLater = new Date(license.expiresAt);
    sixMonthsLater.setUTCMonth(sixMonthsLater.getUTCMonth() + 6);
    expect(again.body.licenses[0].expiresAt).toBe(sixMonthsLater.toISOString());
  });

  it('a reusable trial extension works once per key and sets the remaining days', async () => {
    const [a, b] = [await createCustomerWithKey(server.api), await createCustomerWithKey(server.api)];
    await issue(server.api, a.keyId, trialType);
    await issue(server.api, b.keyId, trialType);
    const [code] = (
      await generate({ type: 'extend_trial', items: [{ productId: addon.id, days: 30 }], reusable: true })
    ).codes;
    const first = await redeemByApp(a.key, code);
    expect(first.body.licenses[0].expiresAt).toBe(
      new Date(server.clock.now().getTime() + 30 * DAY).toISOString(),
    );
    expect((await redeemByApp(a.key, code)).body.error.code).toBe('COUPON_ALREADY_USED_ON_KEY');
    expect((await redeemByApp(b.key, code)).status).toBe(200);
    const noTrial = await createCustomerWithKey(server.api);
    expect((await redeemByApp(noTrial.key, code)).body.error.code).toBe('COUPON_NOT_APPLICABLE');
  });

  it('change_composition upgrades base to pro: base superseded, pro active; activate now redeems at generation', async () => {
    const holder = await createCustomerWithKey(server.api);
    const baseLicense = await issue(server.api, holder.keyId, baseType);
    await generate({
      type: 'change_composition',
      keyId: holder.keyId,
      items: [{ productId: pro.id, term: { unit: 'year', count: 2 } }],
      activateNow: true,
    });
    const after = await card(holder.keyId);
    const byProduct = Object.fromEntries(
      after.licenses.map((l: { productCode: string; status: string }) => [l.productCode, l.status]),
    );
    expect(byProduct).toEqual({ 'smarts-base': 'superseded', 'smarts-pro': 'unused' });
    expect(
      (await server.anon.post('/v1/validate', { key: holder.key, product: 'smarts-base' })).body.code,
    ).toBe('PRODUCT_NOT_LICENSED');
    const history = (await server.api.get(`/v1/keys/${holder.keyId}/redemptions`)).body.data;
    expect(history[0].effect.superseded).toEqual([baseLicense.id]);

    const other = await createCustomerWithKey(server.api);
    const [forOther] = (
      await generate({ type: 'change_composition', keyId: other.keyId, items: [{ productId: pro.id }] })
    ).codes;
    expect((await redeemByApp(holder.key, forOther)).body.error.code).toBe('COUPON_NOT_APPLICABLE');
  });

  it('vendor staff redeem from the cabinet form, and revert undoes exactly that redemption', async () => {
    const holder = await createCustomerWithKey(server.api);
    const kept = await issue(server.api, holder.keyId, addonType);
    await issue(server.api, holder.keyId, baseType);
    const [code] = (
      await generate({
        type: 'change_composition',
        keyId: holder.keyId,
        items: [{ productId: pro.id }, { licenseTypeId: addonType, term: { unit: 'month', count: 1 } }],
      })
    ).codes;
    const redeemed = await server.api.post('/v1/redemptions', { key: holder.key, coupon: code });
    expect(redeemed.status).toBe(201);
    const mid = await card(holder.keyId);
    expect(mid.licenses.find((l: { id: string }) => l.id === kept.id).expiresAt).not.toBe(kept.expiresAt);

    const history = (await server.api.get(`/v1/keys/${holder.keyId}/redemptions`)).body.data;
    expect(history[0]).toMatchObject({ code, channel: 'api', actor: { type: 'token' } });
    const reverted = await server.api.post(`/v1/redemptions/${history[0].id}/actions/revert`);
    expect(reverted.body.revertedAt).not.toBeNull();
    const after = await card(holder.keyId);
    const statuses = Object.fromEntries(
      after.licenses.map((l: { productCode: string; status: string }) => [l.productCode, l.status]),
    );
    expect(statuses).toEqual({ 'smarts-addon': 'unused', 'smarts-base': 'unused', 'smarts-pro': 'revoked' });
    expect(after.licenses.find((l: { id: string }) => l.id === kept.id).expiresAt).toBe(kept.expiresAt);
    expect((await server.api.post(`/v1/redemptions/${history[0].id}/actions/revert`)).body.error.code).toBe(
      'INVALID_TRANSITION',
    );
    // The single-use coupon is usable again.
    expect((await server.api.post('/v1/redemptions', { key: holder.key, coupon: code })).status).toBe(201);
    const events = (await server.api.get(`/v1/events?keyId=${holder.keyId}&type=coupon.*`)).body.data.map(
      (e: { type: string }) => e.type,
    );
    expect(events).toEqual(['coupon.redeemed', 'coupon.reverted', 'coupon.redeemed']);
  });

  it('bad codes each get their own error and change nothing', async () => {
    const holder = await createCustomerWithKey(server.api);
    const [code] = (await generate({ type: 'add_product', items: [{ productId: pro.id }] })).codes;
    const typo = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
    const other = server.anon.withToken((await server.addVendor('OTHR')).token);
    const otherProduct = await createProduct(other, 'other');
    await createLicenseType(other, otherProduct.id, { scope: 'seat' });
    const otherBatch = await other.post('/v1/coupon-batches', {
      type: 'add_product',
      items: [{ productId: otherProduct.id }],
    });
    const [otherCode] = otherBatch.body.codes;
    const cases: [string, string, number][] = [
      ['ACMEUPD-0000', 'COUPON_MALFORMED', 400],
      [typo, 'COUPON_MISTYPED', 400],
      [holder.key, 'NOT_A_COUPON', 400],
      [otherCode, 'COUPON_WRONG_VENDOR', 400],
    ];
    for (const [coupon, errorCode, status] of cases) {
      const response = await redeemByApp(holder.key, coupon);
      expect([response.status, response.body.error.code]).toEqual([status, errorCode]);
    }
    const unknownKey = await redeemByApp('ACME-00000-00000-00000-00000-00000', code);
    expect(unknownKey.body.error.code).toBe('KEY_NOT_FOUND');
    expect((await card(holder.keyId)).licenses).toEqual([]);
    expect((await redeemByApp(holder.key, code)).status).toBe(200);
    const second = await createCustomerWithKey(server.api);
    expect((await redeemByApp(second.key, code)).body.error.code).toBe('COUPON_ALREADY_USED');
    expect((await card(second.keyId)).licenses).toEqual([]);
  });

  it('a batch holds at most 100,000 codes, and generating one does not hold up other writes', async () => {
    const items = [{ productId: addon.id, licenseTypeId: addonType }];
    const tooMany = await server.api.post('/v1/coupon-batches', {
      type: 'add_product',
      items,
      count: 100_001,
    });
    expect([tooMany.status, tooMany.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);

    const finished: string[] = [];
    const big = server.api
      .post('/v1/coupon-batches', { type: 'add_product', items, count: 100_000, comment: 'big' })
      .then((response) => {
        finished.push('batch');
        return response;
      });
    // A write sent after the batch started is answered while the batch is still being written.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const customer = await server.api.post('/v1/customers', { name: 'Served meanwhile' });
    finished.push('customer');
    expect(customer.status).toBe(201);
    const batch = await big;
    expect(batch.status).toBe(201);
    expect(batch.body.count).toBe(100_000);
    expect(finished).toEqual(['customer', 'batch']);
    const listed = (await server.api.get('/v1/coupon-batches')).body.data.find(
      (b: { id: string }) => b.id === batch.body.id,
    );
    expect(listed.count).toBe(100_000);
  }, 120_000);

  it('the coupons page lists with filters, exports a batch as CSV, and shows a coupon’s history', async () => {
    const batch = await generate({
      type: 'add_product',
      items: [{ productId: addon.id, licenseTypeId: addonType }],
      count: 5,
      comment: 'csv, "quoted"',
    });
    const holder = await createCustomerWithKey(server.api);
    await redeemByApp(holder.key, batch.codes[0]);
    const redeemed = (await server.api.get(`/v1/coupons?batchId=${batch.id}&state=redeemed`)).body.data;
    expect(redeemed.map((c: { code: string }) => c.code)).toEqual([batch.codes[0]]);
    expect((await server.api.get(`/v1/coupons?batchId=${batch.id}&state=active`)).body.data).toHaveLength(4);
    expect(
      (await server.api.get('/v1/coupons?type=extend_trial')).body.data.every(
        (c: { type: string }) => c.type === 'extend_trial',
      ),
    ).toBe(true);
    const csv = await server.api.get(`/v1/coupon-batches/${batch.id}/coupons.csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('code,type,state,redemptions,comment,created_at');
    expect(lines).toHaveLength(6);
    expect(csv.text).toContain('"csv, ""quoted"""');

    // A comment a spreadsheet would run as a formula is exported as text.
    const formula = await generate({
      type: 'add_product',
      items: [{ productId: addon.id, licenseTypeId: addonType }],
      count: 1,
      comment: '=HYPERLINK("http://evil.test","click")',
    });
    const exported = (await server.api.get(`/v1/coupon-batches/${formula.id}/coupons.csv`)).text;
    expect(exported).toContain(`"'=HYPERLINK(""http://evil.test"",""click"")"`);
    expect(exported).not.toMatch(/,=HYPERLINK/);
    const detail = (await server.api.get(`/v1/coupons/${redeemed[0].id}`)).body;
    expect(detail.history).toHaveLength(1);
    expect(detail.history[0]).toMatchObject({ keyId: holder.keyId, channel: 'app' });
  });
});
