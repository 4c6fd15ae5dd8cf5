// The business calendar at its edges: which zone a store's hours are read in, the first and last
// minute of a range and midnight, the weekday of a local date, a store's own promotions, a
// promotion's first millisecond, and overrides laid over each other in calendar order.
import { describe, expect, it } from 'vitest';
import {
  activePromotions,
  alwaysOpenCalendar,
  type Calendar,
  isStoreOpen,
  isStoreOpenOnDay,
  type OpeningRange,
  type Promotion,
  paramsAt,
  type StoreHours,
  WEEKDAYS,
  type Weekday,
} from '../../src/domain/alerts/calendar.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const weekly = (ranges: OpeningRange[], only?: Weekday): StoreHours['weekly'] =>
  Object.fromEntries(WEEKDAYS.map((d) => [d, only === undefined || d === only ? ranges : []])) as Record<
    Weekday,
    OpeningRange[]
  >;
const hours = (timeZone: string, w: StoreHours['weekly'], closedDates: string[] = []): StoreHours => ({
  timeZone,
  weekly: w,
  closedDates,
});
const withStore = (storeId: string, h: StoreHours, base: Calendar = alwaysOpenCalendar()): Calendar => ({
  ...base,
  storeHours: { [storeId]: h },
});

describe('alwaysOpenCalendar', () => {
  it('is in Asia/Shanghai unless told otherwise, open every minute of every day, with no promotions', () => {
    const cal = alwaysOpenCalendar();
    expect(cal.timeZone).toBe('Asia/Shanghai');
    expect(cal.defaultHours.timeZone).toBe('Asia/Shanghai');
    expect(cal.defaultHours.closedDates).toEqual([]);
    expect(cal.promotions).toEqual([]);
    expect(cal.storeHours).toEqual({});
    for (const d of WEEKDAYS) expect(cal.defaultHours.weekly[d]).toEqual([{ fromMinute: 0, toMinute: 1440 }]);
    expect(alwaysOpenCalendar('Europe/Berlin').defaultHours.timeZone).toBe('Europe/Berlin');
  });
});

