import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { type Licensed, setupLicensed } from '../../test-support/fixtures.js';
import { placesOf } from '../../test-support/session-places.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { reapSessions } from './sessions.service.js';

// A floating license counts its open sessions (licenses.live_sessions); every way a session ends gives its place
// back exactly once, so the count never drifts from the sessions themselves.
describe.each(DIALECTS)('places of a floating license on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  const open = (licensed: Licensed, id: string) =>
    server.anon.post('/v1/sessions', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id },
    });

  async function places(licensed: Licensed) {
    const { counter, open } = await placesOf(server.ctx, licensed.licenseId);
    expect(counter).toBe(open);
    return counter;
  }

  it('a check-in frees its place for another machine; the same machine opening twice holds one place', async () => {
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 2,
      heartbeatSeconds: 60,
    });
    const a = await open(licensed, 'pc-a');
    expect(a.status).toBe(201);
    expect((await open(licensed, 'pc-a')).body.id).toBe(a.body.id);
    expect((await open(licensed, 'pc-b')).status).toBe(201);
    expect((await open(licensed, 'pc-c')).body.error.code).toBe('TOO_MANY_SESSIONS');
    expect(await places(licensed)).toBe(2);

    expect((await server.anon.delete(`/v1/sessions/${a.body.id}`)).status).toBe(204);
    expect(await places(licensed)).toBe(1);
    expect((await open(licensed, 'pc-c')).status).toBe(201);
    expect(await places(licensed)).toBe(2);
  });

  it('a machine whose session expired gets a new one, and the expired one is ended with its event', async () => {
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 1,
      heartbeatSeconds: 60,
    });
    const first = await open(licensed, 'pc-a');
    server.clock.advance(61_000);
    const second = await open(licensed, 'pc-a');
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    expect(await places(licensed)).toBe(1);
    const events = await server.api.get(`/v1/events?keyId=${licensed.keyId}&type=session.*`);
    expect(
      events.body.data.map((e: { type: string; subjectId: string }) => `${e.type} ${e.subjectId}`),
    ).toContain(`session.expired ${first.body.id}`);
  });

  it('the reaper and a full license both end expired sessions once, and the key deletion ends the rest', async () => {
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 3,
      heartbeatSeconds: 60,
    });
    for (const id of ['pc-1', 'pc-2', 'pc-3']) expect((await open(licensed, id)).status).toBe(201);
    server.clock.advance(61_000);
    // Full by its count, but its sessions are past their TTL: the open ends them and takes a place.
    expect((await open(licensed, 'pc-4')).status).toBe(201);
    expect(await places(licensed)).toBe(1);
    expect((await open(licensed, 'pc-5')).status).toBe(201);
    server.clock.advance(61_000);
    expect(await reapSessions(server.ctx)).toBeGreaterThanOrEqual(2);
    expect(await places(licensed)).toBe(0);

    expect((await open(licensed, 'pc-6')).status).toBe(201);
    expect((await server.api.delete(`/v1/keys/${licensed.keyId}`)).status).toBe(204);
    expect(await places(licensed)).toBe(0);
  });

  it('one pass of the reaper ends every stopped session, however many batches they fill', async () => {
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 20,
      heartbeatSeconds: 60,
    });
    for (let i = 0; i < 12; i++) expect((await open(licensed, `stopped-${i}`)).status).toBe(201);
    expect(await places(licensed)).toBe(12);
    server.clock.advance(61_000);
    // Batches of five: the twelve take three.
    expect(await reapSessions(server.ctx, 5)).toBeGreaterThanOrEqual(12);
    expect(await places(licensed)).toBe(0);
    const expired = await server.api.get(`/v1/events?keyId=${licensed.keyId}&type=session.expired&limit=100`);
    expect(expired.body.data).toHaveLength(12);
  });
});
