import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import { preparingPool } from './postgres-prepared.js';
import type { Database } from './schema.js';
import { BACKSTOP_PAGES, checkpointInBackground, LOG_KEPT_BYTES } from './sqlite-checkpointer.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;

/** The open database: Kysely for every query, plus the raw SQLite handle for the hot paths. */
export interface DatabaseHandle {
  readonly db: Db;
  readonly dialect: Dialect;
  /** Present on SQLite only: the connection Kysely writes through (bulk loads, statistics). */
  readonly sqlite?: SqliteDatabase.Database;
  /**
   * Present on SQLite only: a second, read-only connection for the validation hot path. It sees committed
   * data only: a transaction open on the writing connection (awaiting something mid-way) is invisible to it,
   * so no answer is signed over rows that may still roll back.
   */
  readonly committedReader?: SqliteDatabase.Database;
  /** Present on PostgreSQL only. */
  readonly pool?: pg.Pool;
  /**
   * Present on PostgreSQL only: a few connections whose commits do not wait for the WAL to reach the disk, for
   * the writes of leases (a session's open and its heartbeats, each one named statement). A crash of this server
   * loses none of them; a crash of PostgreSQL itself may forget its last fraction of a second of them, and those
   * apps open or beat again.
   */
  readonly leasePool?: pg.Pool;
  /** Present on PostgreSQL only: a few connections for the app API's named reads (a validation's, an activation's). */
  readonly readPool?: pg.Pool;
  /**
   * Sees every statement run through this handle (the query-plan test records the hot paths with it).
   * Unset in production: the cost is one property read per statement.
   */
  observer?: QueryObserver;
  close(): Promise<void>;
}

export type QueryObserver = (sql: string, parameters: readonly unknown[]) => void;

/** Kysely's log hook, forwarding each executed query to the handle's observer when one is set. */
function observe(handle: () => DatabaseHandle | undefined) {
  return (event: { level: string; query: { sql: string; parameters: readonly unknown[] } }) => {
    const observer = handle()?.observer;
    if (observer && event.level === 'query') observer(event.query.sql, event.query.parameters);
  };
}

/**
 * A hot-path statement written as plain SQL (no query builder), run as a named prepared statement on the read or
 * the lease connections, and shown to the observer like Kysely's.
 */
export async function runNamed<R>(
  handle: DatabaseHandle,
  on: 'readPool' | 'leasePool',
  statement: { name: string; text: string; values: unknown[] },
): Promise<R[]> {
  handle.observer?.(statement.text, statement.values);
  const { rows } = await handle[on]!.query(statement);
  return rows as R[];
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function openDatabase(
  config: Pick<Config, 'dataDir' | 'databaseUrl' | 'databaseSchema'>,
): DatabaseHandle {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, config.databaseSchema);
  fs.mkdirSync(config.dataDir, { recursive: true });
  return openSqlite(path.join(config.dataDir, 'licensor.sqlite'));
}

function openSqlite(file: string): DatabaseHandle {
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers run beside the writer; NORMAL sync still survives a killed process
  // (only an OS crash can lose the last commits), busy_timeout waits out other processes' writes.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  sqlite.pragma(`journal_size_limit = ${LOG_KEPT_BYTES}`);
  tuneConnection(sqlite);
  refreshSqliteStatistics(sqlite);
  const committedReader = new SqliteDatabase(file, { readonly: true });
  tuneConnection(committedReader);
  const stopCheckpoints = checkpointInBackground(file);
  let handle: DatabaseHandle | undefined;
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    log: observe(() => handle),
  });
  handle = {
    db,
    dialect: 'sqlite',
    sqlite,
    committedReader,
    close: async () => {
      await stopCheckpoints(); // the last connection to close folds the log into the file
      committedReader.close();
      await db.destroy();
      if (sqlite.open) sqlite.close(); // Kysely closes it only if it ever ran a query
    },
  };
  return handle;
}

/** How long a statement waits for another process's write lock before it fails. */
const BUSY_TIMEOUT_MS = 5000;

function tuneConnection(sqlite: SqliteDatabase.Database): void {
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // A million licenses make a database of gigabytes: a 64 MB page cache keeps the upper index levels in
  // memory, and reading through a memory map spares a system call and a copy per page.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('mmap_size = 4294967296');
}

const STATEMENT_CACHE_SIZE = 1000;

/**
 * better-sqlite3 keeping its prepared statements by SQL text. Kysely prepares every query anew, and on the
 * cabinet's reads preparing cost more than running (a key card: 2.0 s of 7.8 s CPU, running 1.9 s). A statement
 * is never used twice at once: Kysely runs one query at a time on the connection.
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

/** Connections for the lease writes (open, heartbeat) and for the named reads, beside the main pool's ten. */
const LEASE_CONNECTIONS = 6;
const READ_CONNECTIONS = 4;

