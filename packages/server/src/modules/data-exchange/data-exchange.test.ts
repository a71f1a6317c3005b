import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateLicenseKey } from '@licensor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { createLicenseType, createProduct } from '../../test-support/fixtures.js';
import { runCli, startTestServer, type TestServer } from '../../test-support/test-server.js';
import type { ExchangeFile } from './exchange.schema.js';

const PRODUCT = 'studio';
const TYPE = 'seat type';

/** A file of `customers` customers, a key each, `perKey` licenses per key and one binding per license. */
function sample(tag: string, customers: number, perKey = 1): ExchangeFile {
  const file: ExchangeFile = { customers: [], keys: [], licenses: [], bindings: [] };
  for (let c = 0; c < customers; c++) {
    file.customers.push({
      externalId: `${tag}-c${c}`,
      name: `Importer ${tag} ${c}`,
      email: `c${c}@${tag}.test`,
    });
    file.keys.push({
      externalId: `${tag}-k${c}`,
      customer: `${tag}-c${c}`,
      key: generateLicenseKey('ACME', randomBytes),
    });
    for (let l = 0; l < perKey; l++) {
      const id = `${tag}-l${c}-${l}`;
      file.licenses.push({
        externalId: id,
        key: `${tag}-k${c}`,
        product: PRODUCT,
        licenseType: TYPE,
        startsAt: '2025-01-01T00:00:00.000Z',
        expiresAt: '2030-01-01T00:00:00.000Z',
      });
      file.bindings.push({
        externalId: `${tag}-b${c}-${l}`,
        license: id,
        resourceKind: 'machine',
        resourceId: `m-${c}-${l}`,
      });
    }
  }
  return file;
}

