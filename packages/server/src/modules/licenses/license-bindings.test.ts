import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('a license’s bindings, page by page, on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('an admin pages through 250 agents of an unlimited license, each once, past the 100 of the key card', async () => {
    const agents = await setupLicensed(server.api, { scope: 'unlimited', resourceKind: 'agent' });
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < 250)
      insert into bindings (id, vendor_id, license_id, resource_kind, resource_id, metadata, created_at)
      select 'b-' || i, ${server.vendor.vendor.id}, ${agents.licenseId}, 'agent', 'agent-' || (1000 + i), '{}',
        ${server.clock.now().toISOString()} from n`.execute(server.ctx.handle.db);
    const card = (await server.api.get(`/v1/keys/${agents.keyId}`)).body;
    expect(card.bindings).toHaveLength(100);
    expect(card.bindingsBound).toBe(250);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        text: string;
        body: { data: { resource: { id: string } }[]; nextCursor: string | null };
      } = await server.api.get(
        `/v1/licenses/${agents.licenseId}/bindings?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.data.map((b) => b.resource.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => `agent-${1001 + i}`));

    const bad = await server.api.get(`/v1/licenses/${agents.licenseId}/bindings?cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect((await server.api.get('/v1/licenses/nope/bindings')).status).toBe(404);
    expect((await server.anon.get(`/v1/licenses/${agents.licenseId}/bindings`)).status).toBe(401);
  });
});
