import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import { planOf, type StatementPlan } from '../../platform/db/query-plans.js';
import type { Api } from '../../platform/http/types.js';
import { createApp, createContext } from '../../server.js';
import { createTestStore, DIALECTS, type TestStore } from '../../test-support/databases.js';
import { ApiClient } from '../../test-support/http-client.js';
import { datasetOf, seedDataset } from '../dataset/seed-dataset.js';
import { createVendor } from '../vendors/vendors.service.js';

/**
 * Review of GET /v1/licenses (3594891) against DESIGN §6.11, the way query-plans.test.ts checks the hot paths:
 * over a seeded vendor of 100,000 licenses (2,000 customers), each sort, a deep page of each and a search.
 */
const LICENSES = 100_000;
const cursorOf = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

describe.each(DIALECTS)('query plans of GET /v1/licenses over 100,000 licenses on %s', (dialect) => {
  let store: TestStore;
  let ctx: AppContext;
  let app: Api;
  let api: ApiClient;
  const clock = new ManualClock(new Date('2026-06-01T10:00:00.000Z'));
  const recorded = new Map<string, { sql: string; parameters: readonly unknown[] }[]>();
  let current: { sql: string; parameters: readonly unknown[] }[] | undefined;
  const sample: Record<string, string> = {};

  beforeAll(async () => {
    store = createTestStore(dialect);
    ctx = await createContext(store.config, clock);
    const created = await createVendor(ctx, {
      name: 'Plans',
      prefix: 'PLAN',
      ownerEmail: `owner-${dialect}@plans.test`,
      ownerPassword: 'correct-horse-1',
    });
    await seedDataset(ctx, {
      vendorId: created.vendor.id,
      size: { ...datasetOf(LICENSES), events: 5_000 },
      now: clock.now(),
    });
    const db = ctx.handle.db;
    const vendorId = created.vendor.id;
    const mid = await db
      .selectFrom('licenses')
      .select(['id', 'expires_at'])
      .where('vendor_id', '=', vendorId)
      .where('expires_at', 'is not', null)
      .orderBy('expires_at')
      .orderBy('id')
      .offset(50_000)
      .limit(1)
      .executeTakeFirstOrThrow();
    sample.expiryCursor = cursorOf(['expiry', mid.expires_at, mid.id]);
    const customer = await db
      .selectFrom('customers')
      .innerJoin('license_keys', 'license_keys.customer_id', 'customers.id')
      .innerJoin('licenses', 'licenses.key_id', 'license_keys.id')
      .select(['customers.id', 'customers.name', 'licenses.id as licenseId'])
      .where('customers.vendor_id', '=', vendorId)
      .orderBy('customers.name')
      .orderBy('customers.id')
      .orderBy('licenses.id')
      .offset(50_000)
      .limit(1)
      .executeTakeFirstOrThrow();
    sample.customerCursor = cursorOf(['customer', customer.name, customer.id, customer.licenseId]);
    sample.word = customer.name.split(' ')[0].toLowerCase();
    // One customer's key: a search that matches one customer of 2,000.
    const oneKey = await db
      .selectFrom('license_keys')
      .select('key')
      .where('vendor_id', '=', vendorId)
      .orderBy('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    sample.rare = encodeURIComponent(oneKey.key.slice(0, 16));
    app = await createApp(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    api = new ApiClient(
      `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    ).withToken(created.token);
    ctx.handle.observer = (text, parameters) => current?.push({ sql: text, parameters });
  }, 600_000);
  afterAll(async () => {
    await app?.close();
    await ctx?.handle.close();
    await store?.drop();
  });

  async function record(name: string, path: string) {
    current = [];
    const response = await api.get(path);
    expect(response.status, `${name}: ${response.text}`).toBe(200);
    expect(response.body.data.length, name).toBeGreaterThan(0);
    recorded.set(name, current);
    current = undefined;
  }

  it('no statement of the license list reads a growing table whole', async () => {
    await record('newest', '/v1/licenses');
    await record('by expiry', '/v1/licenses?sort=expiry');
    await record('by expiry, deep page', `/v1/licenses?sort=expiry&cursor=${sample.expiryCursor}`);
    await record('by customer', '/v1/licenses?sort=customer');
    await record('by customer, deep page', `/v1/licenses?sort=customer&cursor=${sample.customerCursor}`);
    await record('search, newest', `/v1/licenses?q=${sample.word}`);
    await record('search, by expiry', `/v1/licenses?sort=expiry&q=${sample.word}`);
    await record('search, by customer', `/v1/licenses?sort=customer&q=${sample.word}`);
    await record('search one customer by key, newest', `/v1/licenses?q=${sample.rare}`);
    await record('search one customer by key, by expiry', `/v1/licenses?sort=expiry&q=${sample.rare}`);
    const failures: string[] = [];
    const planned = new Map<string, StatementPlan | undefined>();
    for (const [path, statements] of recorded) {
      failures.push(`${path}: ${statements.length} statements`);
      for (const statement of statements) {
        if (!planned.has(statement.sql))
          planned.set(statement.sql, await planOf(ctx.handle, statement.sql, statement.parameters));
        const plan = planned.get(statement.sql);
        if (plan?.problems.length)
          failures.push(
            `${path}: ${plan.problems.join('; ')}\n  ${plan.sql.replace(/\s+/g, ' ')}\n${plan.plan}`,
          );
      }
    }
    expect(
      failures.filter((f) => !f.endsWith(' statements')),
      failures.join('\n\n'),
    ).toEqual([]);
  }, 600_000);
});
