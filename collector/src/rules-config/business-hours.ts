// Questions the engine asks the calendar: is this store open at this instant? Pure: the instant
// is a parameter, and the calendar is the data loaded from calendar.yaml.
import type { BusinessCalendar, StoreHours, Weekday } from './calendar.ts';

export function hoursFor(calendar: BusinessCalendar, storeId: string): StoreHours {
  return Object.hasOwn(calendar.storeHours, storeId) ? calendar.storeHours[storeId]! : calendar.defaultHours;
}

/** True when `storeId` is open at `atMs` by its weekly hours and closed dates, in its own time zone. */
export function isStoreOpen(calendar: BusinessCalendar, storeId: string, atMs: number): boolean {
  const hours = hoursFor(calendar, storeId);
  const local = localTime(hours.timeZone, atMs);
  if (hours.closedDates.includes(local.date)) return false;
  return hours.weekly[local.weekday].some(
    (range) => local.minute >= range.fromMinute && local.minute < range.toMinute,
  );
}

interface LocalTime {
  date: string;
  weekday: Weekday;
  minute: number;
}

const WEEKDAY_BY_NAME: Readonly<Record<string, Weekday>> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

// Building an Intl formatter costs far more than using one; zones are few, so each is kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function localTime(timeZone: string, atMs: number): LocalTime {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(atMs)) parts[part.type] = part.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: WEEKDAY_BY_NAME[parts.weekday ?? ''] ?? 'mon',
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}
