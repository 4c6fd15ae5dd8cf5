// The engine's tracked shipments, stored by column like the order table: one slot per shipment in
// typed arrays. A ShipmentState object with its boxed times cost ~380 B per shipment with its Map
// entry and string-keyed deadline; here a slot is 45 B of columns, and the waybill number and order
// id are not JS strings but one record of bytes in a StringArena (~35 B where the two strings cost
// 72 B), found through a SlotIndex keyed by carrier and waybill bytes (~9 B a shipment where a Map
// entry cost ~40 B). Rows are read and written as ShipmentState values (made on demand, their
// strings too): the composite key is not stored, as it would be a second copy of the waybill number.
//
// Times are lossless: `lastUpdateAt` is a Float64 and the other times Int32 millisecond offsets
// from it, with the exact value in a side Map when one does not fit (see int32-columns.ts).
import { type ShipmentState as CarrierState, SHIPMENT_STATES } from '../events.ts';
import { Interner, OVERFLOW, OverflowValues } from './int32-columns.ts';
import { type ShipmentState, shipmentKey } from './shipment-state.ts';
import { SlotIndex, type SlotKeys } from './slot-index.ts';
import { StringArena } from './string-arena.ts';

/** Time fields kept as Int32 offsets; their number is part of the overflow key. */
const FIELD = {
  stateAt: 0,
  lastReturnedAt: 1,
  locationSince: 2,
  lastLocationAt: 3,
  returnedCount: 4,
} as const;
const FIELDS = 5;
const KEY_SEPARATOR = '\u001f';
/** The strings of a slot's arena record, in order. */
const TRACKING_NO = 0;
const ORDER_ID = 1;
const RECORD_STRINGS = 2;
/** `ids` of a free slot (as StringArena.release leaves it). */
const FREE = -1;
/**
 * Columns grow by half: a doubled column is a quarter empty on average (a third just after it
 * doubles), one grown by half a sixth. The copy stays amortized O(1) per row.
 */
const GROWTH = 1.5;

const STATE_INDEX = new Map<CarrierState, number>(SHIPMENT_STATES.map((s, i) => [s, i]));

export class ShipmentTable implements SlotKeys {
  private readonly arena = new StringArena();
  private readonly index = new SlotIndex(this);
  /** The carrier of the key being looked up (with the arena's probe, its waybill number). */
  private probeCarrier = 0;
  /** Slots ever used: those below it are in use or in `freeSlots`. */
  private highWater = 0;
  private freeSlots: number[] = [];
  private capacity: number;
  /** Arena offset of the slot's waybill number and order id; FREE when the slot is not in use. */
  private ids: Int32Array;
  private carrier: Int32Array;
  /** Latest location per slot: the carrier's own text, too varied to intern. */
  private locations: (string | undefined)[] = [];
  private lastUpdateAt: Float64Array;
  private stateAt: Int32Array;
  private lastReturnedAt: Int32Array;
  private locationSince: Int32Array;
  private lastLocationAt: Int32Array;
  private returnedCount: Int32Array;
  private state: Uint8Array;
  private store: Int32Array;
  private destination: Int32Array;
  /** The rare values an Int32 column cannot hold. */
  private readonly overflow = new OverflowValues(FIELDS);
  private readonly stores = new Interner();
  private readonly regions = new Interner();
  private readonly carriers = new Interner();

  /** Bytes of the arena's chunks holding the ids (for tests and the memory measure). */
  get idBytes(): number {
    return this.arena.allocated;
  }

  constructor(initialCapacity = 1024) {
    this.capacity = Math.max(16, initialCapacity);
    this.ids = new Int32Array(this.capacity).fill(FREE);
    this.carrier = new Int32Array(this.capacity);
    this.lastUpdateAt = new Float64Array(this.capacity);
    this.stateAt = new Int32Array(this.capacity);
    this.lastReturnedAt = new Int32Array(this.capacity);
    this.locationSince = new Int32Array(this.capacity);
    this.lastLocationAt = new Int32Array(this.capacity);
    this.returnedCount = new Int32Array(this.capacity);
    this.state = new Uint8Array(this.capacity);
    this.store = new Int32Array(this.capacity);
    this.destination = new Int32Array(this.capacity);
  }

