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
import { planOf } from './query-plans.js';

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
  let store: TestStore;
  afterAll(() => store?.drop());

  it('gathers the statistics of a table that grew tenfold since its last ones', async () => {
    store = createTestStore('sqlite');
    const ctx = await createContext(store.config);
    try {
      const { vendor } = await createVendor(ctx, {
        name: 'Grows',
        prefix: 'GROW',
        ownerEmail: 'owner@grows.test',
        ownerPassword: 'correct-horse-1',
      });
      const customersCounted = () => {
        const sqlite = ctx.handle.sqlite!;
        if (!sqlite.prepare(`select 1 from sqlite_schema where name = 'sqlite_stat1'`).get())
          return undefined;
        const row = sqlite.prepare(`select stat from sqlite_stat1 where idx = 'customers_vendor_id'`).get() as
          | { stat: string }
          | undefined;
        return row?.stat.split(' ')[0];
      };
      const at = new Date().toISOString();
      ctx.handle
        .sqlite!.prepare(
          `with recursive n(value) as (select 1 union all select value + 1 from n where value < 2000)
         insert into customers (id, vendor_id, name, language, created_at, updated_at)
         select 'grown-' || value, ?, 'Customer ' || value, 'en', ?, ? from n`,
        )
        .run(vendor.id, at, at);
      expect(customersCounted()).not.toBe('2000');

      await refreshStatistics(ctx);
      expect(customersCounted()).toBe('2000');
    } finally {
      await ctx.handle.close();
    }
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

    // With no statistics, the license's index looks as selective as the machine's: the read walks the crowd.
    expect((await problems()).join('; ')).toMatch(/reads \d+ rows of sessions/);
    // The inserts reach the statistics PostgreSQL keeps a moment after their commit: the job runs until it sees them.
    await expect
      .poll(async () => {
        await refreshStatistics(ctx);
        return problems();
      })
      .toEqual([]);
  }, 60_000);
});
