import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import type { JobTable } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { enqueueJob } from './enqueue.js';
import { Periodic } from './periodic.js';

export interface Job {
  readonly id: string;
  readonly kind: string;
  readonly vendorId: string | null;
  readonly payload: unknown;
  /** 1 on the first run. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

export type JobHandler = (ctx: AppContext, job: Job) => Promise<void>;

/** Work that recurs: one job per period, whatever the number of runners (the period is its unique key). */
export interface Schedule {
  readonly kind: string;
  readonly everyMs: number;
}

export interface RunnerOptions {
  readonly batchSize?: number;
  /** How long a claimed job is ours; a runner that dies loses its claim after this. */
  readonly leaseMs?: number;
}

const BASE_RETRY_MS = 30_000;
const MAX_RETRY_MS = 6 * 3_600_000;

/** Exponential backoff: 30 s, 1 min, 2 min, … capped at 6 h. */
export const retryDelayMs = (attempt: number): number =>
  Math.min(BASE_RETRY_MS * 2 ** (attempt - 1), MAX_RETRY_MS);

/**
 * Claims due jobs and runs them. On PostgreSQL runners claim with `FOR UPDATE SKIP LOCKED`, so any
 * number of server processes (and `licensor worker`) share the queue without running a job twice;
 * on SQLite the claim is one IMMEDIATE transaction. Failures retry with backoff, then go `dead`.
 */
export class JobRunner {
  readonly id = `runner-${randomBytes(4).toString('hex')}`;
  private readonly periodic = new Periodic(() => this.pass());

  constructor(
    private readonly ctx: AppContext,
    private readonly handlers: Readonly<Record<string, JobHandler>>,
    private readonly schedules: readonly Schedule[] = [],
    private readonly options: RunnerOptions = {},
  ) {}

  /** One pass: enqueue this period's scheduled jobs, then run every due job. Returns how many ran. */
  tick(): Promise<number> {
    return this.periodic.tick();
  }

  /** Runs passes until no job is due (tests use it after moving the clock). */
  async drain(): Promise<number> {
    let total = 0;
    for (let ran = await this.tick(); ran > 0; ran = await this.tick()) total += ran;
    return total;
  }

  /** Runs a pass every interval until `stop()`; the timer keeps the process alive (`licensor worker`). */
  start(intervalMs = 1000): void {
    this.periodic.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  private async pass(): Promise<number> {
    const now = this.ctx.clock.now();
    await this.enqueueSchedules(now);
    const claimed = await this.claim(now);
    for (const row of claimed) await this.run(row);
    return claimed.length;
  }

  private async enqueueSchedules(now: Date): Promise<void> {
    if (this.schedules.length === 0) return;
    await inTransaction(this.ctx.handle, async (trx) => {
      for (const schedule of this.schedules) {
        const slot = Math.floor(now.getTime() / schedule.everyMs);
        await enqueueJob(trx, {
          kind: schedule.kind,
          payload: { slot },
          runAt: now,
          uniqueKey: `schedule:${schedule.kind}:${slot}`,
          maxAttempts: 1,
        });
      }
    });
  }

  private async claim(now: Date): Promise<JobTable[]> {
    const nowIso = now.toISOString();
    const lockedUntil = new Date(now.getTime() + (this.options.leaseMs ?? 5 * 60_000)).toISOString();
    const limit = this.options.batchSize ?? 20;
    const handle = this.ctx.handle;
    if (handle.dialect === 'postgres') {
      const result = await sql<JobTable>`
        update jobs set state = 'running', attempts = attempts + 1, locked_by = ${this.id}, locked_until = ${lockedUntil}
        where id in (
          select id from jobs
          where (state = 'pending' and run_at <= ${nowIso}) or (state = 'running' and locked_until < ${nowIso})
          order by run_at limit ${limit}
          for update skip locked)
        returning *`.execute(handle.db);
      return result.rows;
    }
    return inTransaction(handle, async (trx) => {
      const due = await trx
        .selectFrom('jobs')
        .select('id')
        // The states as literals, so that SQLite reads the two partial indexes of the queue.
        .where(
          sql<boolean>`(state = 'pending' and run_at <= ${nowIso}) or (state = 'running' and locked_until < ${nowIso})`,
        )
        .orderBy('run_at')
        .limit(limit)
        .execute();
      if (due.length === 0) return [];
      return trx
        .updateTable('jobs')
        .set((eb) => ({
          state: 'running',
          attempts: eb('attempts', '+', 1),
          locked_by: this.id,
          locked_until: lockedUntil,
        }))
        .where(
          'id',
          'in',
          due.map((d) => d.id),
        )
        .returningAll()
        .execute();
    });
  }

  private async run(row: JobTable): Promise<void> {
    const handler = this.handlers[row.kind];
    const job: Job = {
      id: row.id,
      kind: row.kind,
      vendorId: row.vendor_id,
      payload: JSON.parse(row.payload),
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
    };
    try {
      if (!handler) throw new Error(`no handler for job kind ${row.kind}`);
      await handler(this.ctx, job);
      await this.finish(row.id, { state: 'done', last_error: null });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const dead = row.attempts >= row.max_attempts;
      const runAt = new Date(this.ctx.clock.now().getTime() + retryDelayMs(row.attempts)).toISOString();
      await this.finish(
        row.id,
        dead
          ? { state: 'dead', last_error: message }
          : { state: 'pending', last_error: message, run_at: runAt },
      );
    }
  }

  private async finish(id: string, changes: Partial<JobTable>): Promise<void> {
    const finished =
      changes.state === 'done' || changes.state === 'dead' ? this.ctx.clock.now().toISOString() : null;
    await this.ctx.handle.db
      .updateTable('jobs')
      .set({ ...changes, locked_by: null, locked_until: null, finished_at: finished })
      .where('id', '=', id)
      .where('locked_by', '=', this.id)
      .execute();
  }
}
