import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test-support/databases.js';
import { type Licensed, setupLicensed } from '../../../test-support/fixtures.js';
import { exchange, type RawAnswer, rawPost } from '../../../test-support/raw-http.js';
import { startTestServer, type TestServer } from '../../../test-support/test-server.js';
import { installDirectLane } from './index.js';

/** What the lane counted so far, from /metrics. */
async function laneCounts(server: TestServer): Promise<{ answered: number; handedOn: number }> {
  const text = (await server.anon.get('/metrics')).text;
  const count = (outcome: string) =>
    Number(new RegExp(`licensor_direct_lane_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  return { answered: count('answered'), handedOn: count('handed_on') };
}

/** An answer without what differs between two askings: its time, its signature, the date. */
function gist(answer: RawAnswer) {
  const { date: _date, 'licensor-signature': signature, ...headers } = answer.headers;
  const { ts: _ts, ...body } = JSON.parse(answer.body);
  return { status: answer.status, headers, signed: signature !== undefined, body };
}

describe.each(DIALECTS)('the direct lane on %s', (dialect) => {
  let server: TestServer;
  let licensed: Licensed;
  let question: string;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    licensed = await setupLicensed(server.api, { scope: 'seat', maxSeats: 2, capabilities: ['run'] });
    question = JSON.stringify({ key: licensed.key, product: licensed.productCode, nonce: 'n-1' });
  });
  afterAll(() => server.close());

  it('an app’s plain validation is answered by the lane exactly as the framework answers it', async () => {
    const before = await laneCounts(server);
    const direct = await exchange(server.url, [rawPost('/v1/validate', question)], { answers: 1 });
    const afterDirect = await laneCounts(server);
    expect(afterDirect.answered).toBe(before.answered + 1);
    // A query string is not the lane's: the framework answers the same route.
    const framework = await exchange(server.url, [rawPost('/v1/validate?from=framework', question)], {
      answers: 1,
    });
    expect(await laneCounts(server)).toEqual({
      answered: afterDirect.answered,
      handedOn: afterDirect.handedOn + 1,
    });
    expect(direct.answers[0]!.status).toBe(200);
    expect(JSON.parse(direct.answers[0]!.body)).toMatchObject({ valid: true, code: 'VALID', nonce: 'n-1' });
    expect(gist(direct.answers[0]!)).toEqual(gist(framework.answers[0]!));
    expect(direct.answers[0]!.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
  });

  it('a tree-signed answer is asked and given on the lane as on the framework', async () => {
    const asked = { 'licensor-accept-signature': 'ed25519-tree' };
    const { answers } = await exchange(
      server.url,
      [rawPost('/v1/validate', question, asked), rawPost('/v1/validate?x', question, asked)],
      { answers: 2, gapMs: 50 },
    );
    expect(answers.map((answer) => /alg="([^"]+)"/.exec(answer.headers['licensor-signature']!)?.[1])).toEqual(
      ['ed25519-tree', 'ed25519-tree'],
    );
  });

  it('a client that pipelines gets every answer in order, the lane’s and then the framework’s', async () => {
    const before = await laneCounts(server);
    const { answers } = await exchange(
      server.url,
      [
        rawPost('/v1/validate', question) +
          'GET /healthz HTTP/1.1\r\nhost: test\r\n\r\n' +
          rawPost('/v1/validate', question),
      ],
      { answers: 3 },
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(JSON.parse(answers[1]!.body)).toEqual({ status: 'ok' });
    expect(JSON.parse(answers[2]!.body)).toMatchObject({ code: 'VALID' });
    const after = await laneCounts(server);
    expect(after.answered - before.answered).toBe(1);
    expect(after.handedOn - before.handedOn).toBe(1);
  });

  it('a request that arrives in pieces is answered, by the framework', async () => {
    const whole = rawPost('/v1/validate', question);
    const { answers } = await exchange(
      server.url,
      [whole.slice(0, 40), whole.slice(40, 120), whole.slice(120)],
      {
        answers: 1,
        gapMs: 30,
      },
    );
    expect(answers[0]!.status).toBe(200);
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ code: 'VALID', nonce: 'n-1' });
  });

  /** A body of the right shape, for the refusals of its framing. */
  const framed = '{"key":"K","product":"p"}';
  const notUtf8Body = '{"key":"K\xff","product":"p"}';
  const notUtf8 = Buffer.from(
    rawPost('/v1/validate', notUtf8Body).replace(
      /content-length: \d+/,
      `content-length: ${notUtf8Body.length}`,
    ),
    'latin1',
  );
  // Each after a valid request on the same connection, so the lane has taken it first and hands it on mid-way.
  const refusals: [string, string | Buffer, number, string | undefined][] = [
    ['malformed JSON', rawPost('/v1/validate', '{"key":'), 400, 'MALFORMED_JSON'],
    [
      'a body that fails the schema',
      rawPost('/v1/validate', '{"key":"K","product":"p","extra":1}'),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a NUL in the body',
      rawPost('/v1/validate', '{"key":"K\\u0000","product":"p"}'),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a poisoned prototype',
      rawPost('/v1/validate', '{"key":"K","product":"p","__proto__":{"x":1}}'),
      400,
      'MALFORMED_JSON',
    ],
    ['bytes that are not UTF-8', notUtf8, 400, 'MALFORMED_JSON'],
    [
      'a body over the limit',
      rawPost('/v1/validate', JSON.stringify({ key: 'k'.repeat(1_100_000) })),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'another media type',
      rawPost('/v1/validate', framed, { 'content-type': 'application/xml' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['an empty body', rawPost('/v1/validate', ''), 400, 'MALFORMED_JSON'],
    [
      'Content-Length twice',
      rawPost('/v1/validate', framed).replace('\r\n\r\n', `\r\ncontent-length: ${framed.length}\r\n\r\n`),
      400,
      undefined,
    ],
    [
      'Content-Length and chunked',
      rawPost('/v1/validate', framed).replace('\r\n\r\n', '\r\ntransfer-encoding: chunked\r\n\r\n'),
      400,
      undefined,
    ],
    [
      'a folded header',
      rawPost('/v1/validate', framed).replace('\r\n\r\n', '\r\nx-note: a\r\n b\r\n\r\n'),
      400,
      undefined,
    ],
    ['no Host', rawPost('/v1/validate', framed).replace('host: test\r\n', ''), 400, undefined],
    [
      'a control byte in a header',
      rawPost('/v1/validate', framed).replace('\r\n\r\n', '\r\nx-note: \x0ba\r\n\r\n'),
      400,
      undefined,
    ],
  ];
  it.each(refusals)(
    '%s after a lane answer is refused by the framework as before',
    async (_name, bad, status, code) => {
      const { answers } = await exchange(server.url, [rawPost('/v1/validate', question), bad], {
        answers: 2,
        gapMs: 30,
      });
      expect(answers[0]!.status).toBe(200);
      expect(answers[1]!.status).toBe(status);
      if (code) expect(JSON.parse(answers[1]!.body).error.code).toBe(code);
    },
  );

  it('a chunked validation is the framework’s, and answered', async () => {
    const chunked =
      'POST /v1/validate HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n' +
      `${question.length.toString(16)}\r\n${question}\r\n0\r\n\r\n`;
    const { answers } = await exchange(server.url, [chunked], { answers: 1 });
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ code: 'VALID' });
  });

  it('a client that half-closes after asking gets its answer, then the connection ends', async () => {
    const result = await exchange(server.url, [rawPost('/v1/validate', question)], { answers: 2, end: true });
    expect(result.answers.map((answer) => answer.status)).toEqual([200]);
    expect(result.closed).toBe(true);
  });

  it('counts the lane’s answers in the request metrics', async () => {
    await exchange(server.url, [rawPost('/v1/validate', question)], { answers: 1 });
    const text = (await server.anon.get('/metrics')).text;
    expect(text).toMatch(
      /licensor_http_request_duration_seconds_count\{method="POST",route="\/v1\/validate",status="200"\} [1-9]/,
    );
  });
});

describe('the direct lane’s limits', () => {
  it('an app over its rate limit gets 429 with Retry-After from the lane; behind a trusted proxy, per forwarded address', async () => {
    const server = await startTestServer('sqlite', { config: { validateRateLimit: 2, trustProxy: true } });
    try {
      const licensed = await setupLicensed(server.api, { scope: 'seat', maxSeats: 2 });
      const question = JSON.stringify({ key: licensed.key, product: licensed.productCode });
      const from = (address: string) => rawPost('/v1/validate', question, { 'x-forwarded-for': address });
      const before = await laneCounts(server);
      const first = await exchange(
        server.url,
        [from('203.0.113.1'), from('203.0.113.1'), from('203.0.113.1')],
        {
          answers: 3,
          gapMs: 20,
        },
      );
      expect(first.answers.map((answer) => answer.status)).toEqual([200, 200, 429]);
      const refused = first.answers[2]!;
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.headers['access-control-allow-origin']).toBe('*');
      expect(JSON.parse(refused.body).error.code).toBe('RATE_LIMITED');
      // Another forwarded client has its own budget; the framework's route counts in the same one.
      const other = await exchange(
        server.url,
        [
          from('203.0.113.2'),
          rawPost('/v1/validate?x', question, { 'x-forwarded-for': '203.0.113.2' }),
          from('203.0.113.2'),
        ],
        {
          answers: 3,
          gapMs: 20,
        },
      );
      expect(other.answers.map((answer) => answer.status)).toEqual([200, 200, 429]);
      expect((await laneCounts(server)).answered - before.answered).toBe(4);
    } finally {
      await server.close();
    }
  });

  it('closing the server ends the lane’s idle connections at once', async () => {
    const server = await startTestServer('sqlite');
    const licensed = await setupLicensed(server.api, { scope: 'seat', maxSeats: 2 });
    const question = JSON.stringify({ key: licensed.key, product: licensed.productCode });
    const idle = exchange(server.url, [rawPost('/v1/validate', question)], { answers: 2 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Far sooner than the 72 s a kept-alive connection may idle: closing does not wait for it.
    const timedOut = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('close waited')), 30_000).unref(),
    );
    await Promise.race([server.close(), timedOut]);
    const { answers, closed } = await idle;
    expect(answers.map((answer) => answer.status)).toEqual([200]);
    expect(closed).toBe(true);
  });
});

describe('the direct lane over a bare node:http server', () => {
  it('a client that pipelines without reading its answers is answered no further until it reads', async () => {
    let answered = 0;
    const megabyte = 'm'.repeat(1 << 20);
    const server = http.createServer((_request, response) => response.end('framework'));
    installDirectLane(
      server,
      [
        {
          method: 'POST',
          url: '/big',
          validate: () => true,
          answer: async () => {
            answered++;
            return { status: 200, headers: {}, body: megabyte };
          },
        },
      ],
      {
        bodyLimit: 1024,
        parseJson: (text) => JSON.parse(text),
        bodyProblem: () => undefined,
        headers: {},
        clientAddress: (address) => address,
        answerError: () => ({ status: 500, headers: {}, body: '' }),
        answered: () => undefined,
        handedOn: () => undefined,
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    try {
      socket.pause();
      await new Promise((resolve) => socket.once('connect', resolve));
      // 200 MB of answers asked at once: far more than the kernel's buffers hold.
      const count = 200;
      socket.write(rawPost('/big', '{}').repeat(count));
      let seen = -1;
      while (seen !== answered) {
        seen = answered;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(answered).toBeGreaterThan(0);
      expect(answered).toBeLessThan(count);
      // Once the client reads, every question is answered.
      let received = 0;
      await new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (answered === count && received >= count * megabyte.length) resolve();
        });
        socket.resume();
      });
    } finally {
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
