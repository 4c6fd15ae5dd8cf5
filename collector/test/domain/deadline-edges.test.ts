// Edges of the deadline structures found by mutation: the first id past the capacity, an id needing
// more than one doubling, and equal due times popped in key order whatever the insertion order.
import { describe, expect, it } from 'vitest';
import { DeadlineHeap, DeadlineQueue } from '../../src/domain/deadlines.ts';

describe('capacity edges', () => {
  it('does not report the first id past the capacity as queued', () => {
    const heap = new DeadlineHeap(16);
    expect(heap.has(16)).toBe(false);
    expect(heap.get(16)).toBeUndefined();
  });

  it('takes an id that needs the capacity doubled twice', () => {
    const heap = new DeadlineHeap(16);
    heap.schedule(64, 9, 3);
    expect(heap.get(64)).toEqual({ dueAt: 9, kind: 3 });
    expect(heap.popDue(9)).toEqual([{ id: 64, kind: 3, dueAt: 9 }]);
  });
});

describe('equal due times', () => {
  it('pop in key order whatever order they were scheduled in', () => {
    const q = new DeadlineQueue();
    for (const key of ['d', 'b', 'e', 'a', 'c']) q.schedule(key, 5, 0);
    q.schedule('z', 1, 0);
    expect(q.popDue(5).map((d) => d.key)).toEqual(['z', 'a', 'b', 'c', 'd', 'e']);
  });
});

describe('heap layouts that removal has to repair', () => {
  // Scheduled in level order with every parent earlier than its children, so each id stays at the
  // position given: id i at position i.
  const layout = (times: number[]) => {
    const heap = new DeadlineHeap(16);
    for (const [id, dueAt] of times.entries()) heap.schedule(id, dueAt, 0);
    return heap;
  };

  it('moves the last deadline up when it fills a hole under later ones', () => {
    // Position 9 sits under 52 and 50; the last one (id 13, due at 4) comes from the other side.
    const heap = layout([1, 50, 2, 51, 52, 60, 3, 53, 54, 55, 56, 61, 62, 4]);
    expect(heap.cancel(9)).toBe(true);
    expect(heap.popDue(5).map((d) => [d.id, d.dueAt])).toEqual([
      [0, 1],
      [2, 2],
      [6, 3],
      [13, 4],
    ]);
    expect(heap.popDue(100).map((d) => d.dueAt)).toEqual([50, 51, 52, 53, 54, 56, 60, 61, 62]);
  });

  it('never takes the slot just past the end for a child', () => {
    // Cancelling the last id leaves it, due at 7, in the slot after the end; moving id 0 later must
    // sift it below id 1 (due at 10), not swap in the cancelled one.
    const heap = layout([5, 10, 7]);
    expect(heap.cancel(2)).toBe(true);
    heap.schedule(0, 20, 0);
    expect(heap.has(2)).toBe(false);
    expect(heap.peekDueAt()).toBe(10);
    expect(heap.popDue(100).map((d) => [d.id, d.dueAt])).toEqual([
      [1, 10],
      [0, 20],
    ]);
  });
});
