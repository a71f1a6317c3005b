import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { createVendor } from '../vendors/vendors.service.js';

describe.each(DIALECTS)('the vendor dashboard on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('counts validations by day and outcome, devices, live sessions, licenses expiring soon and open queues', async () => {
    const seat = await setupLicensed(server.api, { scope: 'seat', term: { unit: 'day', count: 30 } });
    const floating = await setupLicensed(server.api, { scope: 'floating', maxSessions: 3 });
    // Revoked, it no longer expires: not among those to renew soon.
    const revoked = await setupLicensed(server.api, { scope: 'seat', term: { unit: 'day', count: 30 } });
    expect((await server.api.post(`/v1/licenses/${revoked.licenseId}/actions/revoke`)).status).toBe(200);
    await server.anon.post('/v1/activate', {
      key: seat.key,
      product: seat.productCode,
      resource: { kind: 'machine', id: 'pc-1' },
    });
    await server.anon.post('/v1/sessions', {
      key: floating.key,
      product: floating.productCode,
      resource: { kind: 'machine', id: 'pc-2' },
    });
    for (let i = 0; i < 3; i++)
      await server.anon.post('/v1/validate', {
        key: seat.key,
        product: seat.productCode,
        fingerprint: 'pc-1',
      });
    await server.anon.post('/v1/validate', { key: seat.key, product: seat.productCode, fingerprint: 'pc-9' });

    // Counted in memory and written every few seconds, not one row per validation.
    const today = server.clock.now().toISOString().slice(0, 10);
    await expect
      .poll(async () => (await server.api.get('/v1/dashboard')).body.validations, { timeout: 10_000 })
      .toEqual([
        { day: today, code: 'NOT_ACTIVATED', count: 1 },
        { day: today, code: 'VALID', count: 3 },
      ]);
    const dashboard = (await server.api.get('/v1/dashboard')).body;
    expect(dashboard).toMatchObject({
      activeDevices: 1,
      liveSessions: 1,
      expiringSoon: 1,
      openRequests: 0,
      openApprovals: 0,
    });
  });

  it('another vendor reads its own dashboard and sees none of these numbers', async () => {
    const other = await createVendor(server.ctx, {
      name: 'Other',
      prefix: 'OTHR',
      ownerEmail: `other-${dialect}@dashboard.test`,
      ownerPassword: 'correct-horse-1',
    });
    const theirs = (await server.anon.withToken(other.token).get('/v1/dashboard')).body;
    expect(theirs).toMatchObject({ validations: [], activeDevices: 0, liveSessions: 0, expiringSoon: 0 });
  });

  it('an app attempts to read the dashboard without a token', async () => {
    expect((await server.anon.get('/v1/dashboard')).status).toBe(401);
  });
});
