export type TermUnit = 'day' | 'month' | 'year';
/** A length of time a grant lasts; `null` means perpetual. */
export interface Term {
  readonly unit: TermUnit;
  readonly count: number;
}

const DAY_MS = 86_400_000;

/** A term as read from untrusted JSON (a license file): a unit and a positive whole count. */
export function isTerm(value: unknown): value is Term {
  if (typeof value !== 'object' || value === null) return false;
  const { unit, count } = value as Record<string, unknown>;
  return (
    (unit === 'day' || unit === 'month' || unit === 'year') &&
    typeof count === 'number' &&
    Number.isInteger(count) &&
    count > 0 &&
    count <= 1000
  );
}

/** `from` plus the term, in UTC; month ends clamp (Jan 31 + 1 month = Feb 28/29). */
export function addTerm(from: Date, term: Term): Date {
  if (term.unit === 'day') return new Date(from.getTime() + term.count * DAY_MS);
  const months = term.unit === 'month' ? term.count : term.count * 12;
  const result = new Date(from.getTime());
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}

/**
 * Where a renewal starts: a grant still running is extended from its current expiry, so a customer
 * who renews early loses nothing; a lapsed one restarts from now.
 */
export function renewalStart(currentExpiry: Date | null, now: Date): Date {
  return currentExpiry && currentExpiry.getTime() > now.getTime() ? currentExpiry : now;
}

/** New expiry after a renewal; a perpetual grant (null expiry) stays perpetual. */
export function renewedExpiry(currentExpiry: Date | null, now: Date, term: Term | null): Date | null {
  if (term === null || currentExpiry === null) return null;
  return addTerm(renewalStart(currentExpiry, now), term);
}

export function daysBetween(from: Date, to: Date): number {
  return Math.ceil((to.getTime() - from.getTime()) / DAY_MS);
}

export function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * DAY_MS);
}
