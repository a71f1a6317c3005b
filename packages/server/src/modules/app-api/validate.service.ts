import { evaluateValidation, grantedCapabilities, latestExpiry, type ResourceRef } from '@licensor/core';
import type { AppContext } from '../../platform/context.js';
import { statusOf } from '../licenses/licenses.queries.js';
import { type AppKey, findKeyByCode, productLicenses, toCandidate, usageOf } from './app-api.queries.js';

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
  input: ValidateInput,
): Promise<{ vendorPrefix: string | null; key?: AppKey; answer: ValidationAnswer }> {
  const db = ctx.handle.db;
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const { key, prefix } = await findKeyByCode(db, input.key);
  const rows = key ? await productLicenses(db, key.id, input.product) : [];
  const resource = askedResource(input);
  const usage = resource && rows.length > 0 ? await usageOf(db, rows, resource, nowIso) : undefined;
  const candidates = rows.map((row) => toCandidate(row, usage));
  const outcome = evaluateValidation(
    key ? { suspended: key.status === 'suspended', revoked: key.status === 'revoked' } : null,
    candidates,
    { now, resource, capabilities: input.capabilities },
  );
  const expiry = outcome.valid ? latestExpiry(outcome.usable) : null;
  return {
    vendorPrefix: prefix ?? null,
    key,
    answer: {
      valid: outcome.valid,
      code: outcome.code,
      detail: outcome.detail,
      ts: nowIso,
      ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
      key: key ? { id: key.id, customer: { id: key.customerId, name: key.customerName } } : null,
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
