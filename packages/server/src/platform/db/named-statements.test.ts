import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createValidationReader } from '../../modules/app-api/validation-reader.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe("PostgreSQL's named statements of the app API", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('postgres');
  });
  afterAll(() => server.close());

  it('are planned once for any values, never again at each run', async () => {
    const seat = await setupLicensed(server.api, { scope: 'seat', maxSeats: 2 });
    const reader = createValidationReader(server.ctx.handle);
    // Past the five runs after which PostgreSQL, left to choose, weighs a generic plan against its custom ones.
    for (let run = 0; run < 8; run++)
      await reader.read({ code: seat.key, product: seat.productCode, resource: { id: `pc-${run}` } });
    const pool = server.ctx.handle.readPool!;
    // Each read ran on the connection the one before it released: the pool lends its idle connections last in, first out.
    const client = await pool.connect();
    try {
      const { rows } = await client.query(
        "select generic_plans, custom_plans from pg_prepared_statements where name = 'validation_read'",
      );
      expect(rows).toEqual([{ generic_plans: '8', custom_plans: '0' }]);
    } finally {
      client.release();
    }
    for (const named of [pool, server.ctx.handle.leasePool!]) {
      const { rows } = await named.query('show plan_cache_mode');
      expect(rows[0].plan_cache_mode).toBe('force_generic_plan');
    }
    // Kysely's statements keep PostgreSQL's choice: those planned for their values at every run need it.
    const { rows } = await server.ctx.handle.pool!.query('show plan_cache_mode');
    expect(rows[0].plan_cache_mode).toBe('auto');
  });
});
