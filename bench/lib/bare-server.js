// The baseline: a bare Fastify route answering POST with a JSON body of the same size as a validation answer.
import Fastify from 'fastify';

const size = Number(process.env.BODY_SIZE || 600);
const body = JSON.stringify({ valid: true, pad: 'x'.repeat(Math.max(0, size - 26)) });
const app = Fastify();
app.post('/bare', async (_request, reply) => reply.type('application/json').send(body));
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${app.server.address().port}`);
