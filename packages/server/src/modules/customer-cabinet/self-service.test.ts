import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, type TestStore } from '../../test-support/databases.js';
import {
  createCustomerWithKey,
  createLicenseType,
  createProduct,
  issue,
  setupLicensed,
} from '../../test-support/fixtures.js';
import { ApiClient } from '../../test-support/http-client.js';
import { runCli, spawnServer, startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('customer self-service (seed 003) on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  async function logIn(body: Record<string, string>): Promise<ApiClient> {
    const response = await server.anon.post('/v1/customer/auth/login', body);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return server.anon.withHeaders({
      cookie: (response.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': response.body.csrfToken,
    });
  }

  it('a customer logs in with e-mail and password and sees devices an app activated ("cloud"), free and activated licenses', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat', maxSeats: 3, resourceKind: 'device' });
    await issue(server.api, licensed.keyId, licensed.licenseTypeId);
    const login = await server.api.post(`/v1/customers/${licensed.customerId}/users`, {
      email: 'it@shop.test',
      name: 'IT',
      password: 'shop-pass-1',
    });
    expect(login.status).toBe(201);
    await server.anon.post('/v1/activate', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'device', id: 'tsd-7', name: 'Scanner 7' },
    });
    await server.anon.post('/v1/sessions', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'database', id: 'db-1', name: 'Shop DB' },
    });

    const customer = await logIn({ email: 'IT@shop.test', password: 'shop-pass-1' });
    const licenses = (await customer.get('/v1/customer/licenses')).body.data;
    expect(licenses.map((l: { cabinetState: string }) => l.cabinetState).sort()).toEqual([
      'activated',
      'free',
    ]);
    expect(licenses.find((l: { cabinetState: string }) => l.cabinetState === 'activated')).toMatchObject({
      origin: 'cloud',
      activations: [{ kind: 'device', id: 'tsd-7', name: 'Scanner 7' }],
    });
    const devices = (await customer.get('/v1/customer/devices')).body;
    expect(devices.resources[0]).toMatchObject({ kind: 'device', name: 'Scanner 7' });
    expect(devices.sessions[0]).toMatchObject({ kind: 'database', name: 'Shop DB' });
    expect(
      (await server.anon.post('/v1/customer/auth/login', { email: 'it@shop.test', password: 'wrong' }))
        .status,
    ).toBe(401);
  });

  it('licenses activated offline are added by activation code or by license file and then tracked the same way', async () => {
    const product = await createProduct(server.api);
    const type = await createLicenseType(server.api, product.id, { scope: 'installation' });
    const holder = await createCustomerWithKey(server.api);
    const boxed = await createCustomerWithKey(server.api, 'Box stock');
    const boxedLicense = await issue(server.api, boxed.keyId, type.id);
    const fileHolder = await createCustomerWithKey(server.api, 'File stock');
    const fileLicense = await issue(server.api, fileHolder.keyId, type.id);
    const file = (
      await server.api.post('/v1/offline/license-files', {
        licenseId: fileLicense.id,
        installationId: 'pc-1',
      })
    ).body.content;

    const customer = await logIn({ key: holder.key });
    expect((await customer.post('/v1/customer/licenses/attach', { code: boxed.key })).body).toEqual({
      attached: 1,
    });
    expect((await customer.post('/v1/customer/licenses/attach', { files: [file] })).body).toEqual({
      attached: 1,
    });
    const licenses = (await customer.get('/v1/customer/licenses')).body.data;
    expect(licenses.map((l: { id: string; origin: string }) => [l.id, l.origin]).sort()).toEqual(
      [
        [boxedLicense.id, 'local'],
        [fileLicense.id, 'local'],
      ].sort(),
    );
    const forged = file.replace(/[A-Za-z](?=[^\n]*\n-----END)/, (c: string) => (c === 'A' ? 'B' : 'A'));
    const refused = await customer.post('/v1/customer/licenses/attach', { files: [forged] });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'INVALID_LICENSE_FILE']);
    expect(
      (await customer.post('/v1/customer/licenses/attach', { code: 'ACME-00000-00000-00000-00000-00000' }))
        .body.error.code,
    ).toBe('KEY_NOT_FOUND');
  });

  it('a key-login session ends when its key is moved to another customer or deleted', async () => {
    const moved = await setupLicensed(server.api, { scope: 'seat' });
    const cabinet = await logIn({ key: moved.key });
    expect((await cabinet.get('/v1/customer/licenses')).status).toBe(200);
    const other = await server.api.post('/v1/customers', { name: 'New owner' });
    expect((await server.api.patch(`/v1/keys/${moved.keyId}`, { customerId: other.body.id })).status).toBe(
      200,
    );
    const after = await cabinet.get('/v1/customer/licenses');
    expect([after.status, after.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);

    const deleted = await setupLicensed(server.api, { scope: 'seat' });
    const second = await logIn({ key: deleted.key });
    expect((await server.api.delete(`/v1/keys/${deleted.keyId}`)).status).toBe(204);
    expect((await second.get('/v1/customer/licenses')).status).toBe(401);
  });

  it('a customer attempts to add a license that belongs to another customer', async () => {
    const product = await createProduct(server.api);
    const type = await createLicenseType(server.api, product.id, { scope: 'installation' });
    // Another customer with a cabinet of its own holds this key.
    const owner = await createCustomerWithKey(server.api, 'Owner with cabinet');
    const owned = await issue(server.api, owner.keyId, type.id);
    await server.api.post(`/v1/customers/${owner.customerId}/users`, {
      email: `owner-${dialect}@attach.test`,
      name: 'Owner',
      password: 'owner-pass-1',
    });
    const file = (
      await server.api.post('/v1/offline/license-files', { licenseId: owned.id, installationId: 'pc-9' })
    ).body.content;
    const intruder = await logIn({ key: (await createCustomerWithKey(server.api)).key });
    for (const body of [{ code: owner.key }, { files: [file] }]) {
      const refused = await intruder.post('/v1/customer/licenses/attach', body);
      expect([refused.status, refused.body.error.code]).toEqual([409, 'OWNED_BY_ANOTHER_CUSTOMER']);
    }
    expect((await intruder.get('/v1/customer/licenses')).body.data).toHaveLength(0);

    // A customer that logs in with its key alone holds its licenses too: its license file cannot be added.
    const keyOnly = await createCustomerWithKey(server.api, 'Key-only owner');
    const keyOnlyLicense = await issue(server.api, keyOnly.keyId, type.id);
    await logIn({ key: keyOnly.key });
    const keyOnlyFile = (
      await server.api.post('/v1/offline/license-files', {
        licenseId: keyOnlyLicense.id,
        installationId: 'pc-7',
      })
    ).body.content;
    const copied = await intruder.post('/v1/customer/licenses/attach', { files: [keyOnlyFile] });
    expect([copied.status, copied.body.error.code]).toEqual([409, 'OWNED_BY_ANOTHER_CUSTOMER']);

    // A stock key goes to the first customer who adds it, and to no one else.
    const stock = await createCustomerWithKey(server.api, 'Shelf stock');
    await issue(server.api, stock.keyId, type.id);
    const first = await logIn({ key: (await createCustomerWithKey(server.api)).key });
    const second = await logIn({ key: (await createCustomerWithKey(server.api)).key });
    const claims = await Promise.all(
      [first, second].map((c) => c.post('/v1/customer/licenses/attach', { code: stock.key })),
    );
    expect(claims.map((c) => c.status).sort()).toEqual([200, 409]);
  });

  it('a customer asks to renew; the vendor sees the request and fulfils it; the new expiry shows', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat', term: { unit: 'month', count: 1 } });
    const customer = await logIn({ key: licensed.key });
    const before = (await customer.get('/v1/customer/licenses')).body.data[0];
    const request = await customer.post('/v1/customer/requests', {
      kind: 'renew',
      licenseId: before.id,
      comment: 'please',
    });
    expect(request.body).toMatchObject({ kind: 'renew', state: 'open' });
    const other = await setupLicensed(server.api, { scope: 'seat' });
    expect(
      (await customer.post('/v1/customer/requests', { kind: 'renew', licenseId: other.licenseId })).status,
    ).toBe(404);

    const open = (await server.api.get('/v1/service-requests?state=open')).body.data;
    expect(open.map((r: { id: string }) => r.id)).toContain(request.body.id);
    expect((await server.api.post(`/v1/service-requests/${request.body.id}/actions/fulfil`)).body.state).toBe(
      'fulfilled',
    );
    expect(
      (await server.api.post(`/v1/service-requests/${request.body.id}/actions/fulfil`)).body.error.code,
    ).toBe('INVALID_TRANSITION');
    const after = (await customer.get('/v1/customer/licenses')).body.data[0];
    // Renewed once: one month more, not five.
    const expected = new Date(before.expiresAt);
    expected.setUTCMonth(expected.getUTCMonth() + 1);
    expect(after.expiresAt).toBe(expected.toISOString());
    expect((await customer.get('/v1/customer/requests')).body.data[0].state).toBe('fulfilled');
  });

  it('two clicks on "Renew" make one request; a renewal that cannot be granted leaves it open (invariant 9)', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat', term: { unit: 'month', count: 1 } });
    const customer = await logIn({ key: licensed.key });
    const clicks = await Promise.all(
      Array.from({ length: 30 }, () =>
        customer.post('/v1/customer/requests', { kind: 'renew', licenseId: licensed.licenseId }),
      ),
    );
    expect(clicks.filter((c) => c.status === 201)).toHaveLength(1);
    expect(
      clicks.filter((c) => c.status === 409).every((c) => c.body.error.code === 'REQUEST_ALREADY_OPEN'),
    ).toBe(true);
    const id = clicks.find((c) => c.status === 201)!.body.id;
    const before = (await server.api.get(`/v1/licenses/${licensed.licenseId}`)).body.expiresAt;
    const fulfils = await Promise.all(
      Array.from({ length: 4 }, () => server.api.post(`/v1/service-requests/${id}/actions/fulfil`)),
    );
    expect(fulfils.filter((f) => f.status === 200)).toHaveLength(1);
    const renewed = new Date(before);
    renewed.setUTCMonth(renewed.getUTCMonth() + 1);
    expect((await server.api.get(`/v1/licenses/${licensed.licenseId}`)).body.expiresAt).toBe(
      renewed.toISOString(),
    );
    // Fulfilled: the customer may ask again.
    expect(
      (await customer.post('/v1/customer/requests', { kind: 'renew', licenseId: licensed.licenseId })).status,
    ).toBe(201);

    // A perpetual license cannot be renewed: the fulfilment is refused whole and the request stays open.
    const perpetual = await setupLicensed(server.api, { scope: 'seat', mode: 'perpetual', term: null });
    const owner = await logIn({ key: perpetual.key });
    const asked = (
      await owner.post('/v1/customer/requests', { kind: 'renew', licenseId: perpetual.licenseId })
    ).body;
    expect((await server.api.post(`/v1/service-requests/${asked.id}/actions/fulfil`)).status).toBe(409);
    expect((await owner.get('/v1/customer/requests')).body.data[0]).toMatchObject({
      id: asked.id,
      state: 'open',
    });
  });

  it('the vendor pages through many open requests to the end, newest first', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const customer = await logIn({ key: licensed.key });
    const made: string[] = [];
    for (let i = 0; i < 7; i++)
      made.unshift(
        (await customer.post('/v1/customer/requests', { kind: 'order', productId: licensed.productId })).body
          .id,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; nextCursor: string | null } } = await server.api.get(
        `/v1/service-requests?state=open&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.map((r) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.filter((id) => made.includes(id))).toEqual(made);
    expect((await server.api.get('/v1/service-requests?limit=0')).status).toBe(400);
  });

  it('a customer orders three licenses of a type from the catalog; the vendor sees what, for whom, and fulfils all three', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat', term: { unit: 'year', count: 1 } });
    const customer = await logIn({ key: licensed.key });
    const catalog = (await customer.get('/v1/customer/catalog')).body.data;
    const product = catalog.find((p: { id: string }) => p.id === licensed.productId);
    expect(product.licenseTypes[0]).toMatchObject({
      id: licensed.licenseTypeId,
      term: { unit: 'year', count: 1 },
    });
    const order = await customer.post('/v1/customer/requests', {
      kind: 'order',
      licenseTypeId: licensed.licenseTypeId,
      quantity: 3,
      comment: 'for the new branch',
    });
    expect(order.status).toBe(201);
    const listed = (await server.api.get('/v1/service-requests?state=open')).body.data.find(
      (r: { id: string }) => r.id === order.body.id,
    );
    expect(listed).toMatchObject({
      kind: 'order',
      productId: licensed.productId,
      productName: expect.any(String),
      licenseTypeId: licensed.licenseTypeId,
      term: { unit: 'year', count: 1 },
      quantity: 3,
      comment: 'for the new branch',
    });
    expect(listed.customerName).toBeTruthy();
    const fulfilled = await server.api.post(`/v1/service-requests/${order.body.id}/actions/fulfil`);
    expect(fulfilled.body.state).toBe('fulfilled');
    expect((await customer.get('/v1/customer/licenses')).body.data).toHaveLength(4);

    // A renewal in the list names the key and the license's product and term.
    const renew = await customer.post('/v1/customer/requests', {
      kind: 'renew',
      licenseId: licensed.licenseId,
    });
    const renewal = (await server.api.get('/v1/service-requests?state=open')).body.data.find(
      (r: { id: string }) => r.id === renew.body.id,
    );
    expect(renewal).toMatchObject({ key: licensed.key, productId: null, term: { unit: 'year', count: 1 } });
    expect(renewal.productName).toBe(listed.productName);
  });

  it('an order for a new license is fulfilled with a license type', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const customer = await logIn({ key: licensed.key });
    const order = await customer.post('/v1/customer/requests', {
      kind: 'order',
      productId: licensed.productId,
    });
    expect(order.status).toBe(201);
    const fulfilled = await server.api.post(`/v1/service-requests/${order.body.id}/actions/fulfil`, {
      licenseTypeId: licensed.licenseTypeId,
    });
    expect(fulfilled.body.state).toBe('fulfilled');
    expect((await customer.get('/v1/customer/licenses')).body.data).toHaveLength(2);
  });
});

describe.each(DIALECTS)('a partner fulfils its customers’ renewals on %s', (dialect) => {
  it('sees only its own customers’ requests and renews them', async () => {
    const server = await startTestServer(dialect);
    try {
      const partnerId = (await server.api.post('/v1/partners', { name: 'Reseller' })).body.id;
      await server.api.post(`/v1/partners/${partnerId}/users`, {
        email: 'p@r.test',
        name: 'P',
        password: 'partner-pass-1',
      });
      const own = await setupLicensed(server.api, { scope: 'seat' });
      await server.api.patch(`/v1/customers/${own.customerId}`, { partnerId });
      const foreign = await setupLicensed(server.api, { scope: 'seat' });
      const ask = async (key: string, licenseId: string) => {
        const login = await server.anon.post('/v1/customer/auth/login', { key });
        const client = server.anon.withHeaders({
          cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
          'x-csrf-token': login.body.csrfToken,
        });
        return (await client.post('/v1/customer/requests', { kind: 'renew', licenseId })).body.id as string;
      };
      const ownRequest = await ask(own.key, own.licenseId);
      const foreignRequest = await ask(foreign.key, foreign.licenseId);
      const login = await server.anon.post('/v1/partner/auth/login', {
        email: 'p@r.test',
        password: 'partner-pass-1',
      });
      const partner = server.anon.withHeaders({
        cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
        'x-csrf-token': login.body.csrfToken,
      });
      expect(
        (await partner.get('/v1/partner/service-requests')).body.data.map((r: { id: string }) => r.id),
      ).toEqual([ownRequest]);
      expect(
        (await partner.post(`/v1/partner/service-requests/${foreignRequest}/actions/fulfil`)).status,
      ).toBe(404);
      const before = (await server.api.get(`/v1/licenses/${own.licenseId}`)).body.expiresAt;
      expect(
        (await partner.post(`/v1/partner/service-requests/${ownRequest}/actions/fulfil`)).body.state,
      ).toBe('fulfilled');
      expect((await server.api.get(`/v1/licenses/${own.licenseId}`)).body.expiresAt).not.toBe(before);
    } finally {
      await server.close();
    }
  });
});

describe.each(DIALECTS)('renewal requests across two server processes on %s', (dialect) => {
  let store: TestStore;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await store.drop();
  });

  it('30 clicks on "Renew" on two servers at once make exactly one open request', async () => {
    store = createTestStore(dialect);
    const init = await runCli(
      ['init', '--vendor', 'Two', '--prefix', 'TWOR', '--email', 'r@two.test'],
      store.env,
    );
    const servers = await Promise.all([spawnServer(store.env), spawnServer(store.env)]);
    children.push(...servers.map((s) => s.child));
    const api = new ApiClient(servers[0].url).withToken(JSON.parse(init.stdout).token);
    const licensed = await setupLicensed(api, { scope: 'seat' });
    const customers = await Promise.all(
      servers.map(async (s) => {
        const login = await new ApiClient(s.url).post('/v1/customer/auth/login', { key: licensed.key });
        return new ApiClient(s.url).withHeaders({
          cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
          'x-csrf-token': login.body.csrfToken,
        });
      }),
    );
    const clicks = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        customers[i % 2].post('/v1/customer/requests', { kind: 'renew', licenseId: licensed.licenseId }),
      ),
    );
    expect(clicks.filter((c) => c.status === 201)).toHaveLength(1);
    expect(
      clicks.filter((c) => c.status !== 201).every((c) => c.body.error.code === 'REQUEST_ALREADY_OPEN'),
    ).toBe(true);
  });
});
