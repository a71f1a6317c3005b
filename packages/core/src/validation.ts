import { DEFAULT_EXPIRING_DAYS } from './license-status.js';
import { needsBinding, type Scope } from './policy.js';

/**
 * Validation outcomes in the order they are checked (DESIGN §4); later means closer to usable.
 * GRACE_PERIOD is an EXPIRED license still inside its grace days, so it ranks just below VALID.
 */
export const VALIDATION_CODES = [
  'NOT_FOUND',
  'SUSPENDED',
  'REVOKED',
  'PRODUCT_NOT_LICENSED',
  'NOT_STARTED',
  'EXPIRED',
  'NOT_ACTIVATED',
  'CAPABILITY_MISSING',
  'TOO_MANY_SESSIONS',
  'GRACE_PERIOD',
  'VALID',
] as const;
export type ValidationCode = (typeof VALIDATION_CODES)[number];

const RANK = Object.fromEntries(VALIDATION_CODES.map((code, i) => [code, i])) as Record<
  ValidationCode,
  number
>;

export interface ResourceRef {
  /** Absent for a bare fingerprint, which may match a binding of any kind. */
  readonly kind?: string;
  readonly id: string;
}

export interface KeyFacts {
  readonly suspended: boolean;
  readonly revoked: boolean;
}

/** One license of the asked product on the key, with what the check needs to know about its use. */
export interface CandidateLicense {
  readonly scope: Scope;
  /** The resource kind this license binds to or counts sessions of (null: any kind). */
  readonly kind: string | null;
  readonly startsAt: Date;
  readonly expiresAt: Date | null;
  readonly graceDays: number;
  readonly suspendedAt: Date | null;
  readonly revokedAt: Date | null;
  readonly capabilities: readonly string[];
  /** Is the asked resource bound to this license (seat-like scopes). */
  readonly boundToResource: boolean;
  readonly maxSessions: number | null;
  readonly liveSessions: number;
  /** Does the asked resource already hold one of this license's live sessions. */
  readonly resourceHasSession: boolean;
}

export interface ValidationQuery {
  readonly now: Date;
  readonly resource?: ResourceRef;
  readonly capabilities?: readonly string[];
}

export interface ValidationOutcome<L> {
  readonly valid: boolean;
  readonly code: ValidationCode;
  readonly detail: string;
  /** The licenses that make the answer valid (empty when it is not). */
  readonly usable: readonly L[];
}

const DAY_MS = 86_400_000;

const DETAILS: Record<ValidationCode, string> = {
  NOT_FOUND: 'No such license key.',
  SUSPENDED: 'The license is suspended.',
  REVOKED: 'The license has been revoked.',
  PRODUCT_NOT_LICENSED: 'The key holds no license for this product.',
  NOT_STARTED: 'The license term has not started yet.',
  EXPIRED: 'The license has expired.',
  NOT_ACTIVATED: 'The license is not activated for this resource.',
  CAPABILITY_MISSING: 'The license does not grant a requested capability.',
  TOO_MANY_SESSIONS: 'All concurrent sessions of the license are in use.',
  GRACE_PERIOD: 'The license has expired and is inside its grace period.',
  VALID: 'The license is valid.',
};

/** The first check one license fails, or VALID / GRACE_PERIOD when it is usable. */
export function checkLicense(license: CandidateLicense, query: ValidationQuery): ValidationCode {
  const now = query.now.getTime();
  if (license.revokedAt) return 'REVOKED';
  if (license.suspendedAt) return 'SUSPENDED';
  if (license.startsAt.getTime() > now) return 'NOT_STARTED';
  let inGrace = false;
  if (license.expiresAt && license.expiresAt.getTime() <= now) {
    if (license.expiresAt.getTime() + license.graceDays * DAY_MS <= now) return 'EXPIRED';
    inGrace = true;
  }
  const resource = query.resource;
  if (resource) {
    const kindMatches =
      license.kind === null || resource.kind === undefined || license.kind === resource.kind;
    if (needsBinding(license.scope) && !(kindMatches && license.boundToResource)) return 'NOT_ACTIVATED';
    if (license.scope === 'unlimited' && !kindMatches) return 'NOT_ACTIVATED';
    if (
      license.scope === 'floating' &&
      !license.resourceHasSession &&
      license.maxSessions !== null &&
      license.liveSessions >= license.maxSessions
    ) {
      return 'TOO_MANY_SESSIONS';
    }
  }
  return inGrace ? 'GRACE_PERIOD' : 'VALID';
}

