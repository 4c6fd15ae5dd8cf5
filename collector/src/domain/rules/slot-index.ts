// The slot of a key, for a columnar table whose keys live in its own columns (bytes in a
// StringArena): an open-addressing hash table of slot numbers in Int32Arrays, ~4 bytes a bucket,
// where a Map costs ~40 B an entry besides the key string.
//
// The table knows no keys: it asks its owner for the hash of the key a slot holds and whether a slot
// holds the key being looked up (the owner's probe, set before each call). Linear probing; a delete
// shifts the entries after it back instead of leaving a tombstone, so a lookup never walks over
// deleted entries. Like ShardedMap it is split into shards by the hash's top bits, each growing on
// its own at 3/4 full: growing rehashes a shard's entries, not all of them at once.

export interface SlotKeys {
  /** The hash of the key `slot` holds (equal keys give equal hashes). */
  slotHash(slot: number): number;
  /** Whether `slot` holds the key being looked up. */
  matchesProbe(slot: number): boolean;
}

/** Bucket value of an empty bucket; a full one holds slot + 1. */
const EMPTY = 0;

export class SlotIndex {
  private readonly shards: Int32Array[];
  private readonly counts: Int32Array;
  private readonly shardShift: number;
  private total = 0;

  /**
   * `shardBits`: log2 of the number of shards (0 for one); `initialBuckets`: each shard's first
   * size, a power of two.
   */
  constructor(
    private readonly keys: SlotKeys,
    shardBits = 6,
    initialBuckets = 16,
  ) {
    if (initialBuckets < 2 || (initialBuckets & (initialBuckets - 1)) !== 0)
      throw new RangeError(`initialBuckets ${initialBuckets} is not a power of two ≥ 2`);
    this.shardShift = 32 - shardBits;
    this.shards = Array.from({ length: 1 << shardBits }, () => new Int32Array(initialBuckets));
    this.counts = new Int32Array(1 << shardBits);
  }

  get size(): number {
    return this.total;
  }

  /** Buckets over all shards (for tests and the memory measure). */
  get buckets(): number {
    let buckets = 0;
    for (const shard of this.shards) buckets += shard.length;
    return buckets;
  }

  /** The slot holding the probe, whose hash is `hash`; -1 when none does. */
  find(hash: number): number {
    const buckets = this.shards[this.shardOf(hash)]!;
    const mask = buckets.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const bucket = buckets[i]!;
      if (bucket === EMPTY) return -1;
      if (this.keys.matchesProbe(bucket - 1)) return bucket - 1;
    }
  }

  /** Adds `slot`, whose key has `hash` and is not in the index yet. */
  insert(slot: number, hash: number): void {
    const shard = this.shardOf(hash);
    if ((this.counts[shard]! + 1) * 4 > this.shards[shard]!.length * 3) this.grow(shard);
    place(this.shards[shard]!, slot, hash);
    this.counts[shard]!++;
    this.total++;
  }

  /** Removes the slot holding the probe, whose hash is `hash`; returns it, or -1 when none does. */
  remove(hash: number): number {
    const shard = this.shardOf(hash);
    const buckets = this.shards[shard]!;
    const mask = buckets.length - 1;
    let hole = hash & mask;
    for (; ; hole = (hole + 1) & mask) {
      const bucket = buckets[hole]!;
      if (bucket === EMPTY) return -1;
      if (this.keys.matchesProbe(bucket - 1)) break;
    }
    const removed = buckets[hole]! - 1;
    // Backward shift: an entry after the hole moves into it unless its home bucket lies between
    // the hole and where it is (then the hole would come before its home and hide it).
    for (let next = (hole + 1) & mask; buckets[next] !== EMPTY; next = (next + 1) & mask) {
      const home = this.keys.slotHash(buckets[next]! - 1) & mask;
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        buckets[hole] = buckets[next]!;
        hole = next;
      }
    }
    buckets[hole] = EMPTY;
    this.counts[shard]!--;
    this.total--;
    return removed;
  }

  private shardOf(hash: number): number {
    return this.shardShift === 32 ? 0 : hash >>> this.shardShift;
  }

  private grow(shard: number): void {
    const old = this.shards[shard]!;
    const next = new Int32Array(old.length * 2);
    for (const bucket of old) if (bucket !== EMPTY) place(next, bucket - 1, this.keys.slotHash(bucket - 1));
    this.shards[shard] = next;
  }
}

function place(buckets: Int32Array, slot: number, hash: number): void {
  const mask = buckets.length - 1;
  let i = hash & mask;
  while (buckets[i] !== EMPTY) i = (i + 1) & mask;
  buckets[i] = slot + 1;
}
