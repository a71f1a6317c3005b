import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

// Opening a session writes its event's webhook deliveries in the same statement (on PostgreSQL, in SQL): exactly
// the endpoints whose patterns match `session.started`, as `subscribed` in outbox.ts decides for every other event.
describe.each(DIALECTS)('a new session owes its event to the subscribed endpoints on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('every endpoint whose pattern matches gets one pending delivery, the others none', async () => {
    const patterns = [
      ['*'],
      ['session.*'],
      ['session.started'],
      ['license.*'],
      ['session.ended'],
      ['sessions.*'],
    ];
    const endpoints: string[] = [];
    for (const events of patterns) {
      const created = await server.api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events });
      expect(created.status, created.text).toBe(201);
      endpoints.push(created.body.id);
    }
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 5,
      heartbeatSeconds: 60,
    });
    const opened = await server.anon.post('/v1/sessions', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id: 'pc-1' },
    });
    expect(opened.status, opened.text).toBe(201);
    const deliveries = await server.ctx.handle.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'endpoint_id', 'state'])
      .where('event_type', '=', 'session.started')
      .execute();
    expect(deliveries.map((d) => d.endpoint_id).sort()).toEqual(endpoints.slice(0, 3).sort());
    expect(deliveries.every((d) => d.state === 'pending')).toBe(true);
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(3);
  });
});
