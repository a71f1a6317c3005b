// Builds testdata/crosscheck/*.json in the conformance format, with every expected outcome computed by
// the TypeScript SDK itself (packages/sdk/dist), so the Go SDK is checked against the reference on
// edge cases. Run from the repository root: node sdks/go/testdata/gen-crosscheck.mjs
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { armor, generateCouponCode, generateLicenseKey, sealLicenseFile } from '@licensor/core';
import { LicensorClient, readBundle, verifyLicenseFile } from '@licensor/sdk';
import { treeCases } from '../../../conformance/tree-cases.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'crosscheck');
mkdirSync(out, { recursive: true });

function vendorKey(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    kid,
    publicKey: spki.subarray(spki.length - 32).toString('base64'),
    sign: async (message) => new Uint8Array(sign(null, message, privateKey)),
    raw: (message) => sign(null, Buffer.from(message), privateKey),
  };
}
const k1 = vendorKey('k1');
const k2 = vendorKey('k2');
const stranger = vendorKey('k9');
const publicKeys = { k1: k1.publicKey, k2: k2.publicKey };
let n = 0;
const rnd = (size) => new Uint8Array(Array.from({ length: size }, (_, i) => (i * 37 + 11 + n++) & 255));
const licenseKey = generateLicenseKey('PRMO', rnd);
const coupon = generateCouponCode('PRMO', rnd);

const payload = (over = {}) => ({
  v: 1,
  id: 'lic-1',
  vendor: 'PRMO',
  customer: { id: 'c-1', name: 'Client' },
  product: 'aistudio',
  type: 'Platform',
  scope: 'installation',
  mode: 'subscription',
  resourceKind: null,
  capabilities: ['manage', 'build'],
  seats: null,
  startsAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-03-02T00:00:00.000Z',
  installationId: 'inst-1',
  issuedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});
const baseOptions = {
  publicKeys,
  vendor: 'PRMO',
  product: 'aistudio',
  installationId: 'inst-1',
  now: '2026-02-01T00:00:00.000Z',
};
const b64 = (text) => Buffer.from(text).toString('base64');
const envelopeFile = (env) => armor('LICENSE FILE', b64(JSON.stringify(env)));
const rawSigned = (encText, key = k1, alg = 'ed25519') => {
  const enc = b64(encText);
  return envelopeFile({ enc, sig: key.raw(`license/${enc}`).toString('base64'), alg, kid: key.kid });
};

async function fileVector(name, file, optionsOver = {}) {
  const options = { ...baseOptions, ...optionsOver };
  const result = await verifyLicenseFile(file, { ...options, now: new Date(options.now) });
  return {
    name,
    description: name,
    file,
    options,
    expect: result.ok ? { ok: true, payload: result.payload } : { ok: false, code: result.code },
  };
}

