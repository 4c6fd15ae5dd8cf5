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
