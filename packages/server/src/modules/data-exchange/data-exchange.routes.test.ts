import { randomBytes } from 'node:crypto';
import { generateLicenseKey } from '@licensor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { createLicenseType, createProduct } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import type { ExchangeFile } from './exchange.schema.js';

/** One customer with a key, a license and a binding. */
function file(tag: string): ExchangeFile {
  return {
    customers: [{ externalId: `${tag}-c`, name: `Web import ${tag}`, email: `it@${tag}.test` }],
    keys: [{ externalId: `${tag}-k`, customer: `${tag}-c`, key: generateLicenseKey('ACME', randomBytes) }],
    licenses: [
      {
        externalId: `${tag}-l`,
        key: `${tag}-k`,
        product: 'studio',
        licenseType: 'seat type',
        startsAt: '2025-01-01',
        expiresAt: '2030-01-01',
      },
    ],
    bindings: [
      { externalId: `${tag}-b`, license: `${tag}-l`, resourceKind: 'machine', resourceId: 'host-1' },
    ],
  };
}

describe.each(DIALECTS)('POST /v1/imports on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    const product = await createProduct(server.api, 'studio');
    await createLicenseType(server.api, product.id, { scope: 'seat', maxSeats: 5, resourceKind: 'machine' });
  });
  afterAll(() => server.close());

  async function counts() {
    const db = server.ctx.handle.db;
    const count = async (table: 'customers' | 'license_keys' | 'licenses' | 'bindings' | 'external_ids') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('vendor_id', '=', server.vendor.vendor.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    return Promise.all(
      (['customers', 'license_keys', 'licenses', 'bindings', 'external_ids'] as const).map(count),
    );
  }
  const json = (data: unknown, extra: Record<string, unknown> = {}) => ({
    format: 'json',
    content: JSON.stringify(data),
    dryRun: false,
    ...extra,
  });

  it('a dry run reports what would be created and writes nothing', async () => {
    const before = await counts();
    const response = await server.api.post('/v1/imports', json(file('dry'), { dryRun: true }));
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      dryRun: true,
      partial: false,
      written: false,
      created: { customers: 1, keys: 1, licenses: 1, bindings: 1 },
      unchanged: { customers: 0, keys: 0, licenses: 0, bindings: 0 },
      rejected: { customers: 0, keys: 0, licenses: 0, bindings: 0 },
      problems: [],
    });
    expect(await counts()).toEqual(before);
  });

  it('a CSV with a bad row reports its line, field and reason, and writes nothing', async () => {
    const before = await counts();
    const csv = 'externalId,name,email\ncsv-1,Alpha Ltd,a@csv.test\ncsv-2,,b@csv.test\ncsv-3,Gamma,\n';
    const response = await server.api.post('/v1/imports', { format: 'csv', content: csv, dryRun: false });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      written: false,
      created: { customers: 2 },
      rejected: { customers: 1 },
      problems: [{ kind: 'customers', index: 1, line: 3, field: 'name', reason: 'is required' }],
    });
    expect(await counts()).toEqual(before);

    // With partial, the good rows go in.
    const partial = await server.api.post('/v1/imports', {
      format: 'csv',
      content: csv,
      dryRun: false,
      partial: true,
    });
    expect(partial.body).toMatchObject({
      written: true,
      created: { customers: 2 },
      rejected: { customers: 1 },
    });
    const found = await server.api.get('/v1/customers?q=alpha');
    expect(found.body.data.map((c: { name: string }) => c.name)).toEqual(['Alpha Ltd']);
  });

  it('a good file imports, and importing it again changes nothing', async () => {
    const data = file('good');
    const before = await counts();
    const first = await server.api.post('/v1/imports', json(data));
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({
      written: true,
      created: { customers: 1, keys: 1, licenses: 1, bindings: 1 },
      problems: [],
    });
    const after = await counts();
    expect(after).toEqual(before.map((n, i) => n + (i === 4 ? 4 : 1)));
    const validation = await server.anon.post('/v1/validate', {
      key: data.keys[0].key,
      product: 'studio',
      resource: { kind: 'machine', id: 'host-1' },
    });
    expect(validation.body).toMatchObject({ valid: true, code: 'VALID' });
    const event = await server.api.get('/v1/events?limit=5');
    expect(event.body.data.map((e: { type: string }) => e.type)).toContain('data.imported');

    const second = await server.api.post('/v1/imports', json(data));
    expect(second.body).toMatchObject({
      written: false,
      created: { customers: 0, keys: 0, licenses: 0, bindings: 0 },
      unchanged: { customers: 1, keys: 1, licenses: 1, bindings: 1 },
    });
    expect(await counts()).toEqual(after);
  });

  it('refuses a file it cannot read with INVALID_IMPORT_FILE, and a bad body with VALIDATION_FAILED', async () => {
    const before = await counts();
    const cases = [
      { format: 'json', content: '{ not json', dryRun: true },
      { format: 'json', content: '[1, 2]', dryRun: false },
      { format: 'json', content: '{"customers": 5}', dryRun: false },
      { format: 'csv', content: '', dryRun: false },
      { format: 'csv', content: 'name,colour\nx,red', dryRun: false },
    ];
    for (const body of cases) {
      const response = await server.api.post('/v1/imports', body);
      expect([body.content, response.status, response.body.error?.code]).toEqual([
        body.content,
        400,
        'INVALID_IMPORT_FILE',
      ]);
    }
    for (const body of [{}, { format: 'xml', content: '', dryRun: true }, { format: 'json', content: 1 }]) {
      const response = await server.api.post('/v1/imports', body);
      expect(response.status, response.text).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses a body over BODY_LIMIT with 413', async () => {
    const response = await server.api.post('/v1/imports', {
      format: 'csv',
      content: `externalId,name\n${'x,y\n'.repeat(300_000)}`,
      dryRun: true,
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('only an admin or the owner may import: not a manager, support, or a partner user', async () => {
    const before = await counts();
    const body = json(file('refused'));
    for (const role of ['manager', 'support'] as const) {
      const token = (await server.api.post('/v1/tokens', { name: role, role })).body.token;
      const response = await server.anon.withToken(token).post('/v1/imports', body);
      expect([role, response.status, response.body.error?.code]).toEqual([role, 403, 'FORBIDDEN']);
    }
    const partner = (await server.api.post('/v1/partners', { name: 'Importing partner' })).body;
    await server.api.post(`/v1/partners/${partner.id}/users`, {
      email: 'p@import.test',
      name: 'P',
      password: 'partner-pass-1',
    });
    const login = await server.anon.post('/v1/partner/auth/login', {
      email: 'p@import.test',
      password: 'partner-pass-1',
    });
    expect(login.status).toBe(200);
    const asPartner = server.anon.withHeaders({
      cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': login.body.csrfToken,
    });
    expect((await asPartner.post('/v1/imports', body)).status).toBe(401);
    expect(await counts()).toEqual(before);

    const admin = (await server.api.post('/v1/tokens', { name: 'admin', role: 'admin' })).body.token;
    const allowed = await server.anon.withToken(admin).post('/v1/imports', body);
    expect(allowed.status, allowed.text).toBe(200);
    expect(allowed.body.written).toBe(true);
  });
});
