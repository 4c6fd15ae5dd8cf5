// How busy the chain is at a given moment: a diurnal curve by China local hour (a quiet night, a
// lunch bump, the evening peak) times the promotion factor while a flash sale runs.

const HOUR = 3_600_000;
/** China Standard Time has no daylight saving, so the local hour is a fixed offset. */
const CST_OFFSET_MS = 8 * HOUR;

/** Relative order rate per local hour 0–23 before normalising (shape of a Chinese retail day). */
const HOURLY_SHAPE = [
  0.35, 0.2, 0.1, 0.06, 0.05, 0.08, 0.2, 0.45, 0.75, 0.95, 1.05, 1.2, 1.35, 1.15, 1.0, 1.0, 1.05, 1.15, 1.3,
  1.55, 1.8, 1.9, 1.5, 0.8,
];
const SHAPE_MEAN = HOURLY_SHAPE.reduce((a, b) => a + b, 0) / HOURLY_SHAPE.length;

/** Diurnal factor at `ms` (mean 1 over a day), linearly interpolated between hour centres. */
export function diurnalFactor(ms: number): number {
  const hours = ((((ms + CST_OFFSET_MS) % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR)) / HOUR;
  const base = Math.floor(hours - 0.5 + 24) % 24;
  const frac = (hours - 0.5 + 24) % 1;
  const a = HOURLY_SHAPE[base]!;
  const b = HOURLY_SHAPE[(base + 1) % 24]!;
  return (a + (b - a) * frac) / SHAPE_MEAN;
}

export const MAX_DIURNAL_FACTOR = Math.max(...HOURLY_SHAPE) / SHAPE_MEAN;

export interface Promotion {
  fromMs: number;
  toMs: number;
  /** Multiplies the order rate while the promotion runs (×20 for a flash sale). */
  factor: number;
}

export function promotionFactor(ms: number, promotion: Promotion | undefined): number {
  return promotion && ms >= promotion.fromMs && ms < promotion.toMs ? promotion.factor : 1;
}

/**
 * Orders per millisecond over the whole chain. `curveShiftMs` plays the diurnal curve as if the clock
 * were that much later (a demo at 4 a.m. can show the evening rush); event times are never shifted.
 */
export function chainOrderRate(
  ms: number,
  stores: number,
  ordersPerStorePerDay: number,
  promotion: Promotion | undefined,
  curveShiftMs = 0,
): number {
  return (
    ((stores * ordersPerStorePerDay) / (24 * HOUR)) *
    diurnalFactor(ms + curveShiftMs) *
    promotionFactor(ms, promotion)
  );
}

/** The shift that makes `startMs` fall on local hour `hour` (China time) for the diurnal curve. */
export function curveShiftFor(startMs: number, hour: number): number {
  const local = (((startMs + CST_OFFSET_MS) % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR);
  return (((hour * HOUR - local) % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR);
}

/**
 * Arrival times of a non-homogeneous Poisson process in [fromMs, toMs) by thinning: candidates at the
 * peak rate, each kept with probability rate(t)/peak.
 */
export function arrivals(
  fromMs: number,
  toMs: number,
  rate: (ms: number) => number,
  peakRate: number,
  random: () => number,
): number[] {
  const out: number[] = [];
  if (peakRate <= 0) return out;
  let t = fromMs;
  for (;;) {
    t += -Math.log(1 - random()) / peakRate;
    if (t >= toMs) return out;
    if (random() * peakRate < rate(t)) out.push(Math.floor(t));
  }
}

/** `yyyy-MM-dd` of the China local day containing `ms`. */
export function chinaDay(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Start of the China local day containing `ms`. */
export function chinaDayStart(ms: number): number {
  return Math.floor((ms + CST_OFFSET_MS) / (24 * HOUR)) * 24 * HOUR - CST_OFFSET_MS;
}

/** RFC 3339 with the +08:00 offset, as Chinese order systems write it. */
export function chinaIso(ms: number): string {
  return `${new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 23)}+08:00`;
}

/** `yyyy-MM-dd HH:mm:ss` China local time (bills, Alipay and Kuaidi100 write times this way). */
export function chinaLocalText(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}
