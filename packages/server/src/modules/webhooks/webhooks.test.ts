import dns from 'node:dns/promises';
import http from 'node:http';
import os from 'node:os';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { recordEvent } from '../../platform/events.js';
import { sendMailLater } from '../../platform/mail/send-later.js';
import { subscribed } from '../../platform/outbox.js';
import { createBackgroundWork, createJobRunner } from '../../server.js';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startSmtpServer } from '../../test-support/smtp.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { DeliveryLane } from './delivery-lane.js';
import { isForbiddenAddress } from './safe-destination.js';

/** A real HTTP receiver whose answer the test controls; `hang` leaves requests unanswered. */
async function receiver() {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const state: { status: number; hang: boolean; location?: string } = { status: 500, hang: false };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (state.hang) return;
      res.writeHead(state.status, state.location ? { location: state.location } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    state,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const typesOf = (received: { body: string }[]) => received.map((r) => JSON.parse(r.body).type).sort();

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

  /** Moves time and lets a delivery lane and a job runner (fresh ones, as after a restart) do what is due. */
  const later = async (ms: number) => {
    clock.advance(ms);
    await new DeliveryLane(server.ctx).drain();
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

    await later(0);
    expect(typesOf(hook.received)).toEqual(['binding.created', 'license.issued']);
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

    // Events while it is disabled wait for it; once fixed and enabled again they arrive, and a redelivery of
    // the failed one gets a fresh day of attempts.
    await server.api.post('/v1/customers', { name: 'While disabled' });
    hook.state.status = 200;
    const received = hook.received.length;
    await later(1000);
    expect(hook.received).toHaveLength(received);
    await server.api.patch(`/v1/webhooks/${endpoint.id}`, { enabled: true });
    await later(1000);
    expect(hook.received.slice(received).map((r) => JSON.parse(r.body).data.after?.name)).toEqual([
      'While disabled',
    ]);
    const redelivered = await server.api.post(`/v1/webhook-deliveries/${delivery.id}/actions/redeliver`);
    expect(redelivered.body).toMatchObject({ state: 'pending', attempts: 0 });
    await later(1000);
    const [again] = (await server.api.get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.data.filter(
      (d: { id: string }) => d.id === delivery.id,
    );
    expect(again).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200 });
  });

  it('an event whose transaction commits long after it was recorded is still delivered', async () => {
    const late = await receiver();
    late.state.status = 200;
    try {
      await server.api.post('/v1/webhooks', { url: late.url, events: ['customer.*'] });
      const vendorId = server.vendor.vendor.id;
      const actor = { type: 'system', id: null, name: 'test', channel: 'api' } as const;
      if (dialect === 'postgres') {
        // Recorded now, committed after a later event has been recorded, committed and delivered.
        let commit!: () => void;
        const held = new Promise<void>((resolve) => {
          commit = resolve;
        });
        const slow = inTransaction(server.ctx.handle, async (trx) => {
          await recordEvent(trx, vendorId, actor, clock.now(), {
            type: 'customer.updated',
            subjectType: 'customer',
            subjectId: 'slow',
          });
          await held;
        });
        await later(1000);
        await server.api.post('/v1/customers', { name: 'Recorded later, committed first' });
        await later(10_000);
        expect(typesOf(late.received)).toEqual(['customer.created']);
        commit();
        await slow;
      } else {
        // SQLite serialises writers, so no later event can commit first; what remains is the guarantee that
        // the delivery commits or rolls back with its event.
        await inTransaction(server.ctx.handle, async (trx) => {
          await recordEvent(trx, vendorId, actor, clock.now(), {
            type: 'customer.deleted',
            subjectType: 'customer',
            subjectId: 'rolled-back',
          });
          throw new Error('roll back');
        }).catch(() => undefined);
        await server.api.post('/v1/customers', { name: 'Committed' });
        await inTransaction(server.ctx.handle, (trx) =>
          recordEvent(trx, vendorId, actor, new Date(clock.now().getTime() - 10_000), {
            type: 'customer.updated',
            subjectType: 'customer',
            subjectId: 'stamped ten seconds back',
          }),
        );
      }
      await later(1000);
      expect(typesOf(late.received)).toEqual(['customer.created', 'customer.updated']);
    } finally {
      late.close();
    }
  });

  it('a receiver that never answers delays neither other endpoints nor mail', async () => {
    const stuck = await receiver();
    stuck.state.hang = true;
    const quick = await receiver();
    quick.state.status = 200;
    const work = createBackgroundWork(server.ctx);
    try {
      await server.api.post('/v1/webhooks', { url: stuck.url, events: ['partner.*'] });
      // A backlog larger than any claim window: the stuck endpoint must not keep the quick one waiting.
      for (let i = 0; i < 80; i++) await server.api.post('/v1/partners', { name: `Slow partner ${i}` });
      await server.api.post('/v1/webhooks', { url: quick.url, events: ['partner.*'] });
      await server.api.post('/v1/partners', { name: 'Quick partner' });
      const mailsBefore = smtp.received.length;
      await inTransaction(server.ctx.handle, (trx) =>
        sendMailLater(
          trx,
          server.vendor.vendor.id,
          { to: ['ops@example.test'], subject: 'Mail beside a stuck webhook', text: 'on time' },
          clock.now(),
        ),
      );
      const started = Date.now();
      work.start();
      while (Date.now() - started < 8000) {
        if (quick.received.length > 0 && smtp.received.length > mailsBefore) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(typesOf(quick.received)).toEqual(['partner.created']);
      expect(smtp.received.length).toBeGreaterThan(mailsBefore);
      expect(Date.now() - started).toBeLessThan(5000);
      // Two attempts at most hang at once on the stuck endpoint; the other 78 wait their turn.
      expect(stuck.received.length).toBe(2);
    } finally {
      stuck.close();
      await work.stop();
      quick.close();
    }
  });
});

