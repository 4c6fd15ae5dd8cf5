// Colour thresholds of the wall display's big figures. `ok` is green, `warn` amber, `crit` red,
// `none` grey (no data yet). Limits follow the built-in rule defaults, so
// a figure turns red when the collector would alert.
export type Level = 'ok' | 'warn' | 'crit' | 'none';

/** Rising values are worse: ok below `warn`, warn below `crit`, crit from `crit` up. */
function rising(value: number | null, warn: number, crit: number): Level {
  if (value === null || !Number.isFinite(value)) return 'none';
  if (value >= crit) return 'crit';
  if (value >= warn) return 'warn';
  return 'ok';
}

/** Orders per minute against the last hour's average: a sudden drop is the alarming direction. */
export function ordersLevel(current: number | null, hourAverage: number | null): Level {
  if (current === null || hourAverage === null) return 'none';
  if (hourAverage < 1) return 'ok';
  if (current === 0) return 'crit';
  if (current < hourAverage * 0.5) return 'warn';
  return 'ok';
}

/** p95 paid→applied lag in seconds; `payment_unapplied` fires at 2 min. */
export const lagLevel = (p95Seconds: number | null): Level => rising(p95Seconds, 30, 120);

export const stallsLevel = (open: number | null): Level => rising(open, 1, 10);

export const silentShipmentsLevel = (silent: number | null): Level => rising(silent, 1, 50);

/** Today's mismatch rate (0..1); `reconciliation_mismatch` fires above 1 %. */
export const mismatchLevel = (rate: number | null): Level => rising(rate, 0.005, 0.01);

/** Age of the newest data from a source, in ms. */
export const freshnessLevel = (ageMs: number | null): Level => rising(ageMs, 60_000, 5 * 60_000);
