import { describe, expect, it } from 'vitest';
import { addTerm, renewedExpiry } from './term.js';

const d = (iso: string) => new Date(iso);

describe('terms', () => {
  it('add days, months (clamping month ends) and years in UTC', () => {
    expect(addTerm(d('2026-01-10T00:00:00Z'), { unit: 'day', count: 30 })).toEqual(d('2026-02-09T00:00:00Z'));
    expect(addTerm(d('2026-01-31T12:00:00Z'), { unit: 'month', count: 1 })).toEqual(
      d('2026-02-28T12:00:00Z'),
    );
    expect(addTerm(d('2028-01-31T00:00:00Z'), { unit: 'month', count: 1 })).toEqual(
      d('2028-02-29T00:00:00Z'),
    );
    expect(addTerm(d('2026-11-30T00:00:00Z'), { unit: 'month', count: 3 })).toEqual(
      d('2027-02-28T00:00:00Z'),
    );
    expect(addTerm(d('2028-02-29T00:00:00Z'), { unit: 'year', count: 1 })).toEqual(d('2029-02-28T00:00:00Z'));
  });

  it('renew from the current expiry while valid, from now once lapsed, and keep perpetual', () => {
    const now = d('2026-06-01T00:00:00Z');
    const year = { unit: 'year', count: 1 } as const;
    expect(renewedExpiry(d('2026-07-01T00:00:00Z'), now, year)).toEqual(d('2027-07-01T00:00:00Z'));
    expect(renewedExpiry(d('2026-05-01T00:00:00Z'), now, year)).toEqual(d('2027-06-01T00:00:00Z'));
    expect(renewedExpiry(null, now, year)).toBeNull();
  });
});
