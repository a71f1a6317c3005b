import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { createCustomerWithKey, setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('license keys on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('a manager creates a key with the vendor prefix and sees the key card', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat', maxSeats: 3 });
    expect(licensed.key).toMatch(/^ACME(-[0-9A-Z]{5}){5}$/);
    await server.anon.post('/v1/activate', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id: 'pc-1', name: 'Front desk' },
    });
    await server.anon.post('/v1/sessions', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'database', id: 'db-1', name: 'Trade' },
    });
    const card = (await server.api.get(`/v1/keys/${licensed.keyId}`)).body;
    expect(card.customer.id).toBe(licensed.customerId);
    expect(card.licenses).toHaveLength(1);
    expect(card.licenses[0]).toMatchObject({ status: 'active', seatsUsed: 1, maxSeats: 3 });
    expect(card.bindings[0].resource).toEqual({ kind: 'machine', id: 'pc-1', name: 'Front desk' });
    expect(card.sessions[0].resource).toEqual({ kind: 'database', id: 'db-1', name: 'Trade' });
  });

  it('the client fields are kept and a customer is found by name, e-mail or key', async () => {
    const created = await server.api.post('/v1/customers', {
      name: 'Romashka LLC',
      contactName: 'Ivan Petrov',
      phone: '+7 900 000-00-00',
      email: 'ivan@romashka.test',
      website: 'https://romashka.test',
      comment: 'prefers e-mail',
    });
    const partner = await server.api.post('/v1/partners', { name: 'Distributor One' });
    const users = await server.api.get('/v1/users');
    const patched = await server.api.patch(`/v1/customers/${created.body.id}`, {
      partnerId: partner.body.id,
      managerId: users.body.data[0].id,
    });
    expect(patched.body).toMatchObject({
      contactName: 'Ivan Petrov',
      partnerId: partner.body.id,
      managerId: users.body.data[0].id,
    });
    const key = await server.api.post('/v1/keys', { customerId: created.body.id });
    for (const q of ['romashka', 'IVAN@', key.body.key.slice(5, 16).toLowerCase()]) {
      const found = await server.api.get(`/v1/customers?q=${encodeURIComponent(q)}`);
      expect(found.body.data.map((c: { id: string }) => c.id)).toContain(created.body.id);
    }
    expect((await server.api.get('/v1/customers?q=nothing-like-this')).body.data).toEqual([]);
  });

  it('re-binding moves the key and its licenses to another customer, with an event', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const other = await createCustomerWithKey(server.api, 'Buyer of the business');
    const moved = await server.api.patch(`/v1/keys/${licensed.keyId}`, { customerId: other.customerId });
    expect(moved.body.customerId).toBe(other.customerId);
    const validation = await server.anon.post('/v1/validate', {
      key: licensed.key,
      product: licensed.productCode,
    });
    expect(validation.body.key.customer.name).toBe('Buyer of the business');
    const events = await server.api.get(`/v1/events?keyId=${licensed.keyId}&type=key.rebound`);
    expect(events.body.data[0]).toMatchObject({
      before: { customerId: licensed.customerId },
      after: { customerId: other.customerId },
    });
  });

  it('deleting a key revokes its licenses and keeps its history', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    await server.anon.post('/v1/sessions', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id: 'pc' },
    });
    expect((await server.api.delete(`/v1/keys/${licensed.keyId}`)).status).toBe(204);
    const card = (await server.api.get(`/v1/keys/${licensed.keyId}`)).body;
    expect(card.status).toBe('revoked');
    expect(card.deletedAt).not.toBeNull();
    expect(card.licenses[0].status).toBe('revoked');
    expect(card.sessions).toEqual([]);
    expect(
      (await server.anon.post('/v1/validate', { key: licensed.key, product: licensed.productCode })).body
        .code,
    ).toBe('REVOKED');
    const history = await server.api.get(`/v1/events?keyId=${licensed.keyId}`);
    expect(history.body.data.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['key.deleted', 'license.issued', 'key.created']),
    );
    expect(
      (
        await server.api.post(`/v1/keys/${licensed.keyId}/licenses`, {
          licenseTypeId: licensed.licenseTypeId,
        })
      ).body.error.code,
    ).toBe('KEY_DELETED');
  });
});