/**
 * The named statements' connections run nothing else, so they may plan each statement once for any values. Left
 * to choose, PostgreSQL keeps planning them for their values at every run — their `unnest` of a batch's arrays
 * looks dearer in a generic plan — and planning the validation read took 0.3 ms of the backend's CPU against
 * its 0.08 ms of execution. The query-plan test checks every one of them in its generic plan over 100,000
 * licenses.
 */
const PLANNED_ONCE = '-c plan_cache_mode=force_generic_plan';

function openPostgres(url: string, schema: string | undefined): DatabaseHandle {
  if (schema !== undefined && !SCHEMA_NAME.test(schema))
    throw new Error(`invalid DATABASE_SCHEMA "${schema}"`);
  const searchPath = schema ? ` -c search_path=${schema}` : '';
  const pool = new pg.Pool({ connectionString: url, max: 10, options: searchPath.trim() || undefined });
  const leasePool = new pg.Pool({
    connectionString: url,
    max: LEASE_CONNECTIONS,
    options: `-c synchronous_commit=off ${PLANNED_ONCE}${searchPath}`,
  });
  const readPool = new pg.Pool({
    connectionString: url,
    max: READ_CONNECTIONS,
    options: `${PLANNED_ONCE}${searchPath}`,
  });
  let handle: DatabaseHandle | undefined;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: preparingPool(pool) }),
    log: observe(() => handle),
  });
  handle = {
    db,
    leasePool,
    readPool,
    dialect: 'postgres',
    pool,
    close: async () => {
      await Promise.all([db.destroy(), leasePool.end(), readPool.end()]);
    },
  };
  return handle;
}

/** `PRAGMA optimize`'s flags: analyse what needs it; of every table, not only those this connection used; list only. */
const OPTIMIZE_ANALYZE = 0x2;
const OPTIMIZE_EVERY_TABLE = 0x10000;
const OPTIMIZE_DRY_RUN = 0x1;

/**
 * Keeps the query planner's statistics current as tables grow, so it keeps choosing the indexes (a job, every
 * minute). SQLite: `PRAGMA optimize`, when it finds a table whose size moved tenfold since its statistics.
 * PostgreSQL: ANALYZE of this schema's tables changed by more rows since their last one than autovacuum's own
 * threshold (50 and a tenth of the table). Autovacuum does the same where it is on; where it is off, a new store
 * kept the plans it made over empty tables: opening sessions on one license fell from 1,300/s to 130/s as the
 * license reached 20,000 sessions, each validation read walking all of them (without statistics, the license's
 * index looks as selective as the machine's). Either way every connection then plans its statements again.
 */
export async function refreshStatistics(handle: DatabaseHandle): Promise<void> {
  const { sqlite } = handle;
  if (sqlite) {
    await betweenTransactions(handle, () => refreshSqliteStatistics(sqlite));
    return;
  }
  const stale = await sql<{ name: string }>`
    select s.relname as name from pg_stat_user_tables s join pg_class c on c.oid = s.relid
     where s.schemaname = current_schema() and s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)`.execute(
    handle.db,
  );
  if (stale.rows.length === 0) return;
  await sql`analyze ${sql.join(stale.rows.map((table) => sql.id(table.name)))}`.execute(handle.db);
}

/**
 * Runs synchronous work on SQLite's writing connection while Kysely holds it, so between its transactions: a
 * request's transaction awaiting something mid-way would otherwise take the work in, and its rollback undo it.
 */
async function betweenTransactions(handle: DatabaseHandle, work: () => void): Promise<void> {
  await handle.db.connection().execute(async () => work());
}

/**
 * Tables the dry run still lists right after their own analysis, which another would not change (a table whose
 * rows vary much in size fools the size estimate it compares with), left alone for a while: each pass over them
 * holds the write lock.
 */
const stillListed = new WeakMap<SqliteDatabase.Database, { tables: Set<string>; until: number }>();
const STILL_LISTED_MS = 3_600_000;

function refreshSqliteStatistics(sqlite: SqliteDatabase.Database): void {
  const listed = tablesToAnalyze(sqlite);
  if (listed === undefined) return; // another process is writing: the next pass
  const left = stillListed.get(sqlite);
  const due = left && Date.now() < left.until ? listed.filter((table) => !left.tables.has(table)) : listed;
  if (due.length === 0 && !hasSamples(sqlite)) return;
  gatherSqliteStatistics(sqlite, () => {
    sqlite.pragma('analysis_limit = 1000');
    sqlite.pragma(`optimize = ${OPTIMIZE_ANALYZE | OPTIMIZE_EVERY_TABLE}`);
  });
  stillListed.set(sqlite, {
    tables: new Set(tablesToAnalyze(sqlite) ?? listed),
    until: Date.now() + STILL_LISTED_MS,
  });
}

