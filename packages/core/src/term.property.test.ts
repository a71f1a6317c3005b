import { UTCDate } from '@date-fns/utc';
import { addDays, addMonths, addYears } from 'date-fns';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addTerm, isTerm, type Term } from './term.js';

/** date-fns' calendar arithmetic in UTC: the reference `addTerm` must agree with. */
function reference(from: Date, term: Term): Date {
  const utc = new UTCDate(from.getTime());
  const added =
    term.unit === 'day'
      ? addDays(utc, term.count)
      : term.unit === 'month'
        ? addMonths(utc, term.count)
        : addYears(utc, term.count);
  return new Date(added.getTime());
}

describe('calendar terms', () => {
  it('addTerm agrees with date-fns for every start (1970–2200) and term (1–120 days, months, years)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('2200-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom('day', 'month', 'year'),
        fc.integer({ min: 1, max: 120 }),
        (from, unit, count) => {
          const term = { unit, count } as Term;
          expect(addTerm(from, term).toISOString()).toBe(reference(from, term).toISOString());
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('a term read from a file is a unit and a positive whole count', () => {
    expect(isTerm({ unit: 'year', count: 1 })).toBe(true);
    for (const bad of [
      null,
      {},
      { unit: 'week', count: 1 },
      { unit: 'day', count: 0 },
      { unit: 'day', count: 1.5 },
    ])
      expect(isTerm(bad)).toBe(false);
  });
});
