// Counts per one-minute bucket (by event time) over a sliding window, keyed by a small label set.

export const MINUTE_MS = 60_000;

export class MinuteSeries<K extends string> {
  /** minute index (epoch minutes) → label → count */
  private readonly buckets = new Map<number, Map<K, number>>();

  constructor(private readonly windowMinutes: number) {}

  add(at: number, label: K, n = 1): void {
    const minute = Math.floor(at / MINUTE_MS);
    let bucket = this.buckets.get(minute);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(minute, bucket);
    }
    bucket.set(label, (bucket.get(label) ?? 0) + n);
  }

  /** Drops buckets that have left the window ending at `now`. */
  prune(now: number): void {
    const oldest = Math.floor(now / MINUTE_MS) - this.windowMinutes + 1;
    for (const minute of this.buckets.keys()) if (minute < oldest) this.buckets.delete(minute);
  }

  /** The window ending at `now`, oldest first, one entry per minute (empty minutes included). */
  window(now: number): { at: number; counts: ReadonlyMap<K, number> }[] {
    const newest = Math.floor(now / MINUTE_MS);
    const out: { at: number; counts: ReadonlyMap<K, number> }[] = [];
    for (let minute = newest - this.windowMinutes + 1; minute <= newest; minute++) {
      out.push({ at: minute * MINUTE_MS, counts: this.buckets.get(minute) ?? EMPTY });
    }
    return out;
  }

  isEmpty(): boolean {
    return this.buckets.size === 0;
  }
}

const EMPTY: ReadonlyMap<never, number> = new Map<never, number>();

/** Sums several series' windows minute by minute (for a region or the whole chain). */
export function sumWindows<K extends string>(
  windows: { at: number; counts: ReadonlyMap<K, number> }[][],
  minutes: number[],
): Map<K, number>[] {
  return minutes.map((_, i) => {
    const sum = new Map<K, number>();
    for (const w of windows) {
      for (const [label, n] of w[i]!.counts) sum.set(label, (sum.get(label) ?? 0) + n);
    }
    return sum;
  });
}
