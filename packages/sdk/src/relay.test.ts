import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerWithKey, issue, setupLicensed } from '../../server/src/test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/test-server.js';
import { LicensorClient } from './client.js';

type Body = Record<string, unknown>;
/** How the relay rewrites a request on its way to the server; undefined passes it through. */
let rewrite: ((path: string, body: Body) => Body) | undefined;
/** The signatures of the answers the relay passed on, last last. */
const signatures: string[] = [];
/**
 * When set, the relay holds two requests, sends both to the server at once (their answers under one tree
 * signature when they share a turn) and gives each app the other's answer.
 */
let swapPairs = false;
type Held = { answer: (status: number, signature: string | null, body: Buffer) => void };
let held: { request: Held; answer: Promise<Response> } | undefined;

/**
 * DESIGN §4: a relay between the app and the server that swaps what the app asked for gets genuine,
 * signed answers from the server, but the SDK refuses every one of them, because the answer repeats the
 * request it answers.
 */
describe('a relay that rewrites requests on their way to the server', () => {
  let server: TestServer;
  let relay: http.Server;
  let client: LicensorClient;
  let seat: Awaited<ReturnType<typeof setupLicensed>>;
  let floating: Awaited<ReturnType<typeof setupLicensed>>;
  let otherKey: string;
  let options: { baseUrl: string; publicKeys: Record<string, string>; now: () => Date };

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const keys = await server.anon.get(`/v1/vendors/${server.vendor.vendor.prefix}/signing-keys`);
    const publicKeys = Object.fromEntries(
      keys.body.data.map((k: { kid: string; publicKey: string }) => [k.kid, k.publicKey]),
    );
    seat = await setupLicensed(server.api, { scope: 'seat', maxSeats: 5, capabilities: ['run'] });
    floating = await setupLicensed(server.api, { scope: 'floating', maxSessions: 5 });
    // Another customer's key holding a license of the same product.
    const other = await createCustomerWithKey(server.api);
    await issue(server.api, other.keyId, seat.licenseTypeId);
    otherKey = other.key;
    await server.anon.post('/v1/activate', {
      key: otherKey,
      product: seat.productCode,
      resource: { kind: 'machine', id: 'their-pc' },
    });
    relay = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const sent = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Body) : {};
      const body = rewrite ? rewrite(req.url!, sent) : sent;
      const accept = req.headers['licensor-accept-signature'];
      const forwarded = fetch(`${server.url}${req.url}`, {
        method: req.method,
        headers: {
          'content-type': 'application/json',
          ...(typeof accept === 'string' ? { 'licensor-accept-signature': accept } : {}),
        },
        body: JSON.stringify(body),
      });
      const reply: Held = {
        answer: (status, signature, bytes) => {
          if (signature) signatures.push(signature);
          res.writeHead(status, {
            'content-type': 'application/json',
            ...(signature ? { 'licensor-signature': signature } : {}),
          });
          res.end(bytes);
        },
      };
      const pass = async (to: Held, answer: Response) =>
        to.answer(
          answer.status,
          answer.headers.get('licensor-signature'),
          Buffer.from(await answer.arrayBuffer()),
        );
      if (!swapPairs) return pass(reply, await forwarded);
      if (!held) {
        held = { request: reply, answer: forwarded };
        return;
      }
      const first = held;
      held = undefined;
      const [firstAnswer, secondAnswer] = await Promise.all([first.answer, forwarded]);
      await pass(first.request, secondAnswer);
      await pass(reply, firstAnswer);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    options = {
      baseUrl: `http://127.0.0.1:${(relay.address() as { port: number }).port}`,
      publicKeys,
      now: () => server.clock.now(),
    };
    client = new LicensorClient(options);
  });
  afterAll(async () => {
    relay.close();
    await server.close();
  });

  it('passes answers through untouched: validate, activate, sessions, heartbeat, coupon', async () => {
    rewrite = undefined;
    const resource = { kind: 'machine', id: 'my-pc' };
    expect(await client.activate({ key: seat.key, product: seat.productCode, resource })).toMatchObject({
      resource: { id: 'my-pc' },
    });
    expect(
      await client.validate({
        key: seat.key.toLowerCase(),
        product: seat.productCode,
        resource,
        capabilities: ['run'],
      }),
    ).toMatchObject({ valid: true, code: 'VALID' });
    const session = await client.openSession({
      key: floating.key,
      product: floating.productCode,
      resource: { kind: 'device', id: 'd1' },
    });
    expect((await client.heartbeat(session.id)).expiresAt).toBeTruthy();
    const batch = await server.api.post('/v1/coupon-batches', {
      type: 'add_product',
      items: [{ licenseTypeId: floating.licenseTypeId }],
      count: 1,
    });
    expect((await client.redeemCoupon({ key: seat.key, coupon: batch.body.codes[0] })).licenses.length).toBe(
      2,
    );
    // The SDK asks for tree signatures, and checks them.
    expect(signatures.slice(-5).every((signature) => signature.includes('alg="ed25519-tree"'))).toBe(true);
  });

  it('the SDK refuses two genuine answers, one tree’s leaves or not, when the relay gives each app the other’s', async () => {
    rewrite = undefined;
    swapPairs = true;
    try {
      const asked = ['pc-a', 'pc-b'].map((id) =>
        client.validate({ key: seat.key, product: seat.productCode, resource: { kind: 'machine', id } }),
      );
      const outcomes = await Promise.allSettled(asked);
      for (const outcome of outcomes)
        expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'NONCE_MISMATCH' } });
    } finally {
      swapPairs = false;
    }
  });

  const rewrites: [string, (path: string, body: Body) => Body, string][] = [
    ["swaps the key for another customer's", (_, body) => ({ ...body, key: otherKey }), 'REQUEST_MISMATCH'],
    [
      'swaps the resource for one that was activated',
      (_, body) => ({ ...body, resource: { kind: 'machine', id: 'their-pc' }, key: otherKey }),
      'REQUEST_MISMATCH',
    ],
    ['drops the capabilities asked for', (_, body) => ({ ...body, capabilities: [] }), 'REQUEST_MISMATCH'],
    [
      'replaces the nonce (a replay)',
      (_, body) => ({ ...body, nonce: 'recorded-earlier' }),
      'NONCE_MISMATCH',
    ],
  ];
  it.each(rewrites)('the SDK refuses the answer when the relay %s', async (_, change, code) => {
    rewrite = change;
    await expect(
      client.validate({
        key: seat.key,
        product: seat.productCode,
        resource: { kind: 'machine', id: 'never-activated' },
        capabilities: ['run'],
      }),
    ).rejects.toMatchObject({ code });
  });

  it('the SDK refuses rewritten activation, session, heartbeat and coupon answers', async () => {
    rewrite = (_, body) => ({ ...body, resource: { kind: 'machine', id: 'other-pc' } });
    await expect(
      client.activate({
        key: seat.key,
        product: seat.productCode,
        resource: { kind: 'machine', id: 'pc-2' },
      }),
    ).rejects.toMatchObject({ code: 'REQUEST_MISMATCH' });
    rewrite = (_, body) => ({ ...body, key: otherKey, product: seat.productCode });
    await expect(
      client.openSession({
        key: floating.key,
        product: floating.productCode,
        resource: { kind: 'device', id: 'd2' },
      }),
    ).rejects.toMatchObject({ code: 'REQUEST_MISMATCH' });
    rewrite = undefined;
    const mine = await client.openSession({
      key: floating.key,
      product: floating.productCode,
      resource: { kind: 'device', id: 'd3' },
    });
    rewrite = (path) => (path.includes(mine.id) ? { nonce: 'x' } : {});
    await expect(client.heartbeat(mine.id)).rejects.toMatchObject({ code: 'NONCE_MISMATCH' });
    rewrite = (_, body) => ({ ...body, key: otherKey });
    const batch = await server.api.post('/v1/coupon-batches', {
      type: 'add_product',
      items: [{ licenseTypeId: floating.licenseTypeId }],
      count: 1,
    });
    await expect(client.redeemCoupon({ key: seat.key, coupon: batch.body.codes[0] })).rejects.toMatchObject({
      code: 'REQUEST_MISMATCH',
    });
  });

  it('the SDK refuses a genuine answer that is stale by its clock', async () => {
    rewrite = undefined;
    const late = new LicensorClient({
      ...options,
      now: () => new Date(server.clock.now().getTime() + 10 * 60_000),
    });
    await expect(late.validate({ key: seat.key, product: seat.productCode })).rejects.toMatchObject({
      code: 'STALE_ANSWER',
    });
  });
});