const outcome = <L>(code: ValidationCode, usable: readonly L[] = []): ValidationOutcome<L> => ({
  valid: code === 'VALID' || code === 'GRACE_PERIOD',
  code,
  detail: DETAILS[code],
  usable,
});

/**
 * Answers a validation: the key's own state first, then the best of its licenses for the product
 * (the key is valid when any one of them is usable), then the asked capabilities over all usable ones.
 */
export function evaluateValidation<L extends CandidateLicense>(
  key: KeyFacts | null,
  licenses: readonly L[],
  query: ValidationQuery,
): ValidationOutcome<L> {
  if (!key) return outcome('NOT_FOUND');
  if (key.revoked) return outcome('REVOKED');
  if (key.suspended) return outcome('SUSPENDED');
  if (licenses.length === 0) return outcome('PRODUCT_NOT_LICENSED');

  let best: ValidationCode = 'NOT_FOUND';
  const usable: L[] = [];
  let anyFullyValid = false;
  for (const license of licenses) {
    const code = checkLicense(license, query);
    if (RANK[code] > RANK[best]) best = code;
    if (code === 'VALID' || code === 'GRACE_PERIOD') {
      usable.push(license);
      anyFullyValid ||= code === 'VALID';
    }
  }
  if (usable.length === 0) return outcome(best);

  const asked = query.capabilities ?? [];
  if (asked.length > 0) {
    const granted = new Set(usable.flatMap((license) => license.capabilities));
    if (!asked.every((capability) => granted.has(capability))) return outcome('CAPABILITY_MISSING');
  }
  return outcome(anyFullyValid ? 'VALID' : 'GRACE_PERIOD', usable);
}

/** Capabilities granted by the usable licenses, each once, in a stable order. */
export function grantedCapabilities(usable: readonly CandidateLicense[]): string[] {
  return [...new Set(usable.flatMap((license) => license.capabilities))].sort();
}

/** The latest expiry among usable licenses; null when any of them is perpetual. */
export function latestExpiry(usable: readonly CandidateLicense[]): Date | null {
  let latest: Date | null = null;
  for (const license of usable) {
    if (license.expiresAt === null) return null;
    if (!latest || license.expiresAt > latest) latest = license.expiresAt;
  }
  return latest;
}

/**
 * The instants at which time alone changes how a license checks or what status it shows: it starts, enters its
 * last expiring days, expires, and leaves its grace. Every rule compares `now >= instant`, so between two
 * consecutive instants the same facts give the same answer.
 */
export function changeInstants(
  license: Pick<CandidateLicense, 'startsAt' | 'expiresAt' | 'graceDays'>,
  expiringDays = DEFAULT_EXPIRING_DAYS,
): number[] {
  const instants = [license.startsAt.getTime()];
  if (license.expiresAt) {
    const expiry = license.expiresAt.getTime();
    instants.push(expiry - expiringDays * DAY_MS, expiry, expiry + license.graceDays * DAY_MS);
  }
  return instants;
}

/** The stretch of time around `now`, [from, until), in which none of these instants falls. */
export function steadyStretch(instants: readonly number[], now: number): { from: number; until: number } {
  let from = Number.NEGATIVE_INFINITY;
  let until = Number.POSITIVE_INFINITY;
  for (const instant of instants) {
    if (instant <= now) from = Math.max(from, instant);
    else until = Math.min(until, instant);
  }
  return { from, until };
}
