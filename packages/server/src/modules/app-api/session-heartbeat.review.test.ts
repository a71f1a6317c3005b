import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { type Licensed, setupLicensed } from '../../test-support/fixtures.js';
import { placesOf } from '../../test-support/session-places.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { reapSessions } from './sessions.service.js';

// Review: heartbeats (one SQL statement on PostgreSQL), the rows an open writes on either path, and the counter.
describe.each(DIALECTS)('review: heartbeats and open rows on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  const open = (licensed: Licensed, id: string, ttlSeconds?: number) =>
    server.anon.post('/v1/sessions', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id, name: `Name ${id}` },
      ...(ttlSeconds ? { ttlSeconds } : {}),
    });
  const beat = (id: string) => server.anon.post(`/v1/sessions/${id}/heartbeat`, {});
  const session = (id: string) =>
    server.ctx.handle.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  async function places(licensed: Licensed) {
    const { counter, open } = await placesOf(server.ctx, licensed.licenseId);
    expect(counter).toBe(open);
    return counter;
  }

  it('a heartbeat stores and answers exactly the expiry JS would write, at any millisecond', async () => {
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 5,
      heartbeatSeconds: 60,
      term: null,
    });
    for (const [at, ttl] of [
      ['2026-03-01T00:00:00.000Z', 37],
      ['2026-03-29T00:59:59.999Z', 600],
      ['2026-10-25T00:30:00.001Z', 3600],
      ['2026-12-31T23:59:59.990Z', 86_400],
      ['2028-02-28T12:00:00.100Z', 86_400],
    ] as const) {
      server.clock.set(new Date(at));
      const opened = await open(licensed, `pc-${at}`, ttl);
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
      for (const step of [0, 1, 999, 10_000]) {
        server.clock.advance(step);
        const answer = await beat(opened.body.id);
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        const expected = new Date(server.clock.now().getTime() + ttl * 1000).toISOString();
        expect(answer.body.expiresAt).toBe(expected);
        const row = await session(opened.body.id);
        expect(row.expires_at).toBe(expected);
        expect(row.last_heartbeat_at).toBe(server.clock.now().toISOString());
      }
    }
  });

  it('a heartbeat never revives an ended or expired session, and a revoked license ends it once', async () => {
    server.clock.set(new Date('2026-04-01T10:00:00.000Z'));
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 5,
      heartbeatSeconds: 60,
    });
    const a = (await open(licensed, 'a')).body.id;
    const b = (await open(licensed, 'b')).body.id;
    const c = (await open(licensed, 'c')).body.id;
    expect(await places(licensed)).toBe(3);

    expect((await server.anon.delete(`/v1/sessions/${a}`)).status).toBe(204);
    const ended = await session(a);
    expect((await beat(a)).body.error.code).toBe('SESSION_EXPIRED');
    expect(await session(a)).toEqual(ended);

    server.clock.advance(60_000); // b and c are exactly at their expiry
    const expired = await session(b);
    expect((await beat(b)).body.error.code).toBe('SESSION_EXPIRED');
    expect(await session(b)).toEqual(expired);
    expect(await places(licensed)).toBe(2);
    server.clock.advance(-30_000);

    expect((await server.api.post(`/v1/licenses/${licensed.licenseId}/actions/revoke`, {})).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 10 }, () => beat(c)));
    expect(answers.filter((r) => r.body.error?.code === 'LICENSE_NOT_USABLE').length).toBeGreaterThanOrEqual(
      1,
    );
    expect(answers.every((r) => r.status !== 500)).toBe(true);
    expect((await session(c)).end_reason).toBe('license_unusable');
    expect(await places(licensed)).toBe(1);
    server.clock.advance(120_000);
    await reapSessions(server.ctx);
    expect(await places(licensed)).toBe(0);
    const events = await server.api.get(`/v1/events?keyId=${licensed.keyId}&type=session.*&limit=100`);
    const ends = events.body.data.filter(
      (e: { type: string; subjectId: string }) => e.subjectId === c && e.type !== 'session.started',
    );
    expect(ends).toHaveLength(1);
  });

  it('check-in, heartbeats and the reaper racing on the same sessions give each place back once', async () => {
    server.clock.set(new Date('2026-05-01T10:00:00.000Z'));
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 20,
      heartbeatSeconds: 60,
    });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await open(licensed, `r-${i}`)).body.id);
    server.clock.advance(59_999);
    await Promise.all([
      ...ids.flatMap((id) => [server.anon.delete(`/v1/sessions/${id}`), beat(id), beat(id)]),
      (async () => {
        server.clock.advance(1);
        return reapSessions(server.ctx);
      })(),
      reapSessions(server.ctx),
      open(licensed, 'r-new'),
    ]);
    expect(await places(licensed)).toBeLessThanOrEqual(1);
  });

  it('an open writes the same session, event and deliveries whichever path takes it', async () => {
    server.clock.set(new Date('2026-06-01T10:00:00.000Z'));
    const hook = await server.api.post('/v1/webhooks', {
      url: 'http://127.0.0.1:9/hook',
      events: ['session.*'],
    });
    expect(hook.status).toBe(201);
    const hook2 = await server.api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/all', events: ['*'] });
    expect(hook2.status).toBe(201);
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 2,
      heartbeatSeconds: 60,
    });
    const rows = async (id: string) => {
      const s = await session(id);
      const e = await server.ctx.handle.db
        .selectFrom('events')
        .selectAll()
        .where('subject_id', '=', id)
        .where('type', '=', 'session.started')
        .executeTakeFirstOrThrow();
      const d = await server.ctx.handle.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('event_id', '=', e.id)
        .orderBy('endpoint_id')
        .execute();
      const after = JSON.parse(e.after!);
      return {
        session: {
          ...s,
          id: 'x',
          resource_id: 'x',
          resource_name: 'x',
          started_at: 'x',
          last_heartbeat_at: 'x',
          expires_at: 'x',
        },
        event: {
          ...e,
          id: 'x',
          subject_id: 'x',
          at: 'x',
          after: { ...after, expiresAt: 'x', resource: 'x' },
        },
        deliveries: d.map((row) => ({
          ...row,
          id: 'x',
          event_id: 'x',
          created_at: 'x',
          next_attempt_at: 'x',
        })),
        times: [
          s.started_at === e.at,
          d.every((row) => row.created_at === e.at && row.next_attempt_at === e.at),
        ],
      };
    };
    const fast = await open(licensed, 'fast', 120); // a license with room: PostgreSQL's one statement
    const a = await rows(fast.body.id);
    expect((await open(licensed, 'other')).status).toBe(201);
    server.clock.advance(500_000);
    const slow = await open(licensed, 'slow', 120); // full by its counter: the transaction ends expired ones first
    expect(slow.status).toBe(201);
    const b = await rows(slow.body.id);
    expect(a.deliveries).toHaveLength(2);
    expect(a).toEqual(b);
  });
});
