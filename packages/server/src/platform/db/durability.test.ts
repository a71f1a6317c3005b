import { afterAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, type TestStore } from '../../test-support/databases.js';
import { ApiClient } from '../../test-support/http-client.js';
import { runCli, spawnServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('invariant 6: acknowledged writes survive kill -9 on %s', (dialect) => {
  let store: TestStore;
  afterAll(() => store?.drop());

  it('a server killed mid-stream of writes loses none that it acknowledged', async () => {
    store = createTestStore(dialect);
    const init = await runCli(
      ['init', '--vendor', 'Durable', '--prefix', 'DURA', '--email', `d-${dialect}@example.test`],
      store.env,
    );
    const { token } = JSON.parse(init.stdout);
    const first = await spawnServer(store.env);
    const api = new ApiClient(first.url).withToken(token);
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (lane: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const response = await api.post('/v1/customers', { name: `lane ${lane} #${i}` });
          if (response.status === 201) acknowledged.push(response.body.id);
        } catch {
          return; // the connection died with the server
        }
      }
    };
    const lanes = Array.from({ length: 4 }, (_, lane) => writer(lane));
    while (acknowledged.length < 150) await new Promise((resolve) => setTimeout(resolve, 5));
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all([exited, ...lanes]);

    const second = await spawnServer(store.env);
    try {
      const reader = new ApiClient(second.url).withToken(token);
      const missing: string[] = [];
      for (const id of acknowledged) {
        const response = await reader.get(`/v1/customers/${id}`);
        if (response.status !== 200) missing.push(id);
      }
      expect(acknowledged.length).toBeGreaterThanOrEqual(150);
      expect(missing).toEqual([]);
    } finally {
      second.child.kill('SIGKILL');
    }
  });
});
