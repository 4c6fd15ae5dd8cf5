// Local days and the daily run time, in zones whose days are not 24 hours or whose offset is not a
// whole hour.
import { describe, expect, it } from 'vitest';
import {
  nextDailyRun,
  parseDailyTime,
  previousLocalDay,
} from '../../../src/domain/reconciliation/daily-schedule.ts';
import { localDayFn, localDayRange } from '../../../src/domain/reconciliation/local-day.ts';

const HOUR = 3_600_000;

describe('local days', () => {
  it('a day runs from local midnight to the next, 23 or 25 hours on a DST change', () => {
    const [start, end] = localDayRange('2024-06-01', 'Asia/Shanghai');
    expect(start).toBe(Date.parse('2024-06-01T00:00:00+08:00'));
    expect(end).toBe(Date.parse('2024-06-02T00:00:00+08:00'));
    const [springStart, springEnd] = localDayRange('2024-03-10', 'America/New_York');
    expect(springStart).toBe(Date.parse('2024-03-10T00:00:00-05:00'));
    expect(springEnd - springStart).toBe(23 * HOUR);
    const [fallStart, fallEnd] = localDayRange('2024-11-03', 'America/New_York');
    expect(fallStart).toBe(Date.parse('2024-11-03T00:00:00-04:00'));
    expect(fallEnd - fallStart).toBe(25 * HOUR);
  });

  it('finds midnight at a quarter-hour offset and at the far ends of the offsets', () => {
    expect(localDayRange('2024-06-01', 'Asia/Kathmandu')).toEqual([
      Date.parse('2024-06-01T00:00:00+05:45'),
      Date.parse('2024-06-02T00:00:00+05:45'),
    ]);
    expect(localDayRange('2024-06-01', 'Pacific/Kiritimati')[0]).toBe(
      Date.parse('2024-06-01T00:00:00+14:00'),
    );
    expect(localDayRange('2024-06-01', 'Etc/GMT+12')[0]).toBe(Date.parse('2024-06-01T00:00:00-12:00'));
  });

  it('refuses what is not a day', () => {
    expect(() => localDayRange('2024-6-1', 'UTC')).toThrow('not a day: 2024-6-1');
    expect(() => localDayRange('x2024-06-01', 'UTC')).toThrow(RangeError);
    expect(() => localDayRange('2024-06-01x', 'UTC')).toThrow(RangeError);
  });

  it('the day of an instant is the local one, at both sides of local midnight', () => {
    const dayOf = localDayFn('Asia/Kathmandu');
    expect(dayOf(Date.parse('2024-06-01T23:59:59.999+05:45'))).toBe('2024-06-01');
    expect(dayOf(Date.parse('2024-06-02T00:00:00+05:45'))).toBe('2024-06-02');
    // The same quarter hour again comes from the cache, and must be the same day.
    expect(dayOf(Date.parse('2024-06-01T23:50:00+05:45'))).toBe('2024-06-01');
    expect(dayOf(Date.parse('2024-06-02T00:14:59+05:45'))).toBe('2024-06-02');
  });
});

describe('the daily run', () => {
  const cst = (local: string) => Date.parse(`${local}+08:00`);

  it('is the first run time strictly after now', () => {
    const at = { hour: 2, minute: 30 };
    expect(nextDailyRun(cst('2024-06-02T02:29:59'), 'Asia/Shanghai', at)).toBe(cst('2024-06-02T02:30:00'));
    expect(nextDailyRun(cst('2024-06-02T02:30:00'), 'Asia/Shanghai', at)).toBe(cst('2024-06-03T02:30:00'));
    expect(nextDailyRun(cst('2024-06-01T00:00:00'), 'Asia/Shanghai', { hour: 0, minute: 0 })).toBe(
      cst('2024-06-02T00:00:00'),
    );
  });

  it('counts hours and minutes after local midnight, so a DST day shifts the wall-clock time', () => {
    // 2024-03-10 in New York: 02:00 does not exist; 3 hours after midnight is 04:00 EDT.
    const run = nextDailyRun(Date.parse('2024-03-10T00:30:00-05:00'), 'America/New_York', {
      hour: 3,
      minute: 0,
    });
    expect(run).toBe(Date.parse('2024-03-10T04:00:00-04:00'));
    const next = nextDailyRun(run, 'America/New_York', { hour: 3, minute: 0 });
    expect(next).toBe(Date.parse('2024-03-11T03:00:00-04:00'));
  });

  it('reconciles the local day before now', () => {
    expect(previousLocalDay(cst('2024-06-01T00:00:00'), 'Asia/Shanghai')).toBe('2024-05-31');
    expect(previousLocalDay(cst('2024-06-01T23:59:59'), 'Asia/Shanghai')).toBe('2024-05-31');
    expect(previousLocalDay(Date.parse('2024-03-01T01:00:00Z'), 'America/New_York')).toBe('2024-02-28');
  });

  it.each([
    ['02:00', { hour: 2, minute: 0 }],
    ['2:05', { hour: 2, minute: 5 }],
    [' 23:59 ', { hour: 23, minute: 59 }],
    ['19:30', { hour: 19, minute: 30 }],
    ['00:00', { hour: 0, minute: 0 }],
  ])('reads %j as a time of day', (text, time) => {
    expect(parseDailyTime(text)).toEqual(time);
  });

  it.each(['24:00', '2:5', '02:60', '29:00', '002:00', '02:000', 'x02:00', '02:00x', '', 'off'])(
    'refuses %j',
    (text) => {
      expect(parseDailyTime(text)).toBeUndefined();
    },
  );
});
