// Business days (ORDERPULSE_TZ) in the browser. Days are calendar dates, 'YYYY-MM-DD', taken from
// the collector (GET /v1/business-day) and never from the browser's clock or time zone, so a page
// in New York shows the same "today" and ranges as the API's daily figures in Shanghai.
const DAY_MS = 86_400_000;

function parts(day: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`not a day: ${day}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The calendar day `n` days after `day` (before, for negative `n`). */
export function shiftDay(day: string, n: number): string {
  const [y, m, d] = parts(day);
  return new Date(Date.UTC(y, m - 1, d) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The `days` days ending with `today`, both ends included. */
export function rangeEndingOn(today: string, days: number): { from: string; to: string } {
  return { from: shiftDay(today, 1 - days), to: today };
}

/**
 * Where a calendar day sits on a chart's time axis: the browser's own midnight of that date. Chart
 * axes format in the browser's time zone, so this is the instant they label with that very day (UTC
 * midnight would be labelled the day before anywhere west of Greenwich).
 */
export function dayOnAxis(day: string): number {
  const [y, m, d] = parts(day);
  return new Date(y, m - 1, d).getTime();
}
