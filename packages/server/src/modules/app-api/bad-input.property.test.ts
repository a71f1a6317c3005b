import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { type Licensed, setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

const TABLES = [
  'licenses',
  'bindings',
  'sessions',
  'events',
  'redemptions',
  'license_keys',
  'customers',
  'coupons',
] as const;
const RUNS = 1000;

describe.each(DIALECTS)('invariant 7: random and malformed bodies at the app API on %s', (dialect) => {
  let server: TestServer;
  let licensed: Licensed;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    licensed = await setupLicensed(server.api, { scope: 'seat', maxSeats: 1 });
  });
  afterAll(() => server.close());

  /** Row counts and a digest of every table's rows: any write shows. */
  async function snapshot() {
    const db = server.ctx.handle.db;
    const result: Record<string, string> = {};
    for (const table of TABLES) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by 1`.execute(
        db,
      );
      result[table] = JSON.stringify(rows.rows);
    }
    return result;
  }

  // A valid key of this vendor with a typo, an unknown but well-formed key, junk, and the wrong types.
  const badKey = fc.oneof(
    fc.constant('ACME-00000-00000-00000-00000-00000'),
    fc.constant('ACMEUPD-0000-0000-0000-0000'),
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.integer(),
    fc.constant(null),
  );
  const resource = fc.oneof(
    fc.record({ kind: fc.string(), id: fc.string() }, { requiredKeys: [] }),
    fc.jsonValue(),
    fc.record({
      kind: fc.constant('machine'),
      id: fc.string({ maxLength: 500 }),
      name: fc.string(),
      metadata: fc.jsonValue(),
    }),
  );
  const body = fc.oneof(
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc
      .record(
        {
          key: badKey,
          product: fc.oneof(fc.string(), fc.constant('prod1'), fc.integer()),
          resource,
          fingerprint: fc.oneof(fc.string(), fc.integer()),
          capabilities: fc.oneof(fc.array(fc.string()), fc.string()),
          nonce: fc.oneof(fc.string({ maxLength: 500 }), fc.integer()),
          ttlSeconds: fc.oneof(fc.integer(), fc.double(), fc.string()),
          coupon: fc.oneof(fc.string(), fc.constant('ACMEUPD-0000-0000-0000-0000')),
          extra: fc.anything(),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
    // Right key, wrong product or an unknown kind of resource: valid JSON that must not bind anything.
    fc.record({ product: fc.string(), kind: fc.string() }).map(({ product, kind }) =>
      JSON.stringify({
        key: licensed.key,
        product: `x${product}`,
        resource: { kind: `x${kind}`, id: 'r' },
      }),
    ),
    fc.string().map((text) => `{"key": ${text}`),
    fc.constant('{"key":"ACME-'),
    fc.constant('not json at all'),
  );

  const routes: [string, string, (id: string) => string][] = [
    ['POST /v1/validate', 'POST', () => '/v1/validate'],
    ['POST /v1/activate', 'POST', () => '/v1/activate'],
    ['POST /v1/deactivate', 'POST', () => '/v1/deactivate'],
    ['POST /v1/sessions', 'POST', () => '/v1/sessions'],
    ['POST /v1/sessions/{id}/heartbeat', 'POST', (id) => `/v1/sessions/${id}/heartbeat`],
    ['DELETE /v1/sessions/{id}', 'DELETE', (id) => `/v1/sessions/${id}`],
    ['POST /v1/coupons/redeem', 'POST', () => '/v1/coupons/redeem'],
  ];

  it.each(routes)(
    `%s: ${RUNS} bad bodies, never a 5xx, always a coded error, nothing written`,
    async (_route, method, path) => {
      const before = await snapshot();
      await fc.assert(
        fc.asyncProperty(
          body,
          fc.string({ minLength: 1, maxLength: 80 }).map(encodeURIComponent),
          async (raw, id) => {
            const response = await server.anon.request(
              method,
              path(id || 'x'),
              undefined,
              method === 'DELETE' ? undefined : raw,
            );
            expect(response.status, `${raw} → ${response.text}`).toBeLessThan(500);
            if (response.status >= 400) expect(response.body.error.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
            else expect(response.body.valid).toBe(false); // only validation answers 200 to a bad request
          },
        ),
        { numRuns: RUNS },
      );
      expect(await snapshot()).toEqual(before);
    },
  );
});
