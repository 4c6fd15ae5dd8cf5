// When the daily reconciliation runs: at a local wall-clock time (default 02:00 in ORDERPULSE_TZ),
// for the local day before. Pure: the clock is a parameter.
import { localDayFn, localDayRange } from './local-day.ts';

export interface DailyTime {
  hour: number;
  minute: number;
}

const MINUTE_MS = 60_000;

/** The first run strictly after `nowMs`. On a DST day the run is at that many minutes after local midnight. */
export function nextDailyRun(nowMs: number, timeZone: string, at: DailyTime): number {
  const dayOf = localDayFn(timeZone);
  const offset = (at.hour * 60 + at.minute) * MINUTE_MS;
  const today = dayOf(nowMs);
  const todayRun = localDayRange(today, timeZone)[0] + offset;
  if (todayRun > nowMs) return todayRun;
  const tomorrow = dayOf(localDayRange(today, timeZone)[1]);
  return localDayRange(tomorrow, timeZone)[0] + offset;
}

/** The local day before the one `nowMs` falls in. */
export function previousLocalDay(nowMs: number, timeZone: string): string {
  const dayOf = localDayFn(timeZone);
  const [start] = localDayRange(dayOf(nowMs), timeZone);
  return dayOf(start - 1);
}

/** `HH:MM` → DailyTime, or undefined. */
export function parseDailyTime(text: string): DailyTime | undefined {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : undefined;
}
