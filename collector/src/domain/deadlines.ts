// Deadlines for millions of entities without a timer each: at most one deadline per entity, kept
// in a binary min-heap over typed arrays.
//
// DeadlineHeap is keyed by small integer ids (an entity's slot in a columnar table): per id a due
// time (Float64Array), a kind (Uint8Array) and its position in the heap (Int32Array, -1 when none);
// the heap itself is an Int32Array of ids. DeadlineQueue adds string keys on top (a ShardedMap to an id,
// a free list of ids). Arrays double when full. schedule/reschedule/cancel are O(log n), popDue is
// O(k log n) for k due entries. Nothing here reads the clock: `now` is always a parameter.

import { ShardedMap } from './sharded-map.ts';

export interface DueDeadline {
  key: string;
  /** A small integer (0–255) naming which rule/deadline this is. */
  kind: number;
  dueAt: number;
}

export interface DueId {
  id: number;
  kind: number;
  dueAt: number;
}

const NOT_QUEUED = -1;

function checkKind(kind: number): void {
  if ((kind & 0xff) !== kind) throw new RangeError(`deadline kind ${kind} is not in 0..255`);
}

export class DeadlineHeap {
  private dueAt: Float64Array;
  private kinds: Uint8Array;
  private heapIndex: Int32Array;
  private heap: Int32Array;
  private heapSize = 0;

  constructor(initialCapacity = 1024) {
    const capacity = Math.max(16, initialCapacity);
    this.dueAt = new Float64Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.heapIndex = new Int32Array(capacity).fill(NOT_QUEUED);
    this.heap = new Int32Array(capacity);
  }

  get size(): number {
    return this.heapSize;
  }

  has(id: number): boolean {
    return id < this.heapIndex.length && this.heapIndex[id] !== NOT_QUEUED;
  }

  get(id: number): { dueAt: number; kind: number } | undefined {
    return this.has(id) ? { dueAt: this.dueAt[id]!, kind: this.kinds[id]! } : undefined;
  }

  peekDueAt(): number | undefined {
    return this.heapSize === 0 ? undefined : this.dueAt[this.heap[0]!];
  }

  /** Sets the id's deadline, replacing any it had. `kind` is 0–255 (one byte per id). */
  schedule(id: number, dueAt: number, kind: number): void {
    checkKind(kind);
    if (id >= this.heapIndex.length) this.grow(id + 1);
    const position = this.heapIndex[id]!;
    if (position !== NOT_QUEUED) {
      const before = this.dueAt[id]!;
      this.dueAt[id] = dueAt;
      this.kinds[id] = kind;
      if (dueAt < before) this.siftUp(position);
      else if (dueAt > before) this.siftDown(position);
      return;
    }
    this.dueAt[id] = dueAt;
    this.kinds[id] = kind;
    const end = this.heapSize++;
    this.heap[end] = id;
    this.heapIndex[id] = end;
    this.siftUp(end);
  }

  cancel(id: number): boolean {
    if (!this.has(id)) return false;
    this.removeAt(this.heapIndex[id]!);
    return true;
  }

  /** Removes and returns every deadline with dueAt <= now, earliest first; `max` bounds the work. */
  popDue(now: number, max = Number.POSITIVE_INFINITY): DueId[] {
    const due: DueId[] = [];
    while (this.heapSize > 0 && due.length < max) {
      const id = this.heap[0]!;
      const dueAt = this.dueAt[id]!;
      if (dueAt > now) break;
      due.push({ id, kind: this.kinds[id]!, dueAt });
      this.removeAt(0);
    }
    return due;
  }

  clear(): void {
    for (let i = 0; i < this.heapSize; i++) this.heapIndex[this.heap[i]!] = NOT_QUEUED;
    this.heapSize = 0;
  }

  private removeAt(position: number): void {
    const id = this.heap[position]!;
    const last = --this.heapSize;
    if (position !== last) {
      const moved = this.heap[last]!;
      this.heap[position] = moved;
      this.heapIndex[moved] = position;
      this.siftDown(position);
      this.siftUp(this.heapIndex[moved]!);
    }
    this.heapIndex[id] = NOT_QUEUED;
  }

