// Caps the distinct values one label may take, so a metric's series count cannot grow with the
// number of stores (or carriers, sources…) the collector has ever seen. The first `cap` distinct
// values keep their own series for the life of the process; every later value is reported as
// `other`. First-come is deliberate: a value never moves between its own series and `other`,
// so rates over a value's series stay continuous.

export const OVERFLOW_LABEL_VALUE = 'other';

export class BoundedLabel {
  readonly cap: number;
  readonly #kept = new Set<string>();
  #overflowed = 0;

  constructor(cap: number) {
    if (!Number.isInteger(cap) || cap < 1)
      throw new RangeError(`label cap must be a positive integer, got ${cap}`);
    this.cap = cap;
  }

  /** The label value to report for `raw`: itself while there is room (or it already has a series), else `other`. */
  value(raw: string): string {
    if (raw === OVERFLOW_LABEL_VALUE || this.#kept.has(raw)) return raw;
    if (this.#kept.size < this.cap) {
      this.#kept.add(raw);
      return raw;
    }
    this.#overflowed += 1;
    return OVERFLOW_LABEL_VALUE;
  }

  /** Distinct values holding their own series (at most `cap`). */
  get size(): number {
    return this.#kept.size;
  }

  /** How many times a value was folded into `other`. */
  get overflowed(): number {
    return this.#overflowed;
  }
}
