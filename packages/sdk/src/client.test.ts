import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupLicensed } from '../../server/src/test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/test-server.js';
import { checkAnswer, expectedEcho, LicensorClient } from './client.js';

describe('the SDK online client', () => {
  let server: TestServer;
  let publicKeys: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const keys = await server.anon.get(`/v1/vendors/${server.vendor.vendor.prefix}/signing-keys`);
    publicKeys = Object.fromEntries(
      keys.body.data.map((k: { kid: string; publicKey: string }) => [k.kid, k.publicKey]),
    );
  });
  afterAll(() => server.close());

  it('an app validates online and trusts the signed answer', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat', capabilities: ['run'] });
    const client = new LicensorClient({ baseUrl: server.url, publicKeys, now: () => server.clock.now() });
    const result = await client.validate({ key: licensed.key, product: licensed.productCode });
    expect(result).toMatchObject({ valid: true, code: 'VALID', capabilities: ['run'] });
  });

  it('an app refuses an answer from a server that does not hold the vendor key', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const wrongKeys = Object.fromEntries(
      Object.keys(publicKeys).map((kid) => [kid, Buffer.alloc(32, 7).toString('base64')]),
    );
    const client = new LicensorClient({
      baseUrl: server.url,
      publicKeys: wrongKeys,
      now: () => server.clock.now(),
    });
    await expect(client.validate({ key: licensed.key, product: licensed.productCode })).rejects.toMatchObject(
      { code: 'BAD_SIGNATURE' },
    );
  });

  it('an app refuses a replayed answer (nonce mismatch) and an unsigned one', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const recorded = await fetch(`${server.url}/v1/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: licensed.key, product: licensed.productCode, nonce: 'old' }),
    });
    const body = await recorded.text();
    const signature = recorded.headers.get('licensor-signature')!;
    const replay = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/unsigned/v1/validate') return res.end(body);
      res.setHeader('licensor-signature', signature);
      res.end(body);
    });
    await new Promise<void>((resolve) => replay.listen(0, '127.0.0.1', resolve));
    const port = (replay.address() as { port: number }).port;
    try {
      const replayed = new LicensorClient({
        baseUrl: `http://127.0.0.1:${port}`,
        publicKeys,
        now: () => server.clock.now(),
      });
      await expect(
        replayed.validate({ key: licensed.key, product: licensed.productCode }),
      ).rejects.toMatchObject({ code: 'NONCE_MISMATCH' });
      const unsigned = new LicensorClient({
        baseUrl: `http://127.0.0.1:${port}/unsigned`,
        publicKeys,
        now: () => server.clock.now(),
      });
      await expect(
        unsigned.validate({ key: licensed.key, product: licensed.productCode }),
      ).rejects.toMatchObject({ code: 'UNSIGNED' });
    } finally {
      replay.close();
    }
  });

  it('an app refuses a tree-signed answer whose place or path was changed, or is malformed', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const sent = { key: licensed.key, product: licensed.productCode, nonce: 'tree-1' };
    const recorded = await fetch(`${server.url}/v1/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'licensor-accept-signature': 'ed25519-tree' },
      body: JSON.stringify(sent),
    });
    const body = new Uint8Array(await recorded.arrayBuffer());
    const header = recorded.headers.get('licensor-signature')!;
    expect(header).toMatch(/alg="ed25519-tree", sig="[^"]+", index="\d+", path="[^"]*"/);
    const check = (signature: string) =>
      checkAnswer({ status: 200, signature, body }, expectedEcho('validate', sent), {
        publicKeys,
        now: server.clock.now(),
      });
    await expect(check(header)).resolves.toMatchObject({ code: 'VALID' });
    const withField = (name: string, value: string) =>
      header.replace(new RegExp(`${name}="[^"]*"`), `${name}="${value}"`);
    const path = /path="([^"]*)"/.exec(header)![1]!;
    const depth = Buffer.from(path, 'base64').length / 32;
    const refusals: [string, string, string][] = [
      ['a place outside its tree', withField('index', String(2 ** depth)), 'BAD_SIGNATURE'],
      [
        'another hash on its path',
        withField('path', Buffer.alloc(32 * Math.max(depth, 1), 1).toString('base64')),
        'BAD_SIGNATURE',
      ],
      ['a path that is not base64', withField('path', '%%%'), 'BAD_SIGNATURE'],
      [
        'a path deeper than any tree',
        withField('path', Buffer.alloc(32 * 17).toString('base64')),
        'BAD_SIGNATURE',
      ],
      ['a place written with a leading zero', withField('index', '01'), 'UNSIGNED'],
      ['an unknown algorithm', withField('alg', 'ed25519-forest'), 'UNSIGNED'],
      ['no place at all', header.replace(/, index="[^"]*"/, ''), 'UNSIGNED'],
    ];
    for (const [, signature, code] of refusals)
      await expect(check(signature)).rejects.toMatchObject({ code });
  });
});
