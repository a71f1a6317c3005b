import { type Kysely, PostgresAdapter, sql } from 'kysely';

const ACCOUNT_TABLES = ['users', 'partner_users', 'customer_users'] as const;

/**
 * E-mail addresses are unique within a vendor, not across the server: vendor B must not learn who vendor A's
 * staff, partners and customers are from a 409, and one person may be a customer of two vendors.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const table of ACCOUNT_TABLES) {
    if (postgres)
      await sql`alter table ${sql.table(table)} drop constraint ${sql.id(`${table}_email_key`)}`.execute(db);
    else await rebuildWithoutEmailUniqueness(db, table);
    await db.schema
      .createIndex(`${table}_vendor_email`)
      .on(table)
      .columns(['vendor_id', 'email'])
      .unique()
      .execute();
  }
}

/**
 * SQLite cannot drop a column's UNIQUE: the table is rebuilt (SQLite's documented procedure, foreign keys off
 * meanwhile, checked after). Migrations on SQLite run outside a transaction, so the pragma takes effect.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
async function rebuildWithoutEmailUniqueness(db: Kysely<any>, table: string): Promise<void> {
  const definition = await sql<{
    sql: string;
  }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  const ddl = definition.rows[0].sql;
  const rebuilt = `${table}_rebuilt`;
  const created = ddl
    .replace(`CREATE TABLE "${table}"`, `CREATE TABLE "${rebuilt}"`)
    .replace('"email" text not null unique', '"email" text not null');
  if (created === ddl || !created.includes(rebuilt))
    throw new Error(`unexpected definition of ${table}: ${ddl}`);
  const indexes = await sql<{ sql: string }>`select sql from sqlite_master
    where type = 'index' and tbl_name = ${table} and sql is not null`.execute(db);
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    await sql.raw(created).execute(db);
    await sql`insert into ${sql.table(rebuilt)} select * from ${sql.table(table)}`.execute(db);
    await sql`drop table ${sql.table(table)}`.execute(db);
    await sql`alter table ${sql.table(rebuilt)} rename to ${sql.table(table)}`.execute(db);
    for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
    const broken = await sql`pragma foreign_key_check`.execute(db);
    if (broken.rows.length > 0) throw new Error(`rebuilding ${table} broke foreign keys`);
    await sql`commit`.execute(db);
  } catch (error) {
    await sql`rollback`.execute(db);
    throw error;
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
