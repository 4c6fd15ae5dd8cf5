// Business hours and the promotion calendar as data-driven windows. A closed store is not a silent
// channel (its orders do not count for callback_silent and its store-level alerts are held), and
// rule parameters may differ during a promotion. Shaped like what the rules-config loader reads
// from alert-rules/calendar.yaml, so its BusinessCalendar can be passed here as is.
import type { OrderStatus } from '../events.ts';
import { BUILTIN_RULES, type BuiltinRuleName, type BuiltinRuleParams } from '../rules/params.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Minutes since local midnight, [fromMinute, toMinute); toMinute ≤ 1440. Past midnight: two ranges. */
export interface OpeningRange {
  fromMinute: number;
  toMinute: number;
}

export interface StoreHours {
  /** IANA time zone the hours are written in; '' means the calendar's (or the caller's) zone. */
  timeZone: string;
  weekly: Readonly<Record<Weekday, readonly OpeningRange[]>>;
  /** Local dates (YYYY-MM-DD) the store is closed all day. */
  closedDates: readonly string[];
}

/** Partial parameters a promotion puts in force; a `null` stall limit switches that status's limit off. */
export type ParamOverrides = {
  [K in Exclude<BuiltinRuleName, 'order_stalled'>]?: Partial<Omit<BuiltinRuleParams[K], 'scope'>>;
} & {
  order_stalled?: Partial<Omit<BuiltinRuleParams['order_stalled'], 'scope' | 'limitsMs'>> & {
    limitsMs?: Partial<Record<OrderStatus, number | null>>;
  };
};

export interface Promotion {
  name: string;
  /** Epoch ms, inclusive. */
  fromMs: number;
  /** Epoch ms, exclusive. */
  toMs: number;
  /** Empty: every store. */
  stores: readonly string[];
  overrides: ParamOverrides;
}

export interface Calendar {
  /** Default IANA zone (ORDERPULSE_TZ, Asia/Shanghai). */
  timeZone: string;
  defaultHours: StoreHours;
  storeHours: Readonly<Record<string, StoreHours>>;
  promotions: readonly Promotion[];
}

const ALL_DAY: readonly OpeningRange[] = [{ fromMinute: 0, toMinute: 1440 }];

/** Every store open around the clock, no promotions. */
export function alwaysOpenCalendar(timeZone = 'Asia/Shanghai'): Calendar {
  const weekly = Object.fromEntries(WEEKDAYS.map((d) => [d, ALL_DAY])) as Record<
    Weekday,
    readonly OpeningRange[]
  >;
  return { timeZone, defaultHours: { timeZone, weekly, closedDates: [] }, storeHours: {}, promotions: [] };
}

function hoursOf(calendar: Calendar, storeId: string): StoreHours {
  return Object.hasOwn(calendar.storeHours, storeId) ? calendar.storeHours[storeId]! : calendar.defaultHours;
}

/** Is the store open at `now`? `tz` is the zone for hours that do not name one (default: the calendar's). */
export function isStoreOpen(calendar: Calendar, storeId: string, now: number, tz?: string): boolean {
  const hours = hoursOf(calendar, storeId);
  const local = localTime(hours.timeZone || tz || calendar.timeZone, now);
  if (hours.closedDates.includes(local.date)) return false;
  return hours.weekly[local.weekday].some((r) => local.minute >= r.fromMinute && local.minute < r.toMinute);
}

/** Does the store open at all on this local day ('YYYY-MM-DD')? (For day-level verdicts such as reconciliation.) */
export function isStoreOpenOnDay(calendar: Calendar, storeId: string, day: string): boolean {
  const hours = hoursOf(calendar, storeId);
  if (hours.closedDates.includes(day)) return false;
  const [y, m, d] = day.split('-').map(Number);
  const weekday = WEEKDAYS[(new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay() + 6) % 7]!;
  return hours.weekly[weekday].some((r) => r.toMinute > r.fromMinute);
}

