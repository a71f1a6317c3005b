import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import type { ApiClient } from '../../test-support/http-client.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('e-mail addresses are unique per vendor, on %s', (dialect) => {
  let server: TestServer;
  let b: ApiClient;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    b = server.anon.withToken((await server.addVendor('BETA')).token);
  });
  afterAll(() => server.close());

  it("vendor B creates staff, partner and customer logins with vendor A's e-mails and learns nothing", async () => {
    const a = server.api;
    const shared = 'pat@shared.test';
    expect(
      (await a.post('/v1/users', { email: shared, name: 'Pat A', role: 'support', password: 'pass-in-a-1' }))
        .status,
    ).toBe(201);
    const again = await a.post('/v1/users', { email: shared, name: 'Pat A', role: 'support' });
    expect([again.status, again.body.error.code]).toEqual([409, 'ALREADY_EXISTS']); // within one vendor, still unique
    expect(
      (await b.post('/v1/users', { email: shared, name: 'Pat B', role: 'support', password: 'pass-in-b-1' }))
        .status,
    ).toBe(201);

    for (const [client, name] of [
      [a, 'A'],
      [b, 'B'],
    ] as const) {
      const partner = (await client.post('/v1/partners', { name: `Partner ${name}` })).body;
      const created = await client.post(`/v1/partners/${partner.id}/users`, {
        email: 'reseller@shared.test',
        name: `Reseller ${name}`,
        password: `reseller-${name}-1`,
      });
      expect(created.status).toBe(201);
      const customer = (await client.post('/v1/customers', { name: `Shop of ${name}` })).body;
      const login = await client.post(`/v1/customers/${customer.id}/users`, {
        email: 'buyer@shared.test',
        name: 'Buyer',
        password: 'same-password-1',
      });
      expect(login.status).toBe(201);
    }
  });

  it('a person with accounts at two vendors logs in to each; one password for both asks which vendor', async () => {
    // Different passwords: each opens its own vendor's cabinet.
    const staffA = await server.anon.post('/v1/auth/login', {
      email: 'pat@shared.test',
      password: 'pass-in-a-1',
    });
    expect(staffA.body.vendor.prefix).toBe('ACME');
    const staffB = await server.anon.post('/v1/auth/login', {
      email: 'PAT@shared.test',
      password: 'pass-in-b-1',
    });
    expect(staffB.body.vendor.prefix).toBe('BETA');
    const partner = await server.anon.post('/v1/partner/auth/login', {
      email: 'reseller@shared.test',
      password: 'reseller-B-1',
    });
    expect(partner.status).toBe(200);
    expect(partner.body.partner.name).toBe('Partner B');

    // The same password at both: the answer names the two vendors, and naming one logs in there.
    const ambiguous = await server.anon.post('/v1/customer/auth/login', {
      email: 'buyer@shared.test',
      password: 'same-password-1',
    });
    expect([ambiguous.status, ambiguous.body.error.code]).toEqual([400, 'VENDOR_REQUIRED']);
    expect(ambiguous.body.error.details.map((v: { prefix: string }) => v.prefix).sort()).toEqual([
      'ACME',
      'BETA',
    ]);
    const chosen = await server.anon.post('/v1/customer/auth/login', {
      email: 'buyer@shared.test',
      password: 'same-password-1',
      vendor: 'beta',
    });
    expect(chosen.status).toBe(200);
    expect(chosen.body.customer.name).toBe('Shop of B');

    // A wrong password reveals neither the accounts nor their vendors.
    const wrong = await server.anon.post('/v1/customer/auth/login', {
      email: 'buyer@shared.test',
      password: 'nope',
    });
    const unknown = await server.anon.post('/v1/customer/auth/login', {
      email: 'nobody@shared.test',
      password: 'nope',
    });
    expect([wrong.status, wrong.body]).toEqual([unknown.status, unknown.body]);
  });

  it('a cabinet session of one vendor sees nothing of the other', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const login = await server.anon.post('/v1/customer/auth/login', {
      email: 'buyer@shared.test',
      password: 'same-password-1',
      vendor: 'ACME',
    });
    const cabinet = server.anon.withHeaders({
      cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': login.body.csrfToken,
    });
    expect((await cabinet.get('/v1/customer/me')).body.customer.name).toBe('Shop of A');
    const licenses = (await cabinet.get('/v1/customer/licenses')).body.data;
    expect(licenses.some((l: { id: string }) => l.id === licensed.licenseId)).toBe(false);
  });
});