const good = await sealLicenseFile(payload(), k1);
const tampered = (() => {
  const env = JSON.parse(Buffer.from(good.split('\n').slice(1, -2).join(''), 'base64').toString());
  env.enc = b64(JSON.stringify(payload({ id: 'lic-forged' })));
  return envelopeFile(env);
})();
const files = [
  await fileVector('valid plain file', good),
  await fileVector('valid, signed by the second key', await sealLicenseFile(payload(), k2)),
  await fileVector('encrypted, with the key', await sealLicenseFile(payload(), k1, licenseKey), {
    licenseKey,
  }),
  await fileVector('encrypted, without the key', await sealLicenseFile(payload(), k1, licenseKey)),
  await fileVector('encrypted, key typed in lower case', await sealLicenseFile(payload(), k1, licenseKey), {
    licenseKey: licenseKey.toLowerCase(),
  }),
  await fileVector('unknown kid', await sealLicenseFile(payload(), stranger)),
  await fileVector(
    'kid of ours, signature of a stranger',
    await sealLicenseFile(payload(), { kid: 'k1', sign: stranger.sign }),
  ),
  await fileVector('tampered payload', tampered),
  await fileVector('other vendor', await sealLicenseFile(payload({ vendor: 'ACME' }), k1)),
  await fileVector('other product', await sealLicenseFile(payload({ product: 'robot' }), k1)),
  await fileVector('other installation', await sealLicenseFile(payload({ installationId: 'inst-2' }), k1)),
  await fileVector(
    'other installation, any installation accepted',
    await sealLicenseFile(payload({ installationId: 'inst-2' }), k1),
    { installationId: undefined, anyInstallation: true },
  ),
  await fileVector('at the start instant', good, { now: '2026-01-01T00:00:00.000Z' }),
  await fileVector('a millisecond before the start', good, { now: '2025-12-31T23:59:59.999Z' }),
  await fileVector('at the expiry instant', good, { now: '2026-03-02T00:00:00.000Z' }),
  await fileVector('a millisecond before expiry', good, { now: '2026-03-01T23:59:59.999Z' }),
  await fileVector('perpetual', await sealLicenseFile(payload({ expiresAt: null, term: null }), k1), {
    now: '2099-01-01T00:00:00.000Z',
  }),
  await fileVector(
    'file expired',
    await sealLicenseFile(payload({ fileExpiresAt: '2026-01-15T00:00:00.000Z' }), k1),
  ),
  await fileVector(
    'with a calendar term',
    await sealLicenseFile(payload({ term: { unit: 'month', count: 2 } }), k1),
  ),
  await fileVector(
    'term of 1001 years',
    await sealLicenseFile(payload({ term: { unit: 'year', count: 1001 } }), k1),
  ),
  await fileVector(
    'term count 1.5',
    await sealLicenseFile(payload({ term: { unit: 'day', count: 1.5 } }), k1),
  ),
  await fileVector(
    'expiresAt missing',
    await sealLicenseFile((({ expiresAt, ...rest }) => rest)(payload()), k1),
  ),
  await fileVector('fileExpiresAt null', await sealLicenseFile(payload({ fileExpiresAt: null }), k1)),
  await fileVector('v is "1"', await sealLicenseFile(payload({ v: '1' }), k1)),
  await fileVector('empty id', await sealLicenseFile(payload({ id: '' }), k1)),
  await fileVector('customer is a list', await sealLicenseFile(payload({ customer: [] }), k1)),
  await fileVector('customer null', await sealLicenseFile(payload({ customer: null }), k1)),
  await fileVector('capability not a string', await sealLicenseFile(payload({ capabilities: ['a', 1] }), k1)),
  await fileVector(
    'date-only start and expiry',
    await sealLicenseFile(payload({ startsAt: '2026-01-01', expiresAt: '2026-03-02' }), k1),
  ),
  await fileVector(
    'offset dates',
    await sealLicenseFile(payload({ startsAt: '2026-02-01T01:00:00+01:00' }), k1),
  ),
  await fileVector(
    'start one ms after now by offset',
    await sealLicenseFile(payload({ startsAt: '2026-02-01T01:00:00.001+01:00' }), k1),
  ),
  await fileVector('start not a date', await sealLicenseFile(payload({ startsAt: 'soon' }), k1)),
  await fileVector(
    'extra fields kept',
    await sealLicenseFile(payload({ tenant: 'acme', seats: 5, note: { deep: [1, 'x', null] } }), k1),
  ),
  await fileVector(
    'unicode payload',
    await sealLicenseFile(payload({ customer: { id: 'c', name: 'ООО «Ромашка» 株式会社 😀' } }), k1),
  ),
  await fileVector('payload with a byte-order mark', rawSigned(`\ufeff${JSON.stringify(payload())}`)),
  await fileVector('payload not JSON', rawSigned('{nope')),
  await fileVector('payload JSON null', rawSigned('null')),
  await fileVector(
    'armour with CRLF, indentation and text around',
    `Here is your license:\r\n\r\n${good
      .split('\n')
      .map((l) => `   ${l}`)
      .join('\r\n')}\r\nThanks`,
  ),
  await fileVector('two license files in one .license', good + good),
  await fileVector('no armour', 'hello'),
  await fileVector('empty armour', '-----BEGIN LICENSE FILE-----\n-----END LICENSE FILE-----\n'),
  await fileVector('armour not base64', '-----BEGIN LICENSE FILE-----\nabc!\n-----END LICENSE FILE-----\n'),
  await fileVector('envelope not JSON', armor('LICENSE FILE', b64('hello'))),
  await fileVector(
    'envelope alg unknown',
    envelopeFile({ enc: b64('{}'), sig: b64('x'), alg: 'rsa', kid: 'k1' }),
  ),
  await fileVector(
    'envelope empty kid',
    envelopeFile({ enc: b64('{}'), sig: b64('x'), alg: 'ed25519', kid: '' }),
  ),
  await fileVector(
    'envelope enc not base64',
    envelopeFile({ enc: 'abc', sig: b64('x'), alg: 'ed25519', kid: 'k1' }),
  ),
  await fileVector(
    'signature too short',
    envelopeFile({ enc: b64('{}'), sig: b64('x'), alg: 'ed25519', kid: 'k1' }),
  ),
  await fileVector('public key not base64', good, { publicKeys: { k1: '!!!' } }),
  await fileVector('public key of 31 bytes', good, {
    publicKeys: { k1: Buffer.alloc(31, 1).toString('base64') },
  }),
  await fileVector('public key empty', good, { publicKeys: { k1: '' } }),
  await fileVector(
    'encrypted enc too short',
    (() => {
      const enc = Buffer.alloc(20, 3).toString('base64');
      return envelopeFile({
        enc,
        sig: k1.raw(`license/${enc}`).toString('base64'),
        alg: 'ed25519+aes256gcm',
        kid: 'k1',
      });
    })(),
    { licenseKey },
  ),
];

