import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeLicenseRequest } from '@licensor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../../server/src/test-support/databases.js';
import { ApiClient } from '../../server/src/test-support/http-client.js';
import { runCli, spawnServer } from '../../server/src/test-support/test-server.js';

describe('the licensor command', () => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.drop();
    store = undefined;
  });

  it('init creates a vendor, its owner, a signing key and a working API token, printed as JSON', async () => {
    store = createTestStore('sqlite');
    const result = await runCli(
      ['init', '--vendor', 'Miko', '--prefix', 'miko', '--email', 'Boss@Miko.test'],
      store.env,
    );
    expect(result.code, result.stderr).toBe(0);
    const created = JSON.parse(result.stdout);
    expect(created.vendor).toMatchObject({ name: 'Miko', prefix: 'MIKO' });
    expect(created.owner.email).toBe('boss@miko.test');
    expect(created.owner.password.length).toBeGreaterThanOrEqual(12);
    expect(created.signingKey.kid).toMatch(/^miko-/);

    const { url, child } = await spawnServer(store.env);
    try {
      const api = new ApiClient(url).withToken(created.token);
      expect((await api.get('/v1/products')).status).toBe(200);
      const login = await new ApiClient(url).post('/v1/auth/login', {
        email: created.owner.email,
        password: created.owner.password,
      });
      expect(login.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise((resolve) => child.on('exit', resolve));
      expect(code).toBe(0); // graceful shutdown
    }

    const again = await runCli(
      ['init', '--vendor', 'Other', '--prefix', 'MIKO', '--email', 'x@y.test'],
      store.env,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('prefix MIKO is taken');
  });

  it('every command answers --help with its own usage, and exits 0', async () => {
    const help = await runCli(['coupons', 'generate', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--count N');
    expect(help.stdout).not.toContain('seed --vendor');
    expect((await runCli(['seed', '--help'], {})).stdout).toContain('--licenses');
  });

  it('serve says "no vendor yet" only while there is none', async () => {
    store = createTestStore('sqlite');
    const banner = async () => {
      const { child, output } = await spawnServer(store!.env);
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
      return output.join('\n');
    };
    expect(await banner()).toContain('no vendor yet');
    await runCli(['init', '--vendor', 'B', '--prefix', 'BANR', '--email', 'b@b.test'], store.env);
    expect(await banner()).not.toContain('no vendor yet');
  });

  it('migrate brings an empty PostgreSQL schema up to date, and bad usage exits 2', async () => {
    store = createTestStore('postgres');
    const migrated = await runCli(['migrate'], store.env);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('up to date');
    expect((await runCli(['init', '--vendor', 'X'], store.env)).code).toBe(2);
    expect((await runCli(['frobnicate'], store.env)).code).toBe(2);
    const badPrefix = await runCli(
      ['init', '--vendor', 'X', '--prefix', 'TOOLONG', '--email', 'a@b.test'],
      store.env,
    );
    expect(badPrefix.code).toBe(1);
    expect(badPrefix.stderr).toContain('four Latin letters');
  });

  it('keys rotate adds an active key and retires the old one; keys list shows both', async () => {
    store = createTestStore('sqlite');
    const created = JSON.parse(
      (await runCli(['init', '--vendor', 'K', '--prefix', 'KEYS', '--email', 'k@k.test'], store.env)).stdout,
    );
    const rotated = await runCli(['keys', 'rotate', '--vendor', 'keys'], store.env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const fresh = JSON.parse(rotated.stdout);
    const listed = JSON.parse((await runCli(['keys', 'list', '--vendor', 'KEYS'], store.env)).stdout);
    expect(listed.map((k: { kid: string; state: string }) => [k.kid, k.state])).toEqual([
      [fresh.kid, 'active'],
      [created.signingKey.kid, 'retired'],
    ]);
    expect((await runCli(['keys', 'rotate', '--vendor', 'NONE'], store.env)).stderr).toContain(
      'no vendor with prefix NONE',
    );
  });

  it('request writes licensereq-<product>.txt with the product, installation, start and period', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-request-'));
    try {
      const args = ['request', '--product', 'aistudio', '--installation', 'inst-1', '--start', '2026-12-01'];
      const result = await runCli([...args, '--period', '3months', '--tenant', 'sales', '--out', out], {});
      expect(result.code, result.stderr).toBe(0);
      const file = path.join(out, 'licensereq-aistudio.txt');
      expect(result.stdout.trim()).toBe(file);
      const parsed = decodeLicenseRequest(fs.readFileSync(file, 'utf8'));
      expect(parsed).toMatchObject({
        ok: true,
        request: {
          product: 'aistudio',
          installationId: 'inst-1',
          startsAt: '2026-12-01T00:00:00.000Z',
          period: 'P3M',
          tenant: 'sales',
        },
      });
      expect((await runCli([...args, '--period', 'fortnight'], {})).code).toBe(2);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('coupons generate writes a large batch to CSV and reports progress', async () => {
    store = createTestStore('sqlite');
    const created = JSON.parse(
      (await runCli(['init', '--vendor', 'C', '--prefix', 'COUP', '--email', 'c@c.test'], store.env)).stdout,
    );
    const { url, child } = await spawnServer(store.env);
    try {
      const api = new ApiClient(url).withToken(created.token);
      const product = (await api.post('/v1/products', { code: 'app', name: 'App' })).body;
      await api.post('/v1/license-types', {
        productId: product.id,
        name: 'Year',
        scope: 'seat',
        mode: 'subscription',
        term: { unit: 'year', count: 1 },
        capabilities: [],
      });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
    const out = path.join(store.config.dataDir, 'batch.csv');
    const args = [
      'coupons',
      'generate',
      '--vendor',
      'COUP',
      '--type',
      'add_product',
      '--product',
      'app',
      '--term',
      '6m',
    ];
    const result = await runCli([...args, '--count', '2500', '--comment', 'fair', '--out', out], store.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('generated 2500/2500 (100%)');
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2501);
    expect(new Set(lines.slice(1).map((line) => line.split(',')[0])).size).toBe(2500);
    expect(lines[1]).toMatch(
      /^COUPUPD-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4},add_product,active,0,fair,/,
    );
    expect((await runCli([...args, '--term', '6 weeks'], store.env)).code).toBe(2);
  });
});

describe.each(['sqlite', 'postgres'] as const)('licensor seed on %s', (dialect) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.drop();
    store = undefined;
  });

  it('writes a dataset into the vendor, whose keys validate over HTTP, and refuses to seed it twice', async () => {
    store = createTestStore(dialect);
    const init = await runCli(
      ['init', '--vendor', 'Seed', '--prefix', 'SEED', '--email', 's@seed.test'],
      store.env,
    );
    expect(init.code, init.stderr).toBe(0);
    const seeded = await runCli(['seed', '--vendor', 'seed', '--licenses', '500'], store.env);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(JSON.parse(seeded.stdout).rows).toMatchObject({
      licenses: 500,
      license_keys: 100,
      customers: 10,
      events: 1000,
    });
    expect(seeded.stderr).toContain('licenses');

    const { url, child } = await spawnServer(store.env);
    try {
      const api = new ApiClient(url).withToken(JSON.parse(init.stdout).token);
      const customers = await api.get('/v1/customers?limit=200');
      expect(customers.body.data).toHaveLength(10);
      const keys = await api.get('/v1/keys?limit=200');
      expect(keys.body.data).toHaveLength(100);
      const answers = await Promise.all(
        keys.body.data.map((k: { key: string }) =>
          new ApiClient(url).post('/v1/validate', { key: k.key, product: 'seed-bot' }),
        ),
      );
      expect(answers.every((a) => a.status === 200 && a.body.code !== 'NOT_FOUND')).toBe(true);
      expect(answers.some((a) => a.body.code === 'VALID')).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    const again = await runCli(['seed', '--vendor', 'SEED', '--licenses', '500'], store.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds a seeded dataset');
    expect((await runCli(['seed', '--licenses', '500'], store.env)).code).toBe(2);
  });
});
