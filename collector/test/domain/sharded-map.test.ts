import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '../../src/domain/sharded-map.ts';

type Op = { op: 'set'; key: string; value: number } | { op: 'delete'; key: string } | { op: 'clear' };

// Few distinct keys, so sets overwrite and deletes hit; some long and non-ASCII ones too.
const key = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((n) => `o${n}`),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
);
const ops = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key, value: fc.integer() }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
  ),
  { maxLength: 200 },
);

describe('ShardedMap', () => {
  it('answers get, has, delete, size and values exactly as a Map given the same operations', () => {
    fc.assert(
      fc.property(ops, fc.array(key, { maxLength: 20 }), (sequence: Op[], probes) => {
        const model = new Map<string, number>();
        const sharded = new ShardedMap<number>();
        for (const step of sequence) {
          if (step.op === 'set') {
            model.set(step.key, step.value);
            sharded.set(step.key, step.value);
          } else if (step.op === 'delete') {
            expect(sharded.delete(step.key)).toBe(model.delete(step.key));
          } else {
            model.clear();
            sharded.clear();
          }
          expect(sharded.size).toBe(model.size);
        }
        for (const probe of [...probes, ...model.keys()]) {
          expect(sharded.has(probe)).toBe(model.has(probe));
          expect(sharded.get(probe)).toBe(model.get(probe));
        }
        expect([...sharded.values()].sort()).toEqual([...model.values()].sort());
      }),
      { numRuns: 300 },
    );
  });

  it('spreads ids that differ only in their last digits over many shards', () => {
    // What the hash is for: 10,000 sequential ids fill every one of the 64 shards, none with more
    // than 1.5 times its share (a hash of the last character alone would fill 10 shards).
    const map = new ShardedMap<number>();
    for (let n = 0; n < 10_000; n++) map.set(`ORD-20261126-${n}`, n);
    const sizes = map.shardSizes();
    expect(sizes).toHaveLength(64);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThan(1.5 * (10_000 / 64));
  });
});
