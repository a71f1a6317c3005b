import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { createTestStore } from '../../server/src/test-support/databases.js';
import { setupLicensed } from '../../server/src/test-support/fixtures.js';
import { ApiClient } from '../../server/src/test-support/http-client.js';
import { startSmtpServer } from '../../server/src/test-support/smtp.js';
import { runCli, spawnServer, spawnWorker } from '../../server/src/test-support/test-server.js';

/** Polls until `done()` holds, or fails after `ms`. */
async function until(what: string, done: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve),
  );

describe.each(['sqlite', 'postgres'] as const)('licensor worker beside licensor serve on %s', (dialect) => {
  it('with RUN_JOBS=0 on the server, the worker sends mail and webhooks and reaps sessions until SIGTERM', async () => {
    const smtp = await startSmtpServer();
    const hooks: string[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        hooks.push(JSON.parse(body).type);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    const store = createTestStore(dialect);
    const env = { ...store.env, SMTP_URL: smtp.url, RUN_JOBS: '0', SESSION_REAP_SECONDS: '1' };
    const init = await runCli(
      ['init', '--vendor', 'Work', '--prefix', 'WORK', '--email', 'w@work.test'],
      env,
    );
    const { token } = JSON.parse(init.stdout);
    const { url, child: server } = await spawnServer(env);
    const worker = await spawnWorker(env);
    try {
      const api = new ApiClient(url).withToken(token);
      await api.post('/v1/webhooks', { url: hookUrl, events: ['customer.created', 'session.expired'] });
      const licensed = await setupLicensed(api, { scope: 'floating', maxSessions: 1, heartbeatSeconds: 10 });
      const anon = new ApiClient(url);
      const opened = await anon.post('/v1/sessions', {
        key: licensed.key,
        product: licensed.productCode,
        resource: { kind: 'device', id: 'pc-1' },
        ttlSeconds: 10,
      });
      expect(opened.status).toBe(201);
      const login = await anon.post('/v1/customer/auth/login', { key: licensed.key });
      const cabinet = anon.withHeaders({
        cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
        'x-csrf-token': login.body.csrfToken,
      });
      const asked = await cabinet.post('/v1/customer/requests', {
        kind: 'renew',
        licenseId: licensed.licenseId,
      });
      expect(asked.status).toBe(201);

      await until('the request mail', () => smtp.received.some((m) => m.subject.includes('asks to renew')));
      await until('the customer.created webhook', () => hooks.includes('customer.created'));
      await until('the reaped session', () => hooks.includes('session.expired'));
      const again = await anon.post('/v1/sessions', {
        key: licensed.key,
        product: licensed.productCode,
        resource: { kind: 'device', id: 'pc-2' },
      });
      expect(again.status).toBe(201); // the reaped session's seat is free again

      expect(worker.exitCode).toBeNull(); // still running, long after its first pass
      worker.kill('SIGTERM');
      expect(await exited(worker)).toBe(0);
    } finally {
      worker.kill('SIGKILL');
      server.kill('SIGTERM');
      await exited(server);
      receiver.close();
      await smtp.close();
      await store.drop();
    }
  }, 60_000);

  it('two workers share the webhook outbox: each of 40 events is delivered exactly once', async () => {
    const ids: string[] = [];
    const receiver = http.createServer((req, res) => {
      ids.push(String(req.headers['webhook-id']));
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    const store = createTestStore(dialect);
    const env = { ...store.env, RUN_JOBS: '0' };
    const init = await runCli(['init', '--vendor', 'Two', '--prefix', 'TWOW', '--email', 't@two.test'], env);
    const { url, child: server } = await spawnServer(env);
    const workers = await Promise.all([spawnWorker(env), spawnWorker(env)]);
    try {
      const api = new ApiClient(url).withToken(JSON.parse(init.stdout).token);
      await api.post('/v1/webhooks', { url: hookUrl, events: ['customer.created'] });
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => api.post('/v1/customers', { name: `Customer ${i}` })),
      );
      await until('40 deliveries', () => ids.length >= 40);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // a duplicate would arrive by now
      expect(ids).toHaveLength(40);
      expect(new Set(ids).size).toBe(40);
    } finally {
      for (const worker of workers) worker.kill('SIGKILL');
      server.kill('SIGTERM');
      await exited(server);
      receiver.close();
      await store.drop();
    }
  }, 60_000);
});
