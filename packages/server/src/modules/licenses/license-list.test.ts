import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { createLicenseType, createProduct, issue } from '../../test-support/fixtures.js';
import type { ApiClient } from '../../test-support/http-client.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

interface Listed {
  id: string;
  expiresAt: string | null;
  customerName: string;
  customerId: string;
  key: string;
}

/** Every page of a list to the end, `limit` at a time. */
async function readAll<T>(
  api: ApiClient,
  path: string,
  limit: number,
): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const response = await api.get(
      `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    rows.push(...response.body.data);
    cursor = response.body.nextCursor;
    pages += 1;
  } while (cursor && pages < 100);
  return { rows, pages };
}

describe.each(DIALECTS)('sorted and paged lists on %s', (dialect) => {
  let server: TestServer;
  const expected: Listed[] = [];

  beforeAll(async () => {
    server = await startTestServer(dialect);
    const product = await createProduct(server.api, 'sorted');
    const yearly = await createLicenseType(server.api, product.id, { scope: 'installation' });
    const perpetual = await createLicenseType(server.api, product.id, { scope: 'installation', term: null });
    // Names that sort the same byte-wise and by any locale; equal names and equal expiries to break by id.
    const names = ['Delta', 'Alpha', 'Charlie', 'Bravo', 'Alpha'];
    const starts = ['2026-03-01', '2026-01-01', '2026-03-01', '2025-06-01', '2026-02-01'];
    for (const [i, name] of names.entries()) {
      const customer = (await server.api.post('/v1/customers', { name })).body;
      const key = (await server.api.post('/v1/keys', { customerId: customer.id })).body;
      for (const type of [yearly.id, yearly.id, perpetual.id]) {
        const license = await issue(server.api, key.id, type, { startsAt: `${starts[i]}T00:00:00.000Z` });
        expected.push({
          id: license.id,
          expiresAt: license.expiresAt,
          customerName: name,
          customerId: customer.id,
          key: key.key,
        });
      }
    }
    // A customer without licenses is passed over; another vendor's licenses are never listed.
    await server.api.post('/v1/customers', { name: 'Aardvark' });
    const other = await server.addVendor('OTHR');
    const theirs = server.anon.withToken(other.token);
    const theirProduct = await createProduct(theirs, 'theirs');
    const theirType = await createLicenseType(theirs, theirProduct.id, { scope: 'installation' });
    const theirCustomer = (await theirs.post('/v1/customers', { name: 'Aaron' })).body;
    const theirKey = (await theirs.post('/v1/keys', { customerId: theirCustomer.id })).body;
    await issue(theirs, theirKey.id, theirType.id);
  });
  afterAll(() => server.close());

  const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

  it('lists the licenses newest first with their key and customer, paged to the end', async () => {
    const { rows, pages } = await readAll<Listed>(server.api, '/v1/licenses', 4);
    expect(pages).toBe(4);
    expect(ids(rows)).toEqual(ids([...expected].reverse()));
    expect(rows[0]).toMatchObject({
      customerName: expected.at(-1)!.customerName,
      key: expected.at(-1)!.key,
      status: expect.any(String),
    });
  });

  it('sorts by expiry, soonest first, ties by id, perpetual licenses last, across pages', async () => {
    const byExpiry = [...expected].sort(
      (a, b) =>
        (a.expiresAt ?? '\uffff').localeCompare(b.expiresAt ?? '\uffff') ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    for (const limit of [1, 3, 4, 200]) {
      const { rows } = await readAll<Listed>(server.api, '/v1/licenses?sort=expiry', limit);
      expect(ids(rows), `limit ${limit}`).toEqual(ids(byExpiry));
    }
  });

  it('sorts by customer name A–Z, then customer, then license, across pages', async () => {
    const byCustomer = [...expected].sort(
      (a, b) =>
        a.customerName.localeCompare(b.customerName) ||
        (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0) ||
        (a.id < b.id ? -1 : 1),
    );
    for (const limit of [1, 2, 3, 200]) {
      const { rows } = await readAll<Listed>(server.api, '/v1/licenses?sort=customer', limit);
      expect(ids(rows), `limit ${limit}`).toEqual(ids(byCustomer));
    }
  });

  it('searches by customer in every order', async () => {
    for (const sort of ['newest', 'expiry', 'customer']) {
      const { rows } = await readAll<Listed>(server.api, `/v1/licenses?sort=${sort}&q=alph`, 2);
      expect(rows).toHaveLength(6);
      expect(new Set(rows.map((row) => row.customerName))).toEqual(new Set(['Alpha']));
    }
    expect((await server.api.get('/v1/licenses?q=nobody-like-this')).body).toEqual({
      data: [],
      nextCursor: null,
    });
  });

  it('refuses an unknown sort, and a cursor of another sort or none', async () => {
    const bad = await server.api.get('/v1/licenses?sort=price');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    const byExpiry = (await server.api.get('/v1/licenses?sort=expiry&limit=2')).body.nextCursor;
    const byCustomer = (await server.api.get('/v1/licenses?sort=customer&limit=2')).body.nextCursor;
    const newest = (await server.api.get('/v1/licenses?limit=2')).body.nextCursor;
    for (const [sort, cursor] of [
      ['customer', byExpiry],
      ['expiry', byCustomer],
      ['newest', byExpiry],
      ['expiry', newest],
      ['expiry', 'not-a-cursor'],
      ['customer', Buffer.from('["customer",1,2,3]').toString('base64url')],
    ]) {
      const response = await server.api.get(`/v1/licenses?sort=${sort}&cursor=${encodeURIComponent(cursor)}`);
      expect([sort, response.status, response.body.error?.code]).toEqual([sort, 400, 'VALIDATION_FAILED']);
      expect(response.body.error.details[0].path).toBe('querystring/cursor');
    }
    expect((await server.api.get('/v1/licenses?limit=0')).status).toBe(400);
    expect((await server.api.get('/v1/licenses?limit=201')).status).toBe(400);
  });

  it('pages the vendor’s orders and a partner’s own to the end', async () => {
    const product = await createProduct(server.api, 'ordered');
    const type = await createLicenseType(server.api, product.id, { scope: 'installation' });
    const partnerId = (await server.api.post('/v1/partners', { name: 'Paging Partner' })).body.id;
    await server.api.post(`/v1/partners/${partnerId}/users`, {
      email: 'pager@reseller.test',
      name: 'Pat',
      password: 'partner-pass-1',
    });
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      const order = await server.api.post('/v1/orders', {
        account: { type: 'partner', id: partnerId },
        reference: `PO-${i}`,
        items: [{ licenseTypeId: type.id, quantity: 1 }],
      });
      expect(order.status, JSON.stringify(order.body)).toBe(201);
      made.push(order.body.id);
    }
    const vendorOrders = await readAll<{ id: string }>(server.api, '/v1/orders', 3);
    expect(vendorOrders.pages).toBe(3);
    expect(ids(vendorOrders.rows)).toEqual([...made].reverse());
    const accountOrders = await readAll<{ id: string }>(
      server.api,
      `/v1/orders?accountType=partner&accountId=${partnerId}`,
      5,
    );
    expect(ids(accountOrders.rows)).toEqual([...made].reverse());

    const login = await server.anon.post('/v1/partner/auth/login', {
      email: 'pager@reseller.test',
      password: 'partner-pass-1',
    });
    expect(login.status).toBe(200);
    const partner = server.anon.withHeaders({
      cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': login.body.csrfToken,
    });
    const partnerOrders = await readAll<{ id: string }>(partner, '/v1/partner/orders', 2);
    expect(partnerOrders.pages).toBe(4);
    expect(ids(partnerOrders.rows)).toEqual([...made].reverse());
    expect((await server.api.get('/v1/orders?limit=500')).status).toBe(400);
    expect((await partner.get('/v1/partner/orders?limit=0')).body.error.code).toBe('VALIDATION_FAILED');
  });
});
