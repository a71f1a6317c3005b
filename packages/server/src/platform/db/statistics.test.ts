import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../modules/index.js';
import { createVendor } from '../../modules/vendors/vendors.service.js';
import { createContext } from '../../server.js';
import { createTestStore, type TestStore } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import type { AppContext } from '../context.js';
import type { Job } from '../jobs/runner.js';
import { analyze, type DatabaseHandle, openDatabase } from './database.js';
import { executeArguments, planOf } from './query-plans.js';

/** The scheduled job, run as the runner runs it. */
const refreshStatistics = (ctx: AppContext) =>
  jobHandlers['statistics.refresh']!(ctx, { kind: 'statistics.refresh' } as Job);

function count(handle: DatabaseHandle, table: 'sqlite_stat1' | 'sqlite_stat4'): number {
  return (handle.sqlite!.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
}

describe('the planner statistics of SQLite', () => {
  let store: TestStore;
  afterAll(() => store?.drop());

  it('keep the averages and drop the samples, which would make SQLite re-plan a statement at every bind', async () => {
    store = createTestStore('sqlite');
    const ctx = await createContext(store.config);
    await createVendor(ctx, {
      name: 'Stats',
      prefix: 'STAT',
      ownerEmail: 'owner@stats.test',
      ownerPassword: 'correct-horse-1',
    });
    const fullAnalyze = (handle: DatabaseHandle) => {
      handle.sqlite!.pragma('analysis_limit = 0'); // as a sqlite3 shell would: averages and samples
      handle.sqlite!.exec('analyze');
    };
    fullAnalyze(ctx.handle);
    expect(count(ctx.handle, 'sqlite_stat4')).toBeGreaterThan(0);

    await analyze(ctx.handle);
    expect(count(ctx.handle, 'sqlite_stat1')).toBeGreaterThan(0);
    expect(count(ctx.handle, 'sqlite_stat4')).toBe(0);

    fullAnalyze(ctx.handle);
    await ctx.handle.close();
    const reopened = openDatabase(store.config);
    try {
      expect(count(reopened, 'sqlite_stat1')).toBeGreaterThan(0);
      expect(count(reopened, 'sqlite_stat4')).toBe(0);
    } finally {
      await reopened.close();
    }
  });
});

describe('the statistics job on SQLite', () => {
  const stores: TestStore[] = [];
  const contexts: AppContext[] = [];
  afterAll(async () => {
    for (const ctx of contexts) await ctx.handle.close();
    for (const store of stores) store.drop();
  });

  /** A store with a vendor, and the customers its statistics count (undefined before any were gathered). */
  async function storeWithCustomers(count: number) {
    const store = createTestStore('sqlite');
    stores.push(store);
    const ctx = await createContext(store.config);
    contexts.push(ctx);
    const { vendor } = await createVendor(ctx, {
      name: 'Grows',
      prefix: 'GROW',
      ownerEmail: 'owner@grows.test',
      ownerPassword: 'correct-horse-1',
    });
    const sqlite = ctx.handle.sqlite!;
    let added = 0;
    const addCustomers = (more: number) => {
      const at = new Date().toISOString();
      sqlite
        .prepare(
          `with recursive n(value) as (select 1 union all select value + 1 from n where value < ?)
           insert into customers (id, vendor_id, name, language, created_at, updated_at)
           select 'grown-' || (? + value), ?, 'Customer ' || value, 'en', ?, ? from n`,
        )
        .run(more, added, vendor.id, at, at);
      added += more;
    };
    const customersCounted = () => {
      if (!sqlite.prepare(`select 1 from sqlite_schema where name = 'sqlite_stat1'`).get()) return undefined;
      const row = sqlite.prepare(`select stat from sqlite_stat1 where idx = 'customers_vendor_id'`).get() as
        | { stat: string }
        | undefined;
      return row?.stat.split(' ')[0];
    };
    addCustomers(count);
    await refreshStatistics(ctx);
    expect(customersCounted()).toBe(String(count));
    return { store, ctx, sqlite, addCustomers, customersCounted };
  }

  it('gathers the statistics of a table that grew tenfold since its last ones, and of nothing else', async () => {
    const { ctx, sqlite, addCustomers, customersCounted } = await storeWithCustomers(100);
    addCustomers(2_900);
    await refreshStatistics(ctx);
    expect(customersCounted()).toBe('3000');

    // Nothing grew: no transaction, and no schema change that would make every connection plan again.
    const version = sqlite.pragma('schema_version', { simple: true });
    await refreshStatistics(ctx);
    expect(sqlite.pragma('schema_version', { simple: true })).toBe(version);
  });

  it("waits for a request's transaction instead of joining it, so the request's rollback keeps them", async () => {
    const { ctx, addCustomers, customersCounted } = await storeWithCustomers(100);
    addCustomers(2_900);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const request = ctx.handle.db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('customers').set({ comment: 'mid-way' }).where('id', '=', 'grown-1').execute();
        await released;
        throw new Error('the request fails');
      })
      .catch(() => 'rolled back');
    let refreshed = false;
    const refreshing = refreshStatistics(ctx).then(() => {
      refreshed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(refreshed).toBe(false);
    release();
    expect(await request).toBe('rolled back');
    await refreshing;
    expect(customersCounted()).toBe('3000');
  });

  it('leaves the statistics for the next pass while another process holds the write lock', async () => {
    const { store, ctx, addCustomers, customersCounted } = await storeWithCustomers(100);
    addCustomers(2_900);
    const other = new SqliteDatabase(path.join(store.config.dataDir, 'licensor.sqlite'));
    try {
      other.exec('begin immediate');
      await refreshStatistics(ctx);
      expect(customersCounted()).toBe('100');
      other.exec('commit');
    } finally {
      other.close();
    }
    await refreshStatistics(ctx);
    expect(customersCounted()).toBe('3000');
  });
});

describe('the validation reader on SQLite', () => {
  let server: TestServer;
  afterAll(() => server?.close());

  it('plans its read again with the statistics gathered after the customers grew', async () => {
    server = await startTestServer('sqlite');
    const { ctx, anon, api } = server;
    const licensed = await setupLicensed(api, { scope: 'seat', maxSeats: 5 });
    await refreshStatistics(ctx); // statistics over one customer, as a server started on a new store has them
    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    ctx.handle.observer = (text, parameters) => statements.push({ sql: text, parameters });
    const validate = () =>
      anon.post('/v1/validate', {
        key: licensed.key,
        product: licensed.productCode,
        fingerprint: 'machine-1',
      });
    expect((await validate()).status).toBe(200);
    ctx.handle.observer = undefined;
    const read = statements.find((statement) => statement.sql.includes('join customers c'))!;
    const readersPlan = () =>
      (
        ctx.handle
          .committedReader!.prepare(`explain query plan ${read.sql}`)
          .all(...(read.parameters as unknown[])) as { detail: string }[]
      )
        .map((row) => row.detail)
        .join('\n');
    // Over one customer, reading them all is the cheapest way to the key's.
    expect(readersPlan()).toMatch(/^SCAN c\b/m);

    const at = new Date().toISOString();
    ctx.handle
      .sqlite!.prepare(
        `with recursive n(value) as (select 1 union all select value + 1 from n where value < 5000)
       insert into customers (id, vendor_id, name, language, created_at, updated_at)
       select 'grown-' || value, ?, 'Customer ' || value, 'en', ?, ? from n`,
      )
      .run(server.vendor.vendor.id, at, at);
    await refreshStatistics(ctx);
    // The reader notices at its next read (an EXPLAIN reads nothing).
    expect((await validate()).status).toBe(200);
    expect(readersPlan()).toMatch(/^SEARCH c USING INDEX \S+ \(id=\?\)$/m);
  });
});

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows of sessions a plan read: returned or filtered out, over all loops. */
const sessionsTouched = (node: PlanNode): number =>
  (node['Relation Name'] === 'sessions'
    ? ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1)
    : 0) + (node.Plans ?? []).reduce((sum, child) => sum + sessionsTouched(child), 0);

