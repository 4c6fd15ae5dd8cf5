// Event times read from the wire and from providers: every RFC 3339 field checked against the
// calendar, the offset applied, and the bounds (before 2000, too far ahead, slightly ahead clamped).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boundEventTime,
  DEFAULT_MAX_CLOCK_SKEW_MS,
  EARLIEST_EVENT_TIME,
  parseRfc3339Instant,
} from '../../../src/ingest/event-time.ts';
import { limitProviderEvents } from '../../../src/ingest/provider-event-limits.ts';
import { referenceRfc3339Instant } from '../../support/rfc3339-reference.ts';

const NOW = Date.parse('2026-11-11T10:00:00Z');
const bounds = { now: NOW, maxSkewMs: 300_000 };

describe('parseRfc3339Instant', () => {
  it('reads Z, a positive and a negative offset', () => {
    expect(parseRfc3339Instant('2026-11-11T10:00:00Z')).toBe(NOW);
    expect(parseRfc3339Instant('2026-11-11t10:00:00z')).toBe(NOW);
    expect(parseRfc3339Instant('2026-11-11T18:00:00+08:00')).toBe(NOW);
    expect(parseRfc3339Instant('2026-11-11T04:30:00-05:30')).toBe(NOW);
    expect(parseRfc3339Instant('2026-11-11 10:00:00+00:00')).toBe(NOW);
  });

  it('keeps milliseconds, pads a short fraction and drops digits past the millisecond', () => {
    expect(parseRfc3339Instant('2026-11-11T10:00:00.5Z')).toBe(NOW + 500);
    expect(parseRfc3339Instant('2026-11-11T10:00:00.05Z')).toBe(NOW + 50);
    expect(parseRfc3339Instant('2026-11-11T10:00:00.123456789Z')).toBe(NOW + 123);
  });

  it('refuses a time without an offset or with text around it', () => {
    expect(parseRfc3339Instant('2026-11-11T10:00:00')).toBeUndefined();
    expect(parseRfc3339Instant(' 2026-11-11T10:00:00Z')).toBeUndefined();
    expect(parseRfc3339Instant('2026-11-11T10:00:00Zx')).toBeUndefined();
    expect(parseRfc3339Instant('2026-11-11')).toBeUndefined();
  });

  it('takes the last day of each month and refuses the day after it', () => {
    const lastDays: [string, number][] = [
      ['01', 31],
      ['02', 28],
      ['03', 31],
      ['04', 30],
      ['05', 31],
      ['06', 30],
      ['07', 31],
      ['08', 31],
      ['09', 30],
      ['10', 31],
      ['11', 30],
      ['12', 31],
    ];
    for (const [month, last] of lastDays) {
      const day = String(last).padStart(2, '0');
      expect(parseRfc3339Instant(`2027-${month}-${day}T00:00:00Z`), `${month}-${day}`).toBe(
        Date.UTC(2027, Number(month) - 1, last),
      );
      expect(
        parseRfc3339Instant(`2027-${month}-${last + 1}T00:00:00Z`),
        `${month}-${last + 1}`,
      ).toBeUndefined();
    }
  });

  it('has Feb 29 in leap years only: every fourth year, not centuries, but every fourth century', () => {
    expect(parseRfc3339Instant('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
    expect(parseRfc3339Instant('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(parseRfc3339Instant('2100-02-29T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339Instant('2027-02-29T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339Instant('2100-02-28T00:00:00Z')).toBe(Date.UTC(2100, 1, 28));
  });

  it('refuses month 0 and 13, day 0, hour 24, minute 60 and second 60, and takes the largest valid ones', () => {
    expect(parseRfc3339Instant('2026-00-10T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339Instant('2026-13-10T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339Instant('2026-01-00T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339Instant('2026-01-01T24:00:00Z')).toBeUndefined();
    expect(parseRfc3339Instant('2026-01-01T00:60:00Z')).toBeUndefined();
    expect(parseRfc3339Instant('2026-01-01T00:00:60Z')).toBeUndefined();
    expect(parseRfc3339Instant('2026-01-01T23:59:59Z')).toBe(Date.UTC(2026, 0, 1, 23, 59, 59));
    expect(parseRfc3339Instant('2026-12-01T00:00:00Z')).toBe(Date.UTC(2026, 11, 1));
  });

  it('refuses an offset of 24 hours or 60 minutes and takes +23:59', () => {
    expect(parseRfc3339Instant('2026-11-11T10:00:00+24:00')).toBeUndefined();
    expect(parseRfc3339Instant('2026-11-11T10:00:00+00:60')).toBeUndefined();
    expect(parseRfc3339Instant('2026-11-11T10:00:00+23:59')).toBe(NOW - 23 * 3_600_000 - 59 * 60_000);
  });

  it('reads a year below 100 as that year, not as 19xx', () => {
    expect(parseRfc3339Instant('0099-01-01T00:00:00Z')).toBe(
      new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(99),
    );
    expect(new Date(parseRfc3339Instant('0050-03-01T00:00:00Z')!).getUTCFullYear()).toBe(50);
    expect(new Date(parseRfc3339Instant('0100-03-01T00:00:00Z')!).getUTCFullYear()).toBe(100);
  });
});

describe('parseRfc3339Instant against the grammar as a regular expression', () => {
  const digits = (count: number, max = 10 ** count - 1) =>
    fc.integer({ min: 0, max }).map((n) => String(n).padStart(count, '0'));
  // Near-misses of every part: fields past their range, other separators, fractions of 0–11 digits,
  // offsets past 23:59, no zone.
  const nearlyRfc3339 = fc
    .tuple(
      digits(4),
      digits(2, 19),
      digits(2, 39),
      fc.constantFrom('T', 't', ' ', '_'),
      digits(2, 29),
      digits(2, 69),
      digits(2, 69),
      fc.option(fc.stringMatching(/^[0-9]{0,11}$/), { nil: undefined }),
      fc.oneof(
        fc.constantFrom('Z', 'z', '', 'UTC', '+8'),
        fc
          .tuple(fc.constantFrom('+', '-'), digits(2, 29), fc.constantFrom(':', ''), digits(2, 69))
          .map((p) => p.join('')),
      ),
    )
    .map(
      ([y, mo, d, sep, h, mi, s, fraction, zone]) =>
        `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${fraction === undefined ? '' : `.${fraction}`}${zone}`,
    );
  // One character put in, replaced or taken out anywhere: digits of other scripts, NUL, the
  // grammar's own punctuation in the wrong place.
  const edited = fc
    .tuple(
      nearlyRfc3339,
      fc.nat(40),
      fc.constantFrom('insert', 'replace', 'delete'),
      fc.constantFrom('٣', '２', '\u0000', ':', '-', '.', 'Z', '+', '9', ' ', '𝟗'),
    )
    .map(([text, at, edit, char]) => {
      const i = at % (text.length + 1);
      if (edit === 'insert') return text.slice(0, i) + char + text.slice(i);
      if (edit === 'replace') return text.slice(0, i) + char + text.slice(i + 1);
      return text.slice(0, i) + text.slice(i + 1);
    });

  it('reads the same instant, or refuses, for times that nearly follow it and for edited ones', () => {
    fc.assert(
      fc.property(fc.oneof(nearlyRfc3339, edited), (text) => {
        expect(parseRfc3339Instant(text)).toBe(referenceRfc3339Instant(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with it on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40, unit: 'binary' }), (text) => {
        expect(parseRfc3339Instant(text)).toBe(referenceRfc3339Instant(text));
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('boundEventTime', () => {
  it('refuses what is not a finite time', () => {
    expect(boundEventTime(Number.NaN, bounds)).toEqual({ ok: false, message: 'is not a time' });
    expect(boundEventTime(Number.POSITIVE_INFINITY, bounds)).toEqual({ ok: false, message: 'is not a time' });
  });

  it('refuses a time before 2000-01-01 and takes 2000-01-01 itself', () => {
    expect(EARLIEST_EVENT_TIME).toBe(Date.parse('2000-01-01T00:00:00Z'));
    expect(boundEventTime(EARLIEST_EVENT_TIME - 1, bounds)).toEqual({
      ok: false,
      message: 'lies before 2000-01-01',
    });
    expect(boundEventTime(EARLIEST_EVENT_TIME, bounds)).toEqual({ ok: true, at: EARLIEST_EVENT_TIME });
  });

  it('clamps a time up to the skew ahead to now and refuses one a millisecond further', () => {
    expect(boundEventTime(NOW + 300_000, bounds)).toEqual({ ok: true, at: NOW });
    expect(boundEventTime(NOW - 1, bounds)).toEqual({ ok: true, at: NOW - 1 });
    expect(boundEventTime(NOW + 300_001, bounds)).toEqual({
      ok: false,
      message: 'lies more than 300 s ahead of the server clock (2026-11-11T10:00:00.000Z)',
    });
  });

  it('defaults the skew to five minutes', () => {
    expect(DEFAULT_MAX_CLOCK_SKEW_MS).toBe(5 * 60_000);
  });
});

describe('limitProviderEvents', () => {
  it('clamps every event slightly ahead to now and leaves earlier ones alone', () => {
    const events = [{ occurredAt: NOW + 1000 }, { occurredAt: NOW - 1000 }];
    expect(limitProviderEvents(events, bounds, 'success_time')).toEqual({ ok: true });
    expect(events).toEqual([{ occurredAt: NOW }, { occurredAt: NOW - 1000 }]);
  });

  it('refuses the callback for one event too far ahead, naming the field and the time, and clamps nothing', () => {
    const events = [{ occurredAt: NOW + 1000 }, { occurredAt: NOW + 3_600_000 }];
    expect(limitProviderEvents(events, bounds, 'success_time')).toEqual({
      ok: false,
      error: 'invalid_time',
      message:
        'success_time 2026-11-11T11:00:00.000Z lies more than 300 s ahead of the server clock (2026-11-11T10:00:00.000Z)',
    });
    expect(events[0]!.occurredAt).toBe(NOW + 1000);
  });

  it('writes a time outside the Date range as a number', () => {
    const refused = limitProviderEvents([{ occurredAt: 9e15 }], bounds, 'ftime');
    expect(refused).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^ftime 9000000000000000 lies more/),
    });
    const early = limitProviderEvents([{ occurredAt: -8.64e15 }], bounds, 'ftime');
    expect(early).toMatchObject({ message: 'ftime -271821-04-20T00:00:00.000Z lies before 2000-01-01' });
    const nan = limitProviderEvents([{ occurredAt: Number.NaN }], bounds, 'ftime');
    expect(nan).toMatchObject({ message: 'ftime NaN is not a time' });
  });

  it('refuses an event with U+0000 in a text field as invalid_event, naming the field', () => {
    expect(limitProviderEvents([{ occurredAt: NOW, orderId: 'A\u0000' }], bounds, 'x')).toEqual({
      ok: false,
      error: 'invalid_event',
      message: 'orderId contains U+0000',
    });
  });
});
