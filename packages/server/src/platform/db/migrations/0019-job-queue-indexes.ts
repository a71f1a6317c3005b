import { type Kysely, sql } from 'kysely';

/**
 * The job claim reads only the queue: jobs waiting for their time and jobs whose lease ran out, each from an
 * index of those rows alone. The finished jobs kept for history never enter either index, so the planner
 * sizes the queue by what is in it, not by a column's average over the whole table.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema;
  await s.dropIndex('jobs_due').execute();
  await s
    .createIndex('jobs_waiting')
    .on('jobs')
    .column('run_at')
    .where(sql.ref('state'), '=', sql.lit('pending'))
    .execute();
  await s
    .createIndex('jobs_leased')
    .on('jobs')
    .column('locked_until')
    .where(sql.ref('state'), '=', sql.lit('running'))
    .execute();
}
