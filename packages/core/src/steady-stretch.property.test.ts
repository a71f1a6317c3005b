import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveStatus } from './license-status.js';
import { SCOPES } from './policy.js';
import { type CandidateLicense, changeInstants, checkLicense, steadyStretch } from './validation.js';

const DAY = 86_400_000;
const BASE = Date.UTC(2026, 0, 1);

const license = fc.record({
  scope: fc.constantFrom(...SCOPES),
  startsAt: fc.integer({ min: -400, max: 400 }).map((days) => new Date(BASE + days * DAY)),
  length: fc.option(
    fc.integer({ min: 0, max: 800 }).map((days) => days * DAY + 1234),
    { nil: null },
  ),
  graceDays: fc.integer({ min: 0, max: 40 }),
  boundToResource: fc.boolean(),
});

describe('the steady stretch of a license', () => {
  it('the check and the status stay the same anywhere inside it', () => {
    fc.assert(
      fc.property(
        license,
        fc.integer({ min: -900 * DAY, max: 1_800 * DAY }),
        fc.integer({ min: -900 * DAY, max: 1_800 * DAY }),
        (facts, offsetA, offsetB) => {
          const candidate: CandidateLicense = {
            scope: facts.scope,
            kind: null,
            startsAt: facts.startsAt,
            expiresAt: facts.length === null ? null : new Date(facts.startsAt.getTime() + facts.length),
            graceDays: facts.graceDays,
            suspendedAt: null,
            revokedAt: null,
            capabilities: [],
            boundToResource: facts.boundToResource,
            maxSessions: null,
            liveSessions: 0,
            resourceHasSession: false,
          };
          const at = (t: number) => ({
            check: checkLicense(candidate, { now: new Date(t), resource: { id: 'pc' } }),
            status: deriveStatus(
              { ...candidate, supersededAt: null, bindingCount: facts.boundToResource ? 1 : 0 },
              new Date(t),
            ),
          });
          const now = BASE + offsetA;
          const { from, until } = steadyStretch(changeInstants(candidate), now);
          expect(from <= now && now < until).toBe(true);
          // Any other moment of the stretch, its first and its last millisecond included, answers as now does.
          const span = Math.min(until, BASE + 3_000 * DAY) - Math.max(from, BASE - 3_000 * DAY);
          const other = Math.max(from, BASE - 3_000 * DAY) + (Math.abs(offsetB) % Math.max(span, 1));
          for (const t of [other, from, until - 1].filter(Number.isFinite)) expect(at(t)).toEqual(at(now));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
