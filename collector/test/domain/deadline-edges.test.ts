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
