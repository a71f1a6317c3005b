// Offline verification through the SDK beside raw node:crypto verify on the same bytes, and a 1,000-certificate
// bundle import. Prints a table and writes bench/results-offline.md (folded into RESULTS.md by the main bench).
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeLicenseFile, sealLicenseFile, signedMessage } from '@licensor/core';
import { LicenseManager, MemoryStorage, verifyLicenseFile } from '@licensor/sdk';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS || 3);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const spki = publicKey.export({ format: 'der', type: 'spki' });
const raw = spki.subarray(spki.length - 32).toString('base64');
const signer = { kid: 'bench-1', sign: async (message) => new Uint8Array(sign(null, message, privateKey)) };
const payload = (id, over = {}) => ({
  v: 1,
  id,
  vendor: 'BNCH',
  customer: { id: 'c', name: 'Customer' },
  product: 'aistudio',
  type: 'Agent',
  scope: 'seat',
  mode: 'subscription',
  resourceKind: 'agent',
  capabilities: ['converse'],
  seats: 1,
  startsAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2036-01-01T00:00:00.000Z',
  installationId: 'inst-1',
  issuedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});
const options = {
  publicKeys: { 'bench-1': raw },
  vendor: 'BNCH',
  product: 'aistudio',
  installationId: 'inst-1',
};

/**
 * Runs each of `works` for SECONDS in all, in slices taken in turn and back (A B B A …), so that a slower second
 * of a shared machine falls on each alike; the rate per second of each.
 */
async function rates(works, slices = 8) {
  const counts = works.map(() => 0);
  const spent = works.map(() => 0);
  for (let slice = 0; slice < slices; slice++) {
    const order = works.map((_, i) => (slice % 2 === 0 ? i : works.length - 1 - i));
    for (const i of order) {
      const start = performance.now();
      while (performance.now() < start + (SECONDS * 1000) / slices) {
        for (let k = 0; k < 200; k++) await works[i]();
        counts[i] += 200;
      }
      spent[i] += performance.now() - start;
    }
  }
  return counts.map((count, i) => count / (spent[i] / 1000));
}

const file = await sealLicenseFile(payload('one'), signer);
const envelope = decodeLicenseFile(file);
const message = signedMessage(envelope.enc);
const signature = Buffer.from(envelope.sig, 'base64');
const sdkVerify = async () => {
  const result = await verifyLicenseFile(file, options);
  if (!result.ok) throw new Error(result.code);
};
await rates([sdkVerify], 1); // warm-up
const [rawRate, sdkRate] = await rates([async () => verify(null, message, publicKey, signature), sdkVerify]);

const files = await Promise.all(
  Array.from({ length: 1000 }, (_, i) => sealLicenseFile(payload(`lic-${i}`), signer)),
);
const manager = await new LicenseManager({ ...options, storage: new MemoryStorage() }).load();
const started = performance.now();
const reports = await manager.import([files.join('')]);
const importMs = performance.now() - started;
if (reports.filter((r) => r.valid).length !== 1000) throw new Error('the bundle did not import whole');

const table = `| measurement | result |
|---|---|
| raw \`crypto.verify\` (Ed25519, same bytes) | ${rawRate.toFixed(0)} /s |
| \`verifyLicenseFile\` through the SDK | ${sdkRate.toFixed(0)} /s (${((sdkRate / rawRate) * 100).toFixed(0)}% of raw; target ≥ 80%) |
| import of a 1,000-certificate \`.lcs\` bundle | ${importMs.toFixed(0)} ms |`;
console.log(table);
fs.writeFileSync(
  path.join(here, 'results-offline.md'),
  `## Offline verification (${new Date().toISOString().slice(0, 10)}, Node ${process.version})\n\n${table}\n`,
);
