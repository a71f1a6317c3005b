import { describe, expect, it } from 'vitest';
import { type CandidateLicense, evaluateValidation, VALIDATION_CODES } from './validation.js';

const now = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const license = (over: Partial<CandidateLicense> = {}): CandidateLicense => ({
  scope: 'seat',
  kind: 'machine',
  startsAt: new Date(now.getTime() - 10 * DAY),
  expiresAt: new Date(now.getTime() + 100 * DAY),
  graceDays: 0,
  suspendedAt: null,
  revokedAt: null,
  capabilities: ['run'],
  boundToResource: true,
  maxSessions: null,
  liveSessions: 0,
  resourceHasSession: false,
  ...over,
});
const key = { suspended: false, revoked: false };
const pc = { kind: 'machine', id: 'pc-1' };

describe('validation order', () => {
  it('checks the key before its licenses', () => {
    expect(evaluateValidation(null, [license()], { now }).code).toBe('NOT_FOUND');
    expect(evaluateValidation({ suspended: true, revoked: false }, [license()], { now }).code).toBe(
      'SUSPENDED',
    );
    expect(evaluateValidation({ suspended: false, revoked: true }, [license()], { now }).code).toBe(
      'REVOKED',
    );
    expect(evaluateValidation(key, [], { now }).code).toBe('PRODUCT_NOT_LICENSED');
  });

  it.each([
    ['SUSPENDED', { suspendedAt: now }],
    ['REVOKED', { revokedAt: now }],
    ['NOT_STARTED', { startsAt: new Date(now.getTime() + DAY) }],
    ['EXPIRED', { expiresAt: new Date(now.getTime() - DAY) }],
    ['GRACE_PERIOD', { expiresAt: new Date(now.getTime() - DAY), graceDays: 3 }],
    ['NOT_ACTIVATED', { boundToResource: false }],
    ['NOT_ACTIVATED', { kind: 'agent' }],
    ['TOO_MANY_SESSIONS', { scope: 'floating', kind: null, maxSessions: 2, liveSessions: 2 }],
    ['VALID', { scope: 'floating', kind: null, maxSessions: 2, liveSessions: 2, resourceHasSession: true }],
    ['VALID', { scope: 'unlimited', boundToResource: false }],
  ] as const)('answers %s for a license with %o', (code, over) => {
    expect(evaluateValidation(key, [license(over)], { now, resource: pc }).code).toBe(code);
  });

  it('is valid when any license is usable, and reports the furthest check otherwise', () => {
    const expired = license({ expiresAt: new Date(now.getTime() - DAY) });
    const unbound = license({ boundToResource: false });
    expect(evaluateValidation(key, [expired, license()], { now, resource: pc }).code).toBe('VALID');
    expect(evaluateValidation(key, [expired, unbound], { now, resource: pc }).code).toBe('NOT_ACTIVATED');
  });

  it('asks for capabilities over all usable licenses together', () => {
    const platform = license({ scope: 'installation', capabilities: ['manage', 'build'] });
    const agent = license({ capabilities: ['converse'] });
    expect(
      evaluateValidation(key, [platform, agent], { now, capabilities: ['manage', 'converse'] }).code,
    ).toBe('VALID');
    expect(evaluateValidation(key, [agent], { now, capabilities: ['manage'] }).code).toBe(
      'CAPABILITY_MISSING',
    );
  });

  it('matches a bare fingerprint to a binding of any kind', () => {
    expect(
      evaluateValidation(key, [license({ kind: 'device' })], { now, resource: { id: 'pc-1' } }).code,
    ).toBe('VALID');
  });

  it('lists every code once', () => {
    expect(new Set(VALIDATION_CODES).size).toBe(VALIDATION_CODES.length);
  });
});
