import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { heartbeat } from './sessions.service.js';

describe.each(DIALECTS)('heartbeats at the same moment on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('each session hears its own new expiry, an ended one hears that it ended; one statement or one transaction for all', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'floating', maxSessions: 10 });
    const opened: { id: string; expiresAt: string }[] = [];
    for (const [i, ttlSeconds] of [60, 120, 300, 60].entries()) {
      const response = await server.anon.post('/v1/sessions', {
        key: licensed.key,
        product: licensed.productCode,
        resource: { kind: 'machine', id: `pc-${i}` },
        ttlSeconds,
      });
      expect(response.status, response.text).toBe(201);
      opened.push(response.body);
    }
    const ended = opened[3]!;
    expect((await server.anon.delete(`/v1/sessions/${ended.id}`)).status).toBe(204);
    server.clock.advance(30_000);
    const statements: string[] = [];
    server.ctx.handle.observer = (sql) => statements.push(sql);
    const beats = [opened[0]!, opened[1]!, opened[2]!, opened[1]!, ended].map((session) =>
      heartbeat(server.ctx, session.id).then(
        (answer) => answer.expiresAt,
        (error: { code?: string }) => error.code,
      ),
    );
    const answers = await Promise.all(beats);
    server.ctx.handle.observer = undefined;
    const now = server.clock.now().getTime();
    const expiry = (seconds: number) => new Date(now + seconds * 1000).toISOString();
    expect(answers).toEqual([expiry(60), expiry(120), expiry(300), expiry(120), 'SESSION_EXPIRED']);
    const updates = statements.filter((sql) => /update "?sessions"? /.test(sql));
    if (dialect === 'postgres') expect(updates).toHaveLength(1);
    else {
      // SQLite: the three live sessions extended in one transaction, one commit for the turn.
      expect(updates).toHaveLength(3);
      expect(statements.filter((sql) => sql === 'begin immediate')).toHaveLength(1);
    }
  });
});
