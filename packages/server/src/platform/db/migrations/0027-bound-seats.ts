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
  await sql`update licenses set bound_seats = bound.n
    from (select license_id, count(*) as n from bindings group by license_id) as bound
    where licenses.id = bound.license_id`.execute(db);
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
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
    await sql`create trigger bindings_bound_seats after insert or delete or update of license_id on bindings
      for each row execute function bindings_bound_seats()`.execute(db);
    return;
  }
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
