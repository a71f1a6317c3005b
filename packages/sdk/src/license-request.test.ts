import { decodeLicenseRequest } from '@licensor/core';
import { describe, expect, it } from 'vitest';
import { createLicenseRequest } from './license-request.js';

describe('createLicenseRequest', () => {
  it('writes licensereq-<product>.txt with the product, installation, start date and period', () => {
    const { fileName, content } = createLicenseRequest({
      product: 'aistudio',
      installationId: 'inst-1',
      startsAt: '2026-12-01',
      period: '3months',
    });
    expect(fileName).toBe('licensereq-aistudio.txt');
    expect(decodeLicenseRequest(content)).toMatchObject({
      ok: true,
      request: {
        product: 'aistudio',
        installationId: 'inst-1',
        startsAt: '2026-12-01T00:00:00.000Z',
        period: 'P3M',
      },
    });
    for (const [period, code] of [
      ['month', 'P1M'],
      ['year', 'P1Y'],
      ['perpetual', 'perpetual'],
    ] as const) {
      const request = decodeLicenseRequest(
        createLicenseRequest({ product: 'p', installationId: 'i', startsAt: new Date(), period }).content,
      );
      expect(request.ok && request.request.period).toBe(code);
    }
  });
});