/** Open sessions of one license: more than the plan test's row budget, so a walk over them shows. */
const CROWD = 3_000;

describe('the statistics job on PostgreSQL', () => {
  let server: TestServer;
  afterAll(() => server?.close());

  it("keeps a new store's validation reads off the walk of a crowded license once its sessions grow", async () => {
    server = await startTestServer('postgres');
    const { ctx, anon, api } = server;
    const licensed = await setupLicensed(api, { scope: 'floating', maxSessions: 100_000 });
    const validate = () =>
      anon.post('/v1/validate', {
        key: licensed.key,
        product: licensed.productCode,
        resource: { kind: 'machine', id: 'outside-the-crowd' },
      });
    expect((await validate()).status).toBe(200); // planned while the store is empty
    const at = server.clock.now().toISOString();
    const until = new Date(server.clock.now().getTime() + 3_600_000).toISOString();
    await sql`insert into sessions (id, vendor_id, license_id, key_id, resource_kind, resource_id, started_at,
        last_heartbeat_at, expires_at, ttl_seconds)
      select 'crowd-' || n, ${server.vendor.vendor.id}, ${licensed.licenseId}, ${licensed.keyId}, 'machine',
        'machine-' || n, ${at}, ${at}, ${until}, 3600 from generate_series(1, ${CROWD}) as n`.execute(
      ctx.handle.db,
    );
    await sql`update licenses set live_sessions = ${CROWD} where id = ${licensed.licenseId}`.execute(
      ctx.handle.db,
    );

    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    ctx.handle.observer = (text, parameters) => statements.push({ sql: text, parameters });
    expect((await validate()).body.valid).toBe(true);
    ctx.handle.observer = undefined;
    const read = statements.find((statement) => statement.sql.includes('from sessions s'))!;
    const problems = async () => (await planOf(ctx.handle, read.sql, read.parameters))!.problems;
    // The read as the validations run it: a statement prepared on a connection of the read pool, planned once
    // for any values and kept (`plan_cache_mode=force_generic_plan`).
    const probe = await ctx.handle.readPool!.connect();
    const sessionsTouchedByTheKeptPlan = async () => {
      await probe.query({ name: 'statistics_probe', text: read.sql, values: [...read.parameters] });
      const { rows } = await probe.query(
        `explain (analyze, format json) execute statistics_probe(${executeArguments(probe, read.parameters)})`,
      );
      return sessionsTouched(rows[0]['QUERY PLAN'][0].Plan);
    };
    try {
      // With no statistics, the license's index looks as selective as the machine's: the read walks the crowd.
      expect((await problems()).join('; ')).toMatch(/reads \d+ rows of sessions/);
      expect(await sessionsTouchedByTheKeptPlan()).toBeGreaterThanOrEqual(CROWD);
      // The inserts reach the statistics PostgreSQL keeps a moment after their commit: the job runs until it sees
      // them.
      await expect
        .poll(async () => {
          await refreshStatistics(ctx);
          return problems();
        })
        .toEqual([]);
      expect(await sessionsTouchedByTheKeptPlan()).toBeLessThan(10);
    } finally {
      probe.release();
    }
  }, 60_000);
});
