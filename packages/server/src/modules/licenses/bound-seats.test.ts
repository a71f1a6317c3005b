import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('the seats a license shows on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  /** The key card's seatsUsed of the license, beside the bindings actually there. */
  async function seats(keyId: string, licenseId: string): Promise<[number, number]> {
    const card = (await server.api.get(`/v1/keys/${keyId}`)).body;
    const shown = card.licenses.find((l: { id: string }) => l.id === licenseId).seatsUsed;
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from bindings
      where license_id = ${licenseId}`.execute(server.ctx.handle.db);
    return [shown, Number(rows[0]?.n)];
  }

  it('follow every binding: apps activating at once, deactivating, an admin moving one', async () => {
    const unlimited = await setupLicensed(server.api, { scope: 'unlimited', resourceKind: 'agent' });
    const activate = (id: string) =>
      server.anon.post('/v1/activate', {
        key: unlimited.key,
        product: unlimited.productCode,
        resource: { kind: 'agent', id },
      });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => activate(`agent-${i % 15}`)));
    expect(answers.every((answer) => answer.status < 300)).toBe(true);
    expect(await seats(unlimited.keyId, unlimited.licenseId)).toEqual([15, 15]);

    for (const id of ['agent-1', 'agent-2'])
      expect(
        (
          await server.anon.post('/v1/deactivate', {
            key: unlimited.key,
            product: unlimited.productCode,
            resource: { kind: 'agent', id },
          })
        ).status,
      ).toBe(204);
    expect(await seats(unlimited.keyId, unlimited.licenseId)).toEqual([13, 13]);

    const seat = await setupLicensed(server.api, { scope: 'seat', maxSeats: 2 });
    const bound = await server.anon.post('/v1/activate', {
      key: seat.key,
      product: seat.productCode,
      resource: { kind: 'machine', id: 'pc-1' },
    });
    const moved = await server.api.post(`/v1/licenses/${seat.licenseId}/actions/transfer`, {
      bindingId: bound.body.id,
      resource: { kind: 'machine', id: 'pc-2' },
    });
    expect(moved.status, moved.text).toBe(200);
    expect(await seats(seat.keyId, seat.licenseId)).toEqual([1, 1]);
  });
});