async function bundleVector(name, bundle, optionsOver = {}) {
  const options = { ...baseOptions, ...optionsOver };
  const texts = readBundle(bundle);
  const results = [];
  for (const file of texts.length ? texts : [bundle]) {
    const r = await verifyLicenseFile(file, { ...options, now: new Date(options.now) });
    results.push(r.ok ? { ok: true, licenseId: r.payload.id } : { ok: false, code: r.code });
  }
  return { name, description: name, bundle, options, expect: { files: results } };
}
const bundles = [
  await bundleVector(
    'three good files',
    [
      good,
      await sealLicenseFile(payload({ id: 'lic-2' }), k2),
      await sealLicenseFile(payload({ id: 'lic-3' }), k1, licenseKey),
    ].join(''),
    { licenseKey },
  ),
  await bundleVector(
    'mixed outcomes, CRLF between',
    [
      good,
      await sealLicenseFile(payload({ id: 'lic-2', product: 'robot' }), k1),
      tampered,
      '-----BEGIN LICENSE FILE-----\n!!\n-----END LICENSE FILE-----\n',
      await sealLicenseFile(payload({ id: 'lic-5' }), stranger),
    ].join('\r\n'),
  ),
  await bundleVector('no block at all', 'just text'),
  await bundleVector('nested BEGIN', `-----BEGIN LICENSE FILE-----\n${good}`),
];

