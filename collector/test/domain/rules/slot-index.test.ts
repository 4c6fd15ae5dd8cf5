// The open-addressing index of a columnar table's slots agrees with a Map under any sequence of
// inserts, deletes and lookups: with a good hash and with one that forces collisions, in one shard
// or several, from the smallest table through its resizes; and a delete leaves no tombstone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotIndex, type SlotKeys } from '../../../src/domain/rules/slot-index.ts';
import { hashBytes } from '../../../src/domain/rules/string-arena.ts';

type Hash = (key: string) => number;

/** Keys by slot, slots from a free list (reused after a delete), as a columnar table keeps them. */
class Keys implements SlotKeys {
  readonly keyOf: (string | undefined)[] = [];
  readonly free: number[] = [];
  probe = '';
  comparisons = 0;
  constructor(readonly hash: Hash) {}
  slotHash(slot: number): number {
    return this.hash(this.keyOf[slot]!);
  }
  matchesProbe(slot: number): boolean {
    this.comparisons++;
    return this.keyOf[slot] === this.probe;
  }
  find(index: SlotIndex, key: string): number {
    this.probe = key;
    return index.find(this.hash(key));
  }
  insert(index: SlotIndex, key: string): number {
    const slot = this.free.pop() ?? this.keyOf.length;
    this.keyOf[slot] = key;
    index.insert(slot, this.hash(key));
    return slot;
  }
  remove(index: SlotIndex, key: string): number {
    this.probe = key;
    const slot = index.remove(this.hash(key));
    if (slot >= 0) {
      this.keyOf[slot] = undefined;
      this.free.push(slot);
    }
    return slot;
  }
}

const good: Hash = (key) => {
  const bytes = new TextEncoder().encode(key);
  return hashBytes(bytes, 0, bytes.length, 7);
};
/** Few distinct hashes, and the same low bits for many: long clusters that wrap around the end. */
const bad: Hash = (key) => (key.length * 0x40000001 + (key.charCodeAt(0) & 1) * 0x7fffffff) >>> 0;
const constant: Hash = () => 0xfffffffe;

