// Reconciliation is per local calendar day (ORDERPULSE_TZ). Intl is slow per call, and a bill has a
// million timestamps, so the day is memoised per quarter hour: every IANA zone's offset is a multiple
// of 15 minutes (Nepal +05:45 is the finest), so a local midnight never falls inside a slot.

const HOUR_MS = 3_600_000;
const SLOT_MS = HOUR_MS / 4;

/** A function from epoch ms to the local day `YYYY-MM-DD` in `timeZone`. */
export function localDayFn(timeZone: string): (ms: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const cache = new Map<number, string>();
  return (ms: number) => {
    const slot = Math.floor(ms / SLOT_MS);
    let day = cache.get(slot);
    if (day === undefined) {
      day = format.format(ms);
      if (cache.size > 100_000) cache.clear();
      cache.set(slot, day);
    }
    return day;
  };
}

/** [start, end) epoch ms of local day `YYYY-MM-DD` in `timeZone`. */
export function localDayRange(day: string, timeZone: string): [number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`not a day: ${day}`);
  const dayOf = localDayFn(timeZone);
  // Local midnight lies between UTC midnight − 14 h (UTC+14) and + 12 h (UTC−12): walk forward to it.
  let start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - 14 * HOUR_MS;
  while (dayOf(start) < day) start += SLOT_MS;
  let end = start + 22 * HOUR_MS;
  while (dayOf(end) === day) end += SLOT_MS;
  return [start, end];
}
