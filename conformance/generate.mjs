#!/usr/bin/env node
// Conformance vectors (issue 14): drives a real `licensor serve` over a fresh SQLite data directory and
// writes conformance/vectors/*.json, which every SDK (TypeScript, Go, Python) must pass. Needs the built
// packages: `npx tsc -b packages/core packages/sdk packages/server packages/cli`. See conformance/README.md.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'packages/cli/dist/main.js');
const OUT = path.join(ROOT, 'conformance/vectors');

const VENDOR = 'ACME';
const OTHER_VENDOR = 'OTHR';
const PRODUCT = 'desk';
const OTHER_PRODUCT = 'tools';
const INSTALLATION = 'inst-0001';
const OTHER_INSTALLATION = 'inst-0002';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

if (!fs.existsSync(CLI)) {
  console.error('build first: npx tsc -b packages/core packages/sdk packages/server packages/cli');
  process.exit(1);
}
/** How far back a clock may step before the SDK's clock guard calls it a rollback (the `lastSeen` vectors). */
const { ROLLBACK_TOLERANCE_MS } = await import('@licensor/sdk');
if (!(ROLLBACK_TOLERANCE_MS > 0))
  throw new Error('ROLLBACK_TOLERANCE_MS missing from the built @licensor/sdk');

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-conformance-'));
const env = {
  ...process.env,
  DATA_DIR: dataDir,
  HOST: '127.0.0.1',
  PORT: '0',
  SERVE_WEB: '0',
  RUN_JOBS: '0',
  LOG_LEVEL: 'warn',
  DATABASE_URL: '',
};

/** Runs a `licensor` command to completion; its stdout. */
function cli(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`licensor ${args[0]} exited ${code}: ${stderr}`)),
    );
  });
}

/** `licensor serve` on a free port; resolves with its URL once it listens. */
function serve() {
  const child = spawn(process.execPath, [CLI, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const found = /listening on (http:\/\/\S+)/.exec(line);
      if (found) resolve({ url: found[1], child });
    });
    child.on('exit', (code) => reject(new Error(`licensor serve exited ${code}: ${stderr}`)));
  });
}

let baseUrl = '';

