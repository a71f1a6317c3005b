import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('the event log on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('records every change with actor, channel and before/after, filterable by key, customer, type and time', async () => {
    const first = await setupLicensed(server.api, { scope: 'seat' });
    const t0 = server.clock.now();
    server.clock.advance(60_000);
    const second = await setupLicensed(server.api, { scope: 'seat' });
    await server.anon.post('/v1/activate', {
      key: second.key,
      product: second.productCode,
      resource: { kind: 'machine', id: 'm' },
    });

    const byKey = (await server.api.get(`/v1/events?keyId=${first.keyId}`)).body.data;
    expect(byKey.map((e: { type: string }) => e.type)).toEqual(['license.issued', 'key.created']);
    const byCustomer = (await server.api.get(`/v1/events?customerId=${second.customerId}`)).body.data;
    expect(byCustomer.map((e: { type: string }) => e.type)).toEqual([
      'binding.created',
      'license.issued',
      'key.created',
      'customer.created',
    ]);
    expect(byCustomer[0]).toMatchObject({ channel: 'app', actor: { type: 'app' } });
    expect(byCustomer[1]).toMatchObject({ channel: 'api', actor: { type: 'token', name: 'init' } });

    const since = (
      await server.api.get(`/v1/events?from=${encodeURIComponent(new Date(t0.getTime() + 1).toISOString())}`)
    ).body.data;
    expect(since.every((e: { at: string }) => e.at > t0.toISOString())).toBe(true);
    expect(since.map((e: { subjectId: string }) => e.subjectId)).not.toContain(first.licenseId);
    const until = (
      await server.api.get(
        `/v1/events?to=${encodeURIComponent(new Date(t0.getTime() + 1).toISOString())}&type=license.issued`,
      )
    ).body.data;
    expect(until.map((e: { subjectId: string }) => e.subjectId)).toEqual([first.licenseId]);
  });

  it('pages with a cursor, newest first', async () => {
    const page1 = (await server.api.get('/v1/events?limit=3')).body;
    expect(page1.data).toHaveLength(3);
    const page2 = (await server.api.get(`/v1/events?limit=3&cursor=${page1.nextCursor}`)).body;
    expect(page2.data[0].id < page1.data[2].id).toBe(true);
  });

  it('a family lists the events of every type that begins so, merged newest first, page after page', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    for (const action of ['suspend', 'reinstate', 'suspend', 'reinstate', 'revoke']) {
      server.clock.advance(1_000);
      await server.api.post(`/v1/licenses/${licensed.licenseId}/actions/${action}`, {});
    }
    await server.api.post('/v1/coupon-batches', {
      type: 'add_product',
      items: [{ productId: licensed.productId }],
      count: 1,
    });
    type Listed = { id: string; type: string };
    const all = (await server.api.get('/v1/events?limit=200')).body.data as Listed[];
    const expected = all.filter((e) => e.type.startsWith('license.')).map((e) => e.id);
    expect(new Set(all.filter((e) => e.type.startsWith('license.')).map((e) => e.type)).size).toBeGreaterThan(
      3,
    );
    const walked: Listed[] = [];
    let cursor = '';
    do {
      const page = (await server.api.get(`/v1/events?type=license.*&limit=2${cursor}`)).body;
      walked.push(...page.data);
      cursor = page.nextCursor ? `&cursor=${page.nextCursor}` : '';
    } while (cursor);
    expect(walked.map((e) => e.id)).toEqual(expected);
    // An underscore in a family's name is a character, not a wildcard.
    const batches = (await server.api.get('/v1/events?type=coupon_batch.*')).body.data as Listed[];
    expect(batches.map((e) => e.type)).toEqual(['coupon_batch.generated']);
    expect((await server.api.get('/v1/events?type=nothing.*')).body.data).toEqual([]);
  });
});
