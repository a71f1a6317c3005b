import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

/** Review of POST /v1/imports (76dbdda): a CSV the import cannot read right, and rows the customers API refuses. */
describe.each(DIALECTS)('POST /v1/imports CSV on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());
  const check = (content: string) => server.api.post('/v1/imports', { format: 'csv', content, dryRun: true });

  it('an unterminated quote is INVALID_IMPORT_FILE, not the rest of the file read as one name', async () => {
    const response = await check('externalId,name\nq1,"Alpha\nq2,Beta\nq3,Gamma\n');
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error.code).toBe('INVALID_IMPORT_FILE');
  });

  it('a header naming a column twice is INVALID_IMPORT_FILE', async () => {
    const response = await check('externalId,name,name\nd1,A,B\n');
    expect(response.status, JSON.stringify(response.body)).toBe(400);
  });

  it('rows the customers API refuses (an e-mail that is not one, a 201-character name) are bad rows', async () => {
    const response = await check(`externalId,name,email\ne1,E,not-an-email\nn1,${'N'.repeat(201)},\n`);
    expect(response.status).toBe(200);
    expect(response.body.rejected.customers, JSON.stringify(response.body)).toBe(2);
  });
});
