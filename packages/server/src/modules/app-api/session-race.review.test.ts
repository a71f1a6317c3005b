import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, type TestStore } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { ApiClient } from '../../test-support/http-client.js';
import { runCli, spawnServer, startTestServer, type TestServer } from '../../test-support/test-server.js';

// Review: one machine opening its session many times at once must hold one session (one place), as it did when
// every open locked the license's row before looking for the machine's session.
describe.each(DIALECTS)('review: one machine racing to open on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('one machine opening 20 times at once holds one session and one place (10 rounds)', async () => {
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 50,
      heartbeatSeconds: 60,
    });
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          server.anon.post('/v1/sessions', {
            key: licensed.key,
            product: licensed.productCode,
            resource: { kind: 'machine', id: `same-pc-${round}` },
          }),
        ),
      );
      expect(answers.every((a) => a.status === 201)).toBe(true);
      const open = await server.ctx.handle.db
        .selectFrom('sessions')
        .select('id')
        .where('license_id', '=', licensed.licenseId)
        .where('resource_id', '=', `same-pc-${round}`)
        .where('ended_at', 'is', null)
        .execute();
      expect(open, `round ${round}`).toHaveLength(1);
    }
  });
});

describe.each(DIALECTS)('review: invariant 1 with expired sessions across two processes on %s', (dialect) => {
  let store: TestStore;
  const children: ChildProcess[] = [];
  let api: ApiClient;
  let apps: ApiClient[];
  beforeAll(async () => {
    store = createTestStore(dialect);
    const init = await runCli(
      ['init', '--vendor', 'Two', '--prefix', 'TWOR', '--email', 'two@example.test'],
      store.env,
    );
    const servers = await Promise.all([spawnServer(store.env), spawnServer(store.env)]);
    children.push(...servers.map((s) => s.child));
    apps = servers.map((s) => new ApiClient(s.url));
    api = apps[0].withToken(JSON.parse(init.stdout).token);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await store.drop();
  });

  it('40 opens (and their check-ins) on two servers: never more than maxSessions open, the counter exact', async () => {
    const licensed = await setupLicensed(api, { scope: 'floating', maxSessions: 3, heartbeatSeconds: 60 });
    const open = (app: ApiClient, id: string) =>
      app.post('/v1/sessions', {
        key: licensed.key,
        product: licensed.productCode,
        resource: { kind: 'machine', id },
      });
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => open(apps[i % 2], `pc-${round}-${i % 8}`)),
      );
      expect(answers.every((a) => a.status === 201 || a.body.error?.code === 'TOO_MANY_SESSIONS')).toBe(true);
      const card = (await api.get(`/v1/keys/${licensed.keyId}`)).body;
      expect(card.sessions.length).toBeLessThanOrEqual(3);
      const ids = [...new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id as string))];
      const ends = await Promise.all(
        ids.flatMap((id) => apps.map((app) => app.delete(`/v1/sessions/${id}`))),
      );
      expect(
        ends.every((r) => r.status === 204 || r.status === 410 || r.status === 409 || r.status === 404),
      ).toBe(true);
      expect((await api.get(`/v1/keys/${licensed.keyId}`)).body.sessions).toHaveLength(0);
    }
  });
});
