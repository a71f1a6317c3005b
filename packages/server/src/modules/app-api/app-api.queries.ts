import {
  boundKind,
  type CandidateLicense,
  evaluateValidation,
  parseLicenseKey,
  type Scope,
} from '@licensor/core';
import type { Db } from '../../platform/db/database.js';
import { dateOrNull, type LicenseRow, selectLicenses } from '../licenses/licenses.queries.js';

export interface AppKey {
  id: string;
  vendorId: string;
  customerId: string;
  customerName: string;
  status: string;
  /** The vendor's signing key now, read with the key so that signing the answer costs no round trip. */
  activeKid: string | null;
}

/** The key an app sent, in any typed form; undefined when it is malformed or unknown. */
export async function findKeyByCode(db: Db, input: string): Promise<{ key?: AppKey; prefix?: string }> {
  const parsed = parseLicenseKey(input);
  if (!parsed.ok) return { prefix: parsed.prefix };
  const row = await db
    .selectFrom('license_keys')
    .innerJoin('customers', 'customers.id', 'license_keys.customer_id')
    .select([
      'license_keys.id',
      'license_keys.vendor_id',
      'license_keys.customer_id',
      'customers.name',
      'license_keys.status',
      (eb) =>
        eb
          .selectFrom('signing_keys')
          .select('signing_keys.kid')
          .whereRef('signing_keys.vendor_id', '=', 'license_keys.vendor_id')
          .where('signing_keys.retired_at', 'is', null)
          .where('signing_keys.revoked_at', 'is', null)
          .orderBy('signing_keys.created_at', 'desc')
          .limit(1)
          .as('active_kid'),
    ])
    .where('license_keys.key', '=', parsed.code)
    .executeTakeFirst();
  if (!row) return { prefix: parsed.prefix };
  return {
    prefix: parsed.prefix,
    key: {
      id: row.id,
      vendorId: row.vendor_id,
      customerId: row.customer_id,
      customerName: row.name,
      status: row.status,
      activeKid: row.active_kid,
    },
  };
}

/** The key's licenses of one product (superseded editions no longer count). */
export function productLicenses(db: Db, keyId: string, productCode: string): Promise<LicenseRow[]> {
  return selectLicenses(db)
    .where('licenses.key_id', '=', keyId)
    .where('products.code', '=', productCode)
    .where('licenses.superseded_at', 'is', null)
    .orderBy('licenses.id')
    .execute();
}

/** How the asked resource uses the key's licenses: bound to, holding a session of, and live session counts. */
export interface LicenseUsage {
  readonly bound: ReadonlySet<string>;
  readonly live: ReadonlyMap<string, number>;
  readonly holding: ReadonlySet<string>;
}

export interface Candidate extends CandidateLicense {
  readonly row: LicenseRow;
}

/** A license row in the shape core's validation rules read. */
export function toCandidate(row: LicenseRow, usage?: LicenseUsage): Candidate {
  return {
    row,
    scope: row.scope as Scope,
    kind: boundKind(row.scope as Scope, row.resource_kind as never),
    startsAt: new Date(row.starts_at),
    expiresAt: dateOrNull(row.expires_at),
    graceDays: row.grace_days,
    suspendedAt: dateOrNull(row.suspended_at),
    revokedAt: dateOrNull(row.revoked_at),
    capabilities: JSON.parse(row.capabilities) as string[],
    boundToResource: usage?.bound.has(row.id) ?? false,
    maxSessions: row.max_sessions,
    liveSessions: usage?.live.get(row.id) ?? 0,
    resourceHasSession: usage?.holding.has(row.id) ?? false,
  };
}

/** Core's validation rules over a key's licenses of a product, without a resource: which of them are usable now. */
export const usableNow = (keyStatus: string, rows: readonly LicenseRow[], now: Date) =>
  evaluateValidation(
    { suspended: keyStatus === 'suspended', revoked: keyStatus === 'revoked' },
    rows.map((row) => toCandidate(row)),
    { now },
  );
