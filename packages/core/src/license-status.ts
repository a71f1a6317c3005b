import { needsBinding, type Scope } from './policy.js';

export const LICENSE_STATUSES = [
  'unused',
  'active',
  'expiring',
  'expired',
  'suspended',
  'revoked',
  'superseded',
] as const;
export type LicenseStatus = (typeof LICENSE_STATUSES)[number];

/** The stored facts a license's status is derived from; status itself is never stored. */
export interface LicenseFacts {
  readonly scope: Scope;
  readonly startsAt: Date;
  readonly expiresAt: Date | null;
  readonly suspendedAt: Date | null;
  readonly revokedAt: Date | null;
  readonly supersededAt: Date | null;
  readonly bindingCount: number;
}

export const DEFAULT_EXPIRING_DAYS = 30;
const DAY_MS = 86_400_000;

export function deriveStatus(
  license: LicenseFacts,
  now: Date,
  expiringDays = DEFAULT_EXPIRING_DAYS,
): LicenseStatus {
  if (license.revokedAt) return 'revoked';
  if (license.supersededAt) return 'superseded';
  if (license.suspendedAt) return 'suspended';
  const t = now.getTime();
  if (license.expiresAt && license.expiresAt.getTime() <= t) return 'expired';
  if (license.startsAt.getTime() > t) return 'unused';
  if (needsBinding(license.scope) && license.bindingCount === 0) return 'unused';
  if (license.expiresAt && license.expiresAt.getTime() - t <= expiringDays * DAY_MS) return 'expiring';
  return 'active';
}
