import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('vendor settings on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it("the vendor's language is the default of new customers' e-mails; reminder days stay as they were", async () => {
    const before = (await server.api.get('/v1/vendor/settings')).body;
    expect(before.language).toBe('en');
    expect((await server.api.post('/v1/customers', { name: 'Before' })).body.language).toBe('en');
    const updated = await server.api.patch('/v1/vendor/settings', { language: 'ru' });
    expect(updated.body).toEqual({ reminderDays: before.reminderDays, language: 'ru' });
    expect((await server.api.post('/v1/customers', { name: 'После' })).body.language).toBe('ru');
    expect((await server.api.post('/v1/customers', { name: 'Chosen', language: 'en' })).body.language).toBe(
      'en',
    );
    expect((await server.api.patch('/v1/vendor/settings', { language: 'de' })).status).toBe(400);
  });
});
