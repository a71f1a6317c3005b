import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, type TestStore } from '../test-support/databases.js';
import { setupLicensed } from '../test-support/fixtures.js';
import { ApiClient } from '../test-support/http-client.js';
import { runCli, spawnServer } from '../test-support/test-server.js';

const kidOf = (header: string | null) => /kid="([^"]+)"/.exec(header ?? '')?.[1];

describe.each(DIALECTS)('signing keys across two server processes on %s', (dialect) => {
  let store: TestStore;
  const servers: { url: string; child: ChildProcess }[] = [];
  let token: string;
  beforeAll(async () => {
    store = createTestStore(dialect);
    const init = await runCli(
      ['init', '--vendor', 'Sign', '--prefix', 'SIGN', '--email', 's@sign.test'],
      store.env,
    );
    token = JSON.parse(init.stdout).token;
    servers.push(await spawnServer(store.env), await spawnServer(store.env));
  });
  afterAll(async () => {
    for (const { child } of servers) child.kill('SIGKILL');
    await store.drop();
  });

  it('a key rotated and revoked through one process no longer signs in the other, at once', async () => {
    const [a, b] = servers.map(({ url }) => new ApiClient(url));
    const licensed = await setupLicensed(a.withToken(token), { scope: 'seat' });
    const validate = async (client: ApiClient) => {
      const response = await client.post('/v1/validate', {
        key: licensed.key,
        product: licensed.productCode,
      });
      expect(response.body.code).toBe('VALID');
      return kidOf(response.headers.get('licensor-signature'));
    };
    const first = await validate(b); // b has parsed and kept the first key
    const rotated = await a.withToken(token).post('/v1/signing-keys/rotate');
    expect(rotated.status).toBe(201);
    expect((await a.withToken(token).post(`/v1/signing-keys/${first}/revoke`)).status).toBe(204);
    expect(await validate(b)).toBe(rotated.body.kid);
    const activated = await b.post('/v1/activate', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id: 'pc-1' },
    });
    expect(kidOf(activated.headers.get('licensor-signature'))).toBe(rotated.body.kid);
  });

  // SQLite keeps a validation's read while the database is unchanged (validation-reader.ts): a change committed by
  // another process must reach the very next answer, as it does on PostgreSQL, which reads every time.
  it('a license suspended, reinstated and revoked through one process changes the next answer of the other', async () => {
    const [a, b] = servers.map(({ url }) => new ApiClient(url));
    const staff = a.withToken(token);
    const licensed = await setupLicensed(staff, { scope: 'seat' });
    const codeIn = async (client: ApiClient) =>
      (await client.post('/v1/validate', { key: licensed.key, product: licensed.productCode })).body.code;
    const act = (action: string) => staff.post(`/v1/licenses/${licensed.licenseId}/actions/${action}`, {});
    expect(await codeIn(b)).toBe('VALID');
    expect(await codeIn(b)).toBe('VALID');
    expect((await act('suspend')).status).toBe(200);
    expect(await codeIn(b)).toBe('SUSPENDED');
    expect((await act('reinstate')).status).toBe(200);
    expect(await codeIn(b)).toBe('VALID');
    const activation = {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id: 'pc-1' },
    };
    expect((await b.post('/v1/activate', activation)).status).toBe(201);
    expect((await b.post('/v1/activate', activation)).status).toBe(200);
    expect((await act('revoke')).status).toBe(200);
    expect(await codeIn(b)).toBe('REVOKED');
    expect((await b.post('/v1/activate', activation)).body.error.code).toBe('LICENSE_NOT_USABLE');
  });
});