/** Promotions running at `now` (for `storeId`, or chain-wide ones only when no store is given). */
export function activePromotions(calendar: Calendar, now: number, storeId?: string): Promotion[] {
  return calendar.promotions.filter(
    (p) =>
      now >= p.fromMs &&
      now < p.toMs &&
      (p.stores.length === 0 || (storeId !== undefined && p.stores.includes(storeId))),
  );
}

/**
 * The first time after `now` at which a promotion starts or ends (chain-wide ones, or those of
 * `storeId`), Infinity if none will: until then the set of running promotions cannot change.
 */
export function nextPromotionChange(calendar: Calendar, now: number, storeId?: string): number {
  let next = Number.POSITIVE_INFINITY;
  for (const p of calendar.promotions) {
    if (p.stores.length > 0 && (storeId === undefined || !p.stores.includes(storeId))) continue;
    if (p.fromMs > now && p.fromMs < next) next = p.fromMs;
    if (p.toMs > now && p.toMs < next) next = p.toMs;
  }
  return next;
}

/**
 * The parameters in force at `now`: `params` with the overrides of every running promotion, later
 * promotions in the calendar winning. Returns `params` itself when none runs, so a caller can
 * compare by identity and call RuleEngine.setParams only on change.
 */
export function paramsAt(
  params: BuiltinRuleParams,
  calendar: Calendar,
  now: number,
  storeId?: string,
): BuiltinRuleParams {
  const running = activePromotions(calendar, now, storeId);
  if (running.length === 0) return params;
  const merged = { ...params } as unknown as Record<BuiltinRuleName, Record<string, unknown>>;
  for (const promotion of running) {
    for (const rule of BUILTIN_RULES) {
      const override = promotion.overrides[rule] as Record<string, unknown> | undefined;
      if (override === undefined) continue;
      const next: Record<string, unknown> = { ...merged[rule], ...override };
      if (rule === 'order_stalled') {
        const limits: Partial<Record<OrderStatus, number>> = {
          ...(merged.order_stalled.limitsMs as Partial<Record<OrderStatus, number>>),
        };
        for (const [status, ms] of Object.entries(promotion.overrides.order_stalled?.limitsMs ?? {})) {
          if (ms === null || ms === undefined) delete limits[status as OrderStatus];
          else limits[status as OrderStatus] = ms;
        }
        next.limitsMs = limits;
      }
      merged[rule] = next;
    }
  }
  return merged as unknown as BuiltinRuleParams;
}

interface LocalTime {
  date: string;
  weekday: Weekday;
  minute: number;
}

const SHORT_WEEKDAY: Readonly<Record<string, Weekday>> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

// Building an Intl formatter costs ~100× using one and zones are few: keep one per zone. Using one
// still costs microseconds and callback_silent asks for every order created, so the last answer
// per zone is kept for its minute (zone offsets are whole minutes).
interface ZoneClock {
  formatter: Intl.DateTimeFormat;
  minuteStart: number;
  local: LocalTime | undefined;
}
const clocks = new Map<string, ZoneClock>();
const MINUTE_MS = 60_000;

function localTime(timeZone: string, at: number): LocalTime {
  let clock = clocks.get(timeZone);
  if (clock === undefined) {
    clock = {
      formatter: new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        weekday: 'short',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      }),
      minuteStart: Number.NaN,
      local: undefined,
    };
    clocks.set(timeZone, clock);
  }
  const minuteStart = Math.floor(at / MINUTE_MS) * MINUTE_MS;
  if (clock.local !== undefined && clock.minuteStart === minuteStart) return clock.local;
  const parts: Record<string, string> = {};
  for (const part of clock.formatter.formatToParts(at)) parts[part.type] = part.value;
  clock.local = {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: SHORT_WEEKDAY[parts.weekday ?? ''] ?? 'mon',
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
  clock.minuteStart = minuteStart;
  return clock.local;
}
