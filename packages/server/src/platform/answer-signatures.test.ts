import { verify } from 'node:crypto';
import { answerTreeRoot, treeSignedMessage } from '@licensor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../test-support/databases.js';
import { setupLicensed } from '../test-support/fixtures.js';
import type { ApiResponse } from '../test-support/http-client.js';
import { startTestServer, type TestServer } from '../test-support/test-server.js';
import { answerSignatureFor, publicKeyFromRaw } from './signing.js';

const fieldsOf = (header: string | null) =>
  Object.fromEntries([...(header ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

describe('which signature a client accepts', () => {
  it('a tree signature only when Licensor-Accept-Signature lists it, in any case, among others', () => {
    expect(answerSignatureFor(undefined)).toBe('ed25519');
    expect(answerSignatureFor('')).toBe('ed25519');
    expect(answerSignatureFor('ed25519')).toBe('ed25519');
    expect(answerSignatureFor('ed25519-treeish')).toBe('ed25519');
    expect(answerSignatureFor('ed25519-tree')).toBe('ed25519-tree');
    expect(answerSignatureFor('ed25519, ED25519-Tree ')).toBe('ed25519-tree');
    expect(answerSignatureFor(['ed25519', 'ed25519-tree'])).toBe('ed25519-tree');
  });
});

describe.each(DIALECTS)('answers signed as their app accepts on %s', (dialect) => {
  let server: TestServer;
  let licensed: Awaited<ReturnType<typeof setupLicensed>>;
  let publicKey: ReturnType<typeof publicKeyFromRaw>;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    licensed = await setupLicensed(server.api, { scope: 'seat', maxSeats: 50, capabilities: ['run'] });
    const keys = await server.anon.get(`/v1/vendors/${server.vendor.vendor.prefix}/signing-keys`);
    publicKey = publicKeyFromRaw(keys.body.data[0].publicKey);
  });
  afterAll(() => server.close());

  const treeApp = () => server.anon.withHeaders({ 'licensor-accept-signature': 'ed25519-tree' });
  /** Whether the answer's tree signature covers its exact bytes: through its path to the signed root. */
  const treeVerifies = async (answer: Pick<ApiResponse, 'text' | 'headers'>) => {
    const fields = fieldsOf(answer.headers.get('licensor-signature'));
    if (fields.alg !== 'ed25519-tree') return false;
    const root = await answerTreeRoot(
      Buffer.from(answer.text),
      Number(fields.index),
      Buffer.from(fields.path ?? '', 'base64'),
    );
    return (
      root !== undefined &&
      verify(null, treeSignedMessage(root), publicKey, Buffer.from(fields.sig ?? '', 'base64'))
    );
  };

  it('an app that does not ask gets its own body signed, as before', async () => {
    const answer = await server.anon.post('/v1/validate', {
      key: licensed.key,
      product: licensed.productCode,
    });
    const fields = fieldsOf(answer.headers.get('licensor-signature'));
    expect(fields.alg).toBe('ed25519');
    expect(fields.path).toBeUndefined();
    expect(verify(null, Buffer.from(answer.text), publicKey, Buffer.from(fields.sig ?? '', 'base64'))).toBe(
      true,
    );
  });

  it('forty apps asking at once each get an answer that verifies alone, at a place of its own in its tree', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        treeApp().post('/v1/validate', {
          key: licensed.key,
          product: licensed.productCode,
          capabilities: ['run'],
          nonce: `app-${i}`,
        }),
      ),
    );
    const fields = answers.map((answer) => fieldsOf(answer.headers.get('licensor-signature')));
    for (const [i, answer] of answers.entries()) {
      expect(answer.body).toMatchObject({ code: 'VALID', nonce: `app-${i}` });
      expect(await treeVerifies(answer)).toBe(true);
    }
    // However the forty arrive over the server's turns, answers under one signature hold places of their own.
    for (const sig of new Set(fields.map((f) => f.sig))) {
      const places = fields.filter((f) => f.sig === sig).map((f) => f.index);
      expect(new Set(places).size).toBe(places.length);
    }
  });

  it('the answers a key signs in one turn are the leaves of one tree under one signature', async () => {
    const vendorId = server.vendor.vendor.id;
    // As the validation read does, the caller brings the active kid: no round trip between the asks.
    const { kid } = await server.ctx.signer.keyFor(vendorId);
    const bodies = Array.from({ length: 70 }, (_, i) => JSON.stringify({ answer: i }));
    const headers = await Promise.all(
      bodies.map((body) => server.ctx.signer.signatureHeader(vendorId, body, kid, 'ed25519-tree')),
    );
    const fields = headers.map(fieldsOf);
    // Seventy in one turn: the first 64 in one tree of depth 6, the other 6 in a tree of their own.
    expect(new Set(fields.map((f) => f.sig)).size).toBe(2);
    expect(fields.map((f) => Number(f.index))).toEqual([
      ...Array.from({ length: 64 }, (_, i) => i),
      ...Array.from({ length: 6 }, (_, i) => i),
    ]);
    expect(Buffer.from(fields[0]?.path ?? '', 'base64')).toHaveLength(6 * 32);
    for (const [i, body] of bodies.entries())
      expect(
        await treeVerifies({ text: body, headers: new Headers({ 'licensor-signature': headers[i]! }) }),
      ).toBe(true);
  });

  it('an answer does not verify with another body, or with its neighbour’s place and path', async () => {
    const answer = await treeApp().post('/v1/validate', {
      key: licensed.key,
      product: licensed.productCode,
      nonce: 'mine',
    });
    expect(await treeVerifies(answer)).toBe(true);
    const tampered = { ...answer, text: answer.text.replace('"valid":true', '"valid":false') };
    expect(await treeVerifies(tampered)).toBe(false);
    // Two answers signed in one turn (the caller brings the active kid: nothing between the two asks).
    const vendorId = server.vendor.vendor.id;
    const { kid } = await server.ctx.signer.keyFor(vendorId);
    const [mine, theirs] = ['{"answer":"mine"}', '{"answer":"theirs"}'];
    const [mineHeader, theirHeader] = await Promise.all(
      [mine, theirs].map((body) => server.ctx.signer.signatureHeader(vendorId, body, kid, 'ed25519-tree')),
    );
    const theirFields = fieldsOf(theirHeader ?? null);
    expect(fieldsOf(mineHeader ?? null).sig).toBe(theirFields.sig);
    const verifies = (text: string, header: string) =>
      treeVerifies({ text, headers: new Headers({ 'licensor-signature': header }) });
    expect(await verifies(mine, mineHeader!)).toBe(true);
    expect(await verifies(theirs, mineHeader!)).toBe(false);
    const borrowed = mineHeader!.replace(
      /index="\d+", path="[^"]*"/,
      `index="${theirFields.index}", path="${theirFields.path}"`,
    );
    expect(await verifies(mine, borrowed)).toBe(false);
  });

  it('activations, sessions and heartbeats are tree-signed for an app that asks', async () => {
    const resource = { kind: 'machine', id: 'tree-pc' };
    const activated = await treeApp().post('/v1/activate', {
      key: licensed.key,
      product: licensed.productCode,
      resource,
      nonce: 'a-1',
    });
    expect(activated.status).toBe(201);
    expect(await treeVerifies(activated)).toBe(true);
    const floating = await setupLicensed(server.api, { scope: 'floating', maxSessions: 2 });
    const opened = await treeApp().post('/v1/sessions', {
      key: floating.key,
      product: floating.productCode,
      resource,
      nonce: 's-1',
    });
    expect(await treeVerifies(opened)).toBe(true);
    const beat = await treeApp().post(`/v1/sessions/${opened.body.id}/heartbeat`, { nonce: 'h-1' });
    expect(beat.status).toBe(200);
    expect(await treeVerifies(beat)).toBe(true);
  });
});
