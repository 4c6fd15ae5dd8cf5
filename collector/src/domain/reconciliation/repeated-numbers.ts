// Which order numbers a bill names on more than one payment line, found in one pass over a million lines
// without keeping the numbers: each is kept as two 32-bit hashes in an open-addressing table (8 bytes a
// number, ~16 MB at a million, where a Set of the strings would hold ~60 MB of them). A number whose two
// hashes were both seen before is reported; two different numbers share both hashes about once in
// 10^7 bills of a million lines, and one reported by mistake costs only the slower exact pass for it.
// Written here rather than taken from a library: what is needed is a set of 64-bit fingerprints in
// typed arrays, a few dozen lines, and the packages that offer one (bloom or cuckoo filters) answer
// "maybe seen" with a tunable error, where this needs the few numbers themselves. The hashes start from
// a seed chosen per table, so a file cannot be made to pile its numbers onto one run of slots.

const EMPTY = 0;

export class RepeatedNumbers {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #used = 0;
  readonly #repeated = new Set<string>();
  readonly #limit: number;
  readonly #seed: number;

  /** Past `limit` repeated numbers, `repeated()` gives up (undefined) and the table stops growing. */
  constructor(limit: number, { initialSlots = 1 << 16, seed = Math.floor(Math.random() * 2 ** 32) } = {}) {
    this.#limit = limit;
    this.#seed = seed;
    this.#hi = new Uint32Array(initialSlots);
    this.#lo = new Uint32Array(initialSlots);
  }

  see(number: string): void {
    if (this.#repeated.size > this.#limit) return;
    let hi = 0x811c9dc5 ^ this.#seed;
    let lo = 0x9747b28c ^ Math.imul(this.#seed, 0x85ebca6b);
    for (let i = 0; i < number.length; i++) {
      const c = number.charCodeAt(i);
      hi = Math.imul(hi ^ c, 0x01000193);
      lo = Math.imul(lo ^ c, 0x5bd1e995);
      lo ^= lo >>> 15;
    }
    // 0 marks an empty slot, so no stored hash may be 0
    hi = hi >>> 0 || 1;
    lo = lo >>> 0;
    if (!this.#insert(hi, lo)) this.#repeated.add(number);
  }

  /** Every number seen twice or more (and, rarely, one that only shared its hashes), or undefined past the limit. */
  repeated(): string[] | undefined {
    return this.#repeated.size > this.#limit ? undefined : [...this.#repeated];
  }

  /** True when (hi, lo) was new. */
  #insert(hi: number, lo: number): boolean {
    if ((this.#used + 1) * 2 > this.#hi.length) this.#grow();
    const mask = this.#hi.length - 1;
    for (let slot = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask; ; slot = (slot + 1) & mask) {
      const h = this.#hi[slot] as number;
      if (h === EMPTY) {
        this.#hi[slot] = hi;
        this.#lo[slot] = lo;
        this.#used++;
        return true;
      }
      if (h === hi && this.#lo[slot] === lo) return false;
    }
  }

  #grow(): void {
    const hi = this.#hi;
    const lo = this.#lo;
    this.#hi = new Uint32Array(hi.length * 2);
    this.#lo = new Uint32Array(hi.length * 2);
    this.#used = 0;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== EMPTY) this.#insert(hi[i] as number, lo[i] as number);
  }
}
