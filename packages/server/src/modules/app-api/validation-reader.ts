import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { type DatabaseHandle, runNamed } from '../../platform/db/database.js';
import { rowsByQuestion, TurnBatches } from '../../platform/db/turn-batches.js';
import { KeptAtMost } from '../../platform/kept-at-most.js';
import type { LicenseRow } from '../licenses/licenses.queries.js';
import type { LicenseUsage } from './app-api.queries.js';

/**
 * The one read behind a validation, as plain SQL prepared once. Validation is the hottest path (every
 * app start, often every few minutes per seat), so it skips the query builder and asks for the key, its
 * licenses of the product and how the asked resource uses them in a single statement: on SQLite a
 * better-sqlite3 statement run synchronously on the read-only connection (committed data only), on
 * PostgreSQL a named prepared statement.
 */
export interface ValidationReader {
  /**
   * One read object answers every request asking the same question of the same data: on SQLite while its file is
   * unchanged, on PostgreSQL while its snapshot is (asked once per batch, sent after the question was asked).
   */
  read(query: ValidationQuery): Promise<ValidationRead | undefined>;
}

export interface ValidationQuery {
  code: string;
  product: string;
  /** The asked resource; absent kind matches any kind (a bare fingerprint). */
  resource?: { id: string; kind?: string };
}

export interface KeyRow {
  id: string;
  vendor_id: string;
  customer_id: string;
  customer_name: string;
  status: string;
  /** The vendor's signing key active at this read, which signs the answer. */
  active_kid: string | null;
}

/** Shared by every request that asks the same question of the same data: read-only. */
export interface ValidationRead {
  readonly key: Readonly<KeyRow>;
  readonly licenses: readonly Readonly<LicenseRow>[];
  readonly usage: LicenseUsage;
}

interface Row extends LicenseRow {
  k_id: string;
  k_vendor_id: string;
  k_customer_id: string;
  customer_name: string;
  k_status: string;
  active_kid: string | null;
  bound: number | boolean;
  holding: number | boolean;
  /** PostgreSQL's batches: the question's position (1-based) among the batch's. */
  asked_index?: number;
  /** PostgreSQL's batches: the snapshot the statement read in, as text (none on a standby). */
  snapshot?: string | null;
}

// A chain of left joins from the key (never a parenthesised join, which SQLite materialises for every
// license of the server): key → its vendor's product by code → the key's licenses of it → their type.
// The resource's binding and open session of each license are looked up by resource and license together
// (`bindings_resource_license`, `sessions_open_by_resource`): by the license alone, PostgreSQL's cached generic
// plan once walked every open session of a large floating license; by the resource alone, every binding of a
// common fingerprint across the server. Seats are the license's own column (migration 0027), not a count: an
// unlimited license may have 100,000 agents.
const selectRead = (asked: { resourceId: string; resourceKind: string }) => `
  select k.id as k_id, k.vendor_id as k_vendor_id, k.customer_id as k_customer_id, c.name as customer_name,
    k.status as k_status,
    (select sk.kid from signing_keys sk where sk.vendor_id = k.vendor_id and sk.retired_at is null
      and sk.revoked_at is null order by sk.created_at desc limit 1) as active_kid,
    l.*, p.code as product_code, p.name as product_name, t.name as type_name, t.scope, t.resource_kind, t.mode,
    t.term_unit, t.term_count, t.max_seats, t.max_sessions, t.heartbeat_seconds, t.capabilities, t.binding_locked,
    t.grace_days,
    l.bound_seats as seats_used,
    exists (select 1 from bindings b where b.resource_id = ${asked.resourceId} and b.license_id = l.id
      and (${asked.resourceKind} is null or b.resource_kind = ${asked.resourceKind})) as bound,
    exists (select 1 from sessions s where s.resource_id = ${asked.resourceId} and s.license_id = l.id
      and s.ended_at is null and (${asked.resourceKind} is null or s.resource_kind = ${asked.resourceKind})) as holding`;
const JOINS = `
  join customers c on c.id = k.customer_id
  left join products p on p.vendor_id = k.vendor_id and p.code = asked.product
  left join licenses l on l.key_id = k.id and l.product_id = p.id and l.superseded_at is null
  left join license_types t on t.id = l.license_type_id`;

