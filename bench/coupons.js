// Coupon generation (100,000 codes stored on SQLite, target under 10 s) and redemption throughput at 10
// connections. Prints a table and writes bench/results-coupons.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { run, serverEnvironment, startListening } from './lib/processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '../packages/cli/dist/main.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-coupons-'));
const env = serverEnvironment(dataDir);
const { token } = JSON.parse(
  await run([CLI, 'init', '--vendor', 'Bench', '--prefix', 'BNCH', '--email', 'bench@example.test'], env),
);
const { url, child } = await startListening([CLI, 'serve'], env);
const call = async (p, body, auth = true) => {
  const response = await fetch(`${url}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${p}: ${response.status} ${await response.text()}`);
  return response.json();
};
try {
  const product = await call('/v1/products', { code: 'app', name: 'App' });
  await call('/v1/license-types', {
    productId: product.id,
    name: 'Year',
    scope: 'seat',
    mode: 'subscription',
    term: { unit: 'year', count: 1 },
    capabilities: [],
  });
  const customer = await call('/v1/customers', { name: 'Bench' });
  const key = await call('/v1/keys', { customerId: customer.id });

  // While the 100,000 codes are written, an app keeps validating its key: the slowest of those answers is how
  // long generation held other requests up. Its first validations come before: a process's first answer compiles
  // and loads what every later one reuses (the signing key among them), 50–80 ms that are not generation's.
  for (let i = 0; i < 20; i++) await call('/v1/validate', { key: key.key, product: 'app' }, false);
  let generating = true;
  const waits = [];
  const validating = (async () => {
    while (generating) {
      const sent = performance.now();
      await call('/v1/validate', { key: key.key, product: 'app' }, false);
      waits.push(performance.now() - sent);
    }
  })();
  let started = performance.now();
  await call('/v1/coupon-batches', {
    type: 'add_product',
    items: [{ productId: product.id }],
    count: 100_000,
  });
  const generateMs = performance.now() - started;
  generating = false;
  await validating;
  const longestWait = Math.max(...waits);

  // Redemption throughput: a reusable trial coupon would apply once per key, so each request redeems a fresh
  // single-use coupon (autocannon's request builder hands out the next code).
  const { codes } = await call('/v1/coupon-batches', {
    type: 'add_product',
    items: [{ productId: product.id }],
    count: 1000,
  });
  let next = 0;
  started = performance.now();
  const result = await new Promise((resolve, reject) =>
    autocannon(
      {
        url: `${url}/v1/coupons/redeem`,
        connections: 10,
        amount: codes.length,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({
              ...request,
              body: JSON.stringify({ key: key.key, coupon: codes[next++] }),
            }),
          },
        ],
      },
      (error, r) => (error ? reject(error) : resolve(r)),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  if (result.non2xx > 0) throw new Error(`${result.non2xx} redemptions failed`);
  const table = `| measurement | result |
|---|---|
| generate and store 100,000 coupons (SQLite, one API call) | ${(generateMs / 1000).toFixed(2)} s (target < 10 s) |
| meanwhile, the slowest of ${waits.length} validations | ${longestWait.toFixed(0)} ms (target ≤ 100 ms: ${longestWait <= 100 ? 'met' : 'NOT met'}) |
| redeem 1,000 single-use coupons at 10 connections | ${(codes.length / seconds).toFixed(0)} redemptions/s, p99 ${result.latency.p99} ms |`;
  console.log(table);
  fs.writeFileSync(
    path.join(here, 'results-coupons.md'),
    `## Coupons (${new Date().toISOString().slice(0, 10)}, SQLite)\n\n${table}\n`,
  );
} finally {
  child.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
