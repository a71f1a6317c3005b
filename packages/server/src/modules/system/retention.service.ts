import { type RawBuilder, sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';

const BATCH = 5000;

/** How many rows of each kind one pruning removed. */
export interface Pruned {
  jobs: number;
  webhookDeliveries: number;
  sessions: number;
  cabinetSessions: number;
}

/**
 * The daily retention job: finished jobs, settled webhook deliveries and ended app sessions older than
 * `RETENTION_DAYS`, and expired cabinet logins, are deleted — a few thousand rows per statement, so no
 * lock is held for long. The event log is the audit trail and is kept.
 */
export async function pruneHistory(ctx: AppContext): Promise<Pruned> {
  const days = ctx.config.retentionDays;
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const before = new Date(now.getTime() - days * 86_400_000).toISOString();
  const db = ctx.handle.db;
  const pruned: Pruned = { jobs: 0, webhookDeliveries: 0, sessions: 0, cabinetSessions: 0 };
  pruned.cabinetSessions += await inBatches(
    db,
    'web_sessions',
    'token_hash',
    'expires_at',
    sql`expires_at < ${nowIso}`,
  );
  pruned.cabinetSessions += await inBatches(
    db,
    'portal_sessions',
    'token_hash',
    'expires_at',
    sql`expires_at < ${nowIso}`,
  );
  if (days === 0) return pruned;
  pruned.jobs = await inBatches(
    db,
    'jobs',
    'id',
    'finished_at',
    sql`finished_at is not null and finished_at < ${before}`,
  );
  pruned.webhookDeliveries = await inBatches(
    db,
    'webhook_deliveries',
    'id',
    'created_at',
    sql`state <> 'pending' and created_at < ${before}`,
  );
  pruned.sessions = await inBatches(
    db,
    'sessions',
    'id',
    'ended_at',
    sql`ended_at is not null and ended_at < ${before}`,
  );
  return pruned;
}

/**
 * Deletes the rows `condition` selects, oldest first by `age` (so the planner walks that column's index
 * from its start), BATCH per statement, until none is left.
 */
async function inBatches(
  db: Db,
  table: string,
  key: string,
  age: string,
  condition: RawBuilder<unknown>,
): Promise<number> {
  let total = 0;
  for (;;) {
    const oldest = sql`select ${sql.ref(key)} from ${sql.table(table)} where ${condition}
      order by ${sql.ref(age)} limit ${BATCH}`;
    const result = await sql`delete from ${sql.table(table)} where ${sql.ref(key)} in (${oldest})`.execute(
      db,
    );
    const deleted = Number(result.numAffectedRows ?? 0);
    total += deleted;
    if (deleted < BATCH) return total;
  }
}
