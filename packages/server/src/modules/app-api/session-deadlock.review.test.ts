import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { placesOf } from '../../test-support/session-places.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { reapSessions } from './sessions.service.js';

// Review: ending a session now also writes its license's row (the counter): a check-in (or the reaper) locks the
// session, then the license; deleting a key locks its licenses (revoking them), then their sessions. Racing, they
// lock crosswise and PostgreSQL aborts one of them with a deadlock, answered as a 500.
describe.each(DIALECTS)('review: ending sessions while the key is deleted on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('check-ins and the reaper racing a key deletion: no 500, no deadlock, the counter exact', async () => {
    const failures: string[] = [];
    for (let round = 0; round < 6; round++) {
      const licensed = await setupLicensed(server.api, {
        scope: 'floating',
        maxSessions: 40,
        heartbeatSeconds: 60,
      });
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const opened = await server.anon.post('/v1/sessions', {
          key: licensed.key,
          product: licensed.productCode,
          resource: { kind: 'machine', id: `pc-${i}` },
        });
        ids.push(opened.body.id);
      }
      server.clock.advance(30_000);
      for (let i = 0; i < 10; i++)
        await server.anon.post('/v1/sessions', {
          key: licensed.key,
          product: licensed.productCode,
          resource: { kind: 'machine', id: `late-${i}` },
        });
      server.clock.advance(31_000); // the first 30 are past their TTL, the last 10 live
      const results = await Promise.allSettled([
        reapSessions(server.ctx),
        ...ids.slice(20).map((id) => server.anon.delete(`/v1/sessions/${id}`)),
        server.api.delete(`/v1/keys/${licensed.keyId}`),
        ...ids.slice(0, 20).map((id) => server.anon.post(`/v1/sessions/${id}/heartbeat`, {})),
      ]);
      for (const r of results) {
        if (r.status === 'rejected') failures.push(`round ${round}: reaper threw ${String(r.reason)}`);
        else if (typeof r.value === 'object' && r.value && 'status' in r.value && r.value.status >= 500)
          failures.push(`round ${round}: ${r.value.status} ${JSON.stringify(r.value.body)}`);
      }
      const { counter, open } = await placesOf(server.ctx, licensed.licenseId);
      expect(counter).toBe(open);
    }
    expect(failures).toEqual([]);
  });
});
