// When an event may say it happened. Rules decide by event
// time, so one event dated far ahead would pin a provider's last-heard time, an order's status or a
// shipment's last update for as long as that date lies in the future: such times are refused, and a
// time only slightly ahead (a sender's clock running fast) is taken as the time of receipt, since
// nothing happens after it is reported.

import { calendarInstant } from './calendar-instant.ts';

/** Nothing before this is a real event of a running shop; it is a zeroed or mistyped date. */
export const EARLIEST_EVENT_TIME = Date.UTC(2000, 0, 1);

export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface TimeBounds {
  /** The server's clock when the event was received. */
  now: number;
  /** How far ahead of `now` an event time may be before it is refused. */
  maxSkewMs: number;
}

export type BoundedTime = { ok: true; at: number } | { ok: false; message: string };

/** The time an event is taken to have happened at, or why it is refused. */
export function boundEventTime(at: number, bounds: TimeBounds): BoundedTime {
  if (!Number.isFinite(at)) return { ok: false, message: 'is not a time' };
  if (at < EARLIEST_EVENT_TIME) return { ok: false, message: 'lies before 2000-01-01' };
  if (at > bounds.now + bounds.maxSkewMs) {
    return {
      ok: false,
      message: `lies more than ${Math.round(bounds.maxSkewMs / 1000)} s ahead of the server clock (${new Date(bounds.now).toISOString()})`,
    };
  }
  return { ok: true, at: Math.min(at, bounds.now) };
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 date-time with an offset, as epoch ms, or undefined when it is not one or names no
 * real instant. Date.parse alone rolls Feb 30 over into March; here every field is checked against
 * the calendar, so a mistyped date is refused rather than moved.
 */
export function parseRfc3339Instant(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const utc = calendarInstant(m);
  if (utc === undefined) return undefined;
  let offsetMs = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetMs = (m[9] === '-' ? -1 : 1) * (offsetHours * 3_600_000 + offsetMinutes * 60_000);
  }
  return utc - offsetMs;
}
