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

describe.each(DIALECTS)('licenses on %s', (dialect) => {
  let server: TestServer;
  let typeId: string;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    const product = await createProduct(server.api);
    typeId = (
      await createLicenseType(server.api, product.id, {
        scope: 'installation',
        term: { unit: 'month', count: 1 },
      })
    ).id;
  });
  afterAll(() => server.close());

  const action = (id: string, name: string, body: unknown = {}) =>
    server.api.post(`/v1/licenses/${id}/actions/${name}`, body);

  it('a manager issues a license with the type’s default term from its start', async () => {
    const holder = await createCustomerWithKey(server.api);
    const license = await issue(server.api, holder.keyId, typeId, { startsAt: '2026-01-31T00:00:00.000Z' });
    expect(license).toMatchObject({
      startsAt: '2026-01-31T00:00:00.000Z',
      expiresAt: '2026-02-28T00:00:00.000Z',
      status: 'unused',
    });
    const custom = await issue(server.api, holder.keyId, typeId, { term: { unit: 'day', count: 10 } });
    expect(new Date(custom.expiresAt).getTime() - new Date(custom.startsAt).getTime()).toBe(10 * DAY);
    const perpetual = await issue(server.api, holder.keyId, typeId, { term: null });
    expect(perpetual.expiresAt).toBeNull();
    expect((await action(perpetual.id, 'renew')).body.error.code).toBe('INVALID_TRANSITION');
  });

  it('renewal extends from the current expiry while valid, and from now once lapsed', async () => {
    const holder = await createCustomerWithKey(server.api);
    const license = await issue(server.api, holder.keyId, typeId);
    const renewed = await action(license.id, 'renew', { term: { unit: 'day', count: 30 } });
    expect(new Date(renewed.body.expiresAt).getTime()).toBe(new Date(license.expiresAt).getTime() + 30 * DAY);

    const start = server.clock.now();
    server.clock.set(new Date(new Date(renewed.body.expiresAt).getTime() + 5 * DAY));
    try {
      expect((await server.api.get(`/v1/licenses/${license.id}`)).body.status).toBe('expired');
      const lapsed = await action(license.id, 'renew', { term: { unit: 'day', count: 30 } });
      expect(lapsed.body.expiresAt).toBe(new Date(server.clock.now().getTime() + 30 * DAY).toISOString());
    } finally {
      server.clock.set(start);
    }
  });

  it('suspend, reinstate and revoke change the derived status, each with an event', async () => {
    const holder = await createCustomerWithKey(server.api);
    const license = await issue(server.api, holder.keyId, typeId);
    expect((await action(license.id, 'suspend')).body.status).toBe('suspended');
    expect((await action(license.id, 'suspend')).body.error.code).toBe('INVALID_TRANSITION');
    expect((await action(license.id, 'reinstate')).body.status).toBe('unused');
    expect((await action(license.id, 'revoke')).body.status).toBe('revoked');
    expect((await action(license.id, 'reinstate')).status).toBe(409);

    const events = await server.api.get(`/v1/events?keyId=${holder.keyId}&type=license.*`);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual([
      'license.revoked',
      'license.reinstated',
      'license.suspended',
      'license.issued',
    ]);
    const suspended = events.body.data[2];
    expect(suspended).toMatchObject({ channel: 'api', actor: { type: 'token' } });
    expect(suspended.before.status).toBe('unused');
    expect(suspended.after.status).toBe('suspended');
  });

  it('shows expiring within 30 days of the end', async () => {
    const holder = await createCustomerWithKey(server.api);
    const license = await issue(server.api, holder.keyId, typeId, { term: { unit: 'day', count: 20 } });
    await server.anon.post('/v1/activate', {
      key: holder.key,
      product: license.productCode,
      resource: { kind: 'installation', id: 'inst-1' },
    });
    expect((await server.api.get(`/v1/licenses/${license.id}`)).body.status).toBe('expiring');
  });
});
