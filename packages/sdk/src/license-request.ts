import { encodeLicenseRequest, licenseRequestFileName, type RequestPeriod } from '@licensor/core';

/** The periods a product offers in its request form (seed 000). */
export type Period = 'month' | '3months' | 'year' | 'perpetual';

const PERIODS: Record<Period, RequestPeriod> = {
  month: 'P1M',
  '3months': 'P3M',
  year: 'P1Y',
  perpetual: 'perpetual',
};

export interface LicenseRequestInput {
  product: string;
  installationId: string;
  fingerprint?: string;
  startsAt: Date | string;
  period: Period;
  tenant?: string;
}

function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The `licensereq-<product>.txt` a product's admin sends to the vendor. */
export function createLicenseRequest(
  input: LicenseRequestInput,
  now: Date = new Date(),
): { fileName: string; content: string } {
  const startsAt = new Date(input.startsAt);
  if (Number.isNaN(startsAt.getTime())) throw new RangeError('startsAt is not a date');
  return {
    fileName: licenseRequestFileName(input.product),
    content: encodeLicenseRequest({
      v: 1,
      product: input.product,
      installationId: input.installationId,
      ...(input.fingerprint ? { fingerprint: input.fingerprint } : {}),
      startsAt: startsAt.toISOString(),
      period: PERIODS[input.period],
      ...(input.tenant ? { tenant: input.tenant } : {}),
      createdAt: now.toISOString(),
      nonce: nonce(),
    }),
  };
}
