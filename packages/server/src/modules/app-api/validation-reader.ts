import type { Statement } from 'better-sqlite3';
import type { DatabaseHandle } from '../../platform/db/database.js';
import type { LicenseRow } from '../licenses/licenses.queries.js';

/**
 * The reads behind one validation, as plain SQL prepared once. Validation is the hottest path
 * (every app start, often every few minutes per seat), so it skips the query builder: on SQLite
 * these are better-sqlite3 statements run synchronously, on PostgreSQL named prepared statements.
 */
export interface ValidationReader {
  keyByCode(code: string): Promise<KeyRow | undefined>;
  licenses(keyId: string, productCode: string): Promise<LicenseRow[]>;
  /** Licenses of the key bound to the resource (any kind when `kind` is undefined). */
  boundLicenseIds(keyId: string, resourceId: string, kind: string | undefined): Promise<string[]>;
  liveSessions(keyId: string, nowIso: string): Promise<SessionUseRow[]>;
}

export interface KeyRow {
  id: string;
  vendor_id: string;
  customer_id: string;
  customer_name: string;
  status: string;
}

export interface SessionUseRow {
  license_id: string;
  resource_kind: string;
  resource_id: string;
}

const SQL = {
  keyByCode: `
    select k.id, k.vendor_id, k.customer_id, c.name as customer_name, k.status
    from license_keys k join customers c on c.id = k.customer_id
    where k.key = ?`,
  licenses: `
    select l.*, p.code as product_code, p.name as product_name, t.name as type_name, t.scope, t.resource_kind,
      t.mode, t.term_unit, t.term_count, t.max_seats, t.max_sessions, t.heartbeat_seconds, t.capabilities,
      t.binding_locked, t.grace_days,
      (select count(*) from bindings b where b.license_id = l.id) as seats_used
    from licenses l
    join license_types t on t.id = l.license_type_id
    join products p on p.id = l.product_id
    where l.key_id = ? and p.code = ? and l.superseded_at is null
    order by l.id`,
  boundAnyKind: `
    select b.license_id from bindings b join licenses l on l.id = b.license_id
    where l.key_id = ? and b.resource_id = ?`,
  boundOfKind: `
    select b.license_id from bindings b join licenses l on l.id = b.license_id
    where l.key_id = ? and b.resource_id = ? and b.resource_kind = ?`,
  liveSessions: `
    select license_id, resource_kind, resource_id from sessions
    where key_id = ? and ended_at is null and expires_at > ?`,
};

export function createValidationReader(handle: DatabaseHandle): ValidationReader {
  return handle.sqlite ? sqliteReader(handle.sqlite) : postgresReader(handle);
}

function sqliteReader(sqlite: NonNullable<DatabaseHandle['sqlite']>): ValidationReader {
  const prepared = Object.fromEntries(
    Object.entries(SQL).map(([name, text]) => [name, sqlite.prepare(text)]),
  ) as Record<keyof typeof SQL, Statement>;
  return {
    keyByCode: async (code) => prepared.keyByCode.get(code) as KeyRow | undefined,
    licenses: async (keyId, productCode) => prepared.licenses.all(keyId, productCode) as LicenseRow[],
    boundLicenseIds: async (keyId, resourceId, kind) =>
      (
        (kind === undefined
          ? prepared.boundAnyKind.all(keyId, resourceId)
          : prepared.boundOfKind.all(keyId, resourceId, kind)) as { license_id: string }[]
      ).map((row) => row.license_id),
    liveSessions: async (keyId, nowIso) => prepared.liveSessions.all(keyId, nowIso) as SessionUseRow[],
  };
}

/** `?` placeholders become `$1…$n` for PostgreSQL. */
const numbered = (text: string) => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

function postgresReader(handle: DatabaseHandle): ValidationReader {
  const pool = handle.pool!;
  const run = async <T>(name: keyof typeof SQL, values: unknown[]): Promise<T[]> =>
    (await pool.query({ name: `validation_${name}`, text: numbered(SQL[name]), values })).rows as T[];
  return {
    keyByCode: async (code) => (await run<KeyRow>('keyByCode', [code]))[0],
    licenses: (keyId, productCode) => run<LicenseRow>('licenses', [keyId, productCode]),
    boundLicenseIds: async (keyId, resourceId, kind) =>
      (
        await (kind === undefined
          ? run<{ license_id: string }>('boundAnyKind', [keyId, resourceId])
          : run<{ license_id: string }>('boundOfKind', [keyId, resourceId, kind]))
      ).map((row) => row.license_id),
    liveSessions: (keyId, nowIso) => run<SessionUseRow>('liveSessions', [keyId, nowIso]),
  };
}
