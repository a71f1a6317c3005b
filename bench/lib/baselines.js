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
    env: {},
  },
];

/**
 * Starts each baseline, warms it, and measures it at each of `connections` with `measure(url, body, connections)`;
 * their figures by scenario, then by connections.
 */
export async function measureBaselines(connections, warm, measure, baselines = BASELINES) {
  const figures = new Map();
  for (const baseline of baselines) {
    const { url, child } = await startListening([path.join(here, baseline.script)], baseline.env);
    try {
      await warm(`${url}${baseline.route}`, baseline.body);
      const byConnections = new Map();
      for (const count of connections) {
        const measured = await measure(`${url}${baseline.route}`, baseline.body, count);
        byConnections.set(count, measured);
        console.log(
          `${baseline.scenario.padEnd(24)} c=${count}  ${measured.rps.toFixed(0)} req/s  p50 ${measured.p50} ms  p99 ${measured.p99} ms`,
        );
      }
      figures.set(baseline.scenario, byConnections);
    } finally {
      child.kill('SIGTERM');
    }
  }
  return figures;
}
