import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { sendMailLater } from '../../platform/mail/send-later.js';
import { createJobRunner } from '../../server.js';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { pruneHistory } from './retention.service.js';

const DAY = 86_400_000;

describe.each(DIALECTS)('retention on %s', (dialect) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  beforeAll(async () => {
    server = await startTestServer(dialect, { clock });
  });
  afterAll(() => server.close());

  const count = async (table: 'jobs' | 'sessions' | 'portal_sessions' | 'events') =>
    Number(
      (
        await server.ctx.handle.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('prunes finished jobs, ended sessions and expired cabinet logins past the retention, and keeps the rest', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'floating', maxSessions: 5 });
    const open = (id: string) =>
      server.anon.post('/v1/sessions', {
        key: licensed.key,
        product: licensed.productCode,
        resource: { kind: 'device', id },
      });
    const old = (await open('old')).body;
    await server.anon.delete(`/v1/sessions/${old.id}`);
    await inTransaction(server.ctx.handle, (trx) =>
      sendMailLater(trx, null, { to: ['a@example.test'], subject: 'old', text: 'old' }, clock.now()),
    );
    await createJobRunner(server.ctx).drain(); // no SMTP configured: the job ends, done or dead
    const login = await server.anon.post('/v1/customer/auth/login', { key: licensed.key });
    expect(login.status).toBe(200);
    const eventsBefore = await count('events');

    clock.advance(91 * DAY);
    const recent = (await open('recent')).body;
    await server.anon.delete(`/v1/sessions/${recent.id}`);
    const live = (await open('live')).body;
    const jobsBefore = await count('jobs');

    const pruned = await pruneHistory(server.ctx);
    expect(pruned.sessions).toBe(1);
    expect(pruned.jobs).toBeGreaterThanOrEqual(1);
    expect(pruned.cabinetSessions).toBe(1);
    const sessions = await server.ctx.handle.db.selectFrom('sessions').select('id').execute();
    expect(sessions.map((s) => s.id).sort()).toEqual([recent.id, live.id].sort());
    expect(await count('jobs')).toBe(jobsBefore - pruned.jobs);
    expect(await count('portal_sessions')).toBe(0);
    expect(await count('events')).toBeGreaterThanOrEqual(eventsBefore); // the audit trail stays

    expect(await pruneHistory(server.ctx)).toEqual({
      jobs: 0,
      webhookDeliveries: 0,
      sessions: 0,
      cabinetSessions: 0,
    });
  });
});
