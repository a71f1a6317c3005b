import { newId } from '../crypto.js';
import type { Db } from '../db/database.js';

export interface NewJob {
  kind: string;
  payload: unknown;
  vendorId?: string | null;
  runAt: Date;
  /** At most one job ever exists per key: the same fact enqueued twice (or by two runners) is one job. */
  uniqueKey?: string;
  maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

/** Adds a job inside the caller's transaction, so it exists exactly when the change that caused it does. */
export async function enqueueJob(trx: Db, job: NewJob): Promise<void> {
  await trx
    .insertInto('jobs')
    .values({
      id: newId(),
      vendor_id: job.vendorId ?? null,
      kind: job.kind,
      payload: JSON.stringify(job.payload ?? null),
      unique_key: job.uniqueKey ?? null,
      state: 'pending',
      run_at: job.runAt.toISOString(),
      attempts: 0,
      max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      locked_by: null,
      locked_until: null,
      last_error: null,
      created_at: job.runAt.toISOString(),
      finished_at: null,
    })
    .onConflict((conflict) => conflict.column('unique_key').doNothing())
    .execute();
}
