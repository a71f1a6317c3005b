import type { PoolClient } from 'pg';
import type { DatabaseHandle } from './database.js';
import { isPlannedPerRun } from './postgres-prepared.js';

/** Tables that grow with the vendor's customers: no per-request statement may read them whole (DESIGN §6.11). */
export const GROWING_TABLES = new Set([
  'customers',
  'customer_users',
  'license_keys',
  'licenses',
  'bindings',
  'sessions',
  'events',
  'coupons',
  'redemptions',
  'jobs',
  'reminders_sent',
  'service_requests',
  'attached_licenses',
  'portal_sessions',
  'web_sessions',
  'webhook_deliveries',
  'search_terms',
]);

/**
 * How many rows one scan of a growing table may touch on PostgreSQL (actual rows plus rows removed by a
 * filter, over all loops). The plan test seeds 100,000 licenses (and at least 5,000 rows in every growing
 * table it reads): a query that reads what it needs stays far below; one that walks a table does not.
 */
export const ROW_BUDGET = 2_500;

export interface StatementPlan {
  readonly sql: string;
  readonly plan: string;
  /** Why this statement reads more than it needs; empty when it is fine. */
  readonly problems: string[];
}

const STATEMENT = /^\s*(select|insert|update|delete|with)\b/i;
const NOT_AN_ALIAS = new Set([
  'on',
  'where',
  'inner',
  'left',
  'join',
  'cross',
  'order',
  'group',
  'limit',
  'set',
]);

/** `from licenses l` and `join "license_keys" as "k"`: what each name in a plan stands for. */
function tableNames(sql: string): Map<string, string> {
  const names = new Map<string, string>();
  const reference = /\b(?:from|join|update|into)\s+\(?\s*"?(\w+)"?(?:\s+(?:as\s+)?"?(\w+)"?)?/gi;
  for (const match of sql.matchAll(reference)) {
    const table = match[1].toLowerCase();
    names.set(table, table);
    const alias = match[2]?.toLowerCase();
    if (alias && !NOT_AN_ALIAS.has(alias)) names.set(alias, table);
  }
  return names;
}

/** Plans a statement as it ran, with the parameters it ran with, and says what it reads too much of. */
export async function planOf(
  handle: DatabaseHandle,
  sql: string,
  parameters: readonly unknown[],
): Promise<StatementPlan | undefined> {
  if (!STATEMENT.test(sql)) return undefined;
  return handle.sqlite ? planOnSqlite(handle, sql, parameters) : planOnPostgres(handle, sql, parameters);
}

function planOnSqlite(handle: DatabaseHandle, sql: string, parameters: readonly unknown[]): StatementPlan {
  const rows = handle.sqlite!.prepare(`explain query plan ${sql}`).all(...(parameters as unknown[])) as {
    detail: string;
  }[];
  const names = tableNames(sql);
  const limited = /\blimit\b/i.test(sql) && !rows.some((row) => row.detail.includes('TEMP B-TREE'));
  const problems: string[] = [];
  for (const { detail } of rows) {
    const scan = /^SCAN "?(\w+)"?/.exec(detail);
    const table = scan && names.get(scan[1].toLowerCase());
    if (table && GROWING_TABLES.has(table)) problems.push(`full scan of ${table}: ${detail}`);
    // An index search on the vendor alone walks every row the vendor has, unless a LIMIT stops an ordered walk.
    const search =
      /^SEARCH "?(\w+)"? USING (?:COVERING )?INDEX \w+ \((vendor_id=\?(?: AND id[<>]\?)?)\)$/.exec(detail);
    const searched = search && names.get(search[1].toLowerCase());
    if (searched && GROWING_TABLES.has(searched) && !limited)
      problems.push(`walks all of the vendor's ${searched}: ${detail}`);
  }
  return { sql, plan: rows.map((row) => row.detail).join('\n'), problems };
}

interface PgNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PgNode[];
}