/** One HTTP call; keeps the status, the signature header and the exact body bytes. */
async function call(method, urlPath, body, token, headers = {}) {
  const response = await fetch(`${baseUrl}${urlPath}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  let json = null;
  try {
    json = bytes.length ? JSON.parse(bytes.toString('utf8')) : null;
  } catch {
    json = null;
  }
  return { status: response.status, signature: response.headers.get('licensor-signature'), bytes, json };
}

/** A management call that must succeed. */
async function must(method, urlPath, body, token, statuses = [200, 201, 204]) {
  const answer = await call(method, urlPath, body, token);
  if (!statuses.includes(answer.status))
    throw new Error(`${method} ${urlPath} answered ${answer.status}: ${answer.bytes.toString('utf8')}`);
  return answer.json;
}

// ---------- helpers on license files ----------

const BEGIN = '-----BEGIN LICENSE FILE-----';
const END = '-----END LICENSE FILE-----';

function envelopeOf(file) {
  const body = file.slice(file.indexOf(BEGIN) + BEGIN.length, file.indexOf(END)).replace(/\s+/g, '');
  return JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
}

function armorEnvelope(envelope) {
  const b64 = Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64');
  return `${BEGIN}\n${b64.match(/.{1,64}/g).join('\n')}\n${END}\n`;
}

function payloadOf(file) {
  return JSON.parse(Buffer.from(envelopeOf(file).enc, 'base64').toString('utf8'));
}

function flipSignatureByte(file) {
  const envelope = envelopeOf(file);
  const sig = Buffer.from(envelope.sig, 'base64');
  sig[10] ^= 0x01;
  return armorEnvelope({ ...envelope, sig: sig.toString('base64') });
}

function tamperPayload(file, change) {
  const envelope = envelopeOf(file);
  const payload = { ...payloadOf(file), ...change };
  return armorEnvelope({ ...envelope, enc: Buffer.from(JSON.stringify(payload), 'utf8').toString('base64') });
}

/**
 * A key pair made here, not by the server: the server never signs a body that is not JSON, so the vectors
 * of such bodies are signed with this key, which their options trust under TEST_KID.
 */
const TEST_KID = 'conformance-test-key';
const testKey = (() => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    publicKey: spki.subarray(spki.length - 32).toString('base64'),
    header: (bytes) =>
      `kid="${TEST_KID}", alg="ed25519", sig="${sign(null, bytes, privateKey).toString('base64')}"`,
  };
})();

/** A license key as a customer may type it: Crockford aliases for 0 and 1 (O, o, I, i, L, l in turn). */
function withAliases(key) {
  const [prefix, ...groups] = key.split('-');
  const zeros = ['O', 'o'];
  const ones = ['I', 'l', 'L', 'i'];
  let z = 0;
  let o = 0;
  const body = groups
    .join('-')
    .replace(/[01]/g, (symbol) => (symbol === '0' ? zeros[z++ % 2] : ones[o++ % 4]));
  return `${prefix}-${body}`;
}

/** The key with its check symbol (the last one) replaced: no longer well-formed, so used exactly as typed. */
function withBadCheck(key) {
  const last = key.at(-1);
  return key.slice(0, -1) + (last === 'Z' ? 'Y' : 'Z');
}

const iso = (ms) => new Date(ms).toISOString();
const at = (isoString, deltaMs) => iso(Date.parse(isoString) + deltaMs);

// ---------- the run ----------

async function main() {
  const created = JSON.parse(
    await cli(['init', '--vendor', 'Acme Software', '--prefix', VENDOR, '--email', 'owner@acme.test']),
  );
  const otherCreated = JSON.parse(
    await cli([
      'init',
      '--vendor',
      'Other Software',
      '--prefix',
      OTHER_VENDOR,
      '--email',
      'owner@other.test',
    ]),
  );
  const token = created.token;
  const otherToken = otherCreated.token;
  const server = await serve();
  baseUrl = server.url;
  try {
    await generate(token, otherToken);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function generate(token, otherToken) {
  const api = (method, urlPath, body) => must(method, urlPath, body, token);

  // Catalogue: two products, installation (yearly and perpetual), seat and floating types.
  const desk = await api('POST', '/v1/products', { code: PRODUCT, name: 'Desk' });
  const tools = await api('POST', '/v1/products', { code: OTHER_PRODUCT, name: 'Tools' });
  const type = (productId, name, spec) =>
    api('POST', '/v1/license-types', {
      productId,
      name,
      mode: 'subscription',
      term: { unit: 'year', count: 1 },
      capabilities: [],
      ...spec,
    });
  const yearly = await type(desk.id, 'Desk yearly', {
    scope: 'installation',
    capabilities: ['export', 'print'],
  });
  const perpetual = await type(desk.id, 'Desk perpetual', {
    scope: 'installation',
    mode: 'perpetual',
    term: null,
    capabilities: ['export'],
  });
  const seat = await type(desk.id, 'Desk workstation', {
    scope: 'seat',
    resourceKind: 'machine',
    maxSeats: 1,
    capabilities: ['export'],
  });
  const floating = await type(desk.id, 'Desk floating', {
    scope: 'floating',
    maxSessions: 2,
    heartbeatSeconds: 60,
  });
  const toolsYearly = await type(tools.id, 'Tools yearly', { scope: 'installation' });

  const customerA = await api('POST', '/v1/customers', { name: 'Conformance Customer A' });
  const customerB = await api('POST', '/v1/customers', { name: 'Conformance Customer B' });
  const keyA = await api('POST', '/v1/keys', { customerId: customerA.id });
  const keyB = await api('POST', '/v1/keys', { customerId: customerB.id });
  const issue = (keyId, licenseTypeId, extra = {}) =>
    api('POST', `/v1/keys/${keyId}/licenses`, { licenseTypeId, ...extra });
  const mainLicense = await issue(keyA.id, yearly.id);
  // The online answers use their own keys: a seat key (one machine) and a floating key (sessions).
  const seatKey = await api('POST', '/v1/keys', { customerId: customerA.id });
  const floatingKey = await api('POST', '/v1/keys', { customerId: customerA.id });
  await issue(seatKey.id, seat.id);
  await issue(floatingKey.id, floating.id);
  await issue(keyB.id, yearly.id);
  const file = (licenseId, extra = {}) =>
    api('POST', '/v1/offline/license-files', { licenseId, installationId: INSTALLATION, ...extra });
  const validateBody = (nonce) => ({ key: keyA.key, product: PRODUCT, nonce });

  // Key 1 (from init): a file and an answer; key 1 is revoked below, so both must be refused.
  const revokedFile = (await file((await issue(keyA.id, yearly.id)).id)).content;
  const revokedAnswer = await record('validate', validateBody('conformance-revoked-kid'));

  // Key 2: a file and an answer; key 2 retires below but still verifies.
  await api('POST', '/v1/signing-keys/rotate');
  const retiredFile = (await file((await issue(keyA.id, yearly.id)).id)).content;
  const retiredAnswer = await record('validate', validateBody('conformance-retired-kid'));

  // Key 3 active, key 2 retired, key 1 revoked.
  await api('POST', '/v1/signing-keys/rotate');
  const allKeys = (await api('GET', '/v1/signing-keys')).data;
  const firstKey = allKeys.reduce((a, b) => (a.createdAt <= b.createdAt ? a : b));
  await api('POST', `/v1/signing-keys/${encodeURIComponent(firstKey.kid)}/revoke`);
  const keyStates = (await api('GET', '/v1/signing-keys')).data;
  const published = (await must('GET', `/v1/vendors/${VENDOR}/signing-keys`)).data;
  const publicKeys = Object.fromEntries(published.map((k) => [k.kid, k.publicKey]));
  const revoked = keyStates.filter((k) => k.state === 'revoked');
  const retired = keyStates.filter((k) => k.state === 'retired');
  if (revoked.length !== 1 || retired.length !== 1 || Object.keys(publicKeys).length !== 2)
    throw new Error(`unexpected key states: ${JSON.stringify(keyStates)}`);
  if (publicKeys[revoked[0].kid]) throw new Error('the public endpoint still publishes a revoked key');
  const otherKeys = Object.fromEntries(
    (await must('GET', `/v1/vendors/${OTHER_VENDOR}/signing-keys`)).data.map((k) => [k.kid, k.publicKey]),
  );

  const keysJson = {
    vendor: VENDOR,
    product: PRODUCT,
    publicKeys,
    retiredKids: retired.map((k) => k.kid),
    revokedKids: revoked.map((k) => k.kid),
    revokedPublicKeys: Object.fromEntries(revoked.map((k) => [k.kid, k.publicKey])),
  };

  // ---------- license files ----------
  const plain = await file(mainLicense.id);
  const encrypted = await file(mainLicense.id, { encrypt: true });
  // A key with a 0 or a 1 in its symbols, so that it can be typed with Crockford aliases (O for 0, I or L for 1).
  let aliasKey = keyA;
  for (let attempt = 0; !/[01]/.test(aliasKey.key.slice(VENDOR.length)); attempt++) {
    if (attempt === 50) throw new Error('no license key with a 0 or a 1 in 50 tries');
    aliasKey = await api('POST', '/v1/keys', { customerId: customerA.id });
  }
  const aliasEncrypted =
    aliasKey === keyA ? encrypted : await file((await issue(aliasKey.id, yearly.id)).id, { encrypt: true });
  const aliasTyped = withAliases(aliasKey.key);
  if (aliasTyped === aliasKey.key) throw new Error(`no alias in ${aliasTyped}`);
  const issuedAt = plain.payload.issuedAt;
  const fileExpiry = await file(mainLicense.id, { fileExpiresAt: at(issuedAt, DAY) });
  const perpetualFile = await file((await issue(keyA.id, perpetual.id)).id);
  const toolsFile = await file((await issue(keyA.id, toolsYearly.id)).id);
  const otherApi = (method, urlPath, body) => must(method, urlPath, body, otherToken);
  const otherDesk = await otherApi('POST', '/v1/products', { code: PRODUCT, name: 'Desk (other vendor)' });
  const otherType = await otherApi('POST', '/v1/license-types', {
    productId: otherDesk.id,
    name: 'Other desk',
    scope: 'installation',
    mode: 'subscription',
    term: { unit: 'year', count: 1 },
    capabilities: [],
  });
  const otherCustomer = await otherApi('POST', '/v1/customers', { name: 'Other Customer' });
  const otherKey = await otherApi('POST', '/v1/keys', { customerId: otherCustomer.id });
  const otherLicense = await otherApi('POST', `/v1/keys/${otherKey.id}/licenses`, {
    licenseTypeId: otherType.id,
  });
  const otherFile = await otherApi('POST', '/v1/offline/license-files', {
    licenseId: otherLicense.id,
    installationId: INSTALLATION,
  });

  const base = (extra = {}) => ({
    publicKeys,
    vendor: VENDOR,
    product: PRODUCT,
    installationId: INSTALLATION,
    now: at(issuedAt, HOUR),
    ...extra,
  });
  const okFile = (name, description, text, options = base()) => ({
    name,
    description,
    file: text,
    options,
    expect: { ok: true, payload: payloadOf(text) },
  });
  const refused = (name, description, text, code, options = base()) => ({
    name,
    description,
    file: text,
    options,
    expect: { ok: false, code },
  });
  const plainPayload = plain.payload;
  const NOW = base().now;
  const plainKid = envelopeOf(plain.content).kid;
  /** A base64 public key one byte short: not a raw Ed25519 key. */
  const shortKey = Buffer.from(publicKeys[plainKid], 'base64').subarray(0, 31).toString('base64');
  const toleranceMinutes = ROLLBACK_TOLERANCE_MS / 60_000;
  const fileVectors = [
    okFile(
      'valid-plain',
      'A plain file for this vendor, product and installation, inside its term.',
      plain.content,
    ),
    {
      name: 'valid-encrypted',
      description:
        'An encrypted file (alg ed25519+aes256gcm) opened with the license key it was issued for (canonical form).',
      file: encrypted.content,
      options: base({ licenseKey: keyA.key }),
      expect: { ok: true, payload: encrypted.payload },
    },
    refused(
      'encrypted-without-key',
      'An encrypted file and no licenseKey: the signature verifies but the payload cannot be read.',
      encrypted.content,
      'MALFORMED',
    ),
    refused(
      'encrypted-wrong-key',
      'An encrypted file opened with another customer’s license key: AES-GCM authentication fails.',
      encrypted.content,
      'MALFORMED',
      base({ licenseKey: keyB.key }),
    ),
    {
      name: 'encrypted-key-lower-case-no-dashes',
      description:
        'The encrypted file opened with its license key typed in lower case without dashes: the SDK reads a well-formed key in its canonical form (the form the server encrypts for) before hashing it.',
      file: encrypted.content,
      options: base({ licenseKey: keyA.key.toLowerCase().replaceAll('-', '') }),
      expect: { ok: true, payload: encrypted.payload },
    },
    {
      name: 'encrypted-key-crockford-aliases',
      description:
        'An encrypted file opened with its license key typed with Crockford aliases (O or o for 0, I, i, L or l for 1): the same canonical key.',
      file: aliasEncrypted.content,
      options: base({ licenseKey: aliasTyped }),
      expect: { ok: true, payload: aliasEncrypted.payload },
    },
    {
      name: 'encrypted-key-spaces',
      description:
        'The license key typed in lower case with spaces instead of dashes and spaces around it: still the canonical key.',
      file: encrypted.content,
      options: base({ licenseKey: `  ${keyA.key.toLowerCase().replaceAll('-', ' ')} ` }),
      expect: { ok: true, payload: encrypted.payload },
    },
    refused(
      'encrypted-key-bad-check-symbol',
      'The license key with its check symbol mistyped: not a well-formed key, so it is hashed exactly as given and the file cannot be opened.',
      encrypted.content,
      'MALFORMED',
      base({ licenseKey: withBadCheck(keyA.key) }),
    ),
    refused(
      'bad-signature',
      'One byte of the Ed25519 signature flipped.',
      flipSignatureByte(plain.content),
      'BAD_SIGNATURE',
    ),
    refused(
      'tampered-payload',
      'The payload (enc) edited to grant more seats and a later expiry; the signature kept.',
      tamperPayload(plain.content, { seats: 1000, expiresAt: '2099-01-01T00:00:00.000Z' }),
      'BAD_SIGNATURE',
    ),
    refused(
      'unknown-kid',
      'The envelope names a kid the product does not know (the signature is not even checked).',
      armorEnvelope({ ...envelopeOf(plain.content), kid: 'acme-19990101-000000' }),
      'UNKNOWN_KEY',
    ),
    refused(
      'kid-constructor',
      'The envelope names the kid "constructor" (a property every JavaScript object inherits): no key the product trusts.',
      armorEnvelope({ ...envelopeOf(plain.content), kid: 'constructor' }),
      'UNKNOWN_KEY',
    ),
    refused(
      'kid-to-string',
      'The envelope names the kid "toString": no key the product trusts.',
      armorEnvelope({ ...envelopeOf(plain.content), kid: 'toString' }),
      'UNKNOWN_KEY',
    ),
    refused(
      'kid-proto',
      'The envelope names the kid "__proto__": no key the product trusts.',
      armorEnvelope({ ...envelopeOf(plain.content), kid: '__proto__' }),
      'UNKNOWN_KEY',
    ),
    refused(
      'public-key-malformed',
      'The key the product trusts for the file’s kid is 31 bytes, not a raw Ed25519 key: the signature cannot verify.',
      plain.content,
      'BAD_SIGNATURE',
      base({ publicKeys: { ...publicKeys, [plainKid]: shortKey } }),
    ),
    refused(
      'signature-truncated',
      'The envelope’s sig is valid base64 of 32 bytes, not a 64-byte Ed25519 signature.',
      armorEnvelope({
        ...envelopeOf(plain.content),
        sig: Buffer.from(envelopeOf(plain.content).sig, 'base64').subarray(0, 32).toString('base64'),
      }),
      'BAD_SIGNATURE',
    ),
    refused(
      'revoked-kid',
      'A genuine file signed by a key the vendor has since revoked: the key is absent from publicKeys.',
      revokedFile,
      'UNKNOWN_KEY',
      base({ now: at(payloadOf(revokedFile).issuedAt, HOUR) }),
    ),
    {
      name: 'retired-kid',
      description: 'A genuine file signed by a key that has since retired: retired keys still verify.',
      file: retiredFile,
      options: base({ now: at(payloadOf(retiredFile).issuedAt, HOUR) }),
      expect: { ok: true, payload: payloadOf(retiredFile) },
    },
    refused(
      'other-vendor',
      'A genuine file of another vendor whose key the product also trusts: the payload vendor decides.',
      otherFile.content,
      'WRONG_VENDOR',
      base({ publicKeys: { ...publicKeys, ...otherKeys } }),
    ),
    refused(
      'other-product',
      'A genuine file for another product of the same vendor.',
      toolsFile.content,
      'WRONG_PRODUCT',
    ),
    refused(
      'other-installation',
      'A genuine file issued for another installation.',
      plain.content,
      'WRONG_INSTALLATION',
      base({ installationId: OTHER_INSTALLATION }),
    ),
    okFile(
      'any-installation',
      'No installationId but anyInstallation: true (e.g. a license server that serves many installations).',
      plain.content,
      (({ installationId, ...rest }) => ({ ...rest, anyInstallation: true }))(base()),
    ),
    refused(
      'missing-installation',
      'Neither installationId nor anyInstallation: the verifier refuses to run at all (an argument error, not a verdict on the file).',
      plain.content,
      'INVALID_OPTIONS',
      (({ installationId, ...rest }) => rest)(base()),
    ),
    refused(
      'not-started',
      'The clock is one day before startsAt.',
      plain.content,
      'NOT_STARTED',
      base({ now: at(plainPayload.startsAt, -DAY) }),
    ),
    refused(
      'expired',
      'The clock is one day after expiresAt.',
      plain.content,
      'EXPIRED',
      base({ now: at(plainPayload.expiresAt, DAY) }),
    ),
    refused(
      'expired-at-instant',
      'The clock is exactly expiresAt: a license is over at its expiry instant (expiresAt <= now).',
      plain.content,
      'EXPIRED',
      base({ now: plainPayload.expiresAt }),
    ),
    okFile(
      'last-millisecond',
      'The clock is one millisecond before expiresAt.',
      plain.content,
      base({ now: at(plainPayload.expiresAt, -1) }),
    ),
    refused(
      'file-expired',
      'The license runs a year but the file itself expires a day after issue (fileExpiresAt); the clock is two days after.',
      fileExpiry.content,
      'EXPIRED',
      base({ now: at(issuedAt, 2 * DAY) }),
    ),
    okFile(
      'file-not-yet-expired',
      'The same file with fileExpiresAt, an hour after issue.',
      fileExpiry.content,
      base(),
    ),
    okFile(
      'perpetual',
      'A perpetual license (expiresAt null) fifty years on.',
      perpetualFile.content,
      base({ now: at(issuedAt, 50 * 365 * DAY) }),
    ),
    refused(
      'clock-rollback',
      'The product’s clock guard last saw a time a day after now (lastSeen): the clock was turned back.',
      plain.content,
      'CLOCK_ROLLBACK',
      base({ lastSeen: at(NOW, DAY) }),
    ),
    refused(
      'clock-rollback-past-tolerance',
      `lastSeen is the rollback tolerance (${toleranceMinutes} minutes) plus one millisecond after now.`,
      plain.content,
      'CLOCK_ROLLBACK',
      base({ lastSeen: at(NOW, ROLLBACK_TOLERANCE_MS + 1) }),
    ),
    okFile(
      'clock-rollback-at-tolerance',
      `lastSeen is exactly the rollback tolerance (${toleranceMinutes} minutes) after now: a small step back (time sync) is accepted.`,
      plain.content,
      base({ lastSeen: at(NOW, ROLLBACK_TOLERANCE_MS) }),
    ),
    okFile(
      'clock-within-tolerance',
      'lastSeen is one minute after now: within the tolerance, accepted.',
      plain.content,
      base({ lastSeen: at(NOW, 60_000) }),
    ),
    okFile(
      'clock-moved-on',
      'lastSeen is a day before now: the clock moved forward, as clocks do.',
      plain.content,
      base({ lastSeen: at(NOW, -DAY) }),
    ),
    refused(
      'clock-rollback-before-expiry',
      'The clock guard saw a day after expiresAt; the clock was then turned back to a day before it: CLOCK_ROLLBACK, not a valid license (the rollback is checked before start and expiry).',
      plain.content,
      'CLOCK_ROLLBACK',
      base({ now: at(plainPayload.expiresAt, -DAY), lastSeen: at(plainPayload.expiresAt, DAY) }),
    ),
    refused(
      'clock-rollback-other-installation',
      'Another installation’s file with the clock turned back: the installation is checked before the clock.',
      plain.content,
      'WRONG_INSTALLATION',
      base({ installationId: OTHER_INSTALLATION, lastSeen: at(NOW, DAY) }),
    ),
    refused('malformed-empty', 'An empty file.', '', 'MALFORMED'),
    refused(
      'malformed-no-end',
      'The END line missing.',
      plain.content.slice(0, plain.content.indexOf(END)),
      'MALFORMED',
    ),
    refused(
      'malformed-not-base64',
      'The armoured body is not base64.',
      `${BEGIN}\nthis is not base64!\n${END}\n`,
      'MALFORMED',
    ),
    refused(
      'malformed-wrong-label',
      'A license request armour instead of a license file.',
      plain.content.replaceAll('LICENSE FILE', 'LICENSE REQUEST'),
      'MALFORMED',
    ),
    refused(
      'malformed-envelope',
      'Valid armour and base64, but the envelope JSON has no sig.',
      armorEnvelope((({ sig, ...rest }) => rest)(envelopeOf(plain.content))),
      'MALFORMED',
    ),
    refused(
      'malformed-two-files',
      'Two license files in one .license text: a single file must hold exactly one block (bundles are read separately).',
      plain.content + plain.content,
      'MALFORMED',
    ),
    okFile(
      'crlf-and-indent',
      'The same valid file with CRLF line ends and surrounding text: whitespace inside the armour is ignored.',
      `Your license:\r\n${plain.content.replaceAll('\n', '\r\n')}\r\nThanks!\r\n`,
    ),
  ];

  // ---------- bundles ----------
  const bundle = await api('POST', '/v1/offline/bundles', {
    keyId: keyA.id,
    issue: [{ licenseTypeId: yearly.id, count: 3 }],
    installationId: INSTALLATION,
  });
  const bundleFiles = splitBundle(bundle.content);
  const bundleVectors = [
    {
      name: 'three-valid',
      description: 'A bundle of three license files issued at once, all valid.',
      bundle: bundle.content,
      options: base({ now: at(payloadOf(bundleFiles[0]).issuedAt, HOUR) }),
      expect: { files: bundle.licenses.map((l) => ({ ok: true, licenseId: l.id })) },
    },
    {
      name: 'good-and-tampered',
      description: 'A good file followed by a file whose payload was edited: each file is judged on its own.',
      bundle: bundleFiles[0] + tamperPayload(bundleFiles[1], { seats: 999 }),
      options: base({ now: at(payloadOf(bundleFiles[0]).issuedAt, HOUR) }),
      expect: {
        files: [
          { ok: true, licenseId: bundle.licenses[0].id },
          { ok: false, code: 'BAD_SIGNATURE' },
        ],
      },
    },
    {
      name: 'mixed-keys-and-garbage',
      description:
        'A retired-key file, a revoked-key file, a block that is not base64, and a good file, with text between them.',
      bundle: `${retiredFile}\nsome notes\n${revokedFile}${BEGIN}\n!!!\n${END}\n${bundleFiles[2]}`,
      options: base({ now: at(payloadOf(bundleFiles[0]).issuedAt, HOUR) }),
      expect: {
        files: [
          { ok: true, licenseId: payloadOf(retiredFile).id },
          { ok: false, code: 'UNKNOWN_KEY' },
          { ok: false, code: 'MALFORMED' },
          { ok: true, licenseId: bundle.licenses[2].id },
        ],
      },
    },
  ];

  // ---------- signed answers ----------
  const answers = [];
  const genuine = (name, description, recorded, extra = {}) => {
    const vector = {
      name,
      description,
      call: recorded.call,
      sent: recorded.sent,
      ...(recorded.sessionId ? { sessionId: recorded.sessionId } : {}),
      response: recorded.response,
      options: { publicKeys, now: recorded.ts, maxAgeSeconds: 300 },
      expect: { ok: true },
      ...extra,
    };
    answers.push(vector);
    return vector;
  };
  const derived = (name, description, from, change, code) => {
    const vector = structuredClone(from);
    vector.name = name;
    vector.description = description;
    change(vector);
    vector.expect = code ? { ok: false, code } : { ok: true };
    answers.push(vector);
    return vector;
  };

  const validateResource = await record('validate', {
    key: seatKey.key,
    product: PRODUCT,
    resource: { kind: 'machine', id: 'm-0001' },
    nonce: 'conformance-validate-not-activated',
  });
  const activation = await record('activate', {
    key: seatKey.key,
    product: PRODUCT,
    resource: { kind: 'machine', id: 'm-0001', name: 'Build box' },
    nonce: 'conformance-activate',
  });
  const validateBasic = await record('validate', {
    key: seatKey.key,
    product: PRODUCT,
    nonce: 'conformance-validate-basic',
  });
  const validateFull = await record('validate', {
    key: seatKey.key,
    product: PRODUCT,
    resource: { kind: 'machine', id: 'm-0001' },
    capabilities: ['export'],
    nonce: 'conformance-validate-full',
  });
  const validateFingerprint = await record('validate', {
    key: seatKey.key,
    product: PRODUCT,
    fingerprint: 'fp-0001',
    nonce: 'conformance-validate-fingerprint',
  });
  const validateMissingCap = await record('validate', {
    key: seatKey.key,
    product: PRODUCT,
    capabilities: ['teleport'],
    nonce: 'conformance-validate-capability-missing',
  });
  const looseKey = seatKey.key.toLowerCase().replaceAll('-', '');
  const validateLoose = await record('validate', {
    key: looseKey,
    product: PRODUCT,
    nonce: 'conformance-validate-loose-key',
  });
  const validateUnknown = await record('validate', {
    key: `${VENDOR}-0000-0000-0000-0000`,
    product: PRODUCT,
    nonce: 'conformance-validate-unknown-key',
  });
  const exhausted = await record('activate', {
    key: seatKey.key,
    product: PRODUCT,
    resource: { kind: 'machine', id: 'm-0002' },
    nonce: 'conformance-activate-exhausted',
  });
  const session = await record('session', {
    key: floatingKey.key,
    product: PRODUCT,
    resource: { kind: 'user', id: 'u-0001', name: 'Ada' },
    ttlSeconds: 120,
    nonce: 'conformance-session',
  });
  const sessionId = JSON.parse(Buffer.from(session.response.bodyBase64, 'base64')).id;
  const heartbeat = await record('heartbeat', { nonce: 'conformance-heartbeat' }, sessionId);
  const batch = await api('POST', '/v1/coupon-batches', {
    type: 'add_product',
    items: [{ licenseTypeId: toolsYearly.id, term: { unit: 'month', count: 1 } }],
    count: 1,
  });
  const redeem = await record('redeem', {
    key: keyB.key,
    coupon: batch.codes[0].toLowerCase(),
    nonce: 'conformance-redeem',
  });

  const bodyOf = (recorded) => JSON.parse(Buffer.from(recorded.response.bodyBase64, 'base64'));
  expectBody(validateResource, (b) => b.valid === false && b.code === 'NOT_ACTIVATED');
  expectBody(validateBasic, (b) => b.valid === true);
  expectBody(validateFull, (b) => b.valid === true && b.code === 'VALID');
  expectBody(validateMissingCap, (b) => b.code === 'CAPABILITY_MISSING');
  expectBody(validateUnknown, (b) => b.code === 'NOT_FOUND');
  if (exhausted.response.status !== 409) throw new Error(`expected 409, got ${exhausted.response.status}`);
  function expectBody(recorded, check) {
    if (recorded.response.status >= 300 || !check(bodyOf(recorded)))
      throw new Error(`unexpected answer for ${recorded.call}: ${JSON.stringify(bodyOf(recorded))}`);
  }

  const basic = genuine(
    'validate-basic',
    'Validate a key for a product, no resource, no capabilities: VALID.',
    validateBasic,
  );
  const full = genuine(
    'validate-resource-capabilities',
    'Validate with a bound resource and a capability asked for: VALID.',
    validateFull,
  );
  genuine(
    'validate-not-activated',
    'Validate for a resource with no seat bound: valid:false, NOT_ACTIVATED — still a genuine signed answer the client accepts.',
    validateResource,
  );
  const fingerprint = genuine(
    'validate-fingerprint',
    'Validate with a fingerprint instead of a resource.',
    validateFingerprint,
  );
  genuine(
    'validate-capability-missing',
    'Validate asking for a capability no license grants: CAPABILITY_MISSING, signed.',
    validateMissingCap,
  );
  genuine(
    'validate-key-normalised',
    'The key sent in lower case without dashes; the answer echoes the canonical key and the client normalises what it sent the same way.',
    validateLoose,
  );
  genuine(
    'validate-unknown-key',
    'A well-formed key the server does not know: NOT_FOUND, signed by the vendor of the key prefix.',
    validateUnknown,
  );
  genuine(
    'validate-retired-kid',
    'An answer signed by a key that has since retired (recorded before the rotation); retired keys still verify.',
    retiredAnswer,
  );
  genuine(
    'validate-revoked-kid',
    'An answer signed by a key that has since been revoked: the key is absent from publicKeys.',
    revokedAnswer,
    { expect: { ok: false, code: 'UNKNOWN_KEY' } },
  );
  const activate = genuine(
    'activate',
    'Activate a machine on a seat license (201); the echo leaves out the resource name.',
    activation,
  );
  genuine(
    'activate-seats-exhausted',
    'Activating a second machine on a one-seat license: 409, unsigned error body; the client surfaces the server’s code.',
    exhausted,
    { expect: { ok: false, code: 'SEATS_EXHAUSTED' } },
  );
  const sessionVector = genuine(
    'session-open',
    'Check out a floating session (201); the echo leaves out name and ttlSeconds.',
    session,
  );
  const heartbeatVector = genuine('heartbeat', 'Keep the session alive.', heartbeat);
  genuine(
    'redeem',
    'Redeem a coupon typed in lower case; the echo carries the canonical coupon code.',
    redeem,
  );

  // Equal by the echo rule though the bodies differ.
  derived(
    'validate-empty-capabilities-equals-missing',
    'The client sent "capabilities": [] where the answer was made for a request without capabilities: both echo [], accepted.',
    basic,
    (v) => {
      v.sent = { ...v.sent, capabilities: [] };
    },
  );
  derived(
    'activate-name-not-echoed',
    'The client sent another resource name: names and metadata are not part of the echo, accepted.',
    activate,
    (v) => {
      v.sent = { ...v.sent, resource: { ...v.sent.resource, name: 'Other name', metadata: { os: 'linux' } } };
    },
  );

  // Relay rewrites: the sent request differs from what the answer echoes.
  const mismatch = (name, description, from, change) =>
    derived(name, description, from, change, 'REQUEST_MISMATCH');
  mismatch(
    'validate-key-swapped',
    'The client sent another customer’s key; the answer is for key A.',
    full,
    (v) => {
      v.sent.key = keyB.key;
    },
  );
  mismatch('validate-product-swapped', 'The client asked about another product.', full, (v) => {
    v.sent.product = OTHER_PRODUCT;
  });
  mismatch('validate-resource-swapped', 'The client asked about another machine.', full, (v) => {
    v.sent.resource = { kind: 'machine', id: 'm-9999' };
  });
  mismatch('validate-resource-kind-swapped', 'Same resource id, another kind.', full, (v) => {
    v.sent.resource = { kind: 'device', id: 'm-0001' };
  });
  mismatch(
    'validate-capabilities-changed',
    'The client asked for more capabilities than the answer echoes.',
    full,
    (v) => {
      v.sent.capabilities = ['export', 'print'];
    },
  );
  mismatch(
    'validate-capabilities-dropped',
    'The client asked for no capabilities; the answer echoes ["export"].',
    full,
    (v) => {
      delete v.sent.capabilities;
    },
  );
  mismatch(
    'validate-capabilities-added',
    'The client asked for a capability; the answer was made for a request without any.',
    basic,
    (v) => {
      v.sent.capabilities = ['export'];
    },
  );
  mismatch(
    'validate-resource-dropped',
    'The client asked about the product as a whole; the answer is for one machine.',
    full,
    (v) => {
      delete v.sent.resource;
    },
  );
  mismatch('validate-fingerprint-changed', 'Another fingerprint.', fingerprint, (v) => {
    v.sent.fingerprint = 'fp-9999';
  });
  mismatch(
    'validate-fingerprint-as-resource',
    'The client sent the fingerprint value as a resource: resource and fingerprint are separate fields of the echo.',
    fingerprint,
    (v) => {
      delete v.sent.fingerprint;
      v.sent.resource = { kind: 'machine', id: 'fp-0001' };
    },
  );
  mismatch('activate-resource-swapped', 'The client activated another machine.', activate, (v) => {
    v.sent.resource = { ...v.sent.resource, id: 'm-9999' };
  });
  mismatch('activate-key-swapped', 'The client activated with another key.', activate, (v) => {
    v.sent.key = keyB.key;
  });
  mismatch(
    'session-product-swapped',
    'The client opened a session for another product.',
    sessionVector,
    (v) => {
      v.sent.product = OTHER_PRODUCT;
    },
  );
  mismatch('heartbeat-session-swapped', 'The answer is for another session.', heartbeatVector, (v) => {
    v.sessionId = `${v.sessionId}x`;
  });

  // Replays, staleness and signatures.
  derived(
    'validate-replayed-nonce',
    'A recorded answer replayed to a request with another nonce.',
    full,
    (v) => {
      v.sent.nonce = 'conformance-fresh-nonce';
    },
    'NONCE_MISMATCH',
  );
  derived(
    'validate-missing-nonce',
    'The client sent no nonce; the answer echoes one.',
    basic,
    (v) => {
      delete v.sent.nonce;
    },
    'NONCE_MISMATCH',
  );
  derived(
    'heartbeat-replayed-nonce',
    'A heartbeat answer replayed with another nonce.',
    heartbeatVector,
    (v) => {
      v.sent.nonce = 'conformance-fresh-nonce';
    },
    'NONCE_MISMATCH',
  );
  derived(
    'validate-stale',
    'The device clock is one hour after ts.',
    full,
    (v) => {
      v.options.now = at(v.options.now, HOUR);
    },
    'STALE_ANSWER',
  );
  derived(
    'validate-from-the-future',
    'The device clock is one hour before ts (the age is an absolute difference).',
    full,
    (v) => {
      v.options.now = at(v.options.now, -HOUR);
    },
    'STALE_ANSWER',
  );
  derived(
    'validate-age-at-limit',
    'The device clock exactly maxAgeSeconds after ts: still fresh (age <= maxAge).',
    full,
    (v) => {
      v.options.now = at(v.options.now, 300_000);
    },
  );
  derived(
    'validate-age-past-limit',
    'The device clock maxAgeSeconds + 1 ms after ts.',
    full,
    (v) => {
      v.options.now = at(v.options.now, 300_001);
    },
    'STALE_ANSWER',
  );
  derived(
    'validate-unsigned',
    'The Licensor-Signature header removed.',
    full,
    (v) => {
      v.response.signature = null;
    },
    'UNSIGNED',
  );
  derived(
    'validate-signature-wrong-alg',
    'The header says alg="rsa": not an Ed25519 signature, treated as unsigned.',
    full,
    (v) => {
      v.response.signature = v.response.signature.replace('alg="ed25519"', 'alg="rsa"');
    },
    'UNSIGNED',
  );
  derived(
    'validate-unknown-kid',
    'The header names a kid the client does not know.',
    full,
    (v) => {
      v.response.signature = v.response.signature.replace(/kid="[^"]*"/, 'kid="acme-19990101-000000"');
    },
    'UNKNOWN_KEY',
  );
  derived(
    'validate-body-byte-changed',
    'One byte of the body changed ("valid":true became "valid":trUe); the signature kept.',
    full,
    (v) => {
      const body = Buffer.from(v.response.bodyBase64, 'base64');
      const index = body.indexOf('"valid":true');
      body[index + 11] = 'U'.charCodeAt(0);
      v.response.bodyBase64 = body.toString('base64');
    },
    'BAD_SIGNATURE',
  );
  derived(
    'activate-body-reserialised',
    'The body parsed and serialised again with two-space indentation: the signature covers the exact bytes.',
    activate,
    (v) => {
      const body = JSON.parse(Buffer.from(v.response.bodyBase64, 'base64'));
      v.response.bodyBase64 = Buffer.from(JSON.stringify(body, null, 2)).toString('base64');
    },
    'BAD_SIGNATURE',
  );
  derived(
    'validate-signature-byte-flipped',
    'One byte of the signature flipped.',
    full,
    (v) => {
      v.response.signature = v.response.signature.replace(/sig="([^"]*)"/, (_, sig) => {
        const bytes = Buffer.from(sig, 'base64');
        bytes[5] ^= 0x01;
        return `sig="${bytes.toString('base64')}"`;
      });
    },
    'BAD_SIGNATURE',
  );

  // Key names that every JavaScript object inherits: still unknown keys.
  for (const [slug, kid] of [
    ['constructor', 'constructor'],
    ['to-string', 'toString'],
    ['proto', '__proto__'],
    ['has-own-property', 'hasOwnProperty'],
  ]) {
    derived(
      `validate-kid-${slug}`,
      `The header names the kid "${kid}" (a property every JavaScript object inherits): no key the client trusts.`,
      full,
      (v) => {
        v.response.signature = v.response.signature.replace(/kid="[^"]*"/, `kid="${kid}"`);
      },
      'UNKNOWN_KEY',
    );
  }

  // Malformed signatures and keys: never an exception, always BAD_SIGNATURE.
  const fullKid = /kid="([^"]*)"/.exec(full.response.signature)[1];
  derived(
    'validate-signature-not-base64',
    'The header’s sig is not base64.',
    full,
    (v) => {
      v.response.signature = v.response.signature.replace(/sig="[^"]*"/, 'sig="!!not*base64!!"');
    },
    'BAD_SIGNATURE',
  );
  derived(
    'validate-signature-truncated',
    'The header’s sig is valid base64 of 32 bytes, not a 64-byte Ed25519 signature.',
    full,
    (v) => {
      v.response.signature = v.response.signature.replace(
        /sig="([^"]*)"/,
        (_, sig) => `sig="${Buffer.from(sig, 'base64').subarray(0, 32).toString('base64')}"`,
      );
    },
    'BAD_SIGNATURE',
  );
  derived(
    'validate-public-key-not-base64',
    'The key the client trusts for the answer’s kid is not base64.',
    full,
    (v) => {
      v.options.publicKeys[fullKid] = 'not a key!';
    },
    'BAD_SIGNATURE',
  );
  derived(
    'validate-public-key-wrong-length',
    'The key the client trusts for the answer’s kid is 31 bytes, not a raw Ed25519 key.',
    full,
    (v) => {
      v.options.publicKeys[fullKid] = Buffer.from(v.options.publicKeys[fullKid], 'base64')
        .subarray(0, 31)
        .toString('base64');
    },
    'BAD_SIGNATURE',
  );

  // Tree signatures (alg="ed25519-tree"): the answers of one turn under one signature of their tree's root.
  const ACCEPT_TREE = { 'licensor-accept-signature': 'ed25519-tree' };
  const treeFields = (v) =>
    Object.fromEntries([...v.response.signature.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const withTreeField = (v, name, value) => {
    v.response.signature = v.response.signature.replace(new RegExp(`${name}="[^"]*"`), `${name}="${value}"`);
  };
  // Asked together until two answers share a tree (the server signs what one turn of its event loop made).
  let pair;
  for (let attempt = 0; !pair && attempt < 50; attempt++) {
    const asked = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        record(
          'validate',
          { key: seatKey.key, product: PRODUCT, nonce: `conformance-tree-${attempt}-${i}` },
          undefined,
          ACCEPT_TREE,
        ),
      ),
    );
    const sigOf = (r) => /sig="([^"]*)"/.exec(r.response.signature)[1];
    for (const a of asked) {
      const b = asked.find((other) => other !== a && sigOf(other) === sigOf(a));
      if (b) {
        pair = [a, b];
        break;
      }
    }
  }
  if (!pair) throw new Error('no two tree-signed answers shared a signature in 50 attempts');
  const treeA = genuine(
    'validate-tree-leaf',
    'A tree-signed answer (alg="ed25519-tree"): its body, index and path lead to the root its signature covers.',
    pair[0],
  );
  const treeB = genuine(
    'validate-tree-other-leaf',
    'Another answer of the same tree: the same signature, its own index and path.',
    pair[1],
  );
  const lone = await record(
    'validate',
    { key: seatKey.key, product: PRODUCT, nonce: 'conformance-tree-lone' },
    undefined,
    ACCEPT_TREE,
  );
  genuine(
    'validate-tree-lone-leaf',
    'A tree-signed answer asked alone (its tree may hold other answers of the same turn, or none: path="" then).',
    lone,
  );
  const depthOf = (v) => Buffer.from(treeFields(v).path, 'base64').length / 32;
  derived(
    'validate-tree-neighbour-place',
    'The answer given the index and path of its neighbour under the same signature.',
    treeA,
    (v) => {
      withTreeField(v, 'index', treeFields(treeB).index);
      withTreeField(v, 'path', treeFields(treeB).path);
    },
    'BAD_SIGNATURE',
  );
  derived(
    'validate-tree-neighbour-body',
    'The neighbour’s body (its own request and nonce) under this answer’s header.',
    treeA,
    (v) => {
      v.response.bodyBase64 = treeB.response.bodyBase64;
    },
    'BAD_SIGNATURE',
  );
  derived(
    'validate-tree-swapped-whole',
    'The neighbour’s whole answer, header and body, given to this request (a relay swapping two answers of one tree).',
    treeA,
    (v) => {
      v.response = structuredClone(treeB.response);
    },
    'NONCE_MISMATCH',
  );
  derived(
    'validate-tree-path-byte-flipped',
    'One byte of the path flipped.',
    treeA,
    (v) => {
      const path = Buffer.from(treeFields(v).path, 'base64');
      path[0] ^= 1;
      withTreeField(v, 'path', path.toString('base64'));
    },
    'BAD_SIGNATURE',
  );
  derived(
    'validate-tree-index-outside',
    'An index outside the tree its path describes (2^depth).',
    treeA,
    (v) => withTreeField(v, 'index', String(2 ** depthOf(v))),
    'BAD_SIGNATURE',
  );
  derived(
    'validate-tree-path-not-base64',
    'A path that is not base64.',
    treeA,
    (v) => withTreeField(v, 'path', '!!not*base64!!'),
    'BAD_SIGNATURE',
  );
  derived(
    'validate-tree-path-partial-hash',
    'A path of 33 bytes: not whole 32-byte hashes.',
    treeA,
    (v) => withTreeField(v, 'path', Buffer.alloc(33, 7).toString('base64')),
    'BAD_SIGNATURE',
  );
  derived(
    'validate-tree-path-too-deep',
    'A path of 17 hashes (deeper than the 16 any client accepts), index 0.',
    treeA,
    (v) => {
      withTreeField(v, 'index', '0');
      withTreeField(v, 'path', Buffer.alloc(17 * 32).toString('base64'));
    },
    'BAD_SIGNATURE',
  );
  derived(
    'validate-tree-index-leading-zero',
    'The index written with a leading zero ("01"): a malformed header, treated as unsigned.',
    treeA,
    (v) => withTreeField(v, 'index', `0${treeFields(v).index}`),
    'UNSIGNED',
  );
  derived(
    'validate-tree-index-trailing-newline',
    'The index followed by a newline ("0\\n"): a malformed header, treated as unsigned (an anchored pattern must not match before it).',
    treeA,
    (v) => withTreeField(v, 'index', `${treeFields(v).index}\n`),
    'UNSIGNED',
  );
  derived(
    'validate-tree-no-path',
    'alg="ed25519-tree" without its path: a malformed header, treated as unsigned.',
    treeA,
    (v) => {
      v.response.signature = v.response.signature.replace(/, path="[^"]*"/, '');
    },
    'UNSIGNED',
  );
  derived(
    'validate-tree-read-as-ed25519',
    'The tree header relabelled alg="ed25519": the signature covers the root, not the body.',
    treeA,
    (v) => withTreeField(v, 'alg', 'ed25519'),
    'BAD_SIGNATURE',
  );
  derived(
    'validate-ed25519-read-as-tree',
    'A body signature relabelled alg="ed25519-tree" with index="0" and path="": the body is not a tree of one.',
    full,
    (v) => {
      v.response.signature = `${v.response.signature.replace('alg="ed25519"', 'alg="ed25519-tree"')}, index="0", path=""`;
    },
    'BAD_SIGNATURE',
  );

  // Correctly signed bodies that are not JSON. The server never signs one, so these are signed with the
  // generator's own key (TEST_KID), which their options trust; the first vector shows that key verifies.
  const signedBody = (name, description, bytes, code) =>
    derived(
      name,
      description,
      full,
      (v) => {
        v.response.bodyBase64 = bytes.toString('base64');
        v.response.signature = testKey.header(bytes);
        v.options.publicKeys[TEST_KID] = testKey.publicKey;
      },
      code,
    );
  const fullBody = Buffer.from(full.response.bodyBase64, 'base64');
  signedBody(
    'validate-signed-by-test-key',
    `The genuine body signed again by the generator’s key (kid ${TEST_KID}), which the options trust: accepted (the control for the vectors below).`,
    fullBody,
  );
  signedBody(
    'validate-signed-body-truncated-json',
    'A correctly signed 200 body that is not JSON (the genuine body cut in half): MALFORMED_ANSWER.',
    fullBody.subarray(0, Math.floor(fullBody.length / 2)),
    'MALFORMED_ANSWER',
  );
  signedBody(
    'validate-signed-body-text',
    'A correctly signed 200 body that is plain text (OK): MALFORMED_ANSWER.',
    Buffer.from('OK'),
    'MALFORMED_ANSWER',
  );
  signedBody(
    'validate-signed-body-empty',
    'A correctly signed empty 200 body: MALFORMED_ANSWER.',
    Buffer.alloc(0),
    'MALFORMED_ANSWER',
  );
  signedBody(
    'validate-signed-body-null',
    'A correctly signed body that is JSON but not an object (null): it echoes no nonce, NONCE_MISMATCH.',
    Buffer.from('null'),
    'NONCE_MISMATCH',
  );

  fs.mkdirSync(OUT, { recursive: true });
  const write = (name, value) => {
    fs.writeFileSync(path.join(OUT, name), `${JSON.stringify(value, null, 2)}\n`);
    const count = value.vectors ? `${value.vectors.length} vectors` : 'keys';
    console.log(`wrote conformance/vectors/${name} (${count})`);
  };
  write('keys.json', keysJson);
  write('license-files.json', { vectors: fileVectors });
  write('bundles.json', { vectors: bundleVectors });
  write('answers.json', { vectors: answers });
}

const PATHS = {
  validate: () => '/v1/validate',
  activate: () => '/v1/activate',
  session: () => '/v1/sessions',
  heartbeat: (id) => `/v1/sessions/${encodeURIComponent(id)}/heartbeat`,
  redeem: () => '/v1/coupons/redeem',
};

/** Sends one app-API request and keeps exactly what came back (tree-signed when `headers` asks for it). */
async function record(kind, sent, sessionId, headers = {}) {
  const answer = await call('POST', PATHS[kind](sessionId), sent, undefined, headers);
  return {
    call: kind,
    sent,
    sessionId,
    ts: answer.json?.ts ?? new Date().toISOString(),
    response: {
      status: answer.status,
      signature: answer.signature,
      bodyBase64: answer.bytes.toString('base64'),
    },
  };
}

function splitBundle(text) {
  return [...text.matchAll(/-----BEGIN LICENSE FILE-----[\s\S]*?-----END LICENSE FILE-----\n?/g)].map(
    (m) => m[0],
  );
}

await main();