describe('isStoreOpen', () => {
  // 09:00-17:00 wherever the hours are read.
  const nineToFive = hours('', weekly([{ fromMinute: 9 * 60, toMinute: 17 * 60 }]));
  const at = Date.parse('2026-11-11T08:30:00Z'); // 16:30 in Shanghai, 09:30 in Berlin, 03:30 in New York

  it('reads hours naming no zone in the caller’s zone, else in the calendar’s', () => {
    const berlin = withStore('X', nineToFive, alwaysOpenCalendar('Europe/Berlin'));
    expect(isStoreOpen(berlin, 'X', at)).toBe(true);
    expect(isStoreOpen(berlin, 'X', at, 'America/New_York')).toBe(false);
    expect(isStoreOpen(berlin, 'X', at + HOUR)).toBe(true);
    expect(isStoreOpen(berlin, 'X', at + HOUR, 'Asia/Shanghai')).toBe(false);
  });

  it('reads hours naming a zone in that zone, whatever the caller’s', () => {
    const ny = withStore('X', { ...nineToFive, timeZone: 'America/New_York' });
    expect(isStoreOpen(ny, 'X', at, 'Europe/Berlin')).toBe(false);
    expect(isStoreOpen(ny, 'X', at + 6 * HOUR, 'Europe/Berlin')).toBe(true);
  });

  it('is open from the range’s first minute to its last, and each minute is read afresh', () => {
    const cal = withStore('X', hours('UTC', weekly([{ fromMinute: 9 * 60, toMinute: 17 * 60 }])));
    const day = Date.parse('2026-11-11T00:00:00Z');
    expect(isStoreOpen(cal, 'X', day + 9 * HOUR - 1)).toBe(false);
    expect(isStoreOpen(cal, 'X', day + 9 * HOUR)).toBe(true);
    expect(isStoreOpen(cal, 'X', day + 17 * HOUR - 1)).toBe(true);
    expect(isStoreOpen(cal, 'X', day + 17 * HOUR)).toBe(false);
    expect(isStoreOpen(cal, 'X', day + 17 * HOUR - MINUTE)).toBe(true);
  });

  it('reads midnight as minute 0 of the new day', () => {
    const night = withStore('X', hours('UTC', weekly([{ fromMinute: 0, toMinute: 60 }], 'thu')));
    const thursday = Date.parse('2026-11-12T00:00:00Z');
    expect(isStoreOpen(night, 'X', thursday)).toBe(true);
    expect(isStoreOpen(night, 'X', thursday - 1)).toBe(false);
    expect(isStoreOpen(night, 'X', thursday + 59 * MINUTE)).toBe(true);
    expect(isStoreOpen(night, 'X', thursday + HOUR)).toBe(false);
  });

  it('is closed all day on a closed date in the store’s zone', () => {
    const cal = withStore(
      'X',
      hours('Asia/Shanghai', weekly([{ fromMinute: 0, toMinute: 1440 }]), ['2026-11-12']),
    );
    expect(isStoreOpen(cal, 'X', Date.parse('2026-11-11T15:59:59Z'))).toBe(true);
    expect(isStoreOpen(cal, 'X', Date.parse('2026-11-11T16:00:00Z'))).toBe(false);
    expect(isStoreOpen(cal, 'X', Date.parse('2026-11-12T15:59:59Z'))).toBe(false);
    expect(isStoreOpen(cal, 'X', Date.parse('2026-11-12T16:00:00Z'))).toBe(true);
  });

  it('opens on each weekday by that weekday’s own ranges', () => {
    const monday = Date.parse('2026-11-16T12:00:00Z');
    WEEKDAYS.forEach((only, i) => {
      const cal = withStore('X', hours('UTC', weekly([{ fromMinute: 0, toMinute: 1440 }], only)));
      WEEKDAYS.forEach((_, j) => {
        expect(isStoreOpen(cal, 'X', monday + j * 24 * HOUR), `${only} hours, day ${j}`).toBe(i === j);
      });
    });
  });

  it('uses the default hours for a store without its own, even one named like an object property', () => {
    const cal = withStore('X', hours('UTC', weekly([])));
    expect(isStoreOpen(cal, 'X', Date.parse('2026-11-11T12:00:00Z'))).toBe(false);
    expect(isStoreOpen(cal, 'constructor', Date.parse('2026-11-11T12:00:00Z'))).toBe(true);
    expect(isStoreOpenOnDay(cal, 'toString', '2026-11-11')).toBe(true);
  });
});

describe('isStoreOpenOnDay', () => {
  it('finds the weekday of a local date, across month and year ends', () => {
    const days: Array<[string, Weekday]> = [
      ['2026-11-16', 'mon'],
      ['2026-11-17', 'tue'],
      ['2026-11-18', 'wed'],
      ['2026-11-19', 'thu'],
      ['2026-11-20', 'fri'],
      ['2026-11-21', 'sat'],
      ['2026-11-22', 'sun'],
      ['2026-11-30', 'mon'],
      ['2026-12-31', 'thu'],
      ['2027-01-01', 'fri'],
      ['2026-03-01', 'sun'],
    ];
    for (const [day, weekday] of days) {
      for (const only of WEEKDAYS) {
        const cal = withStore('X', hours('UTC', weekly([{ fromMinute: 600, toMinute: 660 }], only)));
        expect(isStoreOpenOnDay(cal, 'X', day), `${day} with ${only} hours`).toBe(only === weekday);
      }
    }
  });

  it('does not count an empty range as opening', () => {
    const cal = withStore('X', hours('UTC', weekly([{ fromMinute: 600, toMinute: 600 }])));
    expect(isStoreOpenOnDay(cal, 'X', '2026-11-16')).toBe(false);
    const oneMinute = withStore('X', hours('UTC', weekly([{ fromMinute: 600, toMinute: 601 }])));
    expect(isStoreOpenOnDay(oneMinute, 'X', '2026-11-16')).toBe(true);
  });
});

const promotion = (
  name: string,
  fromMs: number,
  toMs: number,
  extra: Partial<Promotion> = {},
): Promotion => ({
  name,
  fromMs,
  toMs,
  stores: [],
  overrides: {},
  ...extra,
});
const T0 = Date.parse('2026-11-11T00:00:00Z');

