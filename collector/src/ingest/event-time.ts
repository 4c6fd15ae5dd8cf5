// When an event may say it happened. Rules decide by event
// time, so one event dated far ahead would pin a provider's last-heard time, an order's status or a
// shipment's last update for as long as that date lies in the future: such times are refused, and a
// time only slightly ahead (a sender's clock running fast) is taken as the time of receipt, since
// nothing happens after it is reported.

import { instantOfFields } from './calendar-instant.ts';

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

/**
 * An RFC 3339 date-time with an offset, as epoch ms, or undefined when it is not one or names no
 * real instant: `YYYY-MM-DD` `T`, `t` or space `hh:mm:ss`, an optional fraction of 1–9 digits (those
 * past the millisecond dropped), then `Z`, `z` or `±hh:mm`, nothing around it. Date.parse alone rolls
 * Feb 30 over into March; here every field is checked against the calendar, so a mistyped date is
 * refused rather than moved.
 *
 * Read character by character rather than by a regular expression: every event's time passes here,
 * and the match array with its group strings was 815 B of garbage a call, against 48 B, and 840
 * against 120 ns (BENCHMARKS.md §20.4).
 */
export function parseRfc3339Instant(text: string): number | undefined {
  if (text.length < 20) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if ((year | month | day | hour | minute | second) < 0) return undefined;
  const separator = text.charCodeAt(10);
  if (
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    (separator !== UPPER_T && separator !== LOWER_T && separator !== SPACE) ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  ) {
    return undefined;
  }
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === DOT) {
    const first = ++at;
    while (digitsAt(text, at, 1) >= 0) at++;
    const count = at - first;
    if (count < 1 || count > 9) return undefined;
    // a short fraction is padded: .5 is 500 ms, .05 is 50
    ms =
      digitsAt(text, first, 1) * 100 +
      (count > 1 ? digitsAt(text, first + 1, 1) * 10 : 0) +
      (count > 2 ? digitsAt(text, first + 2, 1) : 0);
  }
  const zone = text.charCodeAt(at);
  let offsetMs: number;
  if ((zone === UPPER_Z || zone === LOWER_Z) && at + 1 === text.length) {
    offsetMs = 0;
  } else if (
    (zone === PLUS || zone === DASH) &&
    at + 6 === text.length &&
    text.charCodeAt(at + 3) === COLON
  ) {
    const offsetHours = digitsAt(text, at + 1, 2);
    const offsetMinutes = digitsAt(text, at + 4, 2);
    if (offsetHours < 0 || offsetMinutes < 0 || offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetMs = (zone === DASH ? -1 : 1) * (offsetHours * 3_600_000 + offsetMinutes * 60_000);
  } else {
    return undefined;
  }
  const utc = instantOfFields(year, month, day, hour, minute, second, ms);
  return utc === undefined ? undefined : utc - offsetMs;
}

const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const PLUS = 0x2b;
const SPACE = 0x20;
const UPPER_T = 0x54;
const LOWER_T = 0x74;
const UPPER_Z = 0x5a;
const LOWER_Z = 0x7a;
const ZERO = 0x30;

/** The number written by `count` ASCII digits at `from`, or -1 when one of them is not such a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    // also NaN past the end, which fails both comparisons
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}