  private grow(atLeast: number): void {
    let capacity = this.heapIndex.length * 2;
    while (capacity < atLeast) capacity *= 2;
    const dueAt = new Float64Array(capacity);
    dueAt.set(this.dueAt);
    this.dueAt = dueAt;
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const heapIndex = new Int32Array(capacity).fill(NOT_QUEUED);
    heapIndex.set(this.heapIndex);
    this.heapIndex = heapIndex;
    const heap = new Int32Array(capacity);
    heap.set(this.heap);
    this.heap = heap;
  }

  private siftUp(position: number): void {
    const heap = this.heap;
    const id = heap[position]!;
    const time = this.dueAt[id]!;
    while (position > 0) {
      const parentPosition = (position - 1) >> 1;
      const parent = heap[parentPosition]!;
      if (this.dueAt[parent]! <= time) break;
      heap[position] = parent;
      this.heapIndex[parent] = position;
      position = parentPosition;
    }
    heap[position] = id;
    this.heapIndex[id] = position;
  }

  private siftDown(position: number): void {
    const heap = this.heap;
    const size = this.heapSize;
    const id = heap[position]!;
    const time = this.dueAt[id]!;
    for (;;) {
      const left = 2 * position + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (right < size && this.dueAt[heap[right]!]! < this.dueAt[heap[left]!]!) child = right;
      const childId = heap[child]!;
      if (this.dueAt[childId]! >= time) break;
      heap[position] = childId;
      this.heapIndex[childId] = position;
      position = child;
    }
    heap[position] = id;
    this.heapIndex[id] = position;
  }
}

/** One deadline per string key. */
export class DeadlineQueue {
  private readonly heap: DeadlineHeap;
  private readonly idOf = new ShardedMap<number>();
  private keys: string[] = [];
  private freeIds: number[] = [];

  constructor(initialCapacity = 1024) {
    this.heap = new DeadlineHeap(initialCapacity);
  }

  get size(): number {
    return this.heap.size;
  }

  has(key: string): boolean {
    return this.idOf.has(key);
  }

  get(key: string): { dueAt: number; kind: number } | undefined {
    const id = this.idOf.get(key);
    return id === undefined ? undefined : this.heap.get(id);
  }

  /** The earliest due time, or undefined when empty. */
  peekDueAt(): number | undefined {
    return this.heap.peekDueAt();
  }

  /** Sets the key's deadline, replacing any it had (insert or reschedule). */
  schedule(key: string, dueAt: number, kind: number): void {
    checkKind(kind); // before the key takes an id
    let id = this.idOf.get(key);
    if (id === undefined) {
      id = this.freeIds.pop() ?? this.keys.length;
      if (id === this.keys.length) this.keys.push(key);
      else this.keys[id] = key;
      this.idOf.set(key, id);
    }
    this.heap.schedule(id, dueAt, kind);
  }

  /** Moves an existing deadline; returns false (and schedules nothing) if the key has none. */
  reschedule(key: string, dueAt: number, kind?: number): boolean {
    const id = this.idOf.get(key);
    if (id === undefined) return false;
    this.heap.schedule(id, dueAt, kind ?? this.heap.get(id)!.kind);
    return true;
  }

  cancel(key: string): boolean {
    const id = this.idOf.get(key);
    if (id === undefined) return false;
    this.heap.cancel(id);
    this.release(key, id);
    return true;
  }

  /**
   * Removes and returns every deadline with dueAt <= now, earliest first (equal times by key, so the
   * order is deterministic). `max` bounds the work done in one call.
   */
  popDue(now: number, max = Number.POSITIVE_INFINITY): DueDeadline[] {
    const due = this.heap.popDue(now, max).map(({ id, kind, dueAt }) => {
      const key = this.keys[id]!;
      this.release(key, id);
      return { key, kind, dueAt };
    });
    due.sort((a, b) => a.dueAt - b.dueAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return due;
  }

  clear(): void {
    this.heap.clear();
    this.idOf.clear();
    this.keys = [];
    this.freeIds = [];
  }

  private release(key: string, id: number): void {
    this.idOf.delete(key);
    this.keys[id] = '';
    this.freeIds.push(id);
  }
}
