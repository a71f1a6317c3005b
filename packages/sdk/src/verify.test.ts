import { decodeLicenseFile, encodeLicenseFile } from '@licensor/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockGuard } from './clock-guard.js';
import { MemoryStorage } from './storage.js';
import { DAY, payload, seal, vendorKey } from './test-support.js';
import { makeVerifier, readBundle, verifyLicenseFile, verifyLicenseFiles } from './verify.js';

const primo = vendorKey('prmo-1');
const other = vendorKey('othr-1');
const now = new Date('2026-02-01T00:00:00Z');
const options = {
  publicKeys: { [primo.kid]: primo.publicKey },
  vendor: 'PRMO',
  product: 'aistudio',
  installationId: 'inst-1',
  now,
};

describe('verifyLicenseFile', () => {
  it('accepts a file signed by the vendor for this product and installation', async () => {
    const result = await verifyLicenseFile(await seal(primo, payload()), options);
    expect(result).toMatchObject({ ok: true, payload: { product: 'aistudio' } });
  });

  it.each([
    ['MALFORMED', async () => 'hello'],
    ['UNKNOWN_KEY', async () => seal(other, payload())],
    ['WRONG_VENDOR', async () => seal(primo, payload({ vendor: 'OTHR' }))],
    ['WRONG_PRODUCT', async () => seal(primo, payload({ product: 'robot' }))],
    ['WRONG_INSTALLATION', async () => seal(primo, payload({ installationId: 'inst-2' }))],
    ['NOT_STARTED', async () => seal(primo, payload({ startsAt: '2026-02-10T00:00:00.000Z' }))],
    ['EXPIRED', async () => seal(primo, payload({ expiresAt: '2026-01-31T00:00:00.000Z' }))],
    ['EXPIRED', async () => seal(primo, payload({ fileExpiresAt: '2026-01-15T00:00:00.000Z' }))],
  ] as const)('rejects with %s', async (code, file) => {
    expect(await verifyLicenseFile(await file(), options)).toMatchObject({ ok: false, code });
  });

  it('rejects a file signed by another vendor’s key under this vendor’s kid (BAD_SIGNATURE)', async () => {
    const forged = await seal({ ...other, kid: primo.kid }, payload());
    expect(await verifyLicenseFile(forged, options)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
  });

  it('reads an encrypted file only with the license key', async () => {
    const file = await seal(primo, payload(), 'PRMO-KEY');
    expect(await verifyLicenseFile(file, options)).toMatchObject({ ok: false, code: 'MALFORMED' });
    expect(await verifyLicenseFile(file, { ...options, licenseKey: 'PRMO-KEY' })).toMatchObject({ ok: true });
  });

  it('rejects a file seen after the clock was turned back', async () => {
    const clockGuard = new ClockGuard(new MemoryStorage());
    const file = await seal(primo, payload());
    expect(await verifyLicenseFile(file, { ...options, clockGuard })).toMatchObject({ ok: true });
    const earlier = new Date(now.getTime() - 3 * DAY);
    expect(await verifyLicenseFile(file, { ...options, clockGuard, now: earlier })).toMatchObject({
      ok: false,
      code: 'CLOCK_ROLLBACK',
    });
  });

  it('flipping any single byte of the signed payload or of the signature is rejected', async () => {
    const file = await seal(primo, payload());
    const envelope = decodeLicenseFile(file)!;
    const encBytes = Buffer.from(envelope.enc, 'base64');
    const sigBytes = Buffer.from(envelope.sig, 'base64');
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (inSignature, position, mask) => {
          const bytes = Buffer.from(inSignature ? sigBytes : encBytes);
          bytes[position % bytes.length] ^= mask;
          const tampered = encodeLicenseFile({
            ...envelope,
            [inSignature ? 'sig' : 'enc']: bytes.toString('base64'),
          });
          const result = await verifyLicenseFile(tampered, options);
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads a bundle as its license files', async () => {
    const files = await Promise.all([payload(), payload(), payload()].map((p) => seal(primo, p)));
    expect(readBundle(files.join(''))).toEqual(files);
  });

  it('verifies a bundle’s files in parallel, each as it would be alone, and asks the clock guard once', async () => {
    const forged = await seal({ ...other, kid: primo.kid }, payload());
    const files = [
      await seal(primo, payload()),
      forged,
      await seal(primo, payload({ product: 'robot' })),
      await seal(other, payload()),
      'hello',
      await seal(primo, payload({ expiresAt: '2026-01-31T00:00:00.000Z' })),
    ];
    const alone = await Promise.all(files.map((file) => verifyLicenseFile(file, options)));
    expect(alone.map((r) => (r.ok ? 'VALID' : r.code))).toEqual([
      'VALID',
      'BAD_SIGNATURE',
      'WRONG_PRODUCT',
      'UNKNOWN_KEY',
      'MALFORMED',
      'EXPIRED',
    ]);
    expect(await verifyLicenseFiles(files, options)).toEqual(alone);
    let asked = 0;
    const guard = new ClockGuard(new MemoryStorage());
    await guard.check(now);
    const counting = {
      check: (at: Date) => {
        asked++;
        return guard.check(at);
      },
    };
    const earlier = new Date(now.getTime() - 3 * DAY);
    const rolledBack = await verifyLicenseFiles(files, { ...options, clockGuard: counting, now: earlier });
    expect(asked).toBe(1);
    expect(rolledBack[0]).toMatchObject({ ok: false, code: 'CLOCK_ROLLBACK' });
  });

  it.each(['node', 'node-pool', 'webcrypto'] as const)(
    'verifies with the %s engine (browsers use WebCrypto)',
    async (engine) => {
      const envelope = decodeLicenseFile(await seal(primo, payload()))!;
      const verifier = makeVerifier(primo.publicKey, engine);
      const message = new TextEncoder().encode(`license/${envelope.enc}`);
      const signature = Uint8Array.from(Buffer.from(envelope.sig, 'base64'));
      expect(await verifier(message, signature)).toBe(true);
      signature[0] ^= 1;
      expect(await verifier(message, signature)).toBe(false);
    },
  );

  it('checks the installation unless told explicitly to accept any', async () => {
    const file = await seal(primo, payload());
    const { installationId: _, ...withoutInstallation } = options;
    await expect(verifyLicenseFile(file, withoutInstallation)).rejects.toThrow(/installationId/);
    expect(await verifyLicenseFile(file, { ...withoutInstallation, anyInstallation: true })).toMatchObject({
      ok: true,
    });
    expect(await verifyLicenseFile(file, { ...options, installationId: 'inst-2' })).toMatchObject({
      ok: false,
      code: 'WRONG_INSTALLATION',
    });
  });
});