const ts = '2026-02-01T00:00:00.000Z';
async function answerVector(name, call, request, respond, optionsOver = {}, sessionId) {
  const options = { publicKeys, now: ts, maxAgeSeconds: 300, ...optionsOver };
  let sent;
  let response;
  const fetch = async (_url, init) => {
    sent = JSON.parse(init.body);
    const r = await respond(sent);
    const body = Buffer.from(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
    const signature =
      r.signature === undefined
        ? `kid="k1", alg="ed25519", sig="${k1.raw(body).toString('base64')}"`
        : (r.signature?.(body) ?? null);
    response = { status: r.status ?? 200, signature, bodyBase64: body.toString('base64') };
    const headers = new Headers({ 'content-type': 'application/json' });
    if (signature !== null) headers.set('licensor-signature', signature);
    return new Response(body, { status: response.status, headers });
  };
  const client = new LicensorClient({
    baseUrl: 'http://x',
    publicKeys: options.publicKeys,
    fetch,
    maxAgeSeconds: options.maxAgeSeconds,
    now: () => new Date(options.now),
  });
  let expect;
  try {
    if (call === 'validate') await client.validate(request);
    if (call === 'activate') await client.activate(request);
    if (call === 'session') await client.openSession(request);
    if (call === 'heartbeat') await client.heartbeat(sessionId);
    if (call === 'redeem') await client.redeemCoupon(request);
    expect = { ok: true };
  } catch (e) {
    expect = { ok: false, code: e.code ?? `THROWN:${e.name}` };
  }
  return {
    name,
    description: name,
    call,
    sent,
    ...(sessionId ? { sessionId } : {}),
    response,
    options,
    expect,
  };
}
const echoV = (s, over = {}) => ({
  valid: true,
  code: 'VALID',
  detail: '',
  ts,
  nonce: s.nonce,
  request: {
    key: licenseKey,
    product: s.product,
    resource: s.resource ? { kind: s.resource.kind, id: s.resource.id } : null,
    fingerprint: s.fingerprint ?? null,
    capabilities: s.capabilities ?? [],
    nonce: s.nonce,
    ...over,
  },
});
const vreq = { key: licenseKey.toLowerCase().replaceAll('-', ' '), product: 'aistudio' };
const vres = { ...vreq, resource: { kind: 'agent', id: 'a-1' }, capabilities: ['converse', 'manage'] };
const answers = [
  await answerVector('validate, echo with the key normalised', 'validate', vreq, (s) => ({ body: echoV(s) })),
  await answerVector('validate with resource and capabilities', 'validate', vres, (s) => ({
    body: echoV(s),
  })),
  await answerVector('validate with fingerprint', 'validate', { ...vreq, fingerprint: 'fp-1' }, (s) => ({
    body: echoV(s),
  })),
  await answerVector('echo keys in another order', 'validate', vres, (s) => {
    const e = echoV(s);
    const r = e.request;
    return {
      body: {
        ...e,
        request: {
          nonce: r.nonce,
          capabilities: r.capabilities,
          fingerprint: r.fingerprint,
          resource: { id: r.resource.id, kind: r.resource.kind },
          product: r.product,
          key: r.key,
        },
      },
    };
  }),
  await answerVector('capabilities in another order', 'validate', vres, (s) => ({
    body: echoV(s, { capabilities: ['manage', 'converse'] }),
  })),
  await answerVector('key swapped', 'validate', vreq, (s) => ({ body: echoV(s, { key: 'PRMO-OTHER' }) })),
  await answerVector('resource swapped', 'validate', vres, (s) => ({
    body: echoV(s, { resource: { kind: 'agent', id: 'a-2' } }),
  })),
  await answerVector('fingerprint dropped from the echo', 'validate', vreq, (s) => {
    const e = echoV(s);
    delete e.request.fingerprint;
    return { body: e };
  }),
  await answerVector('extra field in the echo', 'validate', vreq, (s) => ({ body: echoV(s, { extra: 1 }) })),
  await answerVector('no request echo', 'validate', vreq, (s) => {
    const e = echoV(s);
    delete e.request;
    return { body: e };
  }),
  await answerVector('replayed nonce', 'validate', vreq, (s) => ({ body: echoV(s, { nonce: 'old' }) })),
  await answerVector('nonce mismatch wins over request mismatch', 'validate', vreq, (s) => ({
    body: echoV(s, { nonce: 'old', key: 'X' }),
  })),
  await answerVector('unsigned', 'validate', vreq, (s) => ({ body: echoV(s), signature: () => null })),
  await answerVector('signature header with alg ED25519', 'validate', vreq, (s) => ({
    body: echoV(s),
    signature: (b) => `kid="k1", alg="ED25519", sig="${k1.raw(b).toString('base64')}"`,
  })),
  await answerVector('signature header fields reordered, extra field', 'validate', vreq, (s) => ({
    body: echoV(s),
    signature: (b) => `sig="${k1.raw(b).toString('base64')}",kid="k1",  v="2", alg="ed25519"`,
  })),
  await answerVector('unknown kid', 'validate', vreq, (s) => ({
    body: echoV(s),
    signature: (b) => `kid="k9", alg="ed25519", sig="${stranger.raw(b).toString('base64')}"`,
  })),
  await answerVector('signed by a stranger under our kid', 'validate', vreq, (s) => ({
    body: echoV(s),
    signature: (b) => `kid="k1", alg="ed25519", sig="${stranger.raw(b).toString('base64')}"`,
  })),
  await answerVector('signed by the second key', 'validate', vreq, (s) => ({
    body: echoV(s),
    signature: (b) => `kid="k2", alg="ed25519", sig="${k2.raw(b).toString('base64')}"`,
  })),
  await answerVector('body changed after signing', 'validate', vreq, (s) => ({
    body: echoV(s),
    signature: (b) =>
      `kid="k1", alg="ed25519", sig="${k1.raw(Buffer.concat([b, Buffer.from(' ')])).toString('base64')}"`,
  })),
  await answerVector('stale by 301 s', 'validate', vreq, (s) => ({ body: echoV(s, {}) }), {
    now: '2026-02-01T00:05:01.000Z',
  }),
  await answerVector('exactly 300 s old', 'validate', vreq, (s) => ({ body: echoV(s, {}) }), {
    now: '2026-02-01T00:05:00.000Z',
  }),
  await answerVector('from 300.001 s in the future', 'validate', vreq, (s) => ({ body: echoV(s, {}) }), {
    now: '2026-01-31T23:54:59.999Z',
  }),
  await answerVector('maxAgeSeconds 10', 'validate', vreq, (s) => ({ body: echoV(s, {}) }), {
    now: '2026-02-01T00:00:11.000Z',
    maxAgeSeconds: 10,
  }),
  await answerVector('ts missing', 'validate', vreq, (s) => {
    const e = echoV(s);
    delete e.ts;
    return { body: e };
  }),
  await answerVector('ts with offset', 'validate', vreq, (s) => ({
    body: { ...echoV(s), ts: '2026-02-01T01:00:00+01:00' },
  })),
  await answerVector('body with BOM', 'validate', vreq, (s) => ({
    body: `\ufeff${JSON.stringify(echoV(s))}`,
  })),
  await answerVector(
    '409 with the server code',
    'activate',
    { key: licenseKey, product: 'aistudio', resource: { kind: 'machine', id: 'm-1' } },
    () => ({
      status: 409,
      body: { error: { code: 'SEATS_EXHAUSTED', message: 'no seat' } },
      signature: () => null,
    }),
  ),
  await answerVector('500 without a body', 'validate', vreq, () => ({
    status: 500,
    body: 'oops',
    signature: () => null,
  })),
  await answerVector(
    'activate',
    'activate',
    {
      key: licenseKey,
      product: 'aistudio',
      resource: { kind: 'machine', id: 'm-1', name: 'PC', metadata: { os: 'linux' } },
    },
    (s) => ({
      status: 201,
      body: {
        id: 'b-1',
        licenseId: 'lic-1',
        product: 'aistudio',
        resource: { kind: 'machine', id: 'm-1', name: 'PC' },
        createdAt: ts,
        ts,
        request: {
          key: licenseKey,
          product: 'aistudio',
          resource: { kind: 'machine', id: 'm-1' },
          nonce: s.nonce,
        },
      },
    }),
  ),
  await answerVector(
    'activate, echo carries the name',
    'activate',
    { key: licenseKey, product: 'aistudio', resource: { kind: 'machine', id: 'm-1', name: 'PC' } },
    (s) => ({
      body: {
        id: 'b-1',
        ts,
        request: {
          key: licenseKey,
          product: 'aistudio',
          resource: { kind: 'machine', id: 'm-1', name: 'PC' },
          nonce: s.nonce,
        },
      },
    }),
  ),
  await answerVector(
    'session',
    'session',
    { key: licenseKey, product: 'aistudio', resource: { kind: 'machine', id: 'm-1' }, ttlSeconds: 60 },
    (s) => ({
      status: 201,
      body: {
        id: 's-1',
        expiresAt: ts,
        ts,
        request: {
          key: licenseKey,
          product: 'aistudio',
          resource: { kind: 'machine', id: 'm-1' },
          nonce: s.nonce,
        },
      },
    }),
  ),
  await answerVector(
    'session, product swapped',
    'session',
    { key: licenseKey, product: 'aistudio', resource: { kind: 'machine', id: 'm-1' } },
    (s) => ({
      status: 201,
      body: {
        id: 's-1',
        expiresAt: ts,
        ts,
        request: {
          key: licenseKey,
          product: 'robot',
          resource: { kind: 'machine', id: 'm-1' },
          nonce: s.nonce,
        },
      },
    }),
  ),
  await answerVector(
    'heartbeat',
    'heartbeat',
    undefined,
    (s) => ({ body: { expiresAt: ts, ts, request: { session: 's/1 ü', nonce: s.nonce } } }),
    {},
    's/1 ü',
  ),
  await answerVector(
    'heartbeat for another session',
    'heartbeat',
    undefined,
    (s) => ({ body: { expiresAt: ts, ts, request: { session: 's-2', nonce: s.nonce } } }),
    {},
    's-1',
  ),
  await answerVector(
    'redeem, codes normalised',
    'redeem',
    { key: licenseKey.toLowerCase(), coupon: coupon.toLowerCase().replaceAll('-', '') },
    (s) => ({
      body: {
        redemptionId: 'r-1',
        keyId: 'k-1',
        licenses: [],
        ts,
        request: { key: licenseKey, coupon, nonce: s.nonce },
      },
    }),
  ),
  await answerVector('redeem, coupon swapped', 'redeem', { key: licenseKey, coupon }, (s) => ({
    body: {
      redemptionId: 'r-1',
      keyId: 'k-1',
      licenses: [],
      ts,
      request: { key: licenseKey, coupon: 'PRMOUPD-OTHER', nonce: s.nonce },
    },
  })),
];

for (const [name, header] of treeCases({ k1, k2, stranger }))
  answers.push(await answerVector(name, 'validate', vreq, (s) => ({ body: echoV(s), signature: header })));

const write = (file, value) => writeFileSync(join(out, file), `${JSON.stringify(value, null, 2)}\n`);
write('keys.json', {
  vendor: 'PRMO',
  product: 'aistudio',
  publicKeys,
  retiredKids: ['k2'],
  revokedKids: ['k9'],
  revokedPublicKeys: { k9: stranger.publicKey },
});
write('license-files.json', { vectors: files });
write('bundles.json', { vectors: bundles });
write('answers.json', { vectors: answers });
console.log(`${files.length} files, ${bundles.length} bundles, ${answers.length} answers`);