describe('SlotIndex', () => {
  it('agrees with a Map through inserts, deletes and lookups, with forced collisions and resizes', () => {
    const key = fc.string({ unit: fc.constantFrom('a', 'b', 'é', '\uD800'), maxLength: 4 });
    const op = fc.oneof(
      { weight: 3, arbitrary: key.map((k) => ({ insert: k })) },
      { weight: 2, arbitrary: key.map((k) => ({ remove: k })) },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(good, bad, constant),
        fc.constantFrom(0, 1, 3),
        fc.constantFrom(2, 4, 16),
        fc.array(op, { maxLength: 150 }),
        fc.array(key, { maxLength: 10 }),
        (hash, shardBits, initialBuckets, ops, lookups) => {
          const keys = new Keys(hash);
          const index = new SlotIndex(keys, shardBits, initialBuckets);
          const model = new Map<string, number>();
          for (const o of ops) {
            if ('insert' in o) {
              if (model.has(o.insert)) expect(keys.find(index, o.insert)).toBe(model.get(o.insert));
              else model.set(o.insert, keys.insert(index, o.insert));
            } else {
              expect(keys.remove(index, o.remove)).toBe(model.get(o.remove) ?? -1);
              model.delete(o.remove);
            }
            expect(index.size).toBe(model.size);
            for (const [k, slot] of model) expect(keys.find(index, k)).toBe(slot);
          }
          for (const k of lookups) expect(keys.find(index, k)).toBe(model.get(k) ?? -1);
          // Never more than 3/4 full.
          expect(index.size * 4).toBeLessThanOrEqual(index.buckets * 3);
        },
      ),
    );
  });

  it('reuses a deleted slot for the next key, found under its new key only', () => {
    const keys = new Keys(good);
    const index = new SlotIndex(keys, 0, 2);
    for (const k of ['a', 'b', 'c']) keys.insert(index, k);
    expect(keys.remove(index, 'b')).toBe(1);
    expect(keys.remove(index, 'b')).toBe(-1);
    expect(keys.insert(index, 'd')).toBe(1);
    expect([
      keys.find(index, 'a'),
      keys.find(index, 'b'),
      keys.find(index, 'c'),
      keys.find(index, 'd'),
    ]).toEqual([0, -1, 2, 1]);
    expect(index.size).toBe(3);
  });

  it('grows a shard at 3/4 full, doubling it', () => {
    const keys = new Keys(good);
    const index = new SlotIndex(keys, 0, 4);
    for (const k of ['a', 'b', 'c']) keys.insert(index, k);
    expect(index.buckets).toBe(4);
    keys.insert(index, 'd');
    expect(index.buckets).toBe(8);
    for (const k of ['e', 'f']) keys.insert(index, k);
    expect(index.buckets).toBe(8);
    keys.insert(index, 'g');
    expect(index.buckets).toBe(16);
    for (const k of 'abcdefg') expect(keys.find(index, k)).toBe(k.charCodeAt(0) - 97);
  });

  it('grows only the shard that fills', () => {
    // The top bits pick the shard: keys 'a…' go to shard 0, 'b…' to shard 1 of 2.
    const keys = new Keys((key) => (key.startsWith('a') ? 0 : 0x80000000) + key.length);
    const index = new SlotIndex(keys, 1, 2);
    expect(index.buckets).toBe(4);
    for (const k of ['a', 'aa', 'aaa']) keys.insert(index, k);
    expect(index.buckets).toBe(4 + 2);
    keys.insert(index, 'b');
    expect(index.buckets).toBe(6);
    for (const k of ['a', 'aa', 'aaa', 'b']) expect(keys.find(index, k)).toBeGreaterThanOrEqual(0);
    expect(keys.find(index, 'bb')).toBe(-1);
  });

  it('leaves no tombstone: after deleting a cluster, a miss compares with nothing', () => {
    const keys = new Keys(constant);
    const index = new SlotIndex(keys, 0, 16);
    const cluster = ['a', 'b', 'c', 'd', 'e'];
    for (const k of cluster) keys.insert(index, k);
    // Delete from the middle and the start of the cluster (it wraps past the end of the buckets).
    for (const k of ['c', 'a', 'e', 'b']) {
      keys.remove(index, k);
      for (const left of cluster.filter((c) => keys.keyOf.includes(c)))
        expect(keys.find(index, left)).toBeGreaterThanOrEqual(0);
    }
    keys.remove(index, 'd');
    keys.comparisons = 0;
    expect(keys.find(index, 'a')).toBe(-1);
    expect(keys.comparisons).toBe(0);
  });

  it('does not move an entry back past its home bucket', () => {
    // Homes 0, 1, 1 of 8 buckets: deleting the entry at 0 must leave both at 1 and 2 in place.
    const homes = new Map([
      ['x', 0],
      ['y', 1],
      ['z', 1],
    ]);
    const keys = new Keys((key) => homes.get(key)!);
    const index = new SlotIndex(keys, 0, 8);
    for (const k of homes.keys()) keys.insert(index, k);
    keys.remove(index, 'x');
    keys.comparisons = 0;
    expect(keys.find(index, 'y')).toBe(1);
    expect(keys.comparisons).toBe(1);
    expect(keys.find(index, 'z')).toBe(2);
    // And one whose home is before the hole does move: homes 0, 0 → delete the first, the second
    // is found at its home with one comparison.
    const pair = new Keys(() => 0);
    const small = new SlotIndex(pair, 0, 8);
    pair.insert(small, 'p');
    pair.insert(small, 'q');
    pair.remove(small, 'p');
    pair.comparisons = 0;
    expect(pair.find(small, 'q')).toBe(1);
    expect(pair.comparisons).toBe(1);
  });

  it('refuses a bucket count that is not a power of two', () => {
    expect(() => new SlotIndex(new Keys(good), 0, 12)).toThrow(RangeError);
    expect(() => new SlotIndex(new Keys(good), 0, 1)).toThrow(RangeError);
    expect(() => new SlotIndex(new Keys(good), 0, 12)).toThrow('initialBuckets 12 is not a power of two ≥ 2');
  });

  it('counts a removal out of its shard, so the shard grows only at 3/4 of what it holds', () => {
    const keys = new Keys(good);
    const index = new SlotIndex(keys, 0, 4);
    for (const k of ['a', 'b', 'c']) keys.insert(index, k);
    keys.remove(index, 'a');
    keys.remove(index, 'b');
    for (const k of ['d', 'e']) keys.insert(index, k);
    expect(index.size).toBe(3);
    expect(index.buckets).toBe(4);
  });
});
