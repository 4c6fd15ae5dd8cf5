// The engine's tracked shipments, stored by column like the order table: one slot per shipment in
// typed arrays, plus per carrier a Map from waybill number to slot. A ShipmentState object with its
// boxed times cost ~450 B per shipment with its Map entry and string-keyed deadline; here a slot is
// ~60 B of columns beside the waybill number and order id strings. Rows are read and written as
// ShipmentState values (made on demand, their key too): the composite key is not stored, as it
// would be a second string per shipment (a concatenation holding the waybill number besides).
//
// Times are lossless: `lastUpdateAt` is a Float64 and the other times Int32 millisecond offsets
// from it, with the exact value in a side Map when one does not fit (see int32-columns.ts).
import { type ShipmentState as CarrierState, SHIPMENT_STATES } from '../events.ts';
import { ShardedMap } from '../sharded-map.ts';
import { Interner, OVERFLOW, OverflowValues } from './int32-columns.ts';
import { type ShipmentState, shipmentKey } from './shipment-state.ts';

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
const NO_SLOTS = new ShardedMap<number>();

const STATE_INDEX = new Map<CarrierState, number>(SHIPMENT_STATES.map((s, i) => [s, i]));

export class ShipmentTable {
  /** Carrier index (in `carriers`) → waybill number → slot. */
  private readonly slotOf: ShardedMap<number>[] = [];
  private count = 0;
  private trackingNos: string[] = [];
  private carrier: Int32Array;
  private orderIds: string[] = [];
  /** Latest location per slot: the carrier's own text, too varied to intern. */
  private locations: (string | undefined)[] = [];
  private freeSlots: number[] = [];
  private capacity: number;
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

  constructor(initialCapacity = 1024) {
    this.capacity = Math.max(16, initialCapacity);
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
    return this.count;
  }

  /** Values kept outside the Int32 columns (for tests and the memory measure). */
  get overflowCount(): number {
    return this.overflow.size;
  }

  has(carrier: string, trackingNo: string): boolean {
    return this.slot(carrier, trackingNo) !== undefined;
  }

  slot(carrier: string, trackingNo: string): number | undefined {
    return this.waybills(carrier).get(trackingNo);
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
    const trackingNo = this.trackingNos[slot]!;
    const base = this.lastUpdateAt[slot]!;
    return {
      key: shipmentKey(carrier, trackingNo),
      orderId: this.orderIds[slot]!,
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
    const { carrier, trackingNo } = shipment;
    let slot = this.slot(carrier, trackingNo);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.trackingNos.length;
      if (slot >= this.capacity) this.grow();
      if (slot === this.trackingNos.length) {
        this.trackingNos.push(trackingNo);
        this.orderIds.push(shipment.orderId);
        this.locations.push(shipment.lastLocation);
      } else {
        this.trackingNos[slot] = trackingNo;
        this.orderIds[slot] = shipment.orderId;
      }
      const index = this.carriers.intern(carrier);
      this.carrier[slot] = index;
      this.slotOf[index] ??= new ShardedMap<number>();
      this.slotOf[index].set(trackingNo, slot);
      this.count++;
    }
    // Offsets are from the new lastUpdateAt, so it is written first.
    const base = shipment.lastUpdateAt;
    this.lastUpdateAt[slot] = base;
    this.overflow.writeTime(this.stateAt, slot, FIELD.stateAt, shipment.stateAt, base);
    this.overflow.writeTime(this.lastReturnedAt, slot, FIELD.lastReturnedAt, shipment.lastReturnedAt, base);
    this.overflow.writeTime(this.locationSince, slot, FIELD.locationSince, shipment.locationSince, base);
    this.overflow.writeTime(this.lastLocationAt, slot, FIELD.lastLocationAt, shipment.lastLocationAt, base);
    this.writeCount(slot, shipment.returnedCount);
    this.orderIds[slot] = shipment.orderId;
    this.locations[slot] = shipment.lastLocation;
    this.state[slot] = STATE_INDEX.get(shipment.state)!;
    this.store[slot] = this.stores.intern(shipment.storeId);
    this.destination[slot] = this.regions.intern(shipment.destinationRegion);
    return slot;
  }

  /** Frees the shipment's slot; returns the slot it had. */
  delete(carrier: string, trackingNo: string): number | undefined {
    const slot = this.slot(carrier, trackingNo);
    if (slot === undefined) return undefined;
    this.slotOf[this.carrier[slot]!]!.delete(trackingNo);
    this.count--;
    this.trackingNos[slot] = '';
    this.orderIds[slot] = '';
    this.locations[slot] = undefined;
    this.overflow.forget(slot);
    this.freeSlots.push(slot);
    return slot;
  }

  *values(): IterableIterator<ShipmentState> {
    for (const [, shipment] of this.entries()) yield shipment;
  }

  *entries(): IterableIterator<[slot: number, shipment: ShipmentState]> {
    for (const waybills of this.slotOf) for (const slot of waybills.values()) yield [slot, this.at(slot)];
  }

  private waybills(carrier: string): ShardedMap<number> {
    const index = this.carriers.indexOf(carrier);
    return (index === undefined ? undefined : this.slotOf[index]) ?? NO_SLOTS;
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
    const capacity = this.capacity * 2;
    const widen = <T extends Float64Array | Uint8Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    const int32 = (n: number) => new Int32Array(n);
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
