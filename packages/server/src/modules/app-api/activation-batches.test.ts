import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { activate } from './activation.service.js';
import { createValidationReader } from './validation-reader.js';

describe.each(DIALECTS)('activations repeated at the same moment on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('each app gets its own binding back; PostgreSQL looks them up in one statement', async () => {
    const seat = await setupLicensed(server.api, { scope: 'seat', maxSeats: 3 });
    const agents = await setupLicensed(server.api, { scope: 'unlimited', resourceKind: 'agent' });
    const asks = [
      { key: seat.key, product: seat.productCode, resource: { kind: 'machine', id: 'pc-1' } },
      { key: seat.key, product: seat.productCode, resource: { kind: 'machine', id: 'pc-2' } },
      { key: agents.key, product: agents.productCode, resource: { kind: 'agent', id: 'pc-1' } },
      { key: agents.key, product: agents.productCode, resource: { kind: 'agent', id: 'bot-7' } },
    ];
    const first = [];
    for (const ask of asks) {
      const response = await server.anon.post('/v1/activate', ask);
      expect(response.status, response.text).toBe(201);
      first.push(response.body.id);
    }
    const reader = createValidationReader(server.ctx.handle);
    const statements: string[] = [];
    server.ctx.handle.observer = (sql) => statements.push(sql);
    const again = await Promise.all([...asks, ...asks].map((ask) => activate(server.ctx, reader, ask)));
    server.ctx.handle.observer = undefined;
    expect(again.map((answer) => answer.created)).toEqual(Array(8).fill(false));
    expect(again.map((answer) => answer.binding.id)).toEqual([...first, ...first]);
    expect(again.map((answer) => answer.binding.resource.id)).toEqual(
      [...asks, ...asks].map((ask) => ask.resource.id),
    );
    if (dialect === 'postgres')
      expect(statements.filter((sql) => sql.includes('asked(license_id, kind, id, i)'))).toHaveLength(1);
  });
});
