import { createHash } from 'node:crypto';
import { type PostgresPool, type PostgresPoolClient, sql } from 'kysely';
import type pg from 'pg';

/**
 * How many distinct statements a process keeps prepared on each PostgreSQL connection. Kysely's texts are
 * few and stable (a list of `in (…)` values of another length is another text); past the limit a statement
 * runs unprepared, so a backend's memory stays bounded whatever the queries.
 */
const PREPARED_LIMIT = 500;
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
/** Multi-row inserts of varying lengths would take the slots of the statements that run per request. */
const MAX_PREPARED_PARAMETERS = 64;
const OPENS_TRANSACTION = /^\s*(begin|start transaction)\b/i;
const ENDS_TRANSACTION = /^\s*(commit|rollback|end)\b/i;
const PER_RUN = '/* planned per run */';

/**
 * Marks a statement (`.modifyFront(plannedPerRun)`) to be planned for its values at every run, never
 * prepared: where the width of a range decides the plan (a word prefix, a span of expiry days), a prepared
 * statement's generic plan, made for any value, walks the whole index. The plan test checks every other hot
 * statement's generic plan.
 */
export const plannedPerRun = sql.raw(PER_RUN);
export const isPlannedPerRun = (text: string): boolean => text.includes(PER_RUN);

/**
 * A pg pool whose clients run Kysely's statements as named, server-side prepared statements. Unprepared,
 * PostgreSQL parses and plans every statement at every run: a key card (five statements with joins) took
 * 1.58 ms of round trips unprepared and 0.61 ms prepared on a million licenses. pg prepares a name once
 * per connection and then only binds and executes it.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string, parameters: number): string | undefined => {
    let name = names.get(text);
    if (
      name === undefined &&
      names.size < PREPARED_LIMIT &&
      parameters <= MAX_PREPARED_PARAMETERS &&
      PREPARABLE.test(text) &&
      !isPlannedPerRun(text)
    ) {
      name = `k${createHash('sha1').update(text).digest('hex').slice(0, 30)}`;
      names.set(text, name);
    }
    return name;
  };
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let inTransaction = false;
    const query = async (text: string, values: unknown[]) => {
      if (OPENS_TRANSACTION.test(text)) inTransaction = true;
      else if (ENDS_TRANSACTION.test(text)) inTransaction = false;
      const name = nameOf(text, values.length);
      if (name === undefined) return client.query(text, values);
      try {
        return await client.query({ name, text, values });
      } catch (error) {
        // A migration changed a table under a prepared `select *`: PostgreSQL refuses the old statement
        // for good, so the text is prepared afresh under another name from now on. Inside a transaction
        // the error has aborted it: the caller sees the error; outside, the statement runs again at once.
        if ((error as { code?: string }).code !== '0A000') throw error;
        if (names.get(text) === name) names.set(text, `${name.slice(0, 31)}${Date.now().toString(36)}`);
        if (inTransaction) throw error;
        return client.query({ name: names.get(text), text, values });
      }
    };
    return {
      // Kysely passes a cursor only to stream, which runs as it is.
      query: ((textOrCursor: unknown, values?: readonly unknown[]) =>
        typeof textOrCursor === 'string'
          ? query(textOrCursor, [...(values ?? [])])
          : client.query(textOrCursor as never)) as unknown as PostgresPoolClient['query'],
      release: () => client.release(),
    };
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      const wrapped = clients.get(client) ?? wrap(client);
      clients.set(client, wrapped);
      return wrapped;
    },
    end: () => pool.end(),
  };
}
