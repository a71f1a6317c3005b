import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, type TestStore } from '../../test-support/databases.js';
import { ApiClient } from '../../test-support/http-client.js';
import { runCli, spawnServer } from '../../test-support/test-server.js';

/**
 * Login limits are one budget for every server process: an attacker who spreads guesses over the processes
 * behind one port (WEB_CONCURRENCY) or over several hosts gets no more guesses than against one.
 */
describe.each(DIALECTS)('login limits across two server processes on %s', (dialect) => {
  let store: TestStore;
  const servers: { url: string; child: ChildProcess }[] = [];
  let owner: string;
  beforeAll(async () => {
    store = createTestStore(dialect);
    const init = await runCli(
      ['init', '--vendor', 'Limit', '--prefix', 'LIMT', '--email', 'owner@limit.test'],
      store.env,
    );
    owner = JSON.parse(init.stdout).email ?? 'owner@limit.test';
    // Behind a trusted proxy (loopback), so each test attacks from an address of its own.
    const env = {
      ...store.env,
      LOGIN_RATE_LIMIT: '4',
      LOGIN_ADDRESS_RATE_LIMIT: '6',
      TRUST_PROXY: 'loopback',
    };
    servers.push(await spawnServer(env), await spawnServer(env));
  });
  afterAll(async () => {
    for (const { child } of servers) child.kill('SIGKILL');
    await store.drop();
  });

  it('an attacker alternating between the processes guesses one account’s password four times, not eight', async () => {
    const [a, b] = servers.map(({ url }) => new ApiClient(url, { 'x-forwarded-for': '203.0.113.7' })) as [
      ApiClient,
      ApiClient,
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await (i % 2 ? b : a).post('/v1/auth/login', { email: owner, password: `guess-${i}` })).status,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it('an attacker racing both processes at once over many accounts is held to the address’s budget', async () => {
    const [a, b] = servers.map(({ url }) => new ApiClient(url, { 'x-forwarded-for': '203.0.113.8' })) as [
      ApiClient,
      ApiClient,
    ];
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? b : a).post('/v1/partner/auth/login', { email: `p${i}@limit.test`, password: 'Summer2026' }),
      ),
    );
    const refused = answers.filter((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(6);
    expect(refused).toHaveLength(6);
    expect(refused[0]?.body.error.code).toBe('RATE_LIMITED');
  });
});
