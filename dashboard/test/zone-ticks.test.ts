import { describe, expect, it } from 'vitest';
import { orderTimelineSpec, type TimelinePoint } from '../src/charts/order-timeline-spec.ts';
import { dayClockLabel, spanTickLabel } from '../src/charts/zone-ticks.ts';

// 2026-12-05T16:30:00Z: 00:30 on the 6th in Shanghai, 11:30 on the 5th in New York.
const AT = Date.UTC(2026, 11, 5, 16, 30);
const HOUR = 3_600_000;

const lanes = { status: 'S', payment: 'P', carrier: 'C', alert: 'A' };
const tickOf = (points: TimelinePoint[], zone: string) => {
  const spec = orderTimelineSpec(points, lanes, String, zone);
  const ticks = spec.options?.scales?.x?.ticks as { callback: (v: number) => string } | undefined;
  if (!ticks) throw new Error('the timeline has no x-axis ticks');
  return ticks.callback(AT);
};

describe('time-axis ticks in the business zone', () => {
  it('names the day as well as the clock, in the zone asked for', () => {
    expect(dayClockLabel('Asia/Shanghai')(AT)).toBe('12-06 00:30');
    expect(dayClockLabel('America/New_York')(AT)).toBe('12-05 11:30');
  });

  it('shows the clock alone while the span stays under a day, and the day once it does not', () => {
    expect(spanTickLabel('Asia/Shanghai', AT, AT + 23 * HOUR)(AT)).toBe('00:30');
    expect(spanTickLabel('Asia/Shanghai', AT, AT + 24 * HOUR)(AT)).toBe('12-06 00:30');
  });

  it("labels the order timeline in the collector's zone, not the browser's", () => {
    const short: TimelinePoint[] = [
      { lane: 'status', at: AT, text: 'created' },
      { lane: 'payment', at: AT + HOUR, text: 'paid' },
    ];
    expect(tickOf(short, 'Asia/Shanghai')).toBe('00:30');
    expect(tickOf(short, 'America/New_York')).toBe('11:30');
    const long: TimelinePoint[] = [...short, { lane: 'carrier', at: AT + 50 * HOUR, text: 'delivered' }];
    expect(tickOf(long, 'Asia/Shanghai')).toBe('12-06 00:30');
  });
});