/**
 * What `PRAGMA optimize` would analyse; undefined while another process holds the write lock, which its dry run
 * takes too once it looks at two tables (waiting for it would hold the event loop).
 */
function tablesToAnalyze(sqlite: SqliteDatabase.Database): string[] | undefined {
  sqlite.pragma('busy_timeout = 0');
  try {
    const listed = sqlite.pragma(`optimize = ${OPTIMIZE_DRY_RUN | OPTIMIZE_ANALYZE | OPTIMIZE_EVERY_TABLE}`);
    return (listed as { optimize: string }[]).map((row) => row.optimize);
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw error;
  } finally {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

/**
 * Runs ANALYZE (or `PRAGMA optimize`) and keeps only its averages (sqlite_stat1), dropping the samples
 * (sqlite_stat4). Where a plan consulted a sample for a bound parameter, SQLite re-prepares the statement
 * every time that parameter is bound again: on 300,000 licenses the validation read spent 84 µs instead of
 * 23 µs parsing and planning itself anew. Our lookups are equalities on selective indexes, for which the
 * averages choose the same plans. The samples go in the same transaction, so no connection loads them.
 *
 * A connection loads the statistics when it opens and when the schema changes, not when another connection
 * gathers them: the committed reader opened over one customer kept scanning every customer in each validation
 * (1.8 ms at 50,000, against 9 µs) however often they were gathered since. So when the statistics changed, the
 * same transaction changes the schema (a view made and dropped), which every connection of every process notices
 * at its next statement: it loads the new statistics and plans its statements again.
 */
function gatherSqliteStatistics(sqlite: SqliteDatabase.Database, gather: () => void): void {
  const changed = sqlite
    .transaction(() => {
      const before = statisticsOf(sqlite);
      gather();
      if (hasSamples(sqlite)) sqlite.exec('delete from sqlite_stat4');
      if (statisticsOf(sqlite) === before) return false;
      sqlite.exec(`create view ${STATISTICS_CHANGED} as select 1; drop view ${STATISTICS_CHANGED}`);
      return true;
    })
    .immediate(); // the write lock first: other processes' writes are waited out, not failed
  if (changed) sqlite.exec('analyze sqlite_schema'); // this connection re-reads the statistics it just changed
}

const hasTable = (sqlite: SqliteDatabase.Database, name: string): boolean =>
  sqlite.prepare('select 1 from sqlite_schema where name = ?').get(name) !== undefined;

const hasSamples = (sqlite: SqliteDatabase.Database): boolean =>
  hasTable(sqlite, 'sqlite_stat4') &&
  sqlite.prepare('select 1 from sqlite_stat4 limit 1').get() !== undefined;

const statisticsOf = (sqlite: SqliteDatabase.Database): string =>
  hasTable(sqlite, 'sqlite_stat1')
    ? JSON.stringify(sqlite.prepare('select tbl, idx, stat from sqlite_stat1 order by tbl, idx').raw().all())
    : '';

/** The view whose making and dropping tells every connection that the statistics changed. */
const STATISTICS_CHANGED = 'licensor_statistics_changed';

/**
 * Gathers full statistics now (after a bulk load): ANALYZE on SQLite; VACUUM ANALYZE of this schema's tables on
 * PostgreSQL, which also marks the loaded pages all-visible, so index-only scans (the search terms) read no
 * table rows: a two-word search at a million licenses read 5,040 rows from the table without it.
 */
export async function analyze(handle: DatabaseHandle): Promise<void> {
  const { sqlite } = handle;
  if (sqlite) {
    await betweenTransactions(handle, () =>
      gatherSqliteStatistics(sqlite, () => {
        sqlite.pragma('analysis_limit = 0');
        sqlite.exec('analyze');
      }),
    );
    return;
  }
  const tables = await sql<{ name: string }>`
    select tablename as name from pg_tables where schemaname = current_schema()`.execute(handle.db);
  await sql`vacuum (analyze) ${sql.join(tables.rows.map((table) => sql.id(table.name)))}`.execute(handle.db);
}

/** Creates the configured PostgreSQL schema if it does not exist yet (a no-op on SQLite). */
export async function ensureSchema(handle: DatabaseHandle, schema: string | undefined): Promise<void> {
  if (handle.dialect !== 'postgres' || !schema) return;
  await sql`create schema if not exists ${sql.id(schema)}`.execute(handle.db);
}
