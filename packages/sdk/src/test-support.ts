import { generateKeyPairSync, sign } from 'node:crypto';
import { type LicensePayload, sealLicenseFile } from '@licensor/core';

/** A vendor's Ed25519 key for tests, publishing its raw public key as the server does. */
export function vendorKey(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    kid,
    publicKey: spki.subarray(spki.length - 32).toString('base64'),
    sign: async (message: Uint8Array) => new Uint8Array(sign(null, message, privateKey)),
  };
}

export const DAY = 86_400_000;

let sequence = 0;

export function payload(over: Partial<LicensePayload> = {}): LicensePayload {
  return {
    v: 1,
    id: `lic-${++sequence}`,
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
  };
}

export const seal = (key: ReturnType<typeof vendorKey>, p: LicensePayload, encryptFor?: string) =>
  sealLicenseFile(p, key, encryptFor);
