import { randomBytes } from 'node:crypto';
import { generateLicenseKey } from '@licensor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { createLicenseType, createProduct } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

/**
 * Review of POST /v1/imports (76dbdda): a refused import writes nothing and answers 4xx with a code, on both
 * databases alike (DESIGN §6.7); what it writes is what the API itself would accept.
 */
function file(tag: string, over: { customer?: object; license?: object; binding?: object } = {}) {
  return {
    customers: [{ externalId: `${tag}-c`, name: `Review ${tag}`, ...over.customer }],
    keys: [{ externalId: `${tag}-k`, customer: `${tag}-c`, key: generateLicenseKey('ACME', randomBytes) }],
    licenses: [
      {
        externalId: `${tag}-l`,
        key: `${tag}-k`,
        product: 'studio',
        licenseType: 'seat type',
        startsAt: '2025-01-01',
        ...over.license,
      },
    ],
    bindings: [
      {
        externalId: `${tag}-b`,
        license: `${tag}-l`,
        resourceKind: 'machine',
        resourceId: 'host-1',
        ...over.binding,
      },
    ],
  };
}

describe.each(DIALECTS)('POST /v1/imports input on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    const product = await createProduct(server.api, 'studio');
    await createLicenseType(server.api, product.id, { scope: 'seat', maxSeats: 5, resourceKind: 'machine' });
  });
  afterAll(() => server.close());

  async function counts() {
    const db = server.ctx.handle.db;
    const out: number[] = [];
    for (const table of ['customers', 'license_keys', 'licenses', 'bindings', 'external_ids'] as const)
      out.push(
        Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .where('vendor_id', '=', server.vendor.vendor.id)
              .executeTakeFirstOrThrow()
          ).n,
        ),
      );
    return out;
  }
  const post = (data: unknown) =>
    server.api.post('/v1/imports', { format: 'json', content: JSON.stringify(data), dryRun: false });

  it.each([
    ['a customer name', { customer: { name: 'Nul\u0000Ltd' } }],
    ['a binding resourceId (written last)', { binding: { resourceId: 'host\u0000' } }],
  ])('U+0000 escaped inside the JSON (%s) is refused with a code and nothing is written', async (_, over) => {
    const before = await counts();
    const response = await post(file(`nul${Math.random().toString(36).slice(2, 8)}`, over));
    // customers, keys, licenses, bindings, external ids
    expect(await counts(), `${response.status} ${response.text}`).toEqual(before);
    expect(response.status, response.text).toBeLessThan(500);
    expect(response.body.written ?? false, response.text).toBe(false);
  });

  it('a license starting in year 9999 (its term ending in year 10000) is a bad row, as the API refuses it', async () => {
    const before = await counts();
    const response = await post(file('y9999', { license: { startsAt: '9999-06-01' } }));
    expect(response.status, response.text).toBe(200);
    expect(response.body.written, JSON.stringify(response.body)).toBe(false);
    expect(await counts()).toEqual(before);
  });

  it('a customer name of spaces is a bad row (the customers API requires a name)', async () => {
    const response = await server.api.post('/v1/imports', {
      format: 'json',
      content: JSON.stringify({ customers: [{ externalId: 'blank-1', name: '   ' }] }),
      dryRun: true,
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.rejected.customers, JSON.stringify(response.body)).toBe(1);
  });

  it('two files sharing a key string imported at once: the refused one writes nothing', async () => {
    const key = generateLicenseKey('ACME', randomBytes);
    // Many customers first so the two imports overlap; both files hold the same key under different ids.
    const many = (tag: string) => ({
      customers: Array.from({ length: 1500 }, (_, i) => ({
        externalId: `${tag}-c${i}`,
        name: `${tag} ${i}`,
      })),
      keys: [{ externalId: `${tag}-k`, customer: `${tag}-c0`, key }],
    });
    const before = await counts();
    const [a, b] = await Promise.all([post(many('race-a')), post(many('race-b'))]);
    const statuses = [a.status, b.status].sort();
    expect(statuses, `${a.text.slice(0, 200)} / ${b.text.slice(0, 200)}`).not.toContain(500);
    const after = await counts();
    const keysWritten = after[1] - before[1];
    expect(keysWritten).toBe(1);
    // Only the file whose key went in may have written its customers.
    expect(after[0] - before[0], `statuses ${statuses}`).toBe(1500);
  });
});
