// The baselines issue 12 measures the server against, each started as its own process in the same run: a bare
// Fastify route answering a same-size JSON (940 bytes: a validation answer with its request's echo), the same
// route signing each answer with Ed25519, and a minimal unsigned license server (Fastify + better-sqlite3, one
// prepared SELECT by key).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startListening } from './processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const BASELINES = [
  { scenario: 'bare route', script: 'bare-server.js', route: '/bare', body: {}, env: { BODY_SIZE: '940' } },
  {
    scenario: 'signing route',
    script: 'bare-server.js',
    route: '/bare',
    body: {},
    env: { BODY_SIZE: '940', SIGN: '1' },
  },
  {
    scenario: 'unsigned license server',
    script: 'minimal-server.js',
    route: '/validate',
    body: { key: 'KEY-42', product: 'bench' },
    env: { BODY_SIZE: '940' },
  },
];

/** Starts a baseline as a target (`stop` ends it). */
export async function startBaseline({ scenario, script, route, body, env }) {
  const { url, child } = await startListening([path.join(here, script)], env);
  return {
    targets: [{ scenario, db: '—', url: `${url}${route}`, sent: { body } }],
    stop: async () => child.kill('SIGTERM'),
  };
}
