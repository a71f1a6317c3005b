import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Each license keeps the number of resources bound to it, maintained by the database itself on every insert,
 * delete or move of a binding, whichever path writes it (activation, offline file, import, transfer, seeding): the
 * cards, lists and coupon answers that show a license's seats read one column instead of counting its bindings —
 * an unlimited license of 100,000 agents was counted on each of them.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('licenses')
    .addColumn('bound_seats', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // No binding written while this runs escapes both the triggers and the count below.
    await sql`lock table bindings in share row exclusive mode`.execute(db);
    await sql`create function bindings_bound_seats() returns trigger language plpgsql as $$
      begin
        if tg_op <> 'INSERT' then
          update licenses set bound_seats = bound_seats - 1 where id = old.license_id;
        end if;
        if tg_op <> 'DELETE' then
          update licenses set bound_seats = bound_seats + 1 where id = new.license_id;
        end if;
        return null;
      end $$`.execute(db);
    // The schema of the tables it counts, whatever the search path of whoever binds (an operator's session).
    await sql`alter function bindings_bound_seats() set search_path from current`.execute(db);
    await sql`create trigger bindings_bound_seats after insert or delete or update of license_id on bindings
      for each row execute function bindings_bound_seats()`.execute(db);
  } else {
    await sql`create trigger bindings_bound_seats_insert after insert on bindings begin
      update licenses set bound_seats = bound_seats + 1 where id = new.license_id;
    end`.execute(db);
    await sql`create trigger bindings_bound_seats_delete after delete on bindings begin
      update licenses set bound_seats = bound_seats - 1 where id = old.license_id;
    end`.execute(db);
    await sql`create trigger bindings_bound_seats_move after update of license_id on bindings begin
      update licenses set bound_seats = bound_seats - 1 where id = old.license_id;
      update licenses set bound_seats = bound_seats + 1 where id = new.license_id;
    end`.execute(db);
  }
  // Counted after the triggers exist, as absolute values: a binding written meanwhile is in the count either way.
  await sql`update licenses set bound_seats = (select count(*) from bindings b where b.license_id = licenses.id)
    where bound_seats <> 0 or id in (select license_id from bindings)`.execute(db);
}
