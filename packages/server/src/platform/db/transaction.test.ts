import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../server.js';
import { createTestStore, TEST_DATABASE_URL, type TestStore } from '../../test-support/databases.js';
import type { AppContext } from '../context.js';
import { inTransaction } from './transaction.js';

// Deadlocks are PostgreSQL's (SQLite's write transactions run one at a time): two transactions lock rows A and B
// crosswise; PostgreSQL aborts the one whose `deadlock_timeout` runs out first. The other client's is ten times
// ours, so the one aborted is always ours, however late a loaded machine runs our backend's check.
describe('a transaction PostgreSQL aborts to break a deadlock', () => {
  let store: TestStore;
  let ctx: AppContext;
  let other: pg.Client;
  beforeAll(async () => {
    store = createTestStore('postgres');
    ctx = await createContext(store.config);
    await sql`create table crossing (id text primary key, n integer not null)`.execute(ctx.handle.db);
    await sql`insert into crossing values ('a', 0), ('b', 0)`.execute(ctx.handle.db);
    other = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await other.connect();
    await other.query(`set search_path to ${store.config.databaseSchema}`);
    await other.query(`set deadlock_timeout = '10s'`);
  });
  afterAll(async () => {
    await other?.end();
    await ctx?.handle.close();
    await store?.drop();
  });

  /** Ours locks A then B; the other client locks B, waits until ours waits for B, then locks A. */
  async function crossing(deadlockRetries: number) {
    let attempts = 0;
    await other.query('begin');
    await other.query(`update crossing set n = n + 1 where id = 'b'`);
    const ours = inTransaction(
      ctx.handle,
      async (trx) => {
        attempts++;
        await sql`update crossing set n = n + 1 where id = 'a'`.execute(trx);
        await sql`update crossing set n = n + 1 where id = 'b'`.execute(trx);
      },
      { deadlockRetries },
    ).then(
      () => 'committed',
      (error: { code?: string }) => error.code,
    );
    for (let tries = 0; tries < 500; tries++) {
      const { rows } = await other.query(
        'select count(*)::int as n from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))',
      );
      if (rows[0].n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const theirs = other.query(`update crossing set n = n + 1 where id = 'a'`).then(
      () => other.query('commit'),
      async (error: { code?: string }) => {
        await other.query('rollback');
        return error.code;
      },
    );
    const outcome = await ours;
    await theirs;
    return { outcome, attempts };
  }

  it('runs again when told to, and commits', async () => {
    expect(await crossing(2)).toEqual({ outcome: 'committed', attempts: 2 });
  });

  it('is an error for the caller when not told to', async () => {
    expect(await crossing(0)).toEqual({ outcome: '40P01', attempts: 1 });
  });
});
