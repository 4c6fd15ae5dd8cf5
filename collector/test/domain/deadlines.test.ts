import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineQueue, type DueDeadline } from '../../src/domain/deadlines.ts';

/** The reference: a plain sorted array, obviously right and obviously slow. */
class SortedArrayDeadlines {
  entries: DueDeadline[] = [];
  schedule(key: string, dueAt: number, kind: number) {
    this.cancel(key);
    this.entries.push({ key, dueAt, kind });
    this.entries.sort(byTimeThenKey);
  }
  reschedule(key: string, dueAt: number) {
    const entry = this.entries.find((e) => e.key === key);
    if (!entry) return false;
    this.schedule(key, dueAt, entry.kind);
    return true;
  }
  cancel(key: string) {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.key !== key);
    return this.entries.length !== before;
  }
  popDue(now: number) {
    const due = this.entries.filter((e) => e.dueAt <= now);
    this.entries = this.entries.filter((e) => e.dueAt > now);
    return due;
  }
}

const byTimeThenKey = (a: DueDeadline, b: DueDeadline) =>
  a.dueAt - b.dueAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

type Op =
  | { op: 'schedule'; key: string; dueAt: number; kind: number }
  | { op: 'reschedule'; key: string; dueAt: number }
  | { op: 'cancel'; key: string }
  | { op: 'popDue'; now: number };

const keyArb = fc.integer({ min: 0, max: 40 }).map((n) => `k${n}`);
const timeArb = fc.integer({ min: 0, max: 200 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('schedule' as const),
      key: keyArb,
      dueAt: timeArb,
      kind: fc.integer({ min: 0, max: 5 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('reschedule' as const), key: keyArb, dueAt: timeArb }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('popDue' as const), now: timeArb }) },
);

describe('DeadlineQueue', () => {
  it('behaves like a sorted array for any sequence of schedule/reschedule/cancel/popDue', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), fc.integer({ min: 1, max: 8 }), (ops, capacity) => {
        const queue = new DeadlineQueue(capacity);
        const model = new SortedArrayDeadlines();
        for (const op of ops) {
          if (op.op === 'schedule') {
            queue.schedule(op.key, op.dueAt, op.kind);
            model.schedule(op.key, op.dueAt, op.kind);
          } else if (op.op === 'reschedule') {
            expect(queue.reschedule(op.key, op.dueAt)).toBe(model.reschedule(op.key, op.dueAt));
          } else if (op.op === 'cancel') {
            expect(queue.cancel(op.key)).toBe(model.cancel(op.key));
          } else {
            expect(queue.popDue(op.now)).toEqual(model.popDue(op.now));
          }
          expect(queue.size).toBe(model.entries.length);
          expect(queue.peekDueAt()).toBe(model.entries[0]?.dueAt);
        }
        expect(queue.popDue(Number.POSITIVE_INFINITY)).toEqual(model.popDue(Number.POSITIVE_INFINITY));
      }),
      { numRuns: 400 },
    );
  });

  it('fires a deadline at the first tick at or after its time, never before', () => {
    const queue = new DeadlineQueue();
    const due = 1_000_037;
    queue.schedule('order-1', due, 2);
    const fired: number[] = [];
    for (let now = 1_000_000; now <= 1_000_200; now += 50) {
      for (const d of queue.popDue(now)) fired.push(now - d.dueAt);
    }
    expect(fired).toEqual([13]);
  });

  it('fires a deadline already in the past on the next pop', () => {
    const queue = new DeadlineQueue();
    queue.schedule('late', 10, 1);
    expect(queue.popDue(5_000)).toEqual([{ key: 'late', kind: 1, dueAt: 10 }]);
  });

  it('bounds the work of one pop with max, leaving the rest for the next', () => {
    const queue = new DeadlineQueue();
    for (let i = 0; i < 10; i++) queue.schedule(`k${i}`, i, 0);
    expect(queue.popDue(100, 4).map((d) => d.key)).toEqual(['k0', 'k1', 'k2', 'k3']);
    expect(queue.size).toBe(6);
  });

  it('grows past its initial capacity and reuses freed slots', () => {
    const queue = new DeadlineQueue(16);
    for (let i = 0; i < 10_000; i++) queue.schedule(`k${i}`, 10_000 - i, 0);
    for (let i = 0; i < 5_000; i++) queue.cancel(`k${i}`);
    for (let i = 0; i < 5_000; i++) queue.schedule(`n${i}`, i + 0.5, 3);
    const all = queue.popDue(Number.POSITIVE_INFINITY);
    expect(all).toHaveLength(10_000);
    for (let i = 1; i < all.length; i++) expect(all[i]!.dueAt).toBeGreaterThanOrEqual(all[i - 1]!.dueAt);
    expect(queue.get('k9999')).toBeUndefined();
  });

  it('keeps kinds as one byte: 255 round-trips, 256 and -1 are refused rather than wrapped', () => {
    const queue = new DeadlineQueue();
    queue.schedule('a', 1, 255);
    expect(queue.get('a')).toEqual({ dueAt: 1, kind: 255 });
    expect(() => queue.schedule('b', 1, 256)).toThrow(RangeError);
    expect(() => queue.schedule('b', 1, -1)).toThrow(RangeError);
    expect(queue.has('b')).toBe(false);
  });
});
