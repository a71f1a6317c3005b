import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { createJobRunner } from '../../server.js';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startSmtpServer } from '../../test-support/smtp.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { subscribed } from './webhooks.service.js';

/** A real HTTP receiver whose answer the test controls. */
async function receiver() {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const state = { status: 500 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(state.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    received,
    state,
    close: () => server.close(),
  };
}

describe('subscriptions', () => {
  it('match *, a family, or an exact name', () => {
    expect(subscribed(['*'], 'key.created')).toBe(true);
    expect(subscribed(['license.*'], 'license.issued')).toBe(true);
    expect(subscribed(['license.*'], 'key.created')).toBe(false);
    expect(subscribed(['coupon.redeemed'], 'coupon.redeemed')).toBe(true);
  });
});

describe.each(DIALECTS)('webhooks on %s', (dialect) => {
  let server: TestServer;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const clock = new ManualClock(new Date('2026-05-01T08:00:00Z'));
  beforeAll(async () => {
    hook = await receiver();
    smtp = await startSmtpServer();
    server = await startTestServer(dialect, { clock, config: { smtpUrl: smtp.url } });
  });
  afterAll(async () => {
    hook.close();
    await server.close();
    await smtp.close();
  });

  /** Moves time and lets a runner (a fresh one each time, as after a restart) do what is due. */
  const later = async (ms: number) => {
    clock.advance(ms);
    await createJobRunner(server.ctx).drain();
  };

  it('delivers signed events, retries with backoff while the receiver fails, and succeeds once it recovers', async () => {
    const endpoint = (
      await server.api.post('/v1/webhooks', { url: hook.url, events: ['license.*', 'binding.created'] })
    ).body;
    expect(endpoint.secret).toMatch(/^whsec_/);
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    await server.anon.post('/v1/activate', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id: 'pc' },
    });

    await later(6000);
    expect(hook.received.map((r) => JSON.parse(r.body).type).sort()).toEqual([
      'binding.created',
      'license.issued',
    ]);
    const first = hook.received[0];
    // The signature covers id, timestamp and body (Standard Webhooks); recomputed with the shown-once secret.
    const timestamp = new Date(Number(first.headers['webhook-timestamp']) * 1000);
    const expected = new Webhook(endpoint.secret).sign(
      String(first.headers['webhook-id']),
      timestamp,
      first.body,
    );
    expect(first.headers['webhook-signature']).toBe(expected);
    expect(first.headers['webhook-id']).toBe(JSON.parse(first.body).data.id);

    hook.state.status = 200;
    await later(20_000); // before the first retry (30 s): nothing new
    expect(hook.received).toHaveLength(2);
    await later(15_000);
    expect(hook.received).toHaveLength(4);
    const log = (await server.api.get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.data;
    expect(
      log.map((d: { state: string; attempts: number; lastStatus: number }) => [
        d.state,
        d.attempts,
        d.lastStatus,
      ]),
    ).toEqual([
      ['delivered', 2, 200],
      ['delivered', 2, 200],
    ]);

    const redelivered = await server.api.post(`/v1/webhook-deliveries/${log[0].id}/actions/redeliver`);
    expect(redelivered.body.state).toBe('pending');
    await later(1000);
    expect(hook.received).toHaveLength(5);
    await server.api.patch(`/v1/webhooks/${endpoint.id}`, { enabled: false });
  });

  it('an endpoint failing for a day is disabled and the vendor is told by e-mail', async () => {
    hook.state.status = 503;
    const endpoint = (await server.api.post('/v1/webhooks', { url: hook.url, events: ['customer.created'] }))
      .body;
    await server.api.post('/v1/customers', { name: 'Someone' });
    for (let hour = 0; hour < 30; hour++) await later(3_600_000);
    const after = (await server.api.get('/v1/webhooks')).body.data.find(
      (e: { id: string }) => e.id === endpoint.id,
    );
    expect(after.enabled).toBe(false);
    expect(after.disabledReason).toContain('failed 12 times');
    const [delivery] = (await server.api.get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.data;
    expect(delivery).toMatchObject({ state: 'failed', attempts: 12, lastStatus: 503 });
    expect(smtp.received.some((m) => m.subject === `Webhook endpoint disabled: ${hook.url}`)).toBe(true);
  });
});
