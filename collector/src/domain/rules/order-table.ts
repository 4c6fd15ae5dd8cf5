// The engine's open orders, stored by column: one slot per order in typed arrays, plus a Map from
// order id to slot. On Node (8-byte pointers, 16-byte boxed doubles) an OrderState object costs
// ~300 B; a slot here ~40 B of columns, which with the Map entry, the id string and the deadline
// keeps a million open orders well under the 200 B/order budget. Rows are read and written as
// OrderState values (made on demand).
//
// Times are lossless but mostly 4 bytes: `updatedAt` (the latest event time) is kept as a Float64,
// and every other time as a signed Int32 millisecond offset from it (±24.8 days, which covers the
// life of nearly every order). A time that does not fit (further away, not a whole millisecond, -0)
// is kept exactly in a small side Map instead, so reading back always gives the value written: no
// ordering decision can change because of the encoding, at any granularity. The amount in fen is an
// Int32 with the same escape for values beyond ±2^31 fen (21 million yuan).
import { ORDER_STATUSES, type OrderStatus } from '../events.ts';
import type { OrderState } from '../order-lifecycle.ts';
import { ShardedMap } from '../sharded-map.ts';
import { fitsInt32, Interner, OVERFLOW, OverflowValues, UNDEFINED } from './int32-columns.ts';

const NO_STATUS = -1;

/** Fields kept as Int32 columns; their number is part of the overflow key. */
const FIELD = {
  statusAt: 0,
  createdAt: 1,
  paidAt: 2,
  paymentAt: 3,
  amountAt: 4,
  regionAt: 5,
  channelAt: 6,
  amountFen: 7,
} as const;
const FIELDS = 8;

const STATUS_INDEX = new Map<OrderStatus, number>(ORDER_STATUSES.map((s, i) => [s, i]));

export class OrderTable {
  private readonly slotOf = new ShardedMap<number>();
  private orderIds: string[] = [];
  private freeSlots: number[] = [];
  private capacity: number;
  private updatedAt: Float64Array;
  // One Int32Array per field (see FIELD). Written out field by field: a loop over column names made
  // every write a megamorphic keyed access (2 µs per order instead of 0.2).
  private statusAt: Int32Array;
  private createdAt: Int32Array;
  private paidAt: Int32Array;
  private paymentAt: Int32Array;
  private amountAt: Int32Array;
  private regionAt: Int32Array;
  private channelAt: Int32Array;
  private amountFen: Int32Array;
  private status: Int8Array;
  private store: Int32Array;
  private region: Int32Array;
  private channel: Int32Array;
  /** The rare values an Int32 column cannot hold. */
  private readonly overflow = new OverflowValues(FIELDS);
  private readonly stores = new Interner();
  private readonly regions = new Interner();
  private readonly channels = new Interner();