// SQLite: one question. Parameters, in order: resource id, resource kind, product, key.
const SQL = `
  with asked(resource_id, resource_kind, product, code) as (select ?, cast(? as text), ?, ?)
  ${selectRead({ resourceId: 'asked.resource_id', resourceKind: 'asked.resource_kind' })}
  from asked
  join license_keys k on k.key = asked.code
  ${JOINS}
  order by l.id`;

/**
 * What a new statement would see now, as text: any commit anywhere in the cluster changes it. Not on a standby (a
 * replica behind a proxy that sends reads there): its snapshot lists no running transactions, so a commit other
 * than the oldest running may leave it unchanged.
 */
const SNAPSHOT = 'case when pg_is_in_recovery() then null else pg_current_snapshot()::text end';

// PostgreSQL: the questions of one turn of the event loop, as parallel arrays (keys, products, resource ids,
// resource kinds), each row tagged with its question's position and the snapshot it was read in (the statement's
// own).
const BATCH_SQL = `
  ${selectRead({ resourceId: 'asked.resource_id', resourceKind: 'asked.resource_kind' })}, asked.i::int as asked_index,
    ${SNAPSHOT} as snapshot
  from unnest($1::text[], $2::text[], $3::text[], $4::text[])
    with ordinality as asked(code, product, resource_id, resource_kind, i)
  join license_keys k on k.key = asked.code
  ${JOINS}
  order by asked.i, l.id`;

function parameters(query: ValidationQuery): unknown[] {
  return [query.resource?.id ?? null, query.resource?.kind ?? null, query.product, query.code];
}

/** Questions with the same identity (the JSON of their parameters) have the same rows in the same data. */
const identity = (query: ValidationQuery): string => JSON.stringify(parameters(query));

const SNAPSHOT_SQL = `select ${SNAPSHOT} as snapshot`;

/** The joined rows as a key, its licenses, and the usage facts the validation rules read. */
function assemble(rows: Row[]): ValidationRead | undefined {
  const [first] = rows;
  if (!first) return undefined;
  const key = {
    id: first.k_id,
    vendor_id: first.k_vendor_id,
    customer_id: first.k_customer_id,
    customer_name: first.customer_name,
    status: first.k_status,
    active_kid: first.active_kid,
  };
  const licenses = rows.filter((row) => row.id !== null);
  const usage = {
    bound: new Set(licenses.filter((row) => Boolean(row.bound)).map((row) => row.id)),
    // The license's counter of open sessions (migration 0022), not a count of them: a license with 100,000
    // live would otherwise be counted at every check. It includes sessions past their TTL until they are ended
    // (at most SESSION_REAP_SECONDS), so another machine may see TOO_MANY_SESSIONS that much early (an open is
    // exact: it ends them); a machine whose own session expired still holds its place, so it stays VALID.
    live: new Map(licenses.map((row) => [row.id, Number(row.live_sessions)])),
    holding: new Set(licenses.filter((row) => Boolean(row.holding)).map((row) => row.id)),
  };
  return { key, licenses, usage };
}

/** PostgreSQL's validation reads out at once: under load each then carries what was asked during the last. */
const READS_IN_FLIGHT = 1;

/** Reads kept at most, all dropped at once when full. */
const KEPT_READS = 10_000;

/**
 * Reads kept while the data they were read from is unchanged: whenever `version` differs from the last one seen,
 * every kept read is dropped. What depends on the clock — started, expired, grace — is decided from the rows at
 * every check, and each answer is still built and signed for its own request.
 */
class ReadsOfOneVersion<V> {
  #version: V | undefined;
  readonly #reads = new KeptAtMost<string, ValidationRead | undefined>(KEPT_READS);

  get version(): V | undefined {
    return this.#version;
  }

  /** The reads kept at `version`, those of any other version dropped. */
  at(version: V): KeptAtMost<string, ValidationRead | undefined> {
    if (version !== this.#version) {
      this.#reads.clear();
      this.#version = version;
    }
    return this.#reads;
  }
}

