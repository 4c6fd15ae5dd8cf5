// calendar.yaml: per-store business hours and the promotion calendar, as plain data. A closed
// store is not a silent channel, and promotions may loosen or tighten rule parameters.
import {
  alwaysOpenCalendar,
  type Calendar,
  type OpeningRange,
  type Promotion,
  type StoreHours,
  WEEKDAYS,
  type Weekday,
} from '../domain/alerts/calendar.ts';
import { readParamOverrides } from './builtin-rules.ts';
import { problem } from './problem.ts';
import type { Cursor } from './yaml-cursor.ts';

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';
const ALL_DAY: readonly OpeningRange[] = Object.freeze([{ fromMinute: 0, toMinute: 1440 }]);

/** Reads calendar.yaml into the domain's Calendar (collector/src/domain/alerts/calendar.ts). */
export function readCalendar(root: Cursor): Calendar {
  const calendar = { ...alwaysOpenCalendar(DEFAULT_TIME_ZONE) };
  const file = root.object(['time_zone', 'business_hours', 'promotions'], { extensions: true });
  if (file === undefined) {
    // An empty file is more likely a save caught half-way than a wish for the defaults, and the
    // defaults (always open, no promotions) would silently change alerting; say so instead.
    if (!root.present) root.error(problem('ruleError.calendarFileEmpty'));
    return calendar;
  }
  const timeZone = readTimeZone(file.get('time_zone')) ?? DEFAULT_TIME_ZONE;
  calendar.timeZone = timeZone;
  calendar.defaultHours = { ...calendar.defaultHours, timeZone };

  const hours = file.get('business_hours').object(['default', 'stores']);
  if (hours !== undefined) {
    const defaultCursor = hours.get('default');
    if (defaultCursor.present) {
      const read = readHours(defaultCursor, undefined, timeZone);
      if (read !== undefined) calendar.defaultHours = read;
    }
    const stores: Record<string, StoreHours> = Object.create(null);
    for (const [store, cursor] of hours.get('stores').entries() ?? []) {
      if (store.length > 64) {
        cursor.error(problem('ruleError.storeIdTooLong'));
        continue;
      }
      const read = readHours(cursor, calendar.defaultHours, timeZone);
      if (read !== undefined) stores[store] = read;
    }
    calendar.storeHours = stores;
  }
  calendar.promotions = readPromotions(file.get('promotions'));
  return calendar;
}

function readTimeZone(cursor: Cursor): string | undefined {
  const zone = cursor.string();
  if (zone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    cursor.error(problem('ruleError.timeZone', { zone }));
    return undefined;
  }
}

/**
 * A weekly schedule. `daily` sets every day; named days override it. Without a base (the
 * default schedule) every day must be given, so a forgotten day never silently closes stores.
 */
function readHours(
  cursor: Cursor,
  base: StoreHours | undefined,
  fallbackZone: string,
): StoreHours | undefined {
  const keys =
    base === undefined
      ? ['daily', ...WEEKDAYS, 'closed_dates']
      : ['time_zone', 'daily', ...WEEKDAYS, 'closed_dates'];
  const object = cursor.object(keys);
  if (object === undefined) return undefined;
  const timeZone =
    (object.has('time_zone') ? readTimeZone(object.get('time_zone')) : undefined) ??
    base?.timeZone ??
    fallbackZone;
  const daily = object.has('daily') ? readRanges(object.get('daily')) : undefined;
  const weekly = {} as Record<Weekday, readonly OpeningRange[]>;
  const missing: Weekday[] = [];
  for (const day of WEEKDAYS) {
    const ranges = object.has(day) ? readRanges(object.get(day)) : undefined;
    const value = ranges ?? daily ?? base?.weekly[day];
    if (value === undefined) {
      if (!object.has(day) && daily === undefined) missing.push(day);
      weekly[day] = ALL_DAY;
    } else weekly[day] = value;
  }
  if (missing.length > 0 && !object.has('daily')) {
    object.error(problem('ruleError.hoursMissing', { days: missing.join(', ') }));
  }
  const closedDates = object.get('closed_dates').stringList(readDate) ?? base?.closedDates ?? [];
  return { timeZone, weekly, closedDates };
}

const RANGE = /^(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})$/;

function readRanges(cursor: Cursor): OpeningRange[] | undefined {
  const items = cursor.list();
  if (items === undefined) return undefined;
  const ranges: OpeningRange[] = [];
  for (const item of items) {
    const text = item.string();
    if (text === undefined) continue;
    const match = RANGE.exec(text.trim());
    if (!match) {
      item.error(problem('ruleError.rangeSyntax', { text }));
      continue;
    }
    const [, h1, m1, h2, m2] = match.map(Number) as [number, number, number, number, number];
    if (h1 > 23 || m1 > 59 || h2 > 24 || m2 > 59 || (h2 === 24 && m2 !== 0)) {
      item.error(problem('ruleError.rangeImpossible', { text }));
      continue;
    }
    const fromMinute = h1 * 60 + m1;
    const toMinute = h2 * 60 + m2;
    if (toMinute <= fromMinute) {
      item.error(problem('ruleError.rangeBackwards', { text }));
      continue;
    }
    const overlap = ranges.find((range) => fromMinute < range.toMinute && range.fromMinute < toMinute);
    if (overlap !== undefined) {
      item.error(problem('ruleError.rangeOverlap', { text }));
      continue;
    }
    ranges.push({ fromMinute, toMinute });
  }
  return ranges.sort((a, b) => a.fromMinute - b.fromMinute);
}

function readDate(cursor: Cursor): string | undefined {
  const text = cursor.string();
  if (text === undefined) return undefined;
  const valid =
    /^\d{4}-\d{2}-\d{2}$/.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
  if (!valid) {
    cursor.error(problem('ruleError.dateSyntax', { text }));
    return undefined;
  }
  return text;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

function readInstant(cursor: Cursor): number | undefined {
  if (!cursor.required()) return undefined;
  const text = cursor.string();
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (!RFC3339.test(text) || Number.isNaN(ms)) {
    cursor.error(problem('ruleError.instantSyntax', { text }));
    return undefined;
  }
  return ms;
}

function readPromotions(cursor: Cursor): Promotion[] {
  const promotions: Promotion[] = [];
  const names = new Set<string>();
  for (const item of cursor.list() ?? []) {
    const object = item.object(['name', 'from', 'to', 'stores', 'overrides']);
    if (object === undefined) continue;
    const nameCursor = object.get('name');
    const name = nameCursor.required() ? nameCursor.name() : undefined;
    if (name !== undefined) {
      if (names.has(name)) nameCursor.error(problem('ruleError.promotionTwice', { name }));
      names.add(name);
    }
    const fromMs = readInstant(object.get('from'));
    const toMs = readInstant(object.get('to'));
    if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs)
      object.get('to').error(problem('ruleError.toBeforeFrom'));
    const stores = object.get('stores').stringList() ?? [];
    const overridesCursor = object.get('overrides');
    const overrides = overridesCursor.required() ? readParamOverrides(overridesCursor) : undefined;
    if (
      name === undefined ||
      fromMs === undefined ||
      toMs === undefined ||
      toMs <= fromMs ||
      overrides === undefined
    ) {
      continue;
    }
    promotions.push({ name, fromMs, toMs, stores, overrides });
  }
  return promotions;
}
