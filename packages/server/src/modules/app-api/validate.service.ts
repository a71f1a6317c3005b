import {
  changeInstants,
  evaluateValidation,
  grantedCapabilities,
  latestExpiry,
  normaliseKey,
  type ParsedCode,
  parseLicenseKey,
  type ResourceRef,
  steadyStretch,
  type ValidateEcho,
  validateEcho,
} from '@licensor/core';
import type { AppContext } from '../../platform/context.js';
import { KeptAtMost } from '../../platform/kept-at-most.js';
import { statusOf } from '../licenses/licenses.queries.js';
import { toCandidate } from './app-api.queries.js';
import type { KeyRow, ValidationRead, ValidationReader } from './validation-reader.js';

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

/** What the answer says about the licenses: everything but the request's own echo, time and nonce. */
interface Verdict {
  readonly valid: boolean;
  readonly code: string;
  readonly detail: string;
  readonly licenses: ValidationAnswer['licenses'];
  readonly capabilities: string[];
  readonly expiresAt: string | null;
  /** The stretch of time, [from, until), in which the same read and question get this verdict. */
  readonly from: number;
  readonly until: number;
}

function judge(
  read: ValidationRead | undefined,
  resource: ResourceRef | undefined,
  capabilities: readonly string[] | undefined,
  now: Date,
): Verdict {
  const key = read?.key;
  const rows = read?.licenses ?? [];
  const usage = resource ? read?.usage : undefined;
  const candidates = rows.map((row) => toCandidate(row, usage));
  const outcome = evaluateValidation(
    key ? { suspended: key.status === 'suspended', revoked: key.status === 'revoked' } : null,
    candidates,
    { now, resource, capabilities },
  );
  const expiry = outcome.valid ? latestExpiry(outcome.usable) : null;
  return {
    valid: outcome.valid,
    code: outcome.code,
    detail: outcome.detail,
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
    ...steadyStretch(
      candidates.flatMap((candidate) => changeInstants(candidate)),
      now.getTime(),
    ),
  };
}

/** Keys as apps send them, parsed and as echoed (apps send the same few again and again; both are pure). */
const keyForms = new KeptAtMost<string, { parsed: ParsedCode; echoed: string }>(10_000);
/** Verdicts by read and asked capabilities; a read is dropped when its data changes, and its verdicts with it. */
const verdicts = new WeakMap<ValidationRead, KeptAtMost<string, Verdict>>();

/**
 * The verdict on a read: the reader hands the same read to every request asking the same question of the same
 * data (while the SQLite file or the PostgreSQL snapshot is unchanged), and its verdict holds until time crosses
 * one of its licenses' instants (started, expiring, expired, out of grace), so the rules run once per read and
 * stretch of time, not once per request.
 */
function verdictOn(
  read: ValidationRead | undefined,
  resource: ResourceRef | undefined,
  capabilities: readonly string[] | undefined,
  now: Date,
): Verdict {
  if (!read) return judge(read, resource, capabilities, now);
  let kept = verdicts.get(read);
  if (!kept) {
    kept = new KeptAtMost(8); // capability sets asked of one read: an app asks one or two
    verdicts.set(read, kept);
  }
  const t = now.getTime();
  return kept.getWhile(
    JSON.stringify(capabilities ?? []),
    (verdict) => verdict.from <= t && t < verdict.until,
    () => judge(read, resource, capabilities, now),
  );
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
  const { parsed, echoed } = keyForms.get(input.key, () => ({
    parsed: parseLicenseKey(input.key),
    echoed: normaliseKey(input.key),
  }));
  const resource = askedResource(input);
  const read = parsed.ok
    ? await reader.read({ code: parsed.code, product: input.product, resource })
    : undefined;
  const key = read?.key;
  const verdict = verdictOn(read, resource, input.capabilities, now);
  return {
    vendorPrefix: parsed.prefix ?? null,
    key,
    answer: {
      valid: verdict.valid,
      code: verdict.code,
      detail: verdict.detail,
      ts: now.toISOString(),
      ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
      request: validateEcho(input, echoed),
      key: key ? { id: key.id, customer: { id: key.customer_id, name: key.customer_name } } : null,
      licenses: verdict.licenses,
      capabilities: verdict.capabilities,
      expiresAt: verdict.expiresAt,
    },
  };
}