describe('webhook destinations', () => {
  it('loopback, private, link-local, metadata and unspecified addresses are forbidden', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '100.64.0.1',
      '::7f00:1',
      '64:ff9b::a9fe:a9fe',
      '2002:7f00:1::1',
    ])
      expect(isForbiddenAddress(address), address).toBe(true);
    for (const address of ['93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect(isForbiddenAddress(address), address).toBe(false);
  });
});

describe.each(DIALECTS)('webhooks on a shared server (%s)', (dialect) => {
  let server: TestServer;
  let hook: Awaited<ReturnType<typeof receiver>>;
  const clock = new ManualClock(new Date('2026-05-01T08:00:00Z'));
  beforeAll(async () => {
    hook = await receiver();
    hook.state.status = 200;
    server = await startTestServer(dialect, { clock, config: { webhookAllowPrivate: false } });
  });
  afterAll(async () => {
    hook.close();
    await server.close();
  });

  it('an admin attempts to point a webhook at loopback, private or metadata addresses', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://[::1]/hook',
      'http://0.0.0.0/hook',
      'http://localhost:5432/',
      'http://localhost./',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.5/hook',
      'http://[::ffff:127.0.0.1]/hook',
    ]) {
      const response = await server.api.post('/v1/webhooks', { url, events: ['*'] });
      expect(response.status, url).toBe(400);
      expect(response.body.error.code, url).toBe('WEBHOOK_URL_FORBIDDEN');
    }
    expect((await server.api.get('/v1/webhooks')).body.data).toEqual([]);
  });

  it('a name that resolves to a forbidden address is refused when delivering', async () => {
    const name = os.hostname();
    const resolved = await dns.lookup(name, { all: true });
    expect(resolved.some((a) => isForbiddenAddress(a.address))).toBe(true); // the premise of this test
    const endpoint = (
      await server.api.post('/v1/webhooks', {
        url: `http://${name}:${hook.port}/hook`,
        events: ['customer.*'],
      })
    ).body;
    await server.api.post('/v1/customers', { name: 'Someone' });
    await new DeliveryLane(server.ctx).drain();
    expect(hook.received).toHaveLength(0);
    const [delivery] = (await server.api.get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.data;
    expect(delivery).toMatchObject({ state: 'pending', attempts: 1 });
    expect(delivery.lastError).toContain('forbidden address');
  });
});

describe.each(DIALECTS)('webhook redirects (%s)', (dialect) => {
  it('a redirect is not followed', async () => {
    const target = await receiver();
    target.state.status = 200;
    const redirecting = await receiver();
    redirecting.state.status = 302;
    redirecting.state.location = target.url;
    const server = await startTestServer(dialect);
    try {
      const endpoint = (await server.api.post('/v1/webhooks', { url: redirecting.url, events: ['*'] })).body;
      await server.api.post('/v1/customers', { name: 'Redirected' });
      await new DeliveryLane(server.ctx).drain();
      expect(redirecting.received.length).toBeGreaterThan(0);
      expect(target.received).toHaveLength(0);
      const deliveries = (await server.api.get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.data;
      expect(deliveries.every((d: { lastStatus: number }) => d.lastStatus === 302)).toBe(true);
    } finally {
      await server.close();
      target.close();
      redirecting.close();
    }
  });
});
