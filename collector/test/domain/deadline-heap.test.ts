// DeadlineHeap by id and the DeadlineQueue operations the sorted-array model does not reach:
// rescheduling to another kind, peeking, clearing, ids past the capacity and refused kinds.
import { describe, expect, it } from 'vitest';
import { DeadlineHeap, DeadlineQueue } from '../../src/domain/deadlines.ts';

describe('DeadlineHeap', () => {
  it('answers has/get for ids never scheduled, even past its capacity', () => {
    const heap = new DeadlineHeap(16);
    expect(heap.has(3)).toBe(false);
    expect(heap.has(10_000)).toBe(false);
    expect(heap.get(10_000)).toBeUndefined();
    expect(heap.peekDueAt()).toBeUndefined();
    expect(heap.cancel(5)).toBe(false);
  });

  it('grows to take an id far past its capacity and keeps what it had', () => {
    const heap = new DeadlineHeap(1);
    heap.schedule(3, 30, 1);
    heap.schedule(100, 10, 2);
    expect(heap.get(3)).toEqual({ dueAt: 30, kind: 1 });
    expect(heap.get(100)).toEqual({ dueAt: 10, kind: 2 });
    expect(heap.popDue(100)).toEqual([
      { id: 100, kind: 2, dueAt: 10 },
      { id: 3, kind: 1, dueAt: 30 },
    ]);
  });

  it('moves a rescheduled id both ways and pops in time order', () => {
    const heap = new DeadlineHeap();
    for (let id = 0; id < 20; id++) heap.schedule(id, 100 + id, 0);
    heap.schedule(15, 1, 3);
    heap.schedule(0, 500, 4);
    heap.schedule(7, 107, 5);
    expect(heap.get(7)).toEqual({ dueAt: 107, kind: 5 });
    expect(heap.peekDueAt()).toBe(1);
    const order = heap.popDue(1_000).map((d) => d.id);
    expect(order).toEqual([15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19, 0]);
    expect(heap.size).toBe(0);
  });

  it('keeps the heap order after cancelling from the middle', () => {
    const heap = new DeadlineHeap();
    const times = [50, 10, 40, 20, 30, 5, 45, 15, 35, 25];
    for (const [id, t] of times.entries()) heap.schedule(id, t, 0);
    expect(heap.cancel(1)).toBe(true);
    expect(heap.cancel(1)).toBe(false);
    expect(heap.cancel(8)).toBe(true);
    expect(heap.popDue(100).map((d) => d.dueAt)).toEqual([5, 15, 20, 25, 30, 40, 45, 50]);
  });

  it('pops at most max and only what is due', () => {
    const heap = new DeadlineHeap();
    for (const [id, t] of [5, 1, 3, 2, 4].entries()) heap.schedule(id, t, 0);
    expect(heap.popDue(3, 2).map((d) => d.dueAt)).toEqual([1, 2]);
    expect(heap.popDue(3).map((d) => d.dueAt)).toEqual([3]);
    expect(heap.size).toBe(2);
    expect(heap.peekDueAt()).toBe(4);
  });

  it('clears every id', () => {
    const heap = new DeadlineHeap();
    heap.schedule(1, 1, 0);
    heap.schedule(2, 2, 0);
    heap.clear();
    expect([heap.size, heap.has(1), heap.has(2), heap.popDue(10)]).toEqual([0, false, false, []]);
    heap.schedule(2, 7, 1);
    expect(heap.popDue(10)).toEqual([{ id: 2, kind: 1, dueAt: 7 }]);
  });

  it('refuses a kind outside one byte, naming it', () => {
    expect(() => new DeadlineHeap().schedule(0, 1, 256)).toThrow('deadline kind 256 is not in 0..255');
    expect(() => new DeadlineHeap().schedule(0, 1, 1.5)).toThrow(RangeError);
  });
});

describe('DeadlineQueue', () => {
  it('reschedules to another kind, or keeps the kind when none is given', () => {
    const q = new DeadlineQueue();
    q.schedule('a', 10, 1);
    expect(q.reschedule('a', 20, 7)).toBe(true);
    expect(q.get('a')).toEqual({ dueAt: 20, kind: 7 });
    expect(q.reschedule('a', 30)).toBe(true);
    expect(q.get('a')).toEqual({ dueAt: 30, kind: 7 });
    expect(q.reschedule('b', 5)).toBe(false);
    expect(q.has('b')).toBe(false);
    expect(q.get('b')).toBeUndefined();
  });

  it('peeks the earliest, clears everything, and takes keys again after a clear', () => {
    const q = new DeadlineQueue(1);
    expect(q.peekDueAt()).toBeUndefined();
    q.schedule('a', 10, 0);
    q.schedule('b', 5, 0);
    expect([q.size, q.peekDueAt()]).toEqual([2, 5]);
    q.clear();
    expect([q.size, q.has('a'), q.peekDueAt()]).toEqual([0, false, undefined]);
    q.schedule('c', 3, 2);
    q.schedule('a', 4, 1);
    expect(q.popDue(10)).toEqual([
      { key: 'c', kind: 2, dueAt: 3 },
      { key: 'a', kind: 1, dueAt: 4 },
    ]);
  });

  it('gives a freed id to the next new key without mixing up keys', () => {
    const q = new DeadlineQueue();
    q.schedule('a', 1, 0);
    q.schedule('b', 2, 0);
    expect(q.cancel('a')).toBe(true);
    expect(q.cancel('a')).toBe(false);
    q.schedule('c', 3, 0);
    q.schedule('d', 4, 0);
    expect(q.popDue(10).map((d) => d.key)).toEqual(['b', 'c', 'd']);
  });

  it('refuses a bad kind before the key takes an id', () => {
    const q = new DeadlineQueue();
    expect(() => q.schedule('a', 1, -1)).toThrow(RangeError);
    expect(q.has('a')).toBe(false);
    expect(q.size).toBe(0);
  });
});
