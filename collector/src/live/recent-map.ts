// A bounded map of the most recently added keys, for memories that must not grow with traffic.

/**
 * Keeps at most `capacity` keys, forgetting the oldest half at once when full: keys live in the
 * current generation until it holds half the capacity, then in the previous one until the next
 * turnover drops it.
 *
 * Not one Map that deletes its first key on each insert: V8 leaves a deleted entry's slot in the
 * table until the table is rehashed, and `keys().next()` walks every such slot from the start, so
 * that eviction costs O(deleted) per insert — 9–45 µs per insert at 200,000 keys, with a rehash of
 * the whole table every ~60,000 inserts. At 10k events/s it took 40 % of the collector's CPU and
 * its latency spikes grew with every minute (BENCHMARKS.md §3).
 */
export class RecentMap<K, V> {
  #current = new Map<K, V>();
  #previous = new Map<K, V>();
  readonly #generationSize: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`capacity must be an integer ≥ 2`);
    this.#generationSize = Math.floor(capacity / 2);
  }

  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  get(key: K): V | undefined {
    return this.#current.has(key) ? this.#current.get(key) : this.#previous.get(key);
  }

  has(key: K): boolean {
    return this.#current.has(key) || this.#previous.has(key);
  }

  /** Adds or replaces `key`; either way it becomes one of the most recent. */
  set(key: K, value: V): void {
    this.#previous.delete(key);
    this.#current.set(key, value);
    if (this.#current.size >= this.#generationSize) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
  }

  delete(key: K): boolean {
    // A key is in one generation at most: set() takes it out of the previous one.
    return this.#current.delete(key) || this.#previous.delete(key);
  }

  *values(): IterableIterator<V> {
    yield* this.#previous.values();
    yield* this.#current.values();
  }
}