  get size(): number {
    return this.index.size;
  }

  /** Values kept outside the Int32 columns (for tests and the memory measure). */
  get overflowCount(): number {
    return this.overflow.size;
  }

  has(carrier: string, trackingNo: string): boolean {
    return this.slot(carrier, trackingNo) !== undefined;
  }

  slot(carrier: string, trackingNo: string): number | undefined {
    const hash = this.setProbe(carrier, trackingNo);
    if (hash === undefined) return undefined;
    const slot = this.index.find(hash);
    return slot < 0 ? undefined : slot;
  }

  /** The slot of a shipment named by its key (shipmentKey), as alerts name it. */
  slotOfKey(key: string): number | undefined {
    const split = key.indexOf(KEY_SEPARATOR);
    return split < 0 ? undefined : this.slot(key.slice(0, split), key.slice(split + 1));
  }

  get(carrier: string, trackingNo: string): ShipmentState | undefined {
    const slot = this.slot(carrier, trackingNo);
    return slot === undefined ? undefined : this.at(slot);
  }

  /** The shipment in `slot` (which must be in use). */
  at(slot: number): ShipmentState {
    const carrier = this.carriers.value(this.carrier[slot]!)!;
    const ids = this.ids[slot]!;
    const trackingNo = this.arena.read(ids, TRACKING_NO);
    const base = this.lastUpdateAt[slot]!;
    return {
      key: shipmentKey(carrier, trackingNo),
      orderId: this.arena.read(ids, ORDER_ID),
      storeId: this.stores.value(this.store[slot]!) ?? '',
      carrier,
      trackingNo,
      state: SHIPMENT_STATES[this.state[slot]!]!,
      stateAt: this.overflow.readTime(this.stateAt, slot, FIELD.stateAt, base)!,
      lastUpdateAt: base,
      returnedCount: this.readCount(slot),
      lastReturnedAt: this.overflow.readTime(this.lastReturnedAt, slot, FIELD.lastReturnedAt, base),
      lastLocation: this.locations[slot],
      locationSince: this.overflow.readTime(this.locationSince, slot, FIELD.locationSince, base),
      lastLocationAt: this.overflow.readTime(this.lastLocationAt, slot, FIELD.lastLocationAt, base),
      destinationRegion: this.regions.value(this.destination[slot]!),
    };
  }

