// How the engine's columnar tables (orders, shipments) keep values in Int32 columns: a time as a
// signed millisecond offset from the row's latest time, an integer as itself, a few distinct strings
// as an index into an Interner. Two values of an Int32 column are sentinels: the field is undefined,
// or it did not fit and is kept exactly in the table's side Map.

/** Interner index of an undefined string. */
export const NONE = -1;
export const UNDEFINED = -0x80000000;
export const OVERFLOW = -0x7fffffff;

/** Few distinct values (stores, regions, channels) stored once, referred to by index. */
export class Interner {
  private readonly indexes = new Map<string, number>();
  private readonly values: string[] = [];
  intern(value: string | undefined): number {
    if (value === undefined) return NONE;
    let index = this.indexes.get(value);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(value);
      this.indexes.set(value, index);
    }
    return index;
  }
  /** The index of a value interned before, without interning it. */
  indexOf(value: string): number | undefined {
    return this.indexes.get(value);
  }
  value(index: number): string | undefined {
    return index === NONE ? undefined : this.values[index];
  }
}

/** True when `value` is read back exactly from the Int32 offset `base - value` (not a sentinel). */
export function fitsOffset(value: number, base: number): boolean {
  const offset = base - value;
  return (
    (offset | 0) === offset && offset > OVERFLOW && base - offset === value && (value !== 0 || 1 / value > 0)
  );
}

export function fitsInt32(value: number): boolean {
  return (value | 0) === value && value > OVERFLOW && (value !== 0 || 1 / value > 0);
}

/**
 * The side Map of a columnar table: the exact values its Int32 columns could not hold, keyed by
 * slot and field, with the time-offset encoding both tables share.
 */
export class OverflowValues {
  private readonly values = new Map<number, number>();
  /** `fields`: how many Int32 fields a row has (part of the key). */
  constructor(private readonly fields: number) {}

  get size(): number {
    return this.values.size;
  }

  get(slot: number, field: number): number | undefined {
    return this.values.get(slot * this.fields + field);
  }

  /** Keeps `value` exactly for a column that marks the slot OVERFLOW. */
  set(slot: number, field: number, value: number): void {
    this.values.set(slot * this.fields + field, value);
  }

  /** Drops what a slot kept for one field before that field is written again. */
  clear(column: Int32Array, slot: number, field: number): void {
    if (column[slot] === OVERFLOW) this.values.delete(slot * this.fields + field);
  }

  /** Drops everything a freed slot kept. */
  forget(slot: number): void {
    if (this.values.size === 0) return;
    for (let f = 0; f < this.fields; f++) this.values.delete(slot * this.fields + f);
  }

  readTime(column: Int32Array, slot: number, field: number, base: number): number | undefined {
    const offset = column[slot]!;
    if (offset === UNDEFINED) return undefined;
    if (offset === OVERFLOW) return this.get(slot, field);
    return base - offset;
  }

  writeTime(column: Int32Array, slot: number, field: number, value: number | undefined, base: number): void {
    this.clear(column, slot, field);
    if (value === undefined) column[slot] = UNDEFINED;
    else if (fitsOffset(value, base)) column[slot] = base - value;
    else {
      column[slot] = OVERFLOW;
      this.set(slot, field, value);
    }
  }
}
