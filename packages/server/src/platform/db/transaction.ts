import { type Expression, sql } from 'kysely';
import { isDeadlock } from '../errors.js';
import type { DatabaseHandle, Db } from './database.js';

/**
 * Runs `work` in one transaction. On SQLite it begins IMMEDIATE, taking the write lock up front,
 * so two processes never both read then both write (the deferred default would deadlock them).
 * On PostgreSQL, services take row locks (`forUpdate`) where they count before they write.
 */
export async function inTransaction<T>(
  handle: DatabaseHandle,
  work: (trx: Db) => Promise<T>,
  options: { deadlockRetries?: number } = {},
): Promise<T> {
  if (handle.dialect === 'postgres') {
    // Paths that lock several rows take them in id order; where one cannot (an open session reaping a full
    // license while it holds another's row), PostgreSQL aborts one side of a rare cycle, and `work` — database
    // writes only — runs again from the start.
    for (let attempt = 0; ; attempt++) {
      try {
        return await handle.db.transaction().execute(work);
      } catch (error) {
        if (attempt < (options.deadlockRetries ?? 0) && isDeadlock(error)) continue;
        throw error;
      }
    }
  }
  return handle.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await work(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
  });
}

/**
 * Locks every row `query` selects, in its order, and sends back only their count: the rows to lock can be a
 * key's hundred thousand open sessions. SQLite's IMMEDIATE transaction already holds the lock.
 */
export async function lockEvery<Q extends { forUpdate(): Expression<unknown> }>(
  handle: DatabaseHandle,
  trx: Db,
  query: Q,
): Promise<void> {
  if (handle.dialect === 'postgres')
    await sql`select count(*) from ${query.forUpdate()} as locked`.execute(trx);
}

/** `FOR UPDATE` where the database has row locks; SQLite's IMMEDIATE transaction already holds the lock. */
export function lockRows<Q extends { forUpdate(): Q }>(handle: DatabaseHandle, query: Q): Q {
  return handle.dialect === 'postgres' ? query.forUpdate() : query;
}
