import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../server.js';
import { createTestStore, DIALECTS, type TestStore } from '../../test-support/databases.js';
import { startSmtpServer } from '../../test-support/smtp.js';
import { ManualClock } from '../clock.js';
import type { AppContext } from '../context.js';
import { inTransaction } from '../db/transaction.js';
import { sendMailJob, sendMailLater } from '../mail/send-later.js';
import { enqueueJob } from './enqueue.js';
import { JobRunner, retryDelayMs } from './runner.js';

describe.each(DIALECTS)('the job runner on %s', (dialect) => {
  let store: TestStore;
  let clock: ManualClock;
  let ctx: AppContext;
  let other: AppContext;
  beforeAll(async () => {
    store = createTestStore(dialect);
    clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
    ctx = await createContext(store.config, clock);
    // A second runner with its own connection pool stands for a second process on PostgreSQL. SQLite is
    // the single-process default: its runners share one connection (a second one in the same process
    // would wait on the file lock synchronously, stalling the event loop that holds the lock).
    other = dialect === 'postgres' ? await createContext(store.config, clock) : ctx;
  });
  afterAll(async () => {
    await ctx.handle.close();
    if (other !== ctx) await other.handle.close();
    await store.drop();
  });

  const enqueue = (kind: string, payload: unknown, uniqueKey?: string) =>
    inTransaction(ctx.handle, (trx) => enqueueJob(trx, { kind, payload, runAt: clock.now(), uniqueKey }));

  it('a job written in a transaction that rolls back never exists', async () => {
    const seen: unknown[] = [];
    await expect(
      inTransaction(ctx.handle, async (trx) => {
        await enqueueJob(trx, { kind: 'rolled-back', payload: 1, runAt: clock.now() });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await new JobRunner(ctx, { 'rolled-back': async (_c, job) => void seen.push(job.payload) }).drain();
    expect(seen).toEqual([]);
  });

  it('the same fact enqueued twice is one job', async () => {
    const seen: unknown[] = [];
    await enqueue('once', 'a', 'fact-1');
    await enqueue('once', 'b', 'fact-1');
    await new JobRunner(ctx, { once: async (_c, job) => void seen.push(job.payload) }).drain();
    expect(seen).toEqual(['a']);
  });

  it('a failing job retries with exponential backoff, then is dead', async () => {
    const attempts: number[] = [];
    await inTransaction(ctx.handle, (trx) =>
      enqueueJob(trx, { kind: 'flaky', payload: null, runAt: clock.now(), maxAttempts: 3 }),
    );
    const runner = new JobRunner(ctx, {
      flaky: async (_c, job) => {
        attempts.push(job.attempt);
        throw new Error(`failure ${job.attempt}`);
      },
    });
    await runner.drain();
    expect(attempts).toEqual([1]);
    clock.advance(retryDelayMs(1) - 1000);
    await runner.drain();
    expect(attempts).toEqual([1]);
    clock.advance(1000);
    await runner.drain();
    clock.advance(retryDelayMs(2));
    await runner.drain();
    expect(attempts).toEqual([1, 2, 3]);
    const row = await ctx.handle.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'flaky')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'dead', attempts: 3, last_error: 'failure 3' });
  });

  it('two runners racing over 200 jobs run each exactly once', async () => {
    const runs = new Map<string, number>();
    await inTransaction(ctx.handle, async (trx) => {
      for (let i = 0; i < 200; i++) await enqueueJob(trx, { kind: 'count', payload: i, runAt: clock.now() });
    });
    const handler = async (_c: AppContext, job: { id: string }) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
    };
    const a = new JobRunner(ctx, { count: handler }, [], { batchSize: 7 });
    const b = new JobRunner(other, { count: handler }, [], { batchSize: 7 });
    await Promise.all([a.drain(), b.drain(), a.drain(), b.drain()]);
    expect(runs.size).toBe(200);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  it('scheduled work is enqueued once per period whatever the number of runners', async () => {
    let ticks = 0;
    const handlers = { tick: async () => void ticks++ };
    const schedule = [{ kind: 'tick', everyMs: 60_000 }];
    const runners = [new JobRunner(ctx, handlers, schedule), new JobRunner(other, handlers, schedule)];
    await Promise.all(runners.map((r) => r.drain()));
    await Promise.all(runners.map((r) => r.drain()));
    expect(ticks).toBe(1);
    clock.advance(60_000);
    await Promise.all(runners.map((r) => r.drain()));
    expect(ticks).toBe(2);
  });

  it('a claimed job whose runner died is taken over after its lease', async () => {
    const seen: string[] = [];
    await enqueue('orphan', 'x');
    const dead = new JobRunner(ctx, {}, [], { leaseMs: 60_000 });
    // The first runner claims the job and "dies" before finishing: simulate by claiming without a handler run.
    await (dead as unknown as { claim(now: Date): Promise<unknown[]> }).claim(clock.now());
    const survivor = new JobRunner(other, {
      orphan: async (_c, job) => void seen.push(job.payload as string),
    });
    await survivor.drain();
    expect(seen).toEqual([]);
    clock.advance(61_000);
    await survivor.drain();
    expect(seen).toEqual(['x']);
  });
});

describe('mail through the job queue', () => {
  it('is delivered to a real SMTP server after the change commits', async () => {
    const smtp = await startSmtpServer();
    const store = createTestStore('sqlite', { smtpUrl: smtp.url });
    const ctx = await createContext(store.config, new ManualClock());
    try {
      await inTransaction(ctx.handle, (trx) =>
        sendMailLater(
          trx,
          null,
          { to: ['partner@example.test'], subject: 'Draw-down approved', text: 'See https://x/requests/1' },
          ctx.clock.now(),
        ),
      );
      await new JobRunner(ctx, { 'mail.send': sendMailJob }).drain();
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]).toMatchObject({ to: ['partner@example.test'], subject: 'Draw-down approved' });
      expect(smtp.received[0].text).toContain('https://x/requests/1');
    } finally {
      await ctx.handle.close();
      await store.drop();
      await smtp.close();
    }
  });
});
