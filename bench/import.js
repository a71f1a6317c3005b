// Bulk import (issue 14): `licensor import` of 20,000 customers, 20,000 keys (their strings kept) and 100,000
// licenses into a fresh SQLite server, timed (target: under a minute), then the same file again (nothing new).
// Writes bench/results-import.md.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLicenseKey } from '../packages/core/dist/index.js';
import { run, serverEnvironment, startListening } from './lib/processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '../packages/cli/dist/main.js');
const CUSTOMERS = 20_000;
const LICENSES = 100_000;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-import-'));
const env = serverEnvironment(dataDir);
try {
  const { token } = JSON.parse(
    await run([CLI, 'init', '--vendor', 'Bulk', '--prefix', 'BULK', '--email', 'b@bulk.test'], env),
  );
  // The catalogue the licenses refer to, made through the API of a short-lived server.
  const { url, child } = await startListening([CLI, 'serve'], env);
  try {
    const call = async (route, body) => {
      const response = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    const product = await call('/v1/products', { code: 'suite', name: 'Suite' });
    await call('/v1/license-types', {
      productId: product.id,
      name: 'Yearly',
      scope: 'seat',
      mode: 'subscription',
      term: { unit: 'year', count: 1 },
      maxSeats: 5,
      capabilities: [],
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
  }

  const file = {
    customers: Array.from({ length: CUSTOMERS }, (_, i) => ({
      externalId: `c${i}`,
      name: `Customer ${i}`,
      email: `buyer${i}@example.test`,
    })),
    keys: Array.from({ length: CUSTOMERS }, (_, i) => ({
      externalId: `k${i}`,
      customer: `c${i}`,
      key: generateLicenseKey('BULK', randomBytes),
    })),
    licenses: Array.from({ length: LICENSES }, (_, i) => ({
      externalId: `l${i}`,
      key: `k${i % CUSTOMERS}`,
      product: 'suite',
      licenseType: 'Yearly',
      startsAt: '2026-01-01',
    })),
    bindings: [],
  };
  const input = path.join(dataDir, 'bulk.json');
  fs.writeFileSync(input, JSON.stringify(file));

  let started = performance.now();
  await run([CLI, 'import', '--vendor', 'BULK', input], env);
  const firstSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const again = await run([CLI, 'import', '--vendor', 'BULK', input], env);
  const againSeconds = (performance.now() - started) / 1000;

  const table = `| measurement | result |
|---|---|
| import ${CUSTOMERS.toLocaleString('en')} customers, ${CUSTOMERS.toLocaleString('en')} keys, ${LICENSES.toLocaleString('en')} licenses (SQLite) | ${firstSeconds.toFixed(1)} s (target < 60 s: ${firstSeconds < 60 ? 'met' : 'NOT met'}) |
| the same file again (nothing new is written) | ${againSeconds.toFixed(1)} s |`;
  console.log(`${table}\n\nsecond run said:\n${again.trim()}`);
  fs.writeFileSync(
    path.join(here, 'results-import.md'),
    `## Bulk import (${new Date().toISOString().slice(0, 10)}, SQLite, \`node bench/import.js\`)\n\n${table}\n`,
  );
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
