import { parseCouponCode, parseLicenseKey } from './codes.js';

/**
 * What a signed app-API answer repeats of its request (DESIGN §4), so a relay that swaps the key, the
 * product or the resource cannot pass a genuine answer off as the answer to another question. The server
 * and the SDK build it with the same functions: codes normalised, absent fields null.
 */
export interface ResourceEcho {
  readonly kind: string;
  readonly id: string;
}

export interface ValidateEcho {
  readonly key: string;
  readonly product: string;
  readonly resource: ResourceEcho | null;
  readonly fingerprint: string | null;
  readonly capabilities: readonly string[];
  readonly nonce: string | null;
}

export interface UseEcho {
  readonly key: string;
  readonly product: string;
  readonly resource: ResourceEcho;
  readonly nonce: string | null;
}

export interface HeartbeatEcho {
  readonly session: string;
  readonly nonce: string | null;
}

export interface RedeemEcho {
  readonly key: string;
  readonly coupon: string;
  readonly nonce: string | null;
}

/** A key as the server looks it up: canonical when well-formed, otherwise as typed (upper case, trimmed). */
export function normaliseKey(input: string): string {
  const parsed = parseLicenseKey(input);
  return parsed.ok ? parsed.code : input.trim().toUpperCase();
}

function normaliseCoupon(input: string): string {
  const parsed = parseCouponCode(input);
  return parsed.ok ? parsed.code : input.trim().toUpperCase();
}

const resourceOf = (resource: { kind: string; id: string }): ResourceEcho => ({
  kind: resource.kind,
  id: resource.id,
});

/** `key`: the request's key normalised already (`normaliseKey`), when the caller has it. */
export function validateEcho(
  request: {
    key: string;
    product: string;
    resource?: { kind: string; id: string };
    fingerprint?: string;
    capabilities?: readonly string[];
    nonce?: string;
  },
  key = normaliseKey(request.key),
): ValidateEcho {
  return {
    key,
    product: request.product,
    resource: request.resource ? resourceOf(request.resource) : null,
    fingerprint: request.fingerprint ?? null,
    capabilities: [...(request.capabilities ?? [])],
    nonce: request.nonce ?? null,
  };
}

/** Activation, deactivation and session check-out: the key, the product and the resource. */
export function useEcho(request: {
  key: string;
  product: string;
  resource: { kind: string; id: string };
  nonce?: string;
}): UseEcho {
  return {
    key: normaliseKey(request.key),
    product: request.product,
    resource: resourceOf(request.resource),
    nonce: request.nonce ?? null,
  };
}

export const heartbeatEcho = (session: string, nonce?: string): HeartbeatEcho => ({
  session,
  nonce: nonce ?? null,
});

export const redeemEcho = (request: { key: string; coupon: string; nonce?: string }): RedeemEcho => ({
  key: normaliseKey(request.key),
  coupon: normaliseCoupon(request.coupon),
  nonce: request.nonce ?? null,
});

/** Structural equality of two echoes (plain JSON values; key order does not matter). */
export function sameEcho(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const left = Object.keys(a);
  const right = Object.keys(b);
  return (
    left.length === right.length &&
    left.every((k) => sameEcho((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