  constructor(initialCapacity = 1024) {
    this.capacity = Math.max(16, initialCapacity);
    this.updatedAt = new Float64Array(this.capacity);
    this.statusAt = new Int32Array(this.capacity);
    this.createdAt = new Int32Array(this.capacity);
    this.paidAt = new Int32Array(this.capacity);
    this.paymentAt = new Int32Array(this.capacity);
    this.amountAt = new Int32Array(this.capacity);
    this.regionAt = new Int32Array(this.capacity);
    this.channelAt = new Int32Array(this.capacity);
    this.amountFen = new Int32Array(this.capacity);
    this.status = new Int8Array(this.capacity);
    this.store = new Int32Array(this.capacity);
    this.region = new Int32Array(this.capacity);
    this.channel = new Int32Array(this.capacity);
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** Values kept outside the Int32 columns (for tests and the memory measure). */
  get overflowCount(): number {
    return this.overflow.size;
  }

  has(orderId: string): boolean {
    return this.slotOf.has(orderId);
  }

  slot(orderId: string): number | undefined {
    return this.slotOf.get(orderId);
  }

  get(orderId: string): OrderState | undefined {
    const slot = this.slotOf.get(orderId);
    return slot === undefined ? undefined : this.at(slot);
  }

  /** The order in `slot` (which must be in use). */
  at(slot: number): OrderState {
    const status = this.status[slot]!;
    const base = this.updatedAt[slot]!;
    return {
      orderId: this.orderIds[slot]!,
      storeId: this.stores.value(this.store[slot]!) ?? '',
      status: status === NO_STATUS ? undefined : ORDER_STATUSES[status],
      statusAt: this.overflow.readTime(this.statusAt, slot, FIELD.statusAt, base),
      createdAt: this.overflow.readTime(this.createdAt, slot, FIELD.createdAt, base),
      paidAt: this.overflow.readTime(this.paidAt, slot, FIELD.paidAt, base),
      paymentAt: this.overflow.readTime(this.paymentAt, slot, FIELD.paymentAt, base),
      amountFen: this.readAmount(slot),
      amountAt: this.overflow.readTime(this.amountAt, slot, FIELD.amountAt, base),
      region: this.regions.value(this.region[slot]!),
      regionAt: this.overflow.readTime(this.regionAt, slot, FIELD.regionAt, base),
      channel: this.channels.value(this.channel[slot]!),
      channelAt: this.overflow.readTime(this.channelAt, slot, FIELD.channelAt, base),
      updatedAt: base,
    };
  }

  /** Inserts or replaces the order; returns its slot. */
  set(order: OrderState): number {
    let slot = this.slotOf.get(order.orderId);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.orderIds.length;
      if (slot >= this.capacity) this.grow();
      if (slot === this.orderIds.length) this.orderIds.push(order.orderId);
      else this.orderIds[slot] = order.orderId;
      this.slotOf.set(order.orderId, slot);
    }
    // Offsets are from the new updatedAt, so it is written first.
    const base = order.updatedAt;
    this.updatedAt[slot] = base;
    this.overflow.writeTime(this.statusAt, slot, FIELD.statusAt, order.statusAt, base);
    this.overflow.writeTime(this.createdAt, slot, FIELD.createdAt, order.createdAt, base);
    this.overflow.writeTime(this.paidAt, slot, FIELD.paidAt, order.paidAt, base);
    this.overflow.writeTime(this.paymentAt, slot, FIELD.paymentAt, order.paymentAt, base);
    this.overflow.writeTime(this.amountAt, slot, FIELD.amountAt, order.amountAt, base);
    this.overflow.writeTime(this.regionAt, slot, FIELD.regionAt, order.regionAt, base);
    this.overflow.writeTime(this.channelAt, slot, FIELD.channelAt, order.channelAt, base);
    this.writeAmount(slot, order.amountFen);
    this.status[slot] = order.status === undefined ? NO_STATUS : STATUS_INDEX.get(order.status)!;
    this.store[slot] = this.stores.intern(order.storeId);
    this.region[slot] = this.regions.intern(order.region);
    this.channel[slot] = this.channels.intern(order.channel);
    return slot;
  }

  /** Frees the order's slot; returns the slot it had. */
  delete(orderId: string): number | undefined {
    const slot = this.slotOf.get(orderId);
    if (slot === undefined) return undefined;
    this.slotOf.delete(orderId);
    this.orderIds[slot] = '';
    this.overflow.forget(slot);
    this.freeSlots.push(slot);
    return slot;
  }

  *values(): IterableIterator<OrderState> {
    for (const slot of this.slotOf.values()) yield this.at(slot);
  }

  *entries(): IterableIterator<[slot: number, order: OrderState]> {
    for (const slot of this.slotOf.values()) yield [slot, this.at(slot)];
  }

  private readAmount(slot: number): number | undefined {
    const fen = this.amountFen[slot]!;
    if (fen === UNDEFINED) return undefined;
    if (fen === OVERFLOW) return this.overflow.get(slot, FIELD.amountFen);
    return fen;
  }

  private writeAmount(slot: number, value: number | undefined): void {
    this.overflow.clear(this.amountFen, slot, FIELD.amountFen);
    if (value === undefined) this.amountFen[slot] = UNDEFINED;
    else if (fitsInt32(value)) this.amountFen[slot] = value;
    else {
      this.amountFen[slot] = OVERFLOW;
      this.overflow.set(slot, FIELD.amountFen, value);
    }
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const widen = <T extends Float64Array | Int8Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    const int32 = (n: number) => new Int32Array(n);
    this.updatedAt = widen(this.updatedAt, (n) => new Float64Array(n));
    this.statusAt = widen(this.statusAt, int32);
    this.createdAt = widen(this.createdAt, int32);
    this.paidAt = widen(this.paidAt, int32);
    this.paymentAt = widen(this.paymentAt, int32);
    this.amountAt = widen(this.amountAt, int32);
    this.regionAt = widen(this.regionAt, int32);
    this.channelAt = widen(this.channelAt, int32);
    this.amountFen = widen(this.amountFen, int32);
    this.status = widen(this.status, (n) => new Int8Array(n));
    this.store = widen(this.store, int32);
    this.region = widen(this.region, int32);
    this.channel = widen(this.channel, int32);
    this.capacity = capacity;
  }
}
