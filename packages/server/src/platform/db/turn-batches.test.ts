import { describe, expect, it } from 'vitest';
import { TurnBatches } from './turn-batches.js';

/** Batches of numbers answered by themselves, one in flight, each held until its `returns` entry is called. */
function oneInFlight(identity?: (question: number) => string) {
  const calls: number[][] = [];
  const returns: (() => void)[] = [];
  const batches = new TurnBatches<number, number>(
    (questions) => {
      calls.push(questions);
      return new Promise((resolve) => returns.push(() => resolve(questions)));
    },
    identity,
    1,
  );
  return { calls, returns, batches };
}

describe('questions batched by turn of the event loop', () => {
  it('questions asked in one turn are answered by one call, each its own answer', async () => {
    const calls: number[][] = [];
    const batches = new TurnBatches<number, number>(async (questions) => {
      calls.push(questions);
      return questions.map((q) => q * 10);
    });
    const answers = await Promise.all([1, 2, 3, 2].map((q) => batches.ask(q)));
    expect(answers).toEqual([10, 20, 30, 20]);
    expect(calls).toEqual([[1, 2, 3, 2]]);
    expect(await batches.ask(4)).toBe(40);
    expect(calls).toHaveLength(2);
  });

  it('with an identity, a question asked again in the turn is asked once, before the batch is split', async () => {
    const calls: string[][] = [];
    const batches = new TurnBatches<string, { of: string }>(
      async (questions) => {
        calls.push(questions);
        return questions.map((q) => ({ of: q }));
      },
      (q) => q.toLowerCase(),
    );
    // 64 distinct questions fill one call; 100 more askers of them add none.
    const asked = Array.from({ length: 164 }, (_, i) => (i < 64 ? `q${i}` : `Q${i % 64}`));
    const answers = await Promise.all(asked.map((q) => batches.ask(q)));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(64);
    expect(answers[64]).toBe(answers[0]); // the same answer object, shared
    expect(answers.map((a) => a.of.toLowerCase())).toEqual(asked.map((q) => q.toLowerCase()));
  });

  it('a failed call fails every asker of its questions, and the next turn starts afresh', async () => {
    let fail = true;
    const batches = new TurnBatches<string, string>(
      async (questions) => {
        if (fail) throw new Error('database gone');
        return questions;
      },
      (q) => q,
    );
    const settled = await Promise.allSettled(['a', 'a', 'b'].map((q) => batches.ask(q)));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    fail = false;
    expect(await Promise.all(['a', 'b'].map((q) => batches.ask(q)))).toEqual(['a', 'b']);
  });

  it('with one batch in flight, what is asked meanwhile goes as one batch when it returns, never before it was asked', async () => {
    const { calls, returns, batches } = oneInFlight();
    const first = batches.ask(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1]]);
    // Asked over three turns while the first batch is out: none is sent yet.
    const later: Promise<number>[] = [];
    for (const question of [2, 3, 4]) {
      later.push(batches.ask(question));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(calls).toEqual([[1]]);
    returns.shift()!();
    expect(await first).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1], [2, 3, 4]]);
    returns.shift()!();
    expect(await Promise.all(later)).toEqual([2, 3, 4]);
    // Nothing out: a lone question goes at the end of its turn.
    const lone = batches.ask(5);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(3);
    returns.shift()!();
    expect(await lone).toBe(5);
  });

  it('with one batch in flight, more questions than a batch holds go one batch at a time', async () => {
    const { calls, returns, batches } = oneInFlight((q) => String(q));
    const asked = Array.from({ length: 100 }, (_, i) => batches.ask(i));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => c.length)).toEqual([64]);
    // Asked again while it waits: it rides with the waiting question, not with a new one.
    const again = batches.ask(99);
    returns.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => c.length)).toEqual([64, 36]);
    returns.shift()!();
    expect(await Promise.all(asked)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await again).toBe(99);
    expect(calls).toHaveLength(2);
  });
});