  /** Inserts or replaces the shipment (by carrier and waybill number); returns its slot. */
  set(shipment: ShipmentState): number {
    const { carrier, trackingNo, orderId } = shipment;
    let slot = this.slot(carrier, trackingNo);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.highWater;
      if (slot >= this.capacity) this.grow();
      if (slot === this.highWater) {
        this.highWater++;
        this.locations.push(shipment.lastLocation);
      }
      const index = this.carriers.intern(carrier);
      this.carrier[slot] = index;
      this.ids[slot] = this.arena.write(slot, [trackingNo, orderId]);
      this.index.insert(slot, this.arena.hash(this.ids[slot]!, TRACKING_NO, index));
    } else if (!this.arena.equals(this.ids[slot]!, ORDER_ID, orderId)) {
      // The waybill number was bound to another order: a new record, the old one garbage.
      this.arena.release(this.ids, slot, RECORD_STRINGS);
      this.ids[slot] = this.arena.write(slot, [trackingNo, orderId]);
    }
    // Offsets are from the new lastUpdateAt, so it is written first.
    const base = shipment.lastUpdateAt;
    this.lastUpdateAt[slot] = base;
    this.overflow.writeTime(this.stateAt, slot, FIELD.stateAt, shipment.stateAt, base);
    this.overflow.writeTime(this.lastReturnedAt, slot, FIELD.lastReturnedAt, shipment.lastReturnedAt, base);
    this.overflow.writeTime(this.locationSince, slot, FIELD.locationSince, shipment.locationSince, base);
    this.overflow.writeTime(this.lastLocationAt, slot, FIELD.lastLocationAt, shipment.lastLocationAt, base);
    this.writeCount(slot, shipment.returnedCount);
    this.locations[slot] = shipment.lastLocation;
    this.state[slot] = STATE_INDEX.get(shipment.state)!;
    this.store[slot] = this.stores.intern(shipment.storeId);
    this.destination[slot] = this.regions.intern(shipment.destinationRegion);
    return slot;
  }

  /** Frees the shipment's slot; returns the slot it had. */
  delete(carrier: string, trackingNo: string): number | undefined {
    const hash = this.setProbe(carrier, trackingNo);
    if (hash === undefined) return undefined;
    const slot = this.index.remove(hash);
    if (slot < 0) return undefined;
    this.arena.release(this.ids, slot, RECORD_STRINGS);
    this.locations[slot] = undefined;
    this.overflow.forget(slot);
    this.freeSlots.push(slot);
    return slot;
  }

  *values(): IterableIterator<ShipmentState> {
    for (const [, shipment] of this.entries()) yield shipment;
  }

  /** In slot order. */
  *entries(): IterableIterator<[slot: number, shipment: ShipmentState]> {
    for (let slot = 0; slot < this.highWater; slot++)
      if (this.ids[slot]! !== FREE) yield [slot, this.at(slot)];
  }

  /** SlotKeys: the hash of the slot's carrier and waybill number. */
  slotHash(slot: number): number {
    return this.arena.hash(this.ids[slot]!, TRACKING_NO, this.carrier[slot]!);
  }

  /** SlotKeys: whether the slot holds the carrier and waybill number of the last setProbe. */
  matchesProbe(slot: number): boolean {
    return this.carrier[slot] === this.probeCarrier && this.arena.matchesProbe(this.ids[slot]!, TRACKING_NO);
  }

  /** Sets the key that lookups compare with; returns its hash, or undefined for an unknown carrier. */
  private setProbe(carrier: string, trackingNo: string): number | undefined {
    const index = this.carriers.indexOf(carrier);
    if (index === undefined) return undefined;
    this.probeCarrier = index;
    this.arena.setProbe(trackingNo);
    return this.arena.probeHash(index);
  }

  private readCount(slot: number): number {
    const count = this.returnedCount[slot]!;
    return count === OVERFLOW ? this.overflow.get(slot, FIELD.returnedCount)! : count;
  }

  private writeCount(slot: number, value: number): void {
    this.overflow.clear(this.returnedCount, slot, FIELD.returnedCount);
    if ((value | 0) === value && value >= 0) this.returnedCount[slot] = value;
    else {
      this.returnedCount[slot] = OVERFLOW;
      this.overflow.set(slot, FIELD.returnedCount, value);
    }
  }

  private grow(): void {
    const capacity = Math.ceil(this.capacity * GROWTH);
    const widen = <T extends Float64Array | Uint8Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    const int32 = (n: number) => new Int32Array(n);
    this.ids = widen(this.ids, (n) => new Int32Array(n).fill(FREE));
    this.carrier = widen(this.carrier, int32);
    this.lastUpdateAt = widen(this.lastUpdateAt, (n) => new Float64Array(n));
    this.stateAt = widen(this.stateAt, int32);
    this.lastReturnedAt = widen(this.lastReturnedAt, int32);
    this.locationSince = widen(this.locationSince, int32);
    this.lastLocationAt = widen(this.lastLocationAt, int32);
    this.returnedCount = widen(this.returnedCount, int32);
    this.state = widen(this.state, (n) => new Uint8Array(n));
    this.store = widen(this.store, int32);
    this.destination = widen(this.destination, int32);
    this.capacity = capacity;
  }
}