/**
 * SQLite: `pragma data_version` on the read connection changes when any connection, of this process or another,
 * commits to the file; until it does, the same question has the same rows, so a repeated validation skips its
 * statement (a third of a validation's time). The version is asked once for the questions of one turn of the
 * event loop, when the turn ends: every question of the turn was asked, and every commit its app had seen was
 * made, before it. (Each check takes SQLite's shared-memory locks, two `fcntl` calls; asked per question it cost
 * 6 of the 36 µs a validation spent on the main thread under load.)
 */
function sqliteReader(handle: DatabaseHandle, reader: SqliteDatabase): ValidationReader {
  const statement: Statement = reader.prepare(SQL);
  const version = reader.prepare('pragma data_version').pluck();
  const kept = new ReadsOfOneVersion<number>();
  const batches = new TurnBatches<ValidationQuery, ValidationRead | undefined>(async (questions) => {
    const reads = kept.at(version.get() as number);
    return questions.map((query) => {
      const values = parameters(query);
      return reads.get(JSON.stringify(values), () => {
        handle.observer?.(SQL, values);
        return assemble(statement.all(...values) as Row[]);
      });
    });
  }); // a question asked again in the turn finds the read its first asking kept
  return { read: (query) => batches.ask(query) };
}

/**
 * PostgreSQL: a snapshot (`pg_current_snapshot()`: the transactions still running and the next to end) is the
 * same in two statements only if no transaction that wrote committed between them, in this database or any other
 * of the cluster, so rows read in one snapshot are the rows of any later statement that finds it unchanged. A
 * batch whose questions were all read in the last snapshot asks only for the snapshot, and when it is unchanged
 * answers from those reads: one round trip that plans and reads nothing, where the read itself cost the backend
 * about 0.3 ms per batch and this process the decoding of every row. Otherwise — a question not read yet, or a
 * commit since — the batch reads its rows, and with them the snapshot they were read in.
 *
 * Where commits come faster than batches (a heartbeat every second from some seat), the snapshot would rarely be
 * unchanged and each batch would pay two round trips, so after a changed snapshot the batches read their rows at
 * once, and ask for the snapshot first again only when two reads in a row find the same one.
 */
function postgresReader(handle: DatabaseHandle): ValidationReader {
  const kept = new ReadsOfOneVersion<string>();
  let askSnapshotFirst = true;

  const readRows = async (questions: ValidationQuery[]) => {
    const rows = await runNamed<Row>(handle, 'readPool', {
      name: 'validation_read',
      text: BATCH_SQL,
      values: [
        questions.map((q) => q.code),
        questions.map((q) => q.product),
        questions.map((q) => q.resource?.id ?? null),
        questions.map((q) => q.resource?.kind ?? null),
      ],
    });
    const reads = rowsByQuestion(rows, questions.length).map((asked) => assemble(asked));
    const snapshot = rows[0]?.snapshot;
    if (snapshot) {
      askSnapshotFirst = kept.version === undefined || snapshot === kept.version;
      const keeping = kept.at(snapshot);
      for (const [i, question] of questions.entries()) keeping.get(identity(question), () => reads[i]);
    }
    return reads;
  };

  const batches = new TurnBatches<ValidationQuery, ValidationRead | undefined>(
    async (questions) => {
      const known = kept.version;
      if (askSnapshotFirst && known !== undefined) {
        const reads = kept.at(known);
        const asked = questions.map(identity);
        if (asked.every((question) => reads.has(question))) {
          const answers = asked.map((question) => reads.peek(question));
          const [now] = await runNamed<{ snapshot: string | null }>(handle, 'readPool', {
            name: 'validation_snapshot',
            text: SNAPSHOT_SQL,
            values: [],
          });
          if (now?.snapshot === known) return answers;
          askSnapshotFirst = false;
        }
      }
      return readRows(questions);
    },
    identity,
    READS_IN_FLIGHT,
  );
  return { read: (query) => batches.ask(query) };
}

export function createValidationReader(handle: DatabaseHandle): ValidationReader {
  return handle.committedReader ? sqliteReader(handle, handle.committedReader) : postgresReader(handle);
}