describe('activePromotions', () => {
  it('runs from its first millisecond to just before its end', () => {
    const cal = { ...alwaysOpenCalendar(), promotions: [promotion('p', T0, T0 + HOUR)] };
    expect(activePromotions(cal, T0 - 1)).toEqual([]);
    expect(activePromotions(cal, T0).map((p) => p.name)).toEqual(['p']);
    expect(activePromotions(cal, T0 + HOUR - 1).map((p) => p.name)).toEqual(['p']);
    expect(activePromotions(cal, T0 + HOUR)).toEqual([]);
  });

  it('gives a store its own promotions and the chain’s, and without a store only the chain’s', () => {
    const cal = {
      ...alwaysOpenCalendar(),
      promotions: [
        promotion('chain', T0, T0 + HOUR),
        promotion('s1', T0, T0 + HOUR, { stores: ['S1', 'S3'] }),
        promotion('s2', T0, T0 + HOUR, { stores: ['S2'] }),
      ],
    };
    expect(activePromotions(cal, T0, 'S1').map((p) => p.name)).toEqual(['chain', 's1']);
    expect(activePromotions(cal, T0, 'S3').map((p) => p.name)).toEqual(['chain', 's1']);
    expect(activePromotions(cal, T0, 'S2').map((p) => p.name)).toEqual(['chain', 's2']);
    expect(activePromotions(cal, T0, 'S9').map((p) => p.name)).toEqual(['chain']);
    expect(activePromotions(cal, T0).map((p) => p.name)).toEqual(['chain']);
  });
});

describe('paramsAt', () => {
  const base = DEFAULT_RULE_PARAMS;

  it('lays later promotions over earlier ones, rule by rule, leaving the rest of the parameters alone', () => {
    const cal = {
      ...alwaysOpenCalendar(),
      promotions: [
        promotion('first', T0, T0 + HOUR, {
          overrides: { callback_silent: { minOrders: 50, limitMs: 20 * MINUTE } },
        }),
        promotion('second', T0, T0 + HOUR, { overrides: { callback_silent: { minOrders: 80 } } }),
      ],
    };
    const during = paramsAt(base, cal, T0);
    expect(during.callback_silent).toEqual({ ...base.callback_silent, minOrders: 80, limitMs: 20 * MINUTE });
    expect(during.order_stalled).toBe(base.order_stalled);
    expect(base.callback_silent.minOrders).not.toBe(80);
  });

  it('sets, keeps and switches off stall limits status by status, over an earlier promotion’s', () => {
    const cal = {
      ...alwaysOpenCalendar(),
      promotions: [
        promotion('first', T0, T0 + HOUR, {
          overrides: { order_stalled: { limitsMs: { paid: 5 * MINUTE, created: 7 * MINUTE } } },
        }),
        promotion('second', T0, T0 + HOUR, {
          overrides: {
            order_stalled: { limitsMs: { picking: null, packed: undefined, created: 9 * MINUTE } },
          },
        }),
        promotion('severity only', T0, T0 + HOUR, { overrides: { order_stalled: { severity: 'critical' } } }),
      ],
    };
    const during = paramsAt(base, cal, T0);
    expect(during.order_stalled.limitsMs).toStrictEqual({ paid: 5 * MINUTE, created: 9 * MINUTE });
    expect(during.order_stalled.severity).toBe('critical');
    expect(base.order_stalled.limitsMs).toEqual({
      paid: 2 * MINUTE,
      picking: 30 * MINUTE,
      packed: 12 * HOUR,
    });
  });

  it('applies a store’s promotion to that store only', () => {
    const cal = {
      ...alwaysOpenCalendar(),
      promotions: [
        promotion('s1', T0, T0 + HOUR, { stores: ['S1'], overrides: { callback_silent: { minOrders: 3 } } }),
      ],
    };
    expect(paramsAt(base, cal, T0, 'S1').callback_silent.minOrders).toBe(3);
    expect(paramsAt(base, cal, T0, 'S2')).toBe(base);
    expect(paramsAt(base, cal, T0)).toBe(base);
  });
});
