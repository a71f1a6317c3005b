import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, TEST_DATABASE_URL } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { placesOf } from '../../test-support/session-places.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { heartbeat, reapSessions } from './sessions.service.js';

const SESSIONS = 120;

// Whatever ends or extends several sessions locks them in id order, then their licenses in id order: a heartbeat
// batch, the reaper and a key's deletion. A key's open sessions are found by expiry, which heartbeats reorder;
// locked in that order, a deletion and a heartbeat batch over the same sessions locked crosswise and PostgreSQL
// aborted one of them (the deletion answered 500).
describe.each(DIALECTS)('sessions locked in one order on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  /** A key with SESSIONS open sessions that expire in the reverse order of their ids; the oldest ten stopped. */
  async function sessionsOutOfOrder() {
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: SESSIONS,
      heartbeatSeconds: 60,
    });
    const ids: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const opened = await server.anon.post('/v1/sessions', {
        key: licensed.key,
        product: licensed.productCode,
        resource: { kind: 'machine', id: `pc-${i}` },
      });
      expect(opened.status, opened.text).toBe(201);
      ids.push(opened.body.id);
    }
    for (const id of ids.slice(10).reverse()) {
      server.clock.advance(50);
      await heartbeat(server.ctx, id);
    }
    server.clock.advance(60_020 - 50 * (SESSIONS - 10)); // the unbeaten ten are past their TTL, the rest live
    return { licensed, ids };
  }

  /**
   * On PostgreSQL, a third transaction holds the middle session while the deletion and then the heartbeats queue
   * behind it, each having locked what comes before it in its own order; then lets go. Locked crosswise, they
   * deadlock every time. (SQLite's write transactions run one at a time.)
   */
  async function racedBehindTheMiddle(
    middle: string,
    deletion: () => Promise<unknown>,
    beats: () => unknown,
  ) {
    if (dialect !== 'postgres') return Promise.all([deletion(), beats()]);
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await holder.connect();
    // Only transactions waiting for the holder, or for one that waits for it, count: other test files share
    // this database.
    const waiting = async (count: number) => {
      for (let tries = 0; tries < 500; tries++) {
        const { rows } = await holder.query(
          `with recursive behind(pid) as (
             select pid from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))
             union
             select a.pid from pg_stat_activity a join behind on behind.pid = any(pg_blocking_pids(a.pid)))
           select count(*)::int as n from behind`,
        );
        if (rows[0].n >= count) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`fewer than ${count} transactions waited for the held session`);
    };
    try {
      await holder.query('begin');
      await holder.query(
        `select 1 from ${server.ctx.config.databaseSchema}.sessions where id = $1 for update`,
        [middle],
      );
      const deleted = deletion();
      await waiting(1);
      const beaten = beats();
      await waiting(2);
      await holder.query('commit');
      return await Promise.all([deleted, beaten]);
    } finally {
      await holder.end();
    }
  }

  it('an app’s heartbeats and an admin deleting the key at once: no deadlock, no 500', async () => {
    const { licensed, ids } = await sessionsOutOfOrder();
    const failures: string[] = [];
    const statements: string[] = [];
    server.ctx.handle.observer = (sql) => statements.push(sql);
    const [deleted] = (await racedBehindTheMiddle(
      ids[SESSIONS / 2]!,
      () => server.api.delete(`/v1/keys/${licensed.keyId}`),
      () =>
        Promise.all(
          ids.slice(10).map((id) =>
            heartbeat(server.ctx, id).catch((error: { code?: string }) => {
              if (!['SESSION_EXPIRED', 'LICENSE_NOT_USABLE'].includes(error.code ?? ''))
                failures.push(`heartbeat: ${String(error)}`);
            }),
          ),
        ),
    )) as [{ status: number; text: string }];
    server.ctx.handle.observer = undefined;
    expect(deleted.status, deleted.text).toBe(204);
    expect(failures).toEqual([]);
    // Nor was a heartbeat batch aborted (and its heartbeats then run one by one).
    expect(statements.filter((sql) => sql.includes('s.id = $3::text'))).toEqual([]);
    // The deletion locked the key's sessions without bringing their ids back (a key can hold 100,000).
    if (dialect === 'postgres') {
      const sessionLocks = statements.filter((sql) => /from "sessions" .*for update/.test(sql));
      expect(sessionLocks.filter((sql) => sql.includes('"key_id" ='))).toEqual([
        expect.stringMatching(
          /^select count\(\*\) from \(select "id" from "sessions" .* for update\) as locked$/,
        ),
      ]);
    }
    expect(await placesOf(server.ctx, licensed.licenseId)).toEqual({ counter: 0, open: 0 });
  });

  it('the reaper and an admin deleting the key at once: no deadlock, no 500', async () => {
    const { licensed, ids } = await sessionsOutOfOrder();
    server.clock.advance(2_725); // the first half beaten (the latest ids) are past their TTL too
    let reaperFailed: unknown;
    const statements: string[] = [];
    server.ctx.handle.observer = (sql) => statements.push(sql);
    const [deleted] = (await racedBehindTheMiddle(
      ids[90]!,
      () => server.api.delete(`/v1/keys/${licensed.keyId}`),
      () =>
        reapSessions(server.ctx).catch((error) => {
          reaperFailed = error;
        }),
    )) as [{ status: number; text: string }];
    server.ctx.handle.observer = undefined;
    expect(deleted.status, deleted.text).toBe(204);
    expect(reaperFailed).toBeUndefined();
    // Each ran once: neither was aborted by a deadlock (and run again).
    const ran = (pattern: RegExp) => statements.filter((sql) => pattern.test(sql)).length;
    expect(ran(/from "sessions" where "ended_at" is null and "expires_at" <= .* order by "expires_at"/)).toBe(
      1,
    );
    expect(ran(/update "license_keys" set "status" = /)).toBe(1);
    expect(await placesOf(server.ctx, licensed.licenseId)).toEqual({ counter: 0, open: 0 });
  });
});
