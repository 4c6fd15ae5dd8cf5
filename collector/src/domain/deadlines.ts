// One deadline per key (an order id, a shipment key…) for millions of keys, without a timer each.
//
// A binary min-heap over typed arrays: per slot a due time (Float64Array), a kind (Int32Array), the
// slot's position in the heap (Int32Array) and its key (a plain array, needed to report it); the heap
// itself is an Int32Array of slots. A Map finds a key's slot, freed slots are reused through a free
// list, and every array doubles when full. schedule/reschedule/cancel are O(log n), popDue is
// O(k log n) for k due entries. Nothing here reads the clock: `now` is always a parameter.

export interface DueDeadline {
  key: string;
  /** A small integer naming which rule/deadline this is. */
  kind: number;
  dueAt: number;
}

const NO_SLOT = -1;

export class DeadlineQueue {
  private dueAt: Float64Array;
  private kinds: Int32Array;
  private heapIndex: Int32Array;
  private keys: string[];
  private heap: Int32Array;
  private heapSize = 0;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private nextUnusedSlot = 0;
  private readonly slotOf = new Map<string, number>();

  constructor(initialCapacity = 1024) {
    const capacity = Math.max(16, initialCapacity);
    this.dueAt = new Float64Array(capacity);
    this.kinds = new Int32Array(capacity);
    this.heapIndex = new Int32Array(capacity);
    this.keys = new Array<string>(capacity).fill('');
    this.heap = new Int32Array(capacity);
    this.freeSlots = new Int32Array(capacity);
  }

  get size(): number {
    return this.heapSize;
  }

  has(key: string): boolean {
    return this.slotOf.has(key);
  }

  get(key: string): { dueAt: number; kind: number } | undefined {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return undefined;
    return { dueAt: this.dueAt[slot]!, kind: this.kinds[slot]! };
  }

  /** The earliest due time, or undefined when empty. */
  peekDueAt(): number | undefined {
    return this.heapSize === 0 ? undefined : this.dueAt[this.heap[0]!];
  }

  /** Sets the key's deadline, replacing any it had (insert or reschedule). */
  schedule(key: string, dueAt: number, kind: number): void {
    const existing = this.slotOf.get(key);
    if (existing !== undefined) {
      this.move(existing, dueAt, kind);
      return;
    }
    const slot = this.allocateSlot();
    this.dueAt[slot] = dueAt;
    this.kinds[slot] = kind;
    this.keys[slot] = key;
    this.slotOf.set(key, slot);
    const position = this.heapSize++;
    this.heap[position] = slot;
    this.heapIndex[slot] = position;
    this.siftUp(position);
  }

  /** Moves an existing deadline; returns false (and schedules nothing) if the key has none. */
  reschedule(key: string, dueAt: number, kind?: number): boolean {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return false;
    this.move(slot, dueAt, kind ?? this.kinds[slot]!);
    return true;
  }

  cancel(key: string): boolean {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return false;
    this.removeAt(this.heapIndex[slot]!);
    return true;
  }

  /**
   * Removes and returns every deadline with dueAt <= now, earliest first (equal times by key, so the
   * order is deterministic). `max` bounds the work done in one call.
   */
  popDue(now: number, max = Number.POSITIVE_INFINITY): DueDeadline[] {
    const due: DueDeadline[] = [];
    while (this.heapSize > 0 && due.length < max) {
      const slot = this.heap[0]!;
      const dueAt = this.dueAt[slot]!;
      if (dueAt > now) break;
      due.push({ key: this.keys[slot]!, kind: this.kinds[slot]!, dueAt });
      this.removeAt(0);
    }
    due.sort((a, b) => a.dueAt - b.dueAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return due;
  }

  clear(): void {
    this.slotOf.clear();
    this.keys.fill('');
    this.heapSize = 0;
    this.freeCount = 0;
    this.nextUnusedSlot = 0;
  }

  private move(slot: number, dueAt: number, kind: number): void {
    const before = this.dueAt[slot]!;
    this.dueAt[slot] = dueAt;
    this.kinds[slot] = kind;
    const position = this.heapIndex[slot]!;
    if (dueAt < before) this.siftUp(position);
    else if (dueAt > before) this.siftDown(position);
  }

  private removeAt(position: number): void {
    const slot = this.heap[position]!;
    const last = --this.heapSize;
    if (position !== last) {
      const moved = this.heap[last]!;
      this.heap[position] = moved;
      this.heapIndex[moved] = position;
      this.siftDown(position);
      this.siftUp(this.heapIndex[moved]!);
    }
    this.slotOf.delete(this.keys[slot]!);
    this.keys[slot] = '';
    this.heapIndex[slot] = NO_SLOT;
    this.freeSlots[this.freeCount++] = slot;
  }

  private allocateSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]!;
    if (this.nextUnusedSlot === this.dueAt.length) this.grow();
    return this.nextUnusedSlot++;
  }

  private grow(): void {
    const capacity = this.dueAt.length * 2;
    const dueAt = new Float64Array(capacity);
    dueAt.set(this.dueAt);
    this.dueAt = dueAt;
    const kinds = new Int32Array(capacity);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const heapIndex = new Int32Array(capacity);
    heapIndex.set(this.heapIndex);
    this.heapIndex = heapIndex;
    const heap = new Int32Array(capacity);
    heap.set(this.heap);
    this.heap = heap;
    const freeSlots = new Int32Array(capacity);
    freeSlots.set(this.freeSlots);
    this.freeSlots = freeSlots;
    for (let i = this.keys.length; i < capacity; i++) this.keys.push('');
  }

  private siftUp(position: number): void {
    const heap = this.heap;
    const slot = heap[position]!;
    const time = this.dueAt[slot]!;
    while (position > 0) {
      const parentPosition = (position - 1) >> 1;
      const parent = heap[parentPosition]!;
      if (this.dueAt[parent]! <= time) break;
      heap[position] = parent;
      this.heapIndex[parent] = position;
      position = parentPosition;
    }
    heap[position] = slot;
    this.heapIndex[slot] = position;
  }

  private siftDown(position: number): void {
    const heap = this.heap;
    const size = this.heapSize;
    const slot = heap[position]!;
    const time = this.dueAt[slot]!;
    for (;;) {
      const left = 2 * position + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (right < size && this.dueAt[heap[right]!]! < this.dueAt[heap[left]!]!) child = right;
      const childSlot = heap[child]!;
      if (this.dueAt[childSlot]! >= time) break;
      heap[position] = childSlot;
      this.heapIndex[childSlot] = position;
      position = child;
    }
    heap[position] = slot;
    this.heapIndex[slot] = position;
  }
}
