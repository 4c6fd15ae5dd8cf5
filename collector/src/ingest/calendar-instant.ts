// Provider and event times are read field by field so that a date that is not on the calendar
// (Feb 30, June 31, hour 24) is refused: Date.UTC alone would roll it over into the next month or day.

/**
 * The instant named by a match whose groups 1 to 7 are year, month, day, hour, minute, second and a
 * fraction of a second (the last two may be absent), read as UTC; undefined when it is not a real time.
 */
export function calendarInstant(m: RegExpExecArray): number | undefined {
  const field = (group: number) => Number(m[group] ?? 0);
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  return instantOfFields(field(1), field(2), field(3), field(4), field(5), field(6), ms);
}

/** The instant of these calendar fields read as UTC (month 1–12); undefined when it is not a real time. */
export function instantOfFields(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC reads years 0–99 as 1900–1999.
  return year < 100 ? new Date(utc).setUTCFullYear(year) : utc;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
