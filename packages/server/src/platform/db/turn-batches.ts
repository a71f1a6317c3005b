/** Questions sent in one statement at most (arrays of parameters stay small, plans stay per row). */
const BATCH_LIMIT = 64;

interface Waiting<Q, A> {
  question: Q;
  resolve(answer: A): void;
  reject(error: unknown): void;
}

/**
 * PostgreSQL's hot paths ask one small thing per request, and each round trip (a write to the socket that wakes
 * a backend, the protocol's messages, the row description decoded again) costs more than the rows it brings.
 * The questions asked in one turn of the event loop go together when that turn ends, as one statement over
 * arrays of parameters: each still sees what was committed after it was asked, and a lone question waits for
 * nothing but the end of the turn. `ask` answers the batch's questions in their order. (SQLite's validation read
 * batches too: one check of the file's version per turn.)
 */
export class TurnBatches<Q, A> {
  #waiting: Waiting<Q, A>[] = [];

  constructor(private readonly answer: (questions: Q[]) => Promise<A[]>) {}

  ask(question: Q): Promise<A> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.length === 0) setImmediate(() => this.#send());
      this.#waiting.push({ question, resolve, reject });
    });
  }

  #send(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (let i = 0; i < waiting.length; i += BATCH_LIMIT) void this.#run(waiting.slice(i, i + BATCH_LIMIT));
  }

  async #run(batch: Waiting<Q, A>[]): Promise<void> {
    try {
      const answers = await this.answer(batch.map((w) => w.question));
      for (const [i, w] of batch.entries()) w.resolve(answers[i] as A);
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}

/** One TurnBatches per owner (an app's context), made when first asked. */
export function batchesPer<K extends object, Q, A>(
  answer: (owner: K, questions: Q[]) => Promise<A[]>,
): (owner: K) => TurnBatches<Q, A> {
  const made = new WeakMap<K, TurnBatches<Q, A>>();
  return (owner) => {
    let batches = made.get(owner);
    if (!batches) {
      batches = new TurnBatches((questions) => answer(owner, questions));
      made.set(owner, batches);
    }
    return batches;
  };
}

/**
 * A batch statement's rows by question: statements over `unnest(…) with ordinality` tag each row with its
 * question's 1-based position as `asked_index`.
 */
export function rowsByQuestion<R extends { asked_index?: number | string }>(
  rows: readonly R[],
  questions: number,
) {
  const grouped = Array.from({ length: questions }, (): R[] => []);
  for (const row of rows) grouped[Number(row.asked_index) - 1]?.push(row);
  return grouped;
}
