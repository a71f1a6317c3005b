import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { type Licensed, setupLicensed } from '../../test-support/fixtures.js';
import { placesOf } from '../../test-support/session-places.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

// Review of the session counter change: the places of a floating license and the sessions a machine holds.
describe.each(DIALECTS)('review: session places on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  const open = (licensed: Licensed, id: string, ttlSeconds?: number) =>
    server.anon.post('/v1/sessions', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id },
      ...(ttlSeconds ? { ttlSeconds } : {}),
    });

  async function openSessions(licensed: Licensed) {
    return server.ctx.handle.db
      .selectFrom('sessions')
      .selectAll()
      .where('license_id', '=', licensed.licenseId)
      .where('ended_at', 'is', null)
      .orderBy('started_at')
      .execute();
  }

  async function counter(licensed: Licensed) {
    return (await placesOf(server.ctx, licensed.licenseId)).counter;
  }

  it('a machine whose session expired, opening again on a license with room, ends the expired one (one machine, one open session)', async () => {
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 2,
      heartbeatSeconds: 60,
    });
    const first = await open(licensed, 'pc-a');
    expect(first.status).toBe(201);
    server.clock.advance(61_000);
    const second = await open(licensed, 'pc-a');
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    // The expired session of the same machine is ended by this open (as the transaction path does), with its event.
    const ended = await server.ctx.handle.db
      .selectFrom('sessions')
      .select(['ended_at', 'end_reason'])
      .where('id', '=', first.body.id)
      .executeTakeFirstOrThrow();
    expect(ended.end_reason).toBe('expired');
  });

  it('one machine never holds two live sessions (and two places) of a license', async () => {
    const licensed = await setupLicensed(server.api, {
      scope: 'floating',
      maxSessions: 2,
      heartbeatSeconds: 60,
    });
    expect((await open(licensed, 'pc-a')).status).toBe(201);
    server.clock.advance(61_000);
    const second = await open(licensed, 'pc-a');
    expect(second.status).toBe(201);
    // The same machine opens again while its (new) session is live: it must get that session back.
    const third = await open(licensed, 'pc-a');
    expect(third.status).toBe(201);
    // …so another machine still finds the license's second place free.
    const other = await open(licensed, 'pc-b');
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    expect(third.body.id).toBe(second.body.id);
    expect(await counter(licensed)).toBe((await openSessions(licensed)).length);
  });
});