/**
 * The plan a statement gets with its parameters' values (a custom plan), and the one PostgreSQL may cache for
 * every value once a prepared statement has run a few times (a generic plan): Kysely's statements run
 * prepared (postgres-prepared.ts), so both must read only what they need.
 */
async function planOnPostgres(
  handle: DatabaseHandle,
  sql: string,
  parameters: readonly unknown[],
): Promise<StatementPlan> {
  const client = await handle.pool!.connect();
  try {
    const custom = await explainOnPostgres(client, sql, parameters);
    if (isPlannedPerRun(sql)) return { sql, plan: custom.lines, problems: custom.problems };
    const placeholders = executeArguments(client, parameters);
    await client.query(`prepare plan_probe as ${sql}`); // not undone by a rollback: deallocated below
    const generic = await explainOnPostgres(
      client,
      `execute plan_probe${placeholders ? `(${placeholders})` : ''}`,
      [],
      ['set local plan_cache_mode = force_generic_plan'],
    ).finally(() => client.query('deallocate plan_probe'));
    const problems = [...new Set([...custom.problems, ...generic.problems.map((p) => `generic plan ${p}`)])];
    const plan =
      custom.lines === generic.lines ? custom.lines : `${custom.lines}\ngeneric plan:\n${generic.lines}`;
    return { sql, plan, problems };
  } finally {
    client.release();
  }
}

/** A statement's parameters as `EXECUTE name(…)` takes them: literals, not bound parameters. */
export function executeArguments(client: PoolClient, parameters: readonly unknown[]): string {
  const literal = (value: unknown): string =>
    value === null || value === undefined
      ? 'null'
      : Array.isArray(value)
        ? `array[${value.map(literal).join(', ')}]`
        : typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : client.escapeLiteral(String(value));
  return parameters.map(literal).join(', ');
}

async function explainOnPostgres(
  client: PoolClient,
  sql: string,
  parameters: readonly unknown[],
  setup: readonly string[] = [],
): Promise<{ lines: string; problems: string[] }> {
  // ANALYZE runs the statement, so it runs inside a transaction that is rolled back.
  const explain = async (options: string) => {
    await client.query('begin');
    for (const statement of setup) await client.query(statement);
    const result = await client.query(`explain (${options}) ${sql}`, parameters as unknown[]);
    return (result.rows[0]['QUERY PLAN'] as { Plan: PgNode }[])[0].Plan;
  };
  try {
    let root: PgNode;
    try {
      root = await explain('analyze, format json');
    } catch {
      // A write that cannot run twice (a unique insert): its plan without running it.
      await client.query('rollback');
      root = await explain('format json');
    }
    const problems: string[] = [];
    const lines: string[] = [];
    const walk = (node: PgNode, depth: number) => {
      const table = node['Relation Name'];
      const loops = node['Actual Loops'] ?? 1;
      const touched =
        ((node['Actual Rows'] ?? 0) +
          (node['Rows Removed by Filter'] ?? 0) +
          (node['Rows Removed by Index Recheck'] ?? 0)) *
        loops;
      lines.push(
        `${'  '.repeat(depth)}${node['Node Type']}${table ? ` on ${table}` : ''}${
          node['Index Cond'] ? ` (${node['Index Cond']})` : ''
        }${node['Actual Rows'] === undefined ? '' : ` rows=${touched}`}`,
      );
      // A sequential scan of a few rows is the planner's right choice on a small table; what counts is
      // how many rows a statement touches.
      if (table && GROWING_TABLES.has(table) && touched > ROW_BUDGET)
        problems.push(
          `${node['Node Type'] === 'Seq Scan' ? 'full scan' : 'reads'} ${touched} rows of ${table}`,
        );
      for (const child of node.Plans ?? []) walk(child, depth + 1);
    };
    walk(root, 0);
    return { lines: lines.join('\n'), problems };
  } finally {
    await client.query('rollback').catch(() => undefined);
  }
}
