/**
 * Values kept by key for a hot path, at most `limit` of them: when full, all are dropped at once (no bookkeeping
 * per hit, and what is asked again is back after one miss). Keys come from requests, so the bound is what keeps
 * a stream of distinct questions from growing the process.
 */
export class KeptAtMost<K, V> {
  readonly #values = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K, make: () => V): V {
    if (this.#values.has(key)) return this.#values.get(key) as V;
    if (this.#values.size >= this.limit) this.#values.clear();
    const value = make();
    this.#values.set(key, value);
    return value;
  }

  /** The kept value if it still holds by `fresh`, else a new one made and kept. */
  getWhile(key: K, fresh: (kept: V) => boolean, make: () => V): V {
    const kept = this.#values.get(key);
    if (kept !== undefined && fresh(kept)) return kept;
    if (kept === undefined && this.#values.size >= this.limit) this.#values.clear();
    const value = make();
    this.#values.set(key, value);
    return value;
  }

  has(key: K): boolean {
    return this.#values.has(key);
  }

  /** The value kept for `key`, if any (`has` tells a kept `undefined` from none). */
  peek(key: K): V | undefined {
    return this.#values.get(key);
  }

  clear(): void {
    this.#values.clear();
  }
}
