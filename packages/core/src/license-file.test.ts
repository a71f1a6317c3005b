import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeLicenseFile, encodeBundle, type LicensePayload, splitBundle } from './license-file.js';
import { openPayload, sealLicenseFile, verifyEnvelope } from './license-file-crypto.js';
import { decodeLicenseRequest, encodeLicenseRequest, periodTerm } from './license-request.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const spki = publicKey.export({ format: 'der', type: 'spki' });
const rawPublic = spki.subarray(spki.length - 32).toString('base64');
const signer = {
  kid: 'acme-1',
  sign: async (message: Uint8Array) => new Uint8Array(sign(null, message, privateKey)),
};

const payload: LicensePayload = {
  v: 1,
  id: 'lic-1',
  vendor: 'ACME',
  customer: { id: 'c-1', name: 'Romashka' },
  product: 'aistudio',
  type: 'Platform',
  scope: 'installation',
  mode: 'subscription',
  resourceKind: null,
  capabilities: ['manage', 'build'],
  seats: null,
  startsAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2027-01-01T00:00:00.000Z',
  installationId: 'inst-1',
  issuedAt: '2026-01-01T00:00:00.000Z',
};

describe('license files', () => {
  it('seal, verify and open a plain file', async () => {
    const file = await sealLicenseFile(payload, signer);
    expect(file).toMatch(/^-----BEGIN LICENSE FILE-----\n[A-Za-z0-9+/=\n]+-----END LICENSE FILE-----\n$/);
    const envelope = decodeLicenseFile(file)!;
    expect(envelope.alg).toBe('ed25519');
    expect(await verifyEnvelope(envelope, rawPublic)).toBe(true);
    expect(await openPayload(envelope)).toEqual(payload);
  });

  it('encrypt with the license key: unreadable without it, readable with it', async () => {
    const file = await sealLicenseFile(payload, signer, 'ACME-KEY');
    const envelope = decodeLicenseFile(file)!;
    expect(envelope.alg).toBe('ed25519+aes256gcm');
    expect(await verifyEnvelope(envelope, rawPublic)).toBe(true);
    expect(await openPayload(envelope)).toBeUndefined();
    expect(await openPayload(envelope, 'OTHER-KEY')).toBeUndefined();
    expect(await openPayload(envelope, 'ACME-KEY')).toEqual(payload);
  });

  it('a bundle holds many files and splits back into them', async () => {
    const files = await Promise.all(
      [1, 2, 3].map((n) => sealLicenseFile({ ...payload, id: `lic-${n}` }, signer)),
    );
    const parts = splitBundle(encodeBundle(files));
    expect(parts).toEqual(files);
  });

  it('reject text that is not a license file', () => {
    expect(decodeLicenseFile('hello')).toBeUndefined();
    expect(
      decodeLicenseFile('-----BEGIN LICENSE FILE-----\n!!!\n-----END LICENSE FILE-----'),
    ).toBeUndefined();
  });
});

describe('license requests', () => {
  it('round-trip and map periods to terms', () => {
    const request = {
      v: 1 as const,
      product: 'aistudio',
      installationId: 'inst-1',
      startsAt: '2026-02-01',
      period: 'P3M' as const,
      createdAt: '2026-01-20T10:00:00.000Z',
      nonce: 'abc',
    };
    expect(decodeLicenseRequest(encodeLicenseRequest(request))).toEqual({ ok: true, request });
    // A person reading the file sees what is asked above the block the server reads.
    expect(encodeLicenseRequest(request).split('\n').slice(0, 4)).toEqual([
      'Product: aistudio',
      'Installation: inst-1',
      'Start: 2026-02-01',
      'Period: 3 months',
    ]);
    expect(periodTerm('P3M')).toEqual({ unit: 'month', count: 3 });
    expect(periodTerm('perpetual')).toBeNull();
    expect(decodeLicenseRequest('nope')).toMatchObject({ ok: false });
    const bad = encodeLicenseRequest({ ...request, period: 'P2W' as never });
    expect(decodeLicenseRequest(bad)).toEqual({
      ok: false,
      problem: 'period must be P1M, P3M, P1Y or perpetual',
    });
  });
});
