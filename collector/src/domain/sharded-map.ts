// A string-keyed map for a million entries that never stops the world to grow.

const SHARDS = 64;

/**
 * A Map split over 64 smaller ones by a hash of the key. A V8 Map grows by rehashing every entry in
 * one go: 32 ms at 2^19 entries and 76 ms at 2^20 on this machine, in a single set(). The engine
 * keeps two such maps per open order (order slots, deadlines) that cross each power of two
 * together, which showed as ack latency spikes of 60–180 ms at 10k events/s exactly when ~250k and
 * ~500k orders were open (BENCHMARKS.md §3). Split 64 ways, a shard's rehash moves a
 * 64th as much, and the shards reach their thresholds at different moments.
 *
 * Iteration goes shard by shard: it is not insertion order.
 */
export class ShardedMap<V> {
  readonly #shards: Map<string, V>[] = Array.from({ length: SHARDS }, () => new Map<string, V>());
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: string): V | undefined {
    return this.#shard(key).get(key);
  }

  has(key: string): boolean {
    return this.#shard(key).has(key);
  }

  set(key: string, value: V): this {
    const shard = this.#shard(key);
    const before = shard.size;
    shard.set(key, value);
    this.#size += shard.size - before;
    return this;
  }

  delete(key: string): boolean {
    const deleted = this.#shard(key).delete(key);
    if (deleted) this.#size--;
    return deleted;
  }

  clear(): void {
    for (const shard of this.#shards) shard.clear();
    this.#size = 0;
  }

  /** How many keys each shard holds (how evenly the hash spreads them). */
  shardSizes(): number[] {
    return this.#shards.map((shard) => shard.size);
  }

  *values(): IterableIterator<V> {
    for (const shard of this.#shards) yield* shard.values();
  }

  /** FNV-1a over the key's UTF-16 code units: spreads ids that differ only in their last digits. */
  #shard(key: string): Map<string, V> {
    let hash = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
    return this.#shards[(hash ^ (hash >>> 16)) & (SHARDS - 1)]!;
  }
}
