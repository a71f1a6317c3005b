import { describe, expect, it } from 'vitest';
import { deriveStatus, type LicenseFacts } from './license-status.js';

const now = new Date('2026-06-01T00:00:00Z');
const base: LicenseFacts = {
  scope: 'seat',
  startsAt: new Date('2026-01-01T00:00:00Z'),
  expiresAt: new Date('2027-01-01T00:00:00Z'),
  suspendedAt: null,
  revokedAt: null,
  supersededAt: null,
  bindingCount: 1,
};

describe('derived license status', () => {
  it.each([
    ['active', {}],
    ['unused', { bindingCount: 0 }],
    ['unused', { startsAt: new Date('2026-07-01T00:00:00Z') }],
    ['expiring', { expiresAt: new Date('2026-06-20T00:00:00Z') }],
    ['expired', { expiresAt: new Date('2026-05-31T00:00:00Z') }],
    ['suspended', { suspendedAt: now }],
    ['revoked', { revokedAt: now, suspendedAt: now }],
    ['superseded', { supersededAt: now }],
    ['active', { scope: 'floating', bindingCount: 0 }],
    ['active', { expiresAt: null }],
  ] as const)('is %s for %o', (status, facts) => {
    expect(deriveStatus({ ...base, ...facts }, now)).toBe(status);
  });
});
