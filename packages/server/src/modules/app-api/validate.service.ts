import {
  evaluateValidation,
  grantedCapabilities,
  latestExpiry,
  parseLicenseKey,
  type ResourceRef,
  type ValidateEcho,
  validateEcho,
} from '@licensor/core';
import type { AppContext } from '../../platform/context.js';
import { statusOf } from '../licenses/licenses.queries.js';
import { toCandidate } from './app-api.queries.js';
import type { KeyRow, ValidationReader } from './validation-reader.js';

export interface ValidateInput {
  key: string;
  product: string;
  fingerprint?: string;
  resource?: { kind: string; id: string };
  capabilities?: string[];
  nonce?: string;
}

export interface ValidationAnswer {
  valid: boolean;
  code: string;
  detail: string;
  ts: string;
  nonce?: string;
  /** The request as the server read it (DESIGN §4): a client accepts the answer only for what it asked. */
  request: ValidateEcho;
  key: { id: string; customer: { id: string; name: string } } | null;
  licenses: {
    id: string;
    product: string;
    type: string;
    scope: string;
    mode: string;
    status: string;
    startsAt: string;
    expiresAt: string | null;
    capabilities: string[];
  }[];
  capabilities: string[];
  expiresAt: string | null;
}

/** The resource asked about: an explicit one, or a bare fingerprint that may match any kind. */
export function askedResource(
  input: Pick<ValidateInput, 'resource' | 'fingerprint'>,
): ResourceRef | undefined {
  if (input.resource) return input.resource;
  return input.fingerprint ? { id: input.fingerprint } : undefined;
}

/**
 * One validation, checked in DESIGN §4's order. Returns the vendor whose key should sign the
 * answer (null when the key's prefix belongs to nobody) and the answer itself.
 */
export async function validateKey(
  ctx: AppContext,
  reader: ValidationReader,
  input: ValidateInput,
): Promise<{ vendorPrefix: string | null; key?: KeyRow; answer: ValidationAnswer }> {
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const parsed = parseLicenseKey(input.key);
  const resource = askedResource(input);
  const read = parsed.ok
    ? await reader.read({ code: parsed.code, product: input.product, resource })
    : undefined;
  const key = read?.key;
  const rows = read?.licenses ?? [];
  const usage = resource ? read?.usage : undefined;
  const candidates = rows.map((row) => toCandidate(row, usage));
  const outcome = evaluateValidation(
    key ? { suspended: key.status === 'suspended', revoked: key.status === 'revoked' } : null,
    candidates,
    { now, resource, capabilities: input.capabilities },
  );
  const expiry = outcome.valid ? latestExpiry(outcome.usable) : null;
  return {
    vendorPrefix: parsed.prefix ?? null,
    key,
    answer: {
      valid: outcome.valid,
      code: outcome.code,
      detail: outcome.detail,
      ts: nowIso,
      ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
      request: validateEcho(input),
      key: key ? { id: key.id, customer: { id: key.customer_id, name: key.customer_name } } : null,
      licenses: rows.map((row) => ({
        id: row.id,
        product: row.product_code,
        type: row.type_name,
        scope: row.scope,
        mode: row.mode,
        status: statusOf(row, now),
        startsAt: row.starts_at,
        expiresAt: row.expires_at,
        capabilities: JSON.parse(row.capabilities) as string[],
      })),
      capabilities: grantedCapabilities(outcome.usable),
      expiresAt: expiry ? expiry.toISOString() : null,
    },
  };
}
