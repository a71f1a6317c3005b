// The baselines of the app API: a bare Fastify route answering POST with a JSON body of the same size as a
// validation answer, and (SIGN=1) the same route signing each answer with Ed25519 as the server does, on
// libuv's pool (issue 12 measures validate against both).
import { generateKeyPairSync, sign } from 'node:crypto';
import Fastify from 'fastify';

const size = Number(process.env.BODY_SIZE || 600);
const body = JSON.stringify({ valid: true, pad: 'x'.repeat(Math.max(0, size - 26)) });
const { privateKey } = generateKeyPairSync('ed25519');
const signed = process.env.SIGN === '1';
const app = Fastify();
app.post('/bare', (_request, reply) => {
  if (!signed) return reply.type('application/json').send(body);
  sign(null, Buffer.from(body), privateKey, (error, signature) => {
    if (error) return reply.code(500).send();
    reply
      .header('licensor-signature', `kid="bench", alg="ed25519", sig="${signature.toString('base64')}"`)
      .type('application/json')
      .send(body);
  });
  return reply;
});
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${app.server.address().port}`);
