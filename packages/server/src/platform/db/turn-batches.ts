/** Questions answered together at most (arrays of parameters stay small, plans stay per row, trees shallow). */
const BATCH_LIMIT = 64;

interface Asker<A> {
  resolve(answer: A): void;
  reject(error: unknown): void;
}

interface Waiting<Q, A> {
  question: Q;
  identity?: string;
  askers: Asker<A>[];
}

/**
 * PostgreSQL's hot paths ask one small thing per request, and each round trip (a write to the socket that wakes
 * a backend, the protocol's messages, the row description decoded again) costs more than the rows it brings.
 * The questions asked in one turn of the event loop go together when that turn ends, as one statement over
 * arrays of parameters: each still sees what was committed after it was asked, and a lone question waits for
 * nothing but the end of the turn. `answer` gets the batch's questions and returns their answers in that order.
 * Given an `identity`, a question asked again in the same turn (two requests of one app, or of one benchmark) is
 * asked once, and its askers share the answer: a read, never a write. The same mechanism serves SQLite (one check
 * of the file's version per turn for the validation reads, one transaction per turn for the heartbeats) and the
 * signer (one tree signature per turn for the answers of a key).
 */
export class TurnBatches<Q, A> {
  #waiting: Waiting<Q, A>[] = [];
  #byIdentity = new Map<string, Waiting<Q, A>>();
  #running = 0;

  /**
   * With `inFlight`, at most that many batches are out at once; what is asked meanwhile waits for one to come back
   * and goes with it as one batch. Under load a round trip then serves every question asked during the one before
   * (each still sent after it was asked), instead of one statement per turn, most of them of one question.
   */
  constructor(
    private readonly answer: (questions: Q[]) => Promise<A[]>,
    private readonly identity?: (question: Q) => string,
    private readonly inFlight = Number.POSITIVE_INFINITY,
  ) {}

  ask(question: Q): Promise<A> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.length === 0) setImmediate(() => this.#send());
      const asker = { resolve, reject };
      if (!this.identity) {
        this.#waiting.push({ question, askers: [asker] });
        return;
      }
      const identity = this.identity(question);
      const same = this.#byIdentity.get(identity);
      if (same) same.askers.push(asker);
      else {
        const waiting = { question, identity, askers: [asker] };
        this.#waiting.push(waiting);
        this.#byIdentity.set(identity, waiting);
      }
    });
  }

  /** Sends what waits, BATCH_LIMIT questions a batch, as far as `inFlight` allows; the rest waits its turn. */
  #send(): void {
    while (this.#running < this.inFlight && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, BATCH_LIMIT);
      for (const sent of batch) if (sent.identity !== undefined) this.#byIdentity.delete(sent.identity);
      void this.#run(batch); // counts itself running before its first await
    }
  }

  async #run(batch: Waiting<Q, A>[]): Promise<void> {
    this.#running++;
    try {
      const answers = await this.answer(batch.map((w) => w.question));
      for (const [i, w] of batch.entries()) for (const asker of w.askers) asker.resolve(answers[i] as A);
    } catch (error) {
      for (const w of batch) for (const asker of w.askers) asker.reject(error);
    } finally {
      this.#running--;
      this.#send();
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
