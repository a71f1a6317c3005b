import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createTestStore } from '../../server/src/test-support/databases.js';
import { setupLicensed } from '../../server/src/test-support/fixtures.js';
import { ApiClient } from '../../server/src/test-support/http-client.js';
import { runCli, spawnServer } from '../../server/src/test-support/test-server.js';

/** The server processes the primary runs (its children). */
function serversOf(primary: ChildProcess): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(primary.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

async function until<T>(what: string, value: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = value();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(['sqlite', 'postgres'] as const)('licensor serve with WEB_CONCURRENCY=2 on %s', (dialect) => {
  it('runs two server processes on one port that keep the seat limit between them, replaces a killed one, and stops on SIGTERM', async () => {
    const store = createTestStore(dialect);
    const env = { ...store.env, WEB_CONCURRENCY: '2', VALIDATE_RATE_LIMIT: '0' };
    const init = await runCli(['init', '--vendor', 'Duo', '--prefix', 'DUOS', '--email', 'd@duo.test'], env);
    expect(init.code, init.stderr).toBe(0);
    const { token } = JSON.parse(init.stdout);
    const { url, child: primary, output } = await spawnServer(env);
    try {
      expect(output[0]).toContain('(2 server processes)');
      const servers = await until('two servers', () => {
        const pids = serversOf(primary);
        return pids.length === 2 ? pids : undefined;
      });

      // Connections alternate between the two processes, so the 30 activations race across them.
      const api = new ApiClient(url).withToken(token);
      const licensed = await setupLicensed(api, { scope: 'seat', resourceKind: 'device', maxSeats: 5 });
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          fetch(`${url}/v1/activate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', connection: 'close' },
            body: JSON.stringify({
              key: licensed.key,
              product: licensed.productCode,
              resource: { kind: 'device', id: `pc-${i}` },
            }),
          }).then((response) => response.status),
        ),
      );
      expect(answers.filter((status) => status === 201)).toHaveLength(5);
      expect(answers.filter((status) => status === 409)).toHaveLength(25);
      const card = await api.get(`/v1/licenses/${licensed.licenseId}`);
      expect(card.body.seatsUsed).toBe(5);

      // A connection the primary hands to a server at the instant it dies is lost with it (node:cluster), so
      // the requests below wait for the replacement.
      process.kill(servers[1]!, 'SIGKILL');
      const replaced = await until('a replacement server', () => {
        const pids = serversOf(primary);
        return pids.length === 2 && !pids.includes(servers[1]!) ? pids : undefined;
      });
      expect(replaced).toContain(servers[0]);
      // The client may still hold a kept-alive connection to the killed server: an idempotent GET is asked once
      // more on a fresh one, as HTTP clients do.
      const get = (path: string) => api.get(path).catch(() => api.get(path));
      expect((await get('/v1/products')).status).toBe(200);
      expect((await get(`/v1/licenses/${licensed.licenseId}`)).body.seatsUsed).toBe(5);
    } finally {
      primary.kill('SIGTERM');
      const code = await new Promise((resolve) =>
        primary.exitCode !== null ? resolve(primary.exitCode) : primary.on('exit', resolve),
      );
      expect(code).toBe(0);
      expect(serversOf(primary)).toEqual([]);
      await store.drop();
    }
  }, 60_000);
});