describe.each(DIALECTS)('import and export on %s', (dialect) => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-exchange-'));
    const product = await createProduct(server.api, PRODUCT);
    await createLicenseType(server.api, product.id, { scope: 'seat', maxSeats: 5, resourceKind: 'machine' });
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  let files = 0;
  const write = (content: unknown, ext = 'json') => {
    const file = path.join(dir, `file-${++files}.${ext}`);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const importFile = async (target: TestServer, file: string, ...flags: string[]) => {
    const result = await runCli(['import', '--vendor', 'acme', file, ...flags], target.store.env);
    return { ...result, report: JSON.parse(result.stdout || '{}') };
  };
  /** Rows of the vendor in each table the import writes. */
  async function counts(target: TestServer) {
    const db = target.ctx.handle.db;
    const vendorId = target.vendor.vendor.id;
    const count = async (table: 'customers' | 'license_keys' | 'licenses' | 'bindings' | 'external_ids') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('vendor_id', '=', vendorId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      customers: await count('customers'),
      keys: await count('license_keys'),
      licenses: await count('licenses'),
      bindings: await count('bindings'),
      externalIds: await count('external_ids'),
    };
  }

  it('imports a file, keeps the key strings, and a second import changes nothing', async () => {
    const before = await counts(server);
    const data = sample('twice', 3, 2);
    const file = write(data);
    const first = await importFile(server, file);
    expect(first.code, first.stderr).toBe(0);
    expect(first.report).toMatchObject({
      written: true,
      created: { customers: 3, keys: 3, licenses: 6, bindings: 6 },
      problems: [],
    });
    expect(first.stderr).toMatch(/licenses 6\/6/);
    const after = await counts(server);
    expect(after).toEqual({
      customers: before.customers + 3,
      keys: before.keys + 3,
      licenses: before.licenses + 6,
      bindings: before.bindings + 6,
      externalIds: before.externalIds + 18,
    });

    // The key keeps its string, is found by search, and validates on a server over the same store.
    const key = data.keys[0].key;
    const found = await server.api.get(`/v1/customers?q=${encodeURIComponent(key)}`);
    expect(found.body.data.map((c: { name: string }) => c.name)).toEqual(['Importer twice 0']);
    const byName = await server.api.get('/v1/customers?q=importer%20twice');
    expect(byName.body.data).toHaveLength(3);
    const validation = await server.anon.post('/v1/validate', {
      key,
      product: PRODUCT,
      resource: { kind: 'machine', id: 'm-0-0' },
    });
    expect(validation.status).toBe(200);
    expect(validation.body).toMatchObject({ valid: true, code: 'VALID' });

    const second = await importFile(server, file);
    expect(second.code, second.stderr).toBe(0);
    expect(second.report).toMatchObject({
      created: { customers: 0, keys: 0, licenses: 0, bindings: 0 },
      unchanged: { customers: 3, keys: 3, licenses: 6, bindings: 6 },
    });
    expect(await counts(server)).toEqual(after);
    const summaries = await server.ctx.handle.db
      .selectFrom('events')
      .select('after')
      .where('vendor_id', '=', server.vendor.vendor.id)
      .where('type', '=', 'data.imported')
      .execute();
    // The second import wrote nothing, so it records nothing either.
    expect(second.report.written).toBe(false);
    expect(summaries).toHaveLength(1);
  });

  it('two imports sharing a key string run at once from two processes: the refused one writes nothing', async () => {
    const key = generateLicenseKey('ACME', randomBytes);
    // Several batches of customers before the key, so the clash comes after the first batches were inserted.
    const racing = (tag: string) =>
      write({
        customers: Array.from({ length: 3000 }, (_, i) => ({
          externalId: `${tag}-c${i}`,
          name: `${tag} ${i}`,
        })),
        keys: [{ externalId: `${tag}-k`, customer: `${tag}-c0`, key }],
      });
    const files = [racing('clash-a'), racing('clash-b')];
    const before = await counts(server);
    const results = await Promise.all(files.map((file) => importFile(server, file)));
    const after = await counts(server);
    expect(after.keys - before.keys).toBe(1);
    // Whichever import lost, none of its customers stayed behind.
    expect(after.customers - before.customers, results.map((r) => r.stderr).join('\n')).toBe(3000);
    expect(results.filter((r) => r.report.written === true)).toHaveLength(1);
    const refused = results.filter((r) => r.code !== 0);
    expect(refused).toHaveLength(1);
    // Refused after its check (a bad row) or during its write (the other took the key first): said either way.
    expect(refused[0].stderr).toMatch(/bad row|another import wrote/);
  });

  /** Good rows, plus a bad row of each kind and rows referring to bad ones. */
  function withBadRows(): ExchangeFile {
    const data = sample('bad', 2);
    data.customers.push({ externalId: 'bad-nameless', name: '' });
    data.keys.push({
      externalId: 'bad-k-orphan',
      customer: 'bad-nameless',
      key: generateLicenseKey('ACME', randomBytes),
    });
    data.keys.push({
      externalId: 'bad-k-other',
      customer: 'bad-c0',
      key: generateLicenseKey('OTHR', randomBytes),
    });
    data.keys.push({
      externalId: 'bad-k-typo',
      customer: 'bad-c0',
      key: 'ACME-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA',
    });
    data.licenses.push({
      externalId: 'bad-l-type',
      key: 'bad-k0',
      product: PRODUCT,
      licenseType: 'no such type',
      startsAt: '2025-01-01',
    });
    data.licenses.push({
      externalId: 'bad-l-date',
      key: 'bad-k1',
      product: PRODUCT,
      licenseType: TYPE,
      startsAt: 'soon',
    });
    data.bindings.push({
      externalId: 'bad-b-kind',
      license: 'bad-l0-0',
      resourceKind: 'tenant',
      resourceId: 't',
    });
    data.bindings.push({
      externalId: 'bad-b-orphan',
      license: 'bad-l-type',
      resourceKind: 'machine',
      resourceId: 'x',
    });
    return data;
  }
  const expectedProblems = [
    { kind: 'customers', index: 2, field: 'name', reason: 'is required' },
    { kind: 'keys', index: 2, field: 'customer' },
    { kind: 'keys', index: 3, field: 'key', reason: expect.stringContaining('prefix OTHR') },
    { kind: 'keys', index: 4, field: 'key', reason: expect.stringContaining('check symbol') },
    { kind: 'licenses', index: 2, field: 'licenseType' },
    { kind: 'licenses', index: 3, field: 'startsAt' },
    { kind: 'bindings', index: 2, field: 'resourceKind' },
    { kind: 'bindings', index: 3, field: 'license', reason: expect.stringContaining('bad row') },
  ];

  it('reports every bad row (kind, index, field, reason) and writes nothing', async () => {
    const before = await counts(server);
    const result = await importFile(server, write(withBadRows()));
    expect(result.code).toBe(1);
    expect(result.report.written).toBe(false);
    expect(result.report.problems).toEqual(expectedProblems.map((p) => expect.objectContaining(p)));
    expect(await counts(server)).toEqual(before);
  });

  it('--partial writes the good rows and leaves the bad ones out', async () => {
    const before = await counts(server);
    const result = await importFile(server, write(withBadRows()), '--partial');
    expect(result.code, result.stderr).toBe(0);
    expect(result.report).toMatchObject({
      written: true,
      created: { customers: 2, keys: 2, licenses: 2, bindings: 2 },
      rejected: { customers: 1, keys: 3, licenses: 2, bindings: 2 },
    });
    expect(result.report.problems).toHaveLength(expectedProblems.length);
    const after = await counts(server);
    expect(after.customers - before.customers).toBe(2);
    expect(after.licenses - before.licenses).toBe(2);
    expect(after.bindings - before.bindings).toBe(2);
  });

  it('--dry-run checks and counts but writes nothing', async () => {
    const before = await counts(server);
    const result = await importFile(server, write(sample('dry', 2)), '--dry-run');
    expect(result.code, result.stderr).toBe(0);
    expect(result.report).toMatchObject({
      dryRun: true,
      written: false,
      created: { customers: 2, keys: 2, licenses: 2, bindings: 2 },
    });
    expect(await counts(server)).toEqual(before);
  });

  it('imports customers from CSV and names a bad row by its line', async () => {
    const csv = [
      'externalId,name,email,contactName',
      'csv-1,"Smith, Jones & Co",smith@csv.test,Ann',
      'csv-2,,nobody@csv.test,',
      'csv-3,"Line ""Three""",,',
    ].join('\n');
    const file = write(csv, 'csv');
    const bad = await importFile(server, file);
    expect(bad.code).toBe(1);
    expect(bad.report.problems).toEqual([
      {
        kind: 'customers',
        index: 1,
        line: 3,
        field: 'name',
        code: 'REQUIRED',
        params: {},
        reason: 'is required',
      },
    ]);
    const good = await importFile(server, file, '--partial');
    expect(good.report.created.customers).toBe(2);
    const found = await server.api.get('/v1/customers?q=smith');
    expect(found.body.data.map((c: { name: string }) => c.name)).toContain('Smith, Jones & Co');
  });

  it('export, then import into a fresh vendor, round-trips', async () => {
    // A revoked license stays revoked on the other side.
    const db = server.ctx.handle.db;
    const first = await db
      .selectFrom('licenses')
      .select('id')
      .where('vendor_id', '=', server.vendor.vendor.id)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await db
      .updateTable('licenses')
      .set({ revoked_at: '2025-06-01T00:00:00.000Z' })
      .where('id', '=', first.id)
      .execute();
    const out = path.join(dir, 'export.json');
    const exported = await runCli(['export', '--vendor', 'ACME', '--out', out], server.store.env);
    expect(exported.code, exported.stderr).toBe(0);
    const data = JSON.parse(fs.readFileSync(out, 'utf8')) as ExchangeFile;
    const source = await counts(server);
    expect(data.licenses).toHaveLength(source.licenses);
    expect(data.licenses.filter((l) => l.revokedAt)).toHaveLength(1);

    // A fresh installation with a vendor of the same prefix (keys carry it) and the same catalog.
    const fresh = await startTestServer(dialect);
    try {
      const product = await createProduct(fresh.api, PRODUCT);
      await createLicenseType(fresh.api, product.id, { scope: 'seat', maxSeats: 5, resourceKind: 'machine' });
      const imported = await importFile(fresh, out);
      expect(imported.code, imported.stderr).toBe(0);
      const target = await counts(fresh);
      expect({ ...target, externalIds: 0 }).toEqual({ ...source, externalIds: 0 });
      const keysOf = async (target: TestServer) =>
        (
          await target.ctx.handle.db
            .selectFrom('license_keys')
            .select('key')
            .where('vendor_id', '=', target.vendor.vendor.id)
            .orderBy('key')
            .execute()
        ).map((k) => k.key);
      expect(await keysOf(fresh)).toEqual(await keysOf(server));

      const again = await runCli(['export', '--vendor', 'ACME'], fresh.store.env);
      expect(again.code, again.stderr).toBe(0);
      const sorted = (file: ExchangeFile) =>
        Object.fromEntries(
          Object.entries(file).map(([kind, rows]) => [
            kind,
            [...(rows as { externalId: string }[])].sort((a, b) => a.externalId.localeCompare(b.externalId)),
          ]),
        );
      expect(sorted(JSON.parse(again.stdout))).toEqual(sorted(data));
    } finally {
      await fresh.close();
    }
  });

  it('imports 10,000 licenses', { timeout: 300_000 }, async () => {
    const before = await counts(server);
    const result = await importFile(server, write(sample('bulk', 2_000, 5)));
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.created).toEqual({ customers: 2000, keys: 2000, licenses: 10000, bindings: 10000 });
    const after = await counts(server);
    expect(after.licenses - before.licenses).toBe(10_000);
  });
});
