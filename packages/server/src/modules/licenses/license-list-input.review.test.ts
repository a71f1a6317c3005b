import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { createLicenseType, createProduct, issue } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

const cursorOf = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

/**
 * Review of GET /v1/licenses (3594891): bad cursors are 400 with a code on both databases (DESIGN §6.7), and a
 * nextCursor the server hands out is always accepted back.
 */
describe.each(DIALECTS)('GET /v1/licenses input on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    const product = await createProduct(server.api, 'listin');
    const type = await createLicenseType(server.api, product.id, { scope: 'installation' });
    // Names the customers API accepts (maxLength 200): 200 emoji, 200 control characters.
    for (const name of ['😀'.repeat(200), '\u0001'.repeat(200), 'Zed']) {
      const customer = (await server.api.post('/v1/customers', { name })).body;
      expect(customer.id, JSON.stringify(customer)).toBeTruthy();
      const key = (await server.api.post('/v1/keys', { customerId: customer.id })).body;
      await issue(server.api, key.id, type.id);
      await issue(server.api, key.id, type.id);
    }
  });
  afterAll(() => server.close());

  it.each([
    ['newest', cursorOf(['newest', 'a\u0000b'])],
    ['expiry', cursorOf(['expiry', '2026-01-01\u0000', 'x'])],
    ['expiry', cursorOf(['expiry', null, '\u0000'])],
    ['customer', cursorOf(['customer', 'A\u0000', 'c', 'l'])],
  ])('a %s cursor holding a NUL character is 400, not 500', async (sort, cursor) => {
    const response = await server.api.get(`/v1/licenses?sort=${sort}&cursor=${cursor}`);
    expect(response.status, response.text).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('every nextCursor of sort=customer is accepted back (names the customers API allows)', async () => {
    let cursor: string | null = null;
    const seen: string[] = [];
    for (let page = 0; page < 10; page++) {
      const response = await server.api.get(
        `/v1/licenses?sort=customer&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.status, `page ${page}: ${response.text.slice(0, 300)}`).toBe(200);
      seen.push(...response.body.data.map((l: { id: string }) => l.id));
      cursor = response.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(6);
  });
});
