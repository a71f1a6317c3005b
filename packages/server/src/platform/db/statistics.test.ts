import { afterAll, describe, expect, it } from 'vitest';
import { createVendor } from '../../modules/vendors/vendors.service.js';
import { createContext } from '../../server.js';
import { createTestStore, type TestStore } from '../../test-support/databases.js';
import { analyze, type DatabaseHandle, openDatabase } from './database.js';

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
