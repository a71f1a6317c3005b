import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, type TestStore } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { ApiClient } from '../../test-support/http-client.js';
import { runCli, spawnServer } from '../../test-support/test-server.js';

/**
 * A server process answers a repeated validation from the read it kept while its database is unchanged (SQLite:
 * the file's version; PostgreSQL: the snapshot). A vendor's write through another process must end that at once.
 */
describe.each(DIALECTS)('validations after writes through another server process on %s', (dialect) => {
  let store: TestStore;
  const children: ChildProcess[] = [];
  let app: ApiClient;
  let vendor: ApiClient;
  beforeAll(async () => {
    store = createTestStore(dialect);
    const init = await runCli(
      ['init', '--vendor', 'Fresh', '--prefix', 'FRSH', '--email', 'owner@fresh.test'],
      store.env,
    );
    const [answering, writing] = await Promise.all([spawnServer(store.env), spawnServer(store.env)]);
    children.push(answering.child, writing.child);
    app = new ApiClient(answering.url);
    vendor = new ApiClient(writing.url).withToken(JSON.parse(init.stdout).token);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await store.drop();
  });

  it('an app validating all the while hears each suspension and reinstatement acknowledged by the other process', async () => {
    const seat = await setupLicensed(vendor, { scope: 'seat', maxSeats: 2 });
    const question = { key: seat.key, product: seat.productCode };
    const code = async () => (await app.post('/v1/validate', question)).body.code;
    // Twenty apps asking the same question meanwhile keep the process's read of it in use between the writes.
    let writing = true;
    const others = Array.from({ length: 20 }, async () => {
      while (writing) expect(['VALID', 'SUSPENDED']).toContain(await code());
    });
    try {
      for (let round = 0; round < 10; round++) {
        expect(await code()).toBe('VALID');
        const suspended = await vendor.post(`/v1/licenses/${seat.licenseId}/actions/suspend`, {});
        expect(suspended.status).toBe(200);
        expect(await code()).toBe('SUSPENDED');
        expect(await code()).toBe('SUSPENDED');
        const reinstated = await vendor.post(`/v1/licenses/${seat.licenseId}/actions/reinstate`, {});
        expect(reinstated.status).toBe(200);
      }
      expect(await code()).toBe('VALID');
    } finally {
      writing = false;
      await Promise.all(others);
    }
  });
});
