import type { DatabaseHandle } from '../../platform/db/database.js';

/** Column types the bulk writer needs on PostgreSQL, where a batch travels as one array per column. */
export type ColumnType = 'text' | 'integer';

export interface TableShape {
  readonly name: string;
  readonly columns: Readonly<Record<string, ColumnType>>;
}

/** Writes rows (values in the order of the shape's columns) straight into a table, many per statement. */
export type BulkInsert = (table: TableShape, rows: readonly unknown[][]) => Promise<void>;

/**
 * Straight inserts for seeding datasets, outside the services: one transaction of prepared inserts per
 * batch on SQLite, one `insert … select from unnest(arrays)` per batch on PostgreSQL.
 */
export function bulkInsert(handle: DatabaseHandle): BulkInsert {
  if (handle.sqlite) {
    const sqlite = handle.sqlite;
    // Index pages of a million-row table do not fit the 2 MB default cache; inserts at random index
    // positions would read them from disk over and over.
    sqlite.pragma('cache_size = -524288');
    return async (table, rows) => {
      const names = Object.keys(table.columns);
      const statement = sqlite.prepare(
        `insert into ${table.name} (${names.join(', ')}) values (${names.map(() => '?').join(', ')})`,
      );
      sqlite.transaction(() => {
        for (const row of rows) statement.run(row);
      })();
    };
  }
  const pool = handle.pool!;
  return async (table, rows) => {
    const entries = Object.entries(table.columns);
    const arrays = entries.map((_, column) => rows.map((row) => row[column]));
    const casts = entries.map(([, type], i) => `$${i + 1}::${type}[]`);
    await pool.query(
      `insert into ${table.name} (${entries.map(([name]) => name).join(', ')})
       select * from unnest(${casts.join(', ')})`,
      arrays,
    );
  };
}
