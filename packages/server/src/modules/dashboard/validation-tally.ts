import type { DatabaseHandle } from '../../platform/db/database.js';
import { inTransaction } from '../../platform/db/transaction.js';

const ROWS_PER_STATEMENT = 100;

/**
 * Validations counted in memory per vendor, day and outcome, and added to `validation_counts` every few
 * seconds: the check itself stays a read (a write per validation would serialise every check on SQLite). A
 * process killed between two flushes loses those seconds of counts, which the dashboard can afford; the
 * events and webhooks that must never be lost do not go this way.
 */
export class ValidationTally {
  private pending = new Map<string, number>();
  private flushing: Promise<void> = Promise.resolve();

  /** `at`: the answer's own `ts` (ISO), so the hot path reads no clock and formats no date again. */
  add(vendorId: string, code: string, at: string): void {
    const key = `${vendorId}\n${at.slice(0, 10)}\n${code}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  /** Writes what is counted; flushes run one after another, so a last flush on close waits for the one in hand. */
  flush(handle: DatabaseHandle): Promise<void> {
    this.flushing = this.flushing.catch(() => undefined).then(() => this.write(handle));
    return this.flushing;
  }

  private async write(handle: DatabaseHandle): Promise<void> {
    if (this.pending.size === 0) return;
    const taken = this.pending;
    this.pending = new Map();
    // In key order, so that two processes adding to the same rows take their locks in the same order.
    const rows = [...taken]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, count]) => {
        const [vendor_id, day, code] = key.split('\n') as [string, string, string];
        return { vendor_id, day, code, count };
      });
    try {
      await inTransaction(handle, async (trx) => {
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT)
          await trx
            .insertInto('validation_counts')
            .values(rows.slice(i, i + ROWS_PER_STATEMENT))
            .onConflict((oc) =>
              oc.columns(['vendor_id', 'day', 'code']).doUpdateSet((eb) => ({
                count: eb('validation_counts.count', '+', eb.ref('excluded.count')),
              })),
            )
            .execute();
      });
    } catch (error) {
      // Nothing was written (one transaction): counted again with what comes next.
      for (const [key, count] of taken) this.pending.set(key, (this.pending.get(key) ?? 0) + count);
      throw error;
    }
  }
}
