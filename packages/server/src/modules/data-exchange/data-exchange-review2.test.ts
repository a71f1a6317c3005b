import { randomBytes } from 'node:crypto';
import { generateLicenseKey } from '@licensor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { createLicenseType, createProduct } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

/**
 * Second review of the import (issue 14): each of these wrote something wrong, or answered 500, before.
 * A file of one customer, one key, one license of `type` and the given bindings.
 */
function file(tag: string, type: string, license: object = {}, bindings: object[] = []) {
  return {
    customers: [{ externalId: `${tag}-c`, name: `Review ${tag}` }],
    keys: [{ externalId: `${tag}-k`, customer: `${tag}-c`, key: generateLicenseKey('ACME', randomBytes) }],
    licenses: [
      {
        externalId: `${tag}-l`,
        key: `${tag}-k`,
        product: 'studio',
        licenseType: type,
        startsAt: '2025-01-01',
        ...license,
      },
    ],
    bindings: bindings.map((binding, i) => ({ externalId: `${tag}-b${i}`, license: `${tag}-l`, ...binding })),
  };
}
const machine = (id: string) => ({ resourceKind: 'machine', resourceId: id });

describe.each(DIALECTS)('the import refuses what it would store wrongly, on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    const product = await createProduct(server.api, 'studio');
    await createLicenseType(server.api, product.id, {
      name: 'one seat',
      scope: 'seat',
      maxSeats: 1,
      resourceKind: 'machine',
    });
    await createLicenseType(server.api, product.id, {
      name: 'ten thousand years',
      scope: 'seat',
      maxSeats: 1,
      resourceKind: 'machine',
      term: { unit: 'year', count: 10_000 },
    });
  });
  afterAll(() => server.close());

  const check = async (data: unknown) => {
    const response = await server.api.post('/v1/imports', {
      format: 'json',
      content: JSON.stringify(data),
      dryRun: true,
    });
    expect(response.status, response.text).toBe(200);
    return response.body as {
      problems: { kind: string; field: string; reason: string }[];
      rejected: Record<string, number>;
    };
  };

  it('a suspendedAt that is not a date is a bad row, not a 500', async () => {
    const report = await check(file('susp', 'one seat', { suspendedAt: 'yesterday' }));
    expect(report.problems).toEqual([
      expect.objectContaining({ field: 'suspendedAt', reason: 'is not an ISO-8601 date' }),
    ]);
  });

  it('a day that does not exist (30 February) is a bad row, not the 2nd of March', async () => {
    const report = await check(file('feb', 'one seat', { startsAt: '2025-02-30' }));
    expect(report.problems.map((p) => p.field)).toEqual(['startsAt']);
  });

  it("a start whose type's term ends after the year 9999 is a bad row", async () => {
    const report = await check(file('far', 'ten thousand years', { startsAt: '2025-01-01' }));
    expect(report.problems).toEqual([expect.objectContaining({ field: 'startsAt' })]);
  });

  it('no more bindings than seats, and only kinds the API knows', async () => {
    const report = await check(
      file('seats', 'one seat', {}, [
        machine('m1'),
        machine('m2'),
        { resourceKind: 'banana', resourceId: 'b' },
      ]),
    );
    expect(report.rejected.bindings).toBe(2);
    expect(report.problems.map((p) => p.reason)).toEqual([
      'the license has 1 seat(s), all bound',
      expect.stringContaining('must be one of machine'),
    ]);
  });

  it('an installation a license file was issued for imports as that license’s seat (what export writes)', async () => {
    const report = await check(
      file('offline', 'one seat', {}, [{ resourceKind: 'installation', resourceId: 'inst-1' }]),
    );
    expect(report.problems).toEqual([]);
  });

  it('a comment nested 20,000 deep is a bad row; such a body anywhere else is a 400', async () => {
    // Written by hand: JSON.stringify itself runs out of stack at this depth.
    const deep = `${'['.repeat(20_000)}"x"${']'.repeat(20_000)}`;
    const content = JSON.stringify(file('deep', 'one seat')).replace(
      '"name":"Review deep"',
      `"name":"Review deep","comment":${deep}`,
    );
    const imported = await server.api.post('/v1/imports', { format: 'json', content, dryRun: true });
    expect(imported.status, imported.text.slice(0, 300)).toBe(200);
    // The customer is bad, and so are the key and the license that refer to it.
    expect(imported.body.problems[0]).toMatchObject({
      kind: 'customers',
      field: 'comment',
      reason: 'is nested too deep',
    });
    const validate = await fetch(`${server.url}/v1/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"key":"ACME-X","product":"studio","nonce":${deep}}`,
    });
    const answer = (await validate.json()) as { error?: { code: string } };
    expect([validate.status, answer.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('a CSV row with more cells than columns is refused, naming its line', async () => {
    const response = await server.api.post('/v1/imports', {
      format: 'csv',
      content: 'externalId,name\ncsv-1,Alpha, Inc.\n',
      dryRun: true,
    });
    expect([response.status, response.body.error?.code]).toEqual([400, 'INVALID_IMPORT_FILE']);
    expect(response.body.error.message).toContain('line(s) 2');
  });

  it('a license issued with a start whose term ends after the year 9999 is refused, not stored as +10000', async () => {
    const customer = (await server.api.post('/v1/customers', { name: 'Far future' })).body;
    const key = (await server.api.post('/v1/keys', { customerId: customer.id })).body;
    const types = (await server.api.get('/v1/license-types')).body.data as { id: string; name: string }[];
    const far = types.find((t) => t.name === 'ten thousand years')!;
    const issued = await server.api.post(`/v1/keys/${key.id}/licenses`, { licenseTypeId: far.id });
    expect([issued.status, issued.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await server.api.get(`/v1/keys/${key.id}`)).body.licenses).toEqual([]);
  });

  it('imports and activations racing for the last seat of an imported license: exactly one binding', async () => {
    const key = generateLicenseKey('ACME', randomBytes);
    const base = {
      customers: [{ externalId: 'race-c', name: 'Race seat' }],
      keys: [{ externalId: 'race-k', customer: 'race-c', key }],
      licenses: [
        {
          externalId: 'race-l',
          key: 'race-k',
          product: 'studio',
          licenseType: 'one seat',
          startsAt: '2025-01-01',
        },
      ],
    };
    const first = await server.api.post('/v1/imports', {
      format: 'json',
      content: JSON.stringify(base),
      dryRun: false,
    });
    expect(first.body.written, first.text).toBe(true);
    const imports = Array.from({ length: 8 }, (_, i) =>
      server.api.post('/v1/imports', {
        format: 'json',
        content: JSON.stringify({
          ...base,
          bindings: [
            { externalId: `race-b${i}`, license: 'race-l', resourceKind: 'machine', resourceId: `imp-${i}` },
          ],
        }),
        dryRun: false,
      }),
    );
    const activations = Array.from({ length: 8 }, (_, i) =>
      server.anon.post('/v1/activate', {
        key,
        product: 'studio',
        resource: { kind: 'machine', id: `app-${i}` },
      }),
    );
    const answers = await Promise.all([...imports, ...activations]);
    for (const answer of answers) expect(answer.status, answer.text).toBeLessThan(500);
    const license = (await server.api.get(`/v1/licenses?q=${encodeURIComponent(key)}`)).body.data[0];
    const card = (await server.api.get(`/v1/keys/${license.keyId}`)).body;
    expect(card.bindings).toHaveLength(1);
  });
});
